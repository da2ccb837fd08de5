package operator

import (
	"encoding/json"
	"testing"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/delivery"
)

const partsCatalog = `apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: pg
category: a-la-carte
description: Postgres.
namespace: pg
chart: {repository: "https://charts.example.com", name: pg}
services: {rw: "pg-rw.{{ .Namespace }}.svc:5432"}
versions:
- version: 1.0.0
  chartVersion: 0.1.0
  values: |
    monitoring: {enabled: false}
    host: "db.{{ .Domain }}"
---
apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: app
category: a-la-carte
description: Two charts and a resource.
namespace: app
chart: {repository: "https://charts.example.com", name: app}
versions:
- version: 1.0.0
  requires: [{name: pg, constraint: "*"}]
  parts:
  - {name: app-crd, chart: {name: app-crd}, chartVersion: 1.0.0}
  - name: app
    chartVersion: 1.0.0
    values: |
      db: {{ .Components.pg.Services.rw }}
      replicas: 1
  - name: default
    resources: |
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: app-default}
---
apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: hub
category: meta-platform
description: A bundle.
namespace: hub
delivery: bundle
versions:
- version: 1.0.0
  requires: [{name: app, constraint: "*"}]
`

func TestRenderDelivery(t *testing.T) {
	cat, err := catalog.Parse("parts.yaml", []byte(partsCatalog))
	require.NoError(t, err)
	set := []catalog.Installed{{Name: "pg", Version: "1.0.0"}, {Name: "app", Version: "1.0.0"}, {Name: "hub", Version: "1.0.0"}}
	comps, err := catalog.PlatformComponents(cat, "acme.io", set)
	require.NoError(t, err)
	p := &openovav1alpha1.Platform{Spec: openovav1alpha1.PlatformSpec{Organization: openovav1alpha1.Organization{Name: "acme", Domain: "acme.io"}}}
	raw := func(s string) *runtime.RawExtension { return &runtime.RawExtension{Raw: []byte(s)} }

	// Single part: the entry's values merge over the rendered defaults.
	c := &openovav1alpha1.Component{Spec: openovav1alpha1.ComponentSpec{Chart: &openovav1alpha1.ChartRef{}}}
	require.NoError(t, delivery.Render(p, cat, openovav1alpha1.PlatformComponent{Name: "pg", Version: "1.0.0",
		Values: raw(`{"monitoring":{"enabled":true},"host":null}`)}, comps, c))
	assert.JSONEq(t, `{"monitoring":{"enabled":true}}`, string(c.Spec.Values.Raw))

	// Multi-part: values keyed by chart part.
	c = &openovav1alpha1.Component{Spec: openovav1alpha1.ComponentSpec{Chart: &openovav1alpha1.ChartRef{}}}
	require.NoError(t, delivery.Render(p, cat, openovav1alpha1.PlatformComponent{Name: "app", Version: "1.0.0",
		Values: raw(`{"app":{"replicas":3}}`)}, comps, c))
	assert.Nil(t, c.Spec.Chart)
	require.Len(t, c.Spec.Parts, 3)
	assert.Equal(t, openovav1alpha1.ComponentPart{Name: "app-crd", Kind: openovav1alpha1.PartChart, Release: "app-crd",
		Chart: &openovav1alpha1.ChartRef{Repository: "https://charts.example.com", Name: "app-crd", Version: "1.0.0"}}, c.Spec.Parts[0])
	assert.JSONEq(t, `{"db":"pg-rw.pg.svc:5432","replicas":3}`, string(c.Spec.Parts[1].Values.Raw))
	require.Len(t, c.Spec.Parts[2].Resources, 1)
	assert.JSONEq(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app-default"}}`, string(c.Spec.Parts[2].Resources[0].Raw))

	err = delivery.Render(p, cat, openovav1alpha1.PlatformComponent{Name: "app", Version: "1.0.0", Values: raw(`{"replicas":3}`)}, comps, &openovav1alpha1.Component{})
	assert.EqualError(t, err, `values of app: app 1.0.0 has parts, so its values are keyed by chart part (app, app-crd); "replicas" is not one`)

	c = &openovav1alpha1.Component{Spec: openovav1alpha1.ComponentSpec{Delivery: openovav1alpha1.DeliveryBundle}}
	require.NoError(t, delivery.Render(p, cat, openovav1alpha1.PlatformComponent{Name: "hub", Version: "1.0.0"}, comps, c))
	assert.Nil(t, c.Spec.Chart)
	assert.Empty(t, c.Spec.Parts)
}

func TestHelmReleaseUpToDate(t *testing.T) {
	c := &openovav1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "ns", UID: "u1"},
		Spec: openovav1alpha1.ComponentSpec{TargetNamespace: "app"}}
	rel := releaseSpec{Name: "app-crd", Part: "app-crd", Chart: openovav1alpha1.ChartRef{Repository: "https://x", Name: "crd", Version: "1.0.0"},
		Values: &runtime.RawExtension{Raw: []byte(`{"b":1,"a":2}`)}, DependsOn: []string{"pg"}}
	desired, err := desiredHelmRelease(c, rel, deliveryTarget{Version: "1.0.0"})
	require.NoError(t, err)
	assert.Equal(t, "app-crd", desired.Labels[partLabel])

	// What the API server returns: defaulted fields, status, re-serialised values.
	live := desired.DeepCopy()
	live.Spec.Values = &apiextensionsv1.JSON{Raw: []byte(`{"a": 2, "b": 1}`)}
	live.Spec.MaxHistory = new(int)
	live.Status.ObservedGeneration = 3
	assert.True(t, helmReleaseUpToDate(live, desired))

	changed := live.DeepCopy()
	changed.Spec.Chart.Spec.Version = "0.9.0"
	assert.False(t, helmReleaseUpToDate(changed, desired), "chart version")
	changed = live.DeepCopy()
	changed.Spec.DependsOn = append(changed.Spec.DependsOn, helmv2.DependencyReference{Name: "old"})
	assert.False(t, helmReleaseUpToDate(changed, desired), "a dependency the operator no longer sets")
	noValues, err := desiredHelmRelease(c, releaseSpec{Name: "app-crd", Chart: rel.Chart}, deliveryTarget{Version: "1.0.0"})
	require.NoError(t, err)
	assert.False(t, helmReleaseUpToDate(live, noValues), "values the operator no longer sets")
	failed, err := desiredHelmRelease(c, rel, deliveryTarget{Version: "1.0.0", Failed: "1.1.0", FailedMessage: "boom"})
	require.NoError(t, err)
	assert.False(t, helmReleaseUpToDate(live, failed), "a new annotation")
	assert.False(t, helmReleaseUpToDate(failed, desired), "a failed annotation to remove")
}

