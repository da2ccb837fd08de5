package plugin

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/openova-io/core/test/testcatalog"
)

// TestCatalogCommand: catalog reads the catalog with no cluster: KUBECONFIG names a file
// that does not exist, and every command line still works (or fails as invalid input).
func TestCatalogCommand(t *testing.T) {
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "no-such-kubeconfig"))
	cli, parts := testcatalog.WriteFile(t, "cli", testRepo), testcatalog.WriteFile(t, "parts", testRepo)
	runCatalog := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Execute(context.Background(), append([]string{"catalog"}, args...),
			genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		return code, out.String(), errOut.String()
	}

	goldens := []struct {
		golden string
		args   []string
	}{
		{"catalog-list.golden", []string{"--catalog", cli}},
		{"catalog-list.json", []string{"--catalog", cli, "-o", "json"}},
		{"catalog-ai-hub.golden", []string{"ai-hub", "--catalog", cli}},
		{"catalog-ai-hub-1.0.0.yaml", []string{"ai-hub@1.0.0", "--catalog", cli, "-o", "yaml"}},
		{"catalog-ai-hub-1.0.0.golden", []string{"ai-hub@1.0.0", "--catalog", cli}},
		{"catalog-grafana.golden", []string{"grafana", "--catalog", cli}},
		{"catalog-parts.golden", []string{"gadgets", "--catalog", parts}},
	}
	for _, tt := range goldens {
		t.Run(tt.golden, func(t *testing.T) {
			code, out, errOut := runCatalog(tt.args...)
			assert.Equal(t, ExitOK, code, errOut)
			assert.Empty(t, errOut)
			// The catalog's source is in the output: the temporary folder is $DIR there.
			golden(t, tt.golden, []byte(strings.ReplaceAll(out, filepath.Dir(cli), "$DIR")))
		})
	}
	// The table of -o table is the default one.
	_, def, _ := runCatalog("--catalog", cli)
	_, table, _ := runCatalog("--catalog", cli, "-o", "table")
	assert.Equal(t, def, table)

	// The built-in catalog: every component listed, no cluster either.
	code, out, errOut := runCatalog()
	assert.Equal(t, ExitOK, code, errOut)
	for _, name := range []string{"cilium", "flux", "grafana", "kserve", "ai-hub"} {
		assert.Contains(t, out, "\n"+name+" ")
	}

	refused := []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown component", []string{"grafna", "--catalog", cli}, `unknown component "grafna" in catalog ` + cli + ` (did you mean grafana?); list the catalog with kubectl openova catalog`},
		{"unknown version", []string{"ai-hub@9.9.9", "--catalog", cli}, "ai-hub has no version 9.9.9 in catalog " + cli + " (versions: 1.1.0, 1.0.0)"},
		{"empty version", []string{"ai-hub@", "--catalog", cli}, `invalid component "ai-hub@"`},
		{"bad output", []string{"-o", "name", "--catalog", cli}, `unknown output format "name"`},
		{"two names", []string{"grafana", "kserve"}, "accepts at most 1 arg(s)"},
		{"missing catalog", []string{"--catalog", filepath.Join(t.TempDir(), "none.yaml")}, "no such file"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCatalog(tt.args...)
			assert.Equal(t, ExitInvalidInput, code, errOut)
			assert.Contains(t, errOut, tt.msg)
			assert.Empty(t, out)
		})
	}
}
