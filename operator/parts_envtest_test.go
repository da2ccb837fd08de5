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
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/testcatalog"
)

// TestPartsAndBundleWithoutFlux plays Flux by writing HelmRelease statuses: chart parts get
// their own chained HelmReleases, a resource part waits for the parts before it and for its
// kind to be served, the bundle is Healthy only once every member is, and uninstalling
// prunes the parts' objects.
func TestPartsAndBundleWithoutFlux(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	data, err := testcatalog.Render("parts", testRepo)
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(data) }))
	t.Cleanup(srv.Close)
	p := newPlatform(ns,
		entry{Name: "serving", Version: "1.0.0", Reason: "dependency of hub"},
		entry{Name: "gadgets", Version: "0.1.0", Reason: "dependency of hub"},
		entry{Name: "hub", Version: "1.0.0"},
	)
	p.Spec.Catalog = &openovav1alpha1.CatalogSource{URL: srv.URL + "/parts.yaml"}
	require.NoError(t, k8s.Create(ctx, p))

	crds := waitRelease(t, ns, "serving-crds", "1.0.0")
	serving := waitRelease(t, ns, "serving", "1.0.0")
	assert.Empty(t, dependsOnNames(crds))
	assert.Equal(t, []string{"serving-crds"}, dependsOnNames(serving))
	assert.JSONEq(t, `{"domain":"widgets.acme.example.com"}`, string(serving.Spec.Values.Raw))
	op := waitRelease(t, ns, "gadgets-operator", "0.1.0")
	assert.Equal(t, []string{"serving"}, dependsOnNames(op))
	waitComponent(t, ns, "hub", "waiting for members", func(c *openovav1alpha1.Component) bool {
		cond := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition)
		return c.Status.Health == openovav1alpha1.HealthProgressing && cond != nil && cond.Reason == openovav1alpha1.MemberNotReadyReason
	})

	// One part ready is not the component ready.
	playFluxDeployed(t, crds)
	comp := waitComponent(t, ns, "serving", "first part healthy", func(c *openovav1alpha1.Component) bool {
		return len(c.Status.Parts) == 2 && c.Status.Parts[0].Health == openovav1alpha1.HealthHealthy
	})
	assert.Equal(t, openovav1alpha1.HealthProgressing, comp.Status.Health)
	playFluxDeployed(t, serving)
	waitComponent(t, ns, "serving", "healthy", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.0.0"
	})
	assert.Equal(t, openovav1alpha1.HealthProgressing, mustComponent(t, ns, "hub").Status.Health, "gadgets is not healthy yet")

	// The resource part waits for the operator part, then for its kind.
	g := waitComponent(t, ns, "gadgets", "resource part waits", func(c *openovav1alpha1.Component) bool {
		return len(c.Status.Parts) == 2 && c.Status.Parts[1].Message == "waits for part operator to be ready"
	})
	assert.Empty(t, g.Status.Parts[1].Objects)
	playFluxDeployed(t, op)
	waitComponent(t, ns, "gadgets", "kind not served", func(c *openovav1alpha1.Component) bool {
		return len(c.Status.Parts) == 2 && c.Status.Parts[1].Message == "test.openova.io/v1, Kind=Gadget is not served by the cluster (yet)"
	})
	// What the operator chart would install.
	crd := gadgetCRD()
	require.NoError(t, k8s.Create(ctx, crd))
	t.Cleanup(func() { _ = k8s.Delete(ctx, crd) })
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "gadgets-system"}}); err != nil && !apierrors.IsAlreadyExists(err) {
		require.NoError(t, err)
	}
	g = waitComponent(t, ns, "gadgets", "healthy", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy
	})
	assert.Len(t, g.Status.Parts[1].Objects, 2)
	waitComponent(t, ns, "hub", "healthy", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.0.0"
	})
	gadget := &unstructured.Unstructured{}
	gadget.SetAPIVersion("test.openova.io/v1")
	gadget.SetKind("Gadget")
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Name: "default-gadget"}, gadget))
	assert.Equal(t, "gadgets", gadget.GetLabels()[openovav1alpha1.ComponentLabel])
	assert.Equal(t, "default", gadget.GetLabels()[partLabel])

	// Uninstalling gadgets and the hub prunes the resource part's objects and the release.
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components = p.Spec.Components[:1] })
	waitComponent(t, ns, "serving", "still healthy", func(c *openovav1alpha1.Component) bool { return c.Status.Health == openovav1alpha1.HealthHealthy })
	eventually(t, "gadgets pruned", func() (bool, string) {
		_, errC := getComponent(ns, "gadgets")
		_, errR := getRelease(ns, "gadgets-operator")
		errG := k8s.Get(ctx, client.ObjectKey{Name: "default-gadget"}, gadget.DeepCopy())
		errM := k8s.Get(ctx, client.ObjectKey{Namespace: "gadgets-system", Name: "gadgets-config"}, &corev1.ConfigMap{})
		return apierrors.IsNotFound(errC) && apierrors.IsNotFound(errR) && apierrors.IsNotFound(errG) && apierrors.IsNotFound(errM),
			fmt.Sprint(errC, errR, errG, errM)
	})
}

func gadgetCRD() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": "gadgets.test.openova.io"},
		"spec": map[string]any{
			"group": "test.openova.io",
			"names": map[string]any{"kind": "Gadget", "listKind": "GadgetList", "plural": "gadgets", "singular": "gadget"},
			"scope": "Cluster",
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
			}},
		},
	}}
}
