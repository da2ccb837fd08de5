package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/hack/catalog-check/upstream"
)

// The upstream facts hack/catalog-check recorded for the shipped catalog.
const recordedUpstream = "testdata/upstream"

// samplePlatform is every component of the builtin catalog at its newest version, as the
// templates see them, for domain acme.example.
func samplePlatform(t *testing.T, c *Catalog) map[string]*ComponentContext {
	t.Helper()
	var all []Installed
	for _, comp := range c.Components() {
		all = append(all, Installed{Name: comp.Name, Version: comp.Newest(false).Version})
	}
	comps, err := PlatformComponents(c, "acme.example", all)
	require.NoError(t, err)
	return comps
}

// chartParts renders version v of comp in the sample platform and returns its chart parts
// (for Flux, which bootstrap installs, the flux2 chart the version names).
func chartParts(t *testing.T, comp *Component, v *Version, comps map[string]*ComponentContext) []RenderedPart {
	t.Helper()
	if comp.Delivery == DeliveryBootstrap {
		// Bootstrap installs it from manifests/ (Flux): a chart only when the entry names one.
		if comp.Chart.Name == "" {
			return nil
		}
		return []RenderedPart{{Name: comp.Name, Kind: PartChart, Chart: comp.Chart, ChartVersion: v.ChartVersion}}
	}
	parts, err := comp.Render(v, comp.Context(v.Version, "acme.example", "acme", comps))
	require.NoError(t, err, "%s %s", comp.Name, v.Version)
	var out []RenderedPart
	for _, p := range parts {
		if p.Kind == PartChart {
			out = append(out, p)
		}
	}
	return out
}

// mainPart is the chart part the version's appVersion describes: the one whose chart is
// the component's, else the last (the rule hack/catalog-check applies).
func mainPart(comp *Component, parts []RenderedPart) int {
	for i, p := range parts {
		if p.Chart == comp.Chart {
			return i
		}
	}
	return len(parts) - 1
}

// checkRecorded reports what of comp at v the recording does not bear out: a chart, a
// chart version, or the appVersion pairing of the main chart.
func checkRecorded(rec *upstream.Recording, comp *Component, v *Version, parts []RenderedPart) []string {
	var problems []string
	for i, p := range parts {
		ch, ok := rec.Chart(p.Chart.Repository, p.Chart.Name)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s %s part %s: chart %s %s not recorded", comp.Name, v.Version, p.Name, p.Chart.Repository, p.Chart.Name))
			continue
		}
		cv, ok := ch.Find(p.ChartVersion)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s %s part %s: %s %s not published", comp.Name, v.Version, p.Name, p.Chart.Name, p.ChartVersion))
			continue
		}
		if i == mainPart(comp, parts) && cv.AppVersion != "" && cv.AppVersion != v.AppVersion {
			problems = append(problems, fmt.Sprintf("%s %s: appVersion %s, the chart says %s", comp.Name, v.Version, v.AppVersion, cv.AppVersion))
		}
	}
	return problems
}

// Every chart of every version of the shipped catalog is published upstream at that
// version, paired with the appVersion the catalog says (per the recording).
func TestBuiltinChartsAreRecordedUpstream(t *testing.T) {
	c, err := Builtin()
	require.NoError(t, err)
	rec, err := upstream.ReadRecording(recordedUpstream)
	require.NoError(t, err)
	comps := samplePlatform(t, c)
	refs := 0
	for _, comp := range c.Components() {
		for i := range comp.Versions {
			v := &comp.Versions[i]
			parts := chartParts(t, comp, v, comps)
			refs += len(parts)
			assert.Empty(t, checkRecorded(rec, comp, v, parts))
		}
	}
	assert.Equal(t, 66, refs, "chart references of the shipped catalog")

	// The check fails on a wrong version, a missing chart and a wrong pairing.
	cilium, _ := c.Component("cilium")
	v := *cilium.Newest(false)
	parts := chartParts(t, cilium, &v, comps)
	parts[0].ChartVersion = "1.19.99"
	assert.Equal(t, []string{"cilium 1.19.6 part cilium: cilium 1.19.99 not published"}, checkRecorded(rec, cilium, &v, parts))
	parts = chartParts(t, cilium, &v, comps)
	parts[0].Chart.Name = "cilium-enterprise"
	assert.Equal(t, []string{"cilium 1.19.6 part cilium: chart https://helm.cilium.io cilium-enterprise not recorded"}, checkRecorded(rec, cilium, &v, parts))
	v.AppVersion = "1.19.5"
	assert.Equal(t, []string{"cilium 1.19.6: appVersion 1.19.5, the chart says 1.19.6"}, checkRecorded(rec, cilium, &v, chartParts(t, cilium, &v, comps)))
}

// compileSchema compiles a recorded values.schema.json; remote references are not
// followed (the recording holds the whole schema).
func compileSchema(t *testing.T, name string, schema []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	require.NoError(t, err, name)
	jc := jsonschema.NewCompiler()
	require.NoError(t, jc.AddResource(name, doc))
	sch, err := jc.Compile(name)
	require.NoError(t, err, name)
	return sch
}

