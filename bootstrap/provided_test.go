package bootstrap

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
)

// TestNewPlatformMarksWhatTheClusterProvides: the Platform of a hetzner, huawei or oci
// bootstrap says that the cluster provides cilium (k3s installs it; CCE and OKE bring their
// own CNI), so the operator never installs a second one; local and existing clusters get
// the catalog's cilium from the operator.
func TestNewPlatformMarksWhatTheClusterProvides(t *testing.T) {
	set := []catalog.Installed{{Name: "cilium", Version: "1.19.6"}, {Name: "grafana", Version: "12.0.0"}}
	for _, tc := range []struct {
		provider  Provider
		by        string
		workloads []openovav1alpha1.WorkloadRef
	}{
		{ProviderHetzner, "k3s", []openovav1alpha1.WorkloadRef{{Kind: "DaemonSet", Name: "cilium"}, {Kind: "Deployment", Name: "cilium-operator"}}},
		{ProviderHuawei, "cce", nil},
		{ProviderOCI, "oke", nil},
		{ProviderLocal, "", nil},
		{ProviderExisting, "", nil},
	} {
		t.Run(string(tc.provider), func(t *testing.T) {
			cfg := &Config{Provider: tc.provider, Organization: Organization{Name: "acme", Domain: "acme.example.com"}}
			p := NewPlatform(cfg, &Outputs{}, set, "")
			require.Len(t, p.Spec.Components, 2)
			assert.Nil(t, p.Spec.Components[1].Provided, "grafana is the operator's")
			cilium := p.Spec.Components[0]
			if tc.by == "" {
				assert.Nil(t, cilium.Provided)
				return
			}
			require.NotNil(t, cilium.Provided)
			assert.Equal(t, tc.by, cilium.Provided.By)
			assert.Equal(t, tc.workloads, cilium.Provided.Workloads)
		})
	}
}