// Chart parts are uninstalled dependents first: the CRD part of a component outlives the
// part whose objects need those CRDs.
func TestNeededByAnother(t *testing.T) {
	release := func(name string, deps ...string) *helmv2.HelmRelease {
		hr := &helmv2.HelmRelease{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "openova-system"}}
		for _, d := range deps {
			hr.Spec.DependsOn = append(hr.Spec.DependsOn, helmv2.DependencyReference{Name: d})
		}
		return hr
	}
	crds, serving := release("serving-crds"), release("serving", "serving-crds", "cert-manager")
	targets := []*helmv2.HelmRelease{crds, serving}
	assert.True(t, neededByAnother(crds, targets), "the CRD part waits for the part that needs it")
	assert.False(t, neededByAnother(serving, targets), "the last part goes first")
	assert.False(t, neededByAnother(crds, []*helmv2.HelmRelease{crds}), "alone, the CRD part goes")
	other := release("serving", "serving-crds")
	other.Spec.DependsOn[0].Namespace = "elsewhere"
	assert.False(t, neededByAnother(crds, []*helmv2.HelmRelease{crds, other}), "a dependency in another namespace is another release")
}

// TestObjectUpToDate: a live object carrying every field a resource part sets (with the
// server's defaults and other fields besides) is up to date; a changed or missing field is
// not. Numbers decoded from the catalog's JSON (float64) compare with the server's (int64).
func TestObjectUpToDate(t *testing.T) {
	desired := &unstructured.Unstructured{}
	require.NoError(t, json.Unmarshal([]byte(`{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s","labels":{"a":"b"}},"spec":{"replicas":2}}`), &desired.Object))
	live := &unstructured.Unstructured{}
	require.NoError(t, live.UnmarshalJSON([]byte(`{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s","uid":"u","labels":{"a":"b","c":"d"}},"spec":{"replicas":2,"serviceName":""},"status":{}}`)))
	assert.True(t, objectUpToDate(desired, live))
	require.NoError(t, unstructured.SetNestedField(live.Object, int64(3), "spec", "replicas"))
	assert.False(t, objectUpToDate(desired, live), "a changed value")
	require.NoError(t, unstructured.SetNestedField(live.Object, int64(2), "spec", "replicas"))
	unstructured.RemoveNestedField(live.Object, "metadata", "labels", "a")
	assert.False(t, objectUpToDate(desired, live), "a missing label")
}
