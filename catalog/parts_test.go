package catalog

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadParts(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load(context.Background(), "testdata/parts.yaml")
	require.NoError(t, err)
	return c
}

func TestParseBundleAndParts(t *testing.T) {
	c := loadParts(t)
	hub, _ := c.Component("hub")
	assert.Equal(t, DeliveryBundle, hub.Delivery)
	assert.Equal(t, PlacementEveryRegion, hub.Placement, "the default")
	pg, _ := c.Component("pg")
	assert.Equal(t, PlacementPrimary, pg.Placement)

	serving, _ := c.Component("serving")
	v, ok := serving.Version("0.2.0")
	require.True(t, ok)
	assert.Equal(t, []string{"serving-crd", "serving", "default-runtime"}, v.PartNames())
	assert.Equal(t, PartChart, v.Parts[0].Kind())
	assert.Equal(t, PartResources, v.Parts[2].Kind())
	old, _ := serving.Version("0.1.0")
	assert.Nil(t, old.PartNames(), "single-part")
}

func TestReleaseName(t *testing.T) {
	c := &Component{Name: "kserve"}
	for part, want := range map[string]string{"kserve": "kserve", "kserve-crd": "kserve-crd", "crd": "kserve-crd", "kservex": "kserve-kservex"} {
		assert.Equal(t, want, c.ReleaseName(part), part)
	}
}

func TestRender(t *testing.T) {
	c := loadParts(t)
	set := []Installed{{Name: "pg", Version: "1.0.0"}, {Name: "serving", Version: "0.2.0"}, {Name: "cache", Version: "3.0.0"}, {Name: "hub", Version: "1.0.0"}}
	comps, err := PlatformComponents(c, "acme.io", set)
	require.NoError(t, err)
	assert.Equal(t, &ComponentContext{Name: "pg", Version: "1.0.0", Namespace: "pg", Endpoints: []string{}, Services: map[string]string{"rw": "pg-rw.pg.svc:5432"}}, comps["pg"])
	assert.Equal(t, []string{"https://serving.acme.io"}, comps["serving"].Endpoints)

	serving, _ := c.Component("serving")
	v, _ := serving.Version("0.2.0")
	parts, err := serving.Render(v, serving.Context(v.Version, "acme.io", "Acme Inc", comps))
	require.NoError(t, err)
	require.Len(t, parts, 3)
	assert.Equal(t, RenderedPart{Name: "serving-crd", Kind: PartChart, Release: "serving-crd",
		Chart: Chart{Repository: "oci://registry.example.com/charts", Name: "serving-crd"}, ChartVersion: "0.2.0", Values: map[string]any{}}, parts[0])
	assert.Equal(t, "serving", parts[1].Release)
	assert.Equal(t, Chart{Repository: "oci://registry.example.com/charts", Name: "serving"}, parts[1].Chart, "inherits the component's chart")
	assert.Equal(t, map[string]any{"domain": "acme.io", "org": "Acme Inc", "database": "pg-rw.pg.svc:5432",
		"cache": map[string]any{"namespace": "cache"}}, parts[1].Values)
	assert.Equal(t, PartResources, parts[2].Kind)
	assert.Equal(t, []map[string]any{{"apiVersion": "serving.example.com/v1", "kind": "Runtime",
		"metadata": map[string]any{"name": "default", "namespace": "serving"}, "spec": map[string]any{"version": "0.2.0"}}}, parts[2].Objects)

	// Without the optional member the guarded block disappears.
	delete(comps, "cache")
	parts, err = serving.Render(v, serving.Context(v.Version, "acme.io", "Acme Inc", comps))
	require.NoError(t, err)
	assert.NotContains(t, parts[1].Values, "cache")

	// A required member missing from the platform is an error, not an empty value.
	delete(comps, "pg")
	_, err = serving.Render(v, serving.Context(v.Version, "acme.io", "Acme Inc", comps))
	assert.ErrorContains(t, err, `render part serving of serving 0.2.0`)

	pg, _ := c.Component("pg")
	parts, err = pg.Render(&pg.Versions[0], pg.Context("1.0.0", "acme.io", "Acme", nil))
	require.NoError(t, err)
	assert.Equal(t, []RenderedPart{{Name: "pg", Kind: PartChart, Release: "pg", Chart: pg.Chart, ChartVersion: "0.1.0",
		Values: map[string]any{"monitoring": map[string]any{"enabled": false}}}}, parts, "single-part")

	hub, _ := c.Component("hub")
	parts, err = hub.Render(&hub.Versions[0], Context{})
	require.NoError(t, err)
	assert.Empty(t, parts, "a bundle delivers nothing itself")
}

func TestMergeValues(t *testing.T) {
	base := map[string]any{"a": map[string]any{"b": 1, "c": 2}, "list": []any{1, 2}, "gone": "x"}
	over := map[string]any{"a": map[string]any{"c": 3, "d": 4}, "list": []any{3}, "gone": nil, "new": true}
	assert.Equal(t, map[string]any{"a": map[string]any{"b": 1, "c": 3, "d": 4}, "list": []any{3}, "new": true}, MergeValues(base, over))
	assert.Equal(t, map[string]any{"b": 1, "c": 2}, base["a"], "base unchanged")
}

func TestPlanNamesParts(t *testing.T) {
	c := loadParts(t)
	p, err := Resolve(c, nil, Request{Kind: Install, Names: []string{"hub"}})
	require.NoError(t, err)
	parts := map[string][]string{}
	for _, s := range p.Steps {
		parts[s.Component] = s.Parts
	}
	assert.Equal(t, map[string][]string{"pg": nil, "serving": {"serving-crd", "serving", "default-runtime"}, "hub": nil}, parts)
	js, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"component":"serving","from":"","to":"0.2.0","reason":"dependency of hub","parts":["serving-crd","serving","default-runtime"]`)
	assert.NotContains(t, string(js), `"component":"pg","from":"","to":"1.0.0","reason":"dependency of hub","parts"`)

	rm, err := Resolve(c, p.Apply(nil), Request{Kind: Uninstall, Names: []string{"hub"}})
	require.NoError(t, err)
	for _, s := range rm.Steps {
		if s.Component == "serving" {
			assert.Equal(t, ActionRemove, s.Action)
			assert.Equal(t, []string{"serving-crd", "serving", "default-runtime"}, s.Parts, "a removal names the parts that go")
		}
	}
}
