package terraform

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// TestHetznerCiliumFollowsCatalog keeps the Cilium chart that k3s installs at boot on
// Hetzner equal to the catalog's newest cilium version, so the platform's own cilium entry
// and the bootstrap one agree.
func TestHetznerCiliumFollowsCatalog(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "catalog", "data", "cilium.yaml"))
	require.NoError(t, err)
	var entry struct {
		Versions []struct {
			ChartVersion string `json:"chartVersion"`
		} `json:"versions"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &entry))
	require.NotEmpty(t, entry.Versions)

	main, err := os.ReadFile(filepath.Join("hetzner", "main.tf"))
	require.NoError(t, err)
	m := regexp.MustCompile(`lookup\(var\.provider_settings, "cilium_version", "([^"]+)"\)`).FindSubmatch(main)
	require.NotNil(t, m, "hetzner/main.tf: cilium_version default")
	require.Equal(t, entry.Versions[0].ChartVersion, string(m[1]), "hetzner/main.tf cilium_version default vs catalog/data/cilium.yaml")
}
