package plugin

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/lifecycle"
	"github.com/openova-io/core/test/testcatalog"
)

// TestDiffRegionsGolden: on a two-region platform (fsn1 primary, hel1 standby with its
// kubeconfig Secret) --diff previews the HelmReleases of every region as the operator
// writes them: a multi-part component's chart parts twice, the standby's named
// <release>-<region> with spec.kubeConfig, the Helm release name of the part and the
// region label, chained within the region; a placement: primary component only the
// primary's. The catalog is test/catalogs/regions.yaml.
func TestDiffRegionsGolden(t *testing.T) {
	startEnv(t)
	data, err := testcatalog.Render("regions", testRepo)
	require.NoError(t, err)
	regionsCatalog := filepath.Join(t.TempDir(), "regions.yaml")
	require.NoError(t, os.WriteFile(regionsCatalog, data, 0o644))
	tests := []struct {
		name, golden string
		args         []string
	}{
		{"multi-part in both regions", "diff-regions-install-parts.golden", []string{"install", "widgets"}},
		{"primary only", "diff-regions-install-primary.golden", []string{"install", "portal"}},
		{"upgrade", "diff-regions-upgrade.golden", []string{"upgrade", "neo4j", "--to", "2.0.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := newNamespace(t)
			u := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": openovav1alpha1.GroupVersion.String(), "kind": "Platform",
				"metadata": map[string]any{"name": "acme", "namespace": ns},
				"spec": map[string]any{
					"organization": map[string]any{"name": "acme", "domain": "acme.example.com"},
					"components": []any{
						map[string]any{"name": "grafana", "version": "0.1.0"},
						map[string]any{"name": "neo4j", "version": "1.0.0"},
					},
					"regions": []any{
						map[string]any{"name": "fsn1", "role": "primary"},
						map[string]any{"name": "hel1", "role": "standby", "kubeConfig": map[string]any{"secretRef": map[string]any{
							"name": lifecycle.RegionSecretName("acme", "hel1"), "key": "value"}}},
					},
				},
			}}
			require.NoError(t, k8s.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(lifecycle.FieldManager), client.ForceOwnership))
			var out, errOut bytes.Buffer
			args := append([]string{"--kubeconfig", kubeconfig, "--catalog", regionsCatalog, "-n", ns}, tt.args...)
			code := Execute(context.Background(), append(args, "--dry-run", "--diff", "--exit-code"),
				genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			require.Equal(t, ExitDifferences, code, errOut.String())
			golden(t, tt.golden, []byte(stableDiff(out.String(), ns)))
			assert.NotContains(t, out.String(), "managedFields")
		})
	}
}