// validateValues validates values merged over the chart's own values.yaml against the
// chart's schema, as helm install does.
func validateValues(sch *jsonschema.Schema, chartValues []byte, values map[string]any) error {
	var base map[string]any
	if err := json.Unmarshal(chartValues, &base); err != nil {
		return err
	}
	merged, err := json.Marshal(MergeValues(base, values))
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(merged))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// The default values of every version of the shipped catalog, rendered for a sample
// platform, satisfy the values.schema.json of every chart that has one.
func TestBuiltinDefaultValuesMatchChartSchemas(t *testing.T) {
	c, err := Builtin()
	require.NoError(t, err)
	rec, err := upstream.ReadRecording(recordedUpstream)
	require.NoError(t, err)
	comps := samplePlatform(t, c)
	validated := map[string]bool{}
	for _, comp := range c.Components() {
		for i := range comp.Versions {
			v := &comp.Versions[i]
			for _, p := range chartParts(t, comp, v, comps) {
				schema, err := rec.Schema(p.Chart.Repository, p.Chart.Name, p.ChartVersion)
				require.NoError(t, err)
				if schema == nil {
					continue
				}
				chartValues, err := rec.Values(p.Chart.Repository, p.Chart.Name, p.ChartVersion)
				require.NoError(t, err)
				require.NotNil(t, chartValues, "%s %s: a recorded schema comes with the chart's values.yaml", p.Chart.Name, p.ChartVersion)
				name := p.Chart.Name + "-" + p.ChartVersion
				sch := compileSchema(t, name, schema)
				assert.NoError(t, validateValues(sch, chartValues, p.Values), "%s %s part %s", comp.Name, v.Version, p.Name)
				validated[fmt.Sprintf("%s %s", comp.Name, p.Name)] = true
			}
		}
	}
	// The charts whose schemas were recorded, including the ones the catalog sets values for.
	for _, want := range []string{"cilium cilium", "cert-manager cert-manager", "backstage postgres", "backstage backstage",
		"harbor postgres", "keycloak postgres", "cnpg cnpg", "external-secrets external-secrets", "vault vault",
		"openbao openbao", "valkey valkey", "velero velero", "vllm vllm", "k8gb k8gb", "external-dns external-dns"} {
		assert.True(t, validated[want], "validated %s", want)
	}

	// A value the schema forbids is caught: cert-manager's crds.enabled must be a boolean.
	cm, _ := c.Component("cert-manager")
	v := cm.Newest(false)
	p := chartParts(t, cm, v, comps)[0]
	schema, err := rec.Schema(p.Chart.Repository, p.Chart.Name, p.ChartVersion)
	require.NoError(t, err)
	chartValues, err := rec.Values(p.Chart.Repository, p.Chart.Name, p.ChartVersion)
	require.NoError(t, err)
	sch := compileSchema(t, "cert-manager", schema)
	require.NoError(t, validateValues(sch, chartValues, p.Values))
	assert.Error(t, validateValues(sch, chartValues, map[string]any{"crds": map[string]any{"enabled": "yes"}}))
}

// Done when: `kubectl openova install ai-hub --with neo4j --dry-run -o json` on the
// builtin catalog plans only components whose every chart part is published upstream at
// the listed version, and names the parts of multi-part components. This is the plan
// the command prints (plugin/ resolves with catalog.Resolve on the platform's
// components), computed here on top of the mandatory components.
func TestInstallAIHubWithNeo4jPlansOnlyRecordedCharts(t *testing.T) {
	c, err := Builtin()
	require.NoError(t, err)
	rec, err := upstream.ReadRecording(recordedUpstream)
	require.NoError(t, err)
	var mandatory []string
	for _, comp := range c.Mandatory() {
		mandatory = append(mandatory, comp.Name)
	}
	p, err := Resolve(c, nil, Request{Kind: Install, Names: mandatory})
	require.NoError(t, err)
	base := p.Apply(nil)

	p, err = Resolve(c, base, Request{Kind: Install, Names: []string{"ai-hub"}, With: []string{"neo4j"}})
	require.NoError(t, err)
	after := p.Apply(base)
	require.NoError(t, Verify(c, after))
	comps, err := PlatformComponents(c, "acme.example", after)
	require.NoError(t, err)
	planned := map[string][]string{}
	for _, s := range p.Steps {
		if s.To == "" {
			continue
		}
		comp, ok := c.Component(s.Component)
		require.True(t, ok, s.Component)
		v, ok := comp.Version(s.To)
		require.True(t, ok, "%s %s", s.Component, s.To)
		assert.Equal(t, v.PartNames(), s.Parts, "the step names the parts of %s", s.Component)
		parts := chartParts(t, comp, v, comps)
		assert.Empty(t, checkRecorded(rec, comp, v, parts))
		if comp.Delivery != DeliveryBundle {
			assert.NotEmpty(t, parts, "%s delivers charts", s.Component)
		}
		if s.Action == ActionInstall {
			planned[s.Component] = s.Parts
		}
	}
	assert.Equal(t, map[string][]string{
		"ai-hub":  nil,
		"kserve":  {"kserve-crd", "kserve"},
		"knative": {"knative-operator", "serving"},
		"vllm":    nil,
		"milvus":  nil,
		"minio":   {"operator", "tenant"},
		"neo4j":   nil,
	}, planned, "cnpg, cert-manager and cilium are already there with the mandatory components (kept)")
	js, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"component":"kserve","from":"","to":"0.16.0","reason":"dependency of ai-hub","parts":["kserve-crd","kserve"]`)
}
