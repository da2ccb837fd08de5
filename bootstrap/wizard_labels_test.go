package bootstrap

import (
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestComponentLabelsFitTheTerminal(t *testing.T) {
	long := ComponentOption{Name: "external-secrets", Category: CategoryMandatory,
		Description: "Syncs secrets from external stores such as Vault, AWS Secrets Manager and GCP Secret Manager into Kubernetes Secrets"}
	tests := []struct {
		name  string
		width int
		want  string
	}{
		{"wide enough", 200, "external-secrets   mandatory       Syncs secrets from external stores such as Vault, AWS Secrets Manager and GCP Secret Manager into Kubernetes Secrets"},
		{"cut at a word", 80, "external-secrets   mandatory       Syncs secrets from external stores…"},
		{"too narrow for any description", 40, "external-secrets   mandatory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := componentLabel(long, tt.width)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, runewidth.StringWidth(got), tt.width-listIndent, "one line with the cursor and check box")
		})
	}
	for w := 30; w <= 160; w++ {
		got := componentLabel(long, w)
		assert.LessOrEqual(t, runewidth.StringWidth(got), max(w-listIndent, len("external-secrets   mandatory")), "width %d", w)
		if body, ok := strings.CutSuffix(got, "…"); ok {
			_, shown, found := strings.Cut(body, "  Syncs")
			require.True(t, found, "width %d: %q", w, got)
			shown = "Syncs" + shown
			assert.True(t, strings.HasPrefix(long.Description, shown), "width %d: %q is a cut of the description", w, got)
			next := long.Description[len(shown):]
			assert.True(t, next == "" || strings.ContainsAny(next[:1], " ,"), "width %d: %q cuts mid-word", w, got)
		}
	}
}

func TestMemberLabelSaysWhatItIs(t *testing.T) {
	// The display name is left out when it only repeats the name.
	assert.Equal(t, "neo4j               knowledge graph", memberLabel(ComponentMember{Name: "neo4j", DisplayName: "Neo4j", Description: "knowledge graph"}, 120))
	assert.Equal(t, "kserve              KServe model serving — inference", memberLabel(ComponentMember{Name: "kserve", DisplayName: "KServe model serving", Description: "inference"}, 120))
	assert.Equal(t, "qdrant              vector database", memberLabel(ComponentMember{Name: "qdrant", Description: "vector database"}, 120))
	assert.Equal(t, "vllm                vLLM", memberLabel(ComponentMember{Name: "vllm", DisplayName: "vLLM"}, 120))
}
