package operator

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// partsPruneCatalog: kit, whose versions shed what they deliver one step at a time.
// 1.0.0: chart parts kit-crds and kit, then resource part extras (ConfigMaps kit-a, kit-b);
// 1.1.0: the same parts, extras renders only kit-a;
// 1.2.0: drops kit-crds and extras, adds resource part other (ConfigMap kit-c);
// 1.3.0: a single chart (no parts at all).
const partsPruneCatalog = `
apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: kit
category: a-la-carte
description: Parts that go away on upgrade.
namespace: %[2]s
chart: {repository: "%[1]s", name: kit}
versions:
- {version: 1.3.0, chartVersion: 1.3.0}
- version: 1.2.0
  parts:
  - {name: kit, chartVersion: 1.2.0}
  - name: other
    resources: |
      {apiVersion: v1, kind: ConfigMap, metadata: {name: kit-c}, data: {version: "{{ .Version }}"}}
- version: 1.1.0
  parts:
  - {name: kit-crds, chart: {name: kit-crds}, chartVersion: 1.1.0}
  - {name: kit, chartVersion: 1.1.0}
  - name: extras
    resources: |
      {apiVersion: v1, kind: ConfigMap, metadata: {name: kit-a}, data: {version: "{{ .Version }}"}}
- version: 1.0.0
  parts:
  - {name: kit-crds, chart: {name: kit-crds}, chartVersion: 1.0.0}
  - {name: kit, chartVersion: 1.0.0}
  - name: extras
    resources: |
      {apiVersion: v1, kind: ConfigMap, metadata: {name: kit-a}, data: {version: "{{ .Version }}"}}
      ---
      {apiVersion: v1, kind: ConfigMap, metadata: {name: kit-b}, data: {version: "{{ .Version }}"}}
`

// TestUpgradePrunesDroppedParts plays Flux by writing HelmRelease statuses and upgrades kit
// through versions that deliver less: an object a resource part no longer renders is
// deleted, a chart part the version drops loses its HelmRelease, a resource part it drops
// loses its objects, and a version without parts prunes what the last multi-part one left.
func TestUpgradePrunesDroppedParts(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	target := ns + "-kit" // the component's namespace, where its ConfigMaps go
	require.NoError(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: target}}))
	data := fmt.Sprintf(partsPruneCatalog, testRepo, target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(data)) }))
	t.Cleanup(srv.Close)
	p := newPlatform(ns, entry{Name: "kit", Version: "1.0.0"})
	p.Spec.Catalog = &openovav1alpha1.CatalogSource{URL: srv.URL + "/catalog.yaml"}
	require.NoError(t, k8s.Create(ctx, p))

	configMap := func(name string) error {
		return k8s.Get(ctx, client.ObjectKey{Namespace: target, Name: name}, &corev1.ConfigMap{})
	}
	healthyAt := func(version string) *openovav1alpha1.Component {
		t.Helper()
		return waitComponent(t, ns, "kit", "healthy at "+version, func(c *openovav1alpha1.Component) bool {
			return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == version && c.Status.ObservedGeneration == c.Generation
		})
	}
	upgrade := func(version string) {
		t.Helper()
		updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Version = version })
	}

	// 1.0.0: both chart parts, then both ConfigMaps.
	playFluxDeployed(t, waitRelease(t, ns, "kit-crds", "1.0.0"))
	playFluxDeployed(t, waitRelease(t, ns, "kit", "1.0.0"))
	c := healthyAt("1.0.0")
	require.Len(t, c.Status.Parts, 3)
	assert.Len(t, c.Status.Parts[2].Objects, 2)
	require.NoError(t, configMap("kit-a"))
	require.NoError(t, configMap("kit-b"))

	// 1.1.0: extras no longer renders kit-b, which goes; kit-a stays.
	upgrade("1.1.0")
	playFluxDeployed(t, waitRelease(t, ns, "kit-crds", "1.1.0"))
	playFluxDeployed(t, waitRelease(t, ns, "kit", "1.1.0"))
	c = healthyAt("1.1.0")
	eventually(t, "kit-b pruned", func() (bool, string) { err := configMap("kit-b"); return apierrors.IsNotFound(err), errString(err) })
	require.NoError(t, configMap("kit-a"))
	require.Len(t, c.Status.Parts, 3)
	assert.Equal(t, []openovav1alpha1.ObjectReference{{APIVersion: "v1", Kind: "ConfigMap", Namespace: target, Name: "kit-a"}}, c.Status.Parts[2].Objects)

	// 1.2.0: kit-crds and extras are dropped: the HelmRelease and kit-a go, kit-c comes.
	upgrade("1.2.0")
	playFluxDeployed(t, waitRelease(t, ns, "kit", "1.2.0"))
	c = healthyAt("1.2.0")
	eventually(t, "kit-crds and kit-a pruned", func() (bool, string) {
		_, errR := getRelease(ns, "kit-crds")
		errA := configMap("kit-a")
		return apierrors.IsNotFound(errR) && apierrors.IsNotFound(errA), fmt.Sprint(errR, errA)
	})
	require.NoError(t, configMap("kit-c"))
	assert.Equal(t, []string{"kit", "other"}, partStatusNames(c.Status.Parts))

	// 1.3.0: one chart, no parts: what part other applied goes, the release kit stays.
	upgrade("1.3.0")
	playFluxDeployed(t, waitRelease(t, ns, "kit", "1.3.0"))
	c = healthyAt("1.3.0")
	eventually(t, "kit-c pruned", func() (bool, string) { err := configMap("kit-c"); return apierrors.IsNotFound(err), errString(err) })
	assert.Empty(t, c.Status.Parts)
	_, err := getRelease(ns, "kit")
	assert.NoError(t, err)
}

func partStatusNames(parts []openovav1alpha1.PartStatus) []string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		out = append(out, p.Name)
	}
	return out
}
