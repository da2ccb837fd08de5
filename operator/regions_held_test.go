package operator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// kitCatalog: a chart part, then a resource part whose ConfigMap records the version.
const kitCatalog = `apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: kit
category: a-la-carte
description: A chart, then a ConfigMap of its version.
namespace: kit
chart: {repository: "https://charts.example.test/stable", name: app}
upgrade: {timeout: 20s}
versions:
- version: 1.1.0
  changelog: "Kit 1.1."
  parts:
  - {name: kit, chartVersion: 1.1.0}
  - name: config
    resources: |
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: kit-config}
      data:
        version: "{{ .Version }}"
- version: 1.0.0
  changelog: "Kit 1.0."
  parts:
  - {name: kit, chartVersion: 1.0.0}
  - name: config
    resources: |
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: kit-config}
      data:
        version: "{{ .Version }}"
`

// TestPrimaryResourcePartWaitsForStandby: while the primary waits for the standby's
// upgrade, its resource part keeps what it applied (both regions are this test's one API
// server, so the ConfigMap shows who wrote last); once the standby is Healthy at the new
// version the primary applies it.
func TestPrimaryResourcePartWaitsForStandby(t *testing.T) {
	ctx := context.Background()
	ns := "openova-system" // the operator's Role reads kubeconfig Secrets only here
	standbySecret(t, ns)
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kit"}}); err != nil && !apierrors.IsAlreadyExists(err) {
		require.NoError(t, err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(kitCatalog)) }))
	t.Cleanup(srv.Close)
	p := newPlatform(ns, entry{Name: "kit", Version: "1.0.0"})
	p.Spec.Catalog = &openovav1alpha1.CatalogSource{URL: srv.URL + "/kit.yaml"}
	p.Spec.Regions = twoRegions()
	require.NoError(t, k8s.Create(ctx, p))
	t.Cleanup(func() {
		removeComponents(t, ns, "kit")
		_ = k8s.Delete(ctx, p)
	})
	configVersion := func() string {
		var cm corev1.ConfigMap
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: "kit", Name: "kit-config"}, &cm); err != nil {
			return err.Error()
		}
		return cm.Data["version"]
	}

	playFluxDeployed(t, waitRelease(t, ns, "kit-hel1", "1.0.0"))
	playFluxDeployed(t, waitRelease(t, ns, "kit", "1.0.0"))
	waitComponent(t, ns, "kit", "healthy in both", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.0.0"
	})
	assert.Equal(t, "1.0.0", configVersion())

	// The standby's chart part upgrades (not yet Healthy): the primary holds both parts.
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Version = "1.1.0" })
	standby := waitRelease(t, ns, "kit-hel1", "1.1.0")
	c := waitComponent(t, ns, "kit", "the primary's resource part held", func(c *openovav1alpha1.Component) bool {
		return len(c.Status.Parts) == 2 && strings.Contains(c.Status.Parts[1].Message, "held as applied") &&
			strings.Contains(c.Status.Parts[1].Message, "waiting for the standby region hel1")
	})
	assert.Equal(t, openovav1alpha1.HealthHealthy, c.Status.Parts[1].Health)
	assert.Equal(t, "1.0.0", configVersion(), "the primary did not apply 1.1.0's objects")
	assert.Equal(t, "1.0.0", mustRelease(t, ns, "kit").Spec.Chart.Spec.Version)

	// The standby becomes Healthy at 1.1.0 (its resource part applied there), then the primary.
	playFluxDeployed(t, standby)
	playFluxDeployed(t, waitRelease(t, ns, "kit", "1.1.0"))
	waitComponent(t, ns, "kit", "1.1.0 in both", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.1.0" &&
			len(c.Status.Parts) == 2 && !strings.Contains(c.Status.Parts[1].Message, "held")
	})
	assert.Equal(t, "1.1.0", configVersion())
}
