package catalog

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to create it", t.Name())
	assert.Equal(t, string(want), got)
}

func TestLoadFile(t *testing.T) {
	c, err := Load(context.Background(), "testdata/catalog.yaml")
	require.NoError(t, err)
	assert.Equal(t, "testdata/catalog.yaml", c.Source())
	var names []string
	for _, comp := range c.Components() {
		names = append(names, comp.Name)
	}
	assert.Equal(t, []string{"cache", "db", "app"}, names, "by category, then name")

	db, ok := c.Component("db")
	require.True(t, ok)
	assert.Equal(t, "Database", db.DisplayName)
	assert.Equal(t, DeliveryHelm, db.Delivery)
	assert.Equal(t, DefaultUpgradeTimeout, db.Upgrade.Timeout)
	assert.Equal(t, "2.0.0", db.Versions[0].Version, "newest first")
	assert.Equal(t, "2.0.0", db.Newest(false).Version)
	v, ok := db.Version("v1.0.0")
	require.True(t, ok)
	assert.Equal(t, "0.1.0", v.ChartVersion)
	eps, err := db.RenderEndpoints("example.org")
	require.NoError(t, err)
	assert.Equal(t, []string{"https://db.example.org"}, eps)

	app, _ := c.Component("app")
	assert.Equal(t, "app", app.DisplayName, "defaults to the name")
	assert.Equal(t, 20*time.Minute, app.Upgrade.Timeout)
	assert.Equal(t, "response cache", app.Versions[0].Optional[0].Description)
}

func TestLoadDirectory(t *testing.T) {
	c, err := Load(context.Background(), "testdata/dir")
	require.NoError(t, err)
	assert.Len(t, c.Components(), 2)
	assert.Len(t, c.Mandatory(), 1)
	app, _ := c.Component("app")
	assert.Equal(t, "testdata/dir/app.yml", app.Source)
}

func TestLoadURL(t *testing.T) {
	data, err := os.ReadFile("testdata/catalog.yaml")
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/catalog.yaml":
			w.Header().Set("Content-Type", "application/yaml")
			_, _ = w.Write(data)
		case "/invalid.yaml":
			_, _ = w.Write([]byte("apiVersion: catalog.openova.io/v1alpha1\nkind: Component\nname: x\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	c, err := Load(context.Background(), srv.URL+"/catalog.yaml")
	require.NoError(t, err)
	assert.Len(t, c.Components(), 3)
	assert.Equal(t, srv.URL+"/catalog.yaml", c.Source())

	_, err = Load(context.Background(), srv.URL+"/missing.yaml")
	assert.EqualError(t, err, `load catalog "`+srv.URL+`/missing.yaml": GET: 404 Not Found`)

	_, err = Load(context.Background(), srv.URL+"/invalid.yaml")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, srv.URL+"/invalid.yaml", ve.Problems[0].File)
	assert.Equal(t, "x", ve.Problems[0].Component)
	assert.Equal(t, "category", ve.Problems[0].Field)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Load(ctx, srv.URL+"/catalog.yaml")
	assert.ErrorIs(t, err, context.Canceled)
}

func TestLoadValidationErrors(t *testing.T) {
	_, err := Load(context.Background(), "testdata/invalid")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	golden(t, "invalid.golden", err.Error()+"\n")
	for _, p := range ve.Problems {
		assert.NotEmpty(t, p.File, p.String())
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := Load(context.Background(), "testdata/nope.yaml")
	assert.ErrorIs(t, err, os.ErrNotExist)
	_, err = Load(context.Background(), "")
	assert.EqualError(t, err, "load catalog: empty source")
	_, err = Parse("empty.yaml", []byte("# nothing\n---\n"))
	assert.EqualError(t, err, "invalid catalog: empty.yaml: no component documents")
	_, err = Load(context.Background(), t.TempDir())
	assert.ErrorContains(t, err, "no *.yaml or *.yml files")
}

func TestParseEachProblem(t *testing.T) {
	base := `apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: x
category: a-la-carte
description: X.
namespace: x
chart: {repository: "https://charts.example.com", name: x}
`
	tests := []struct {
		name, doc, want string
	}{
		{"duplicate version", base + "versions:\n- {version: \"1.0.0\", chartVersion: \"1.0.0\"}\n- {version: \"1.0.0+build\", chartVersion: \"1.0.1\"}\n",
			`invalid catalog: f.yaml: component "x": versions[1].version: 1.0.0+build duplicates versions[0]`},
		{"v prefix", base + "versions:\n- {version: \"v1.0.0\", chartVersion: \"1.0.0\"}\n",
			`invalid catalog: f.yaml: component "x": versions[0].version: "v1.0.0" is not a semantic version MAJOR.MINOR.PATCH[-PRERELEASE] (no "v" prefix)`},
		{"missing chart version", base + "versions:\n- {version: \"1.0.0\"}\n",
			`invalid catalog: f.yaml: component "x": versions[0].chartVersion: required for delivery helm (or parts)`},
		{"self dependency", base + "versions:\n- {version: \"1.0.0\", chartVersion: \"1.0.0\", requires: [{name: x, constraint: \"*\"}]}\n",
			`invalid catalog: f.yaml: component "x": versions[0].requires[0].name: a component cannot depend on itself`},
		{"no versions", base,
			`invalid catalog: f.yaml: component "x": versions: at least one version is required`},
		{"workloads with helm", base + "workloads: [{kind: Deployment, name: x}]\nversions:\n- {version: \"1.0.0\", chartVersion: \"1.0.0\"}\n",
			`invalid catalog: f.yaml: component "x": workloads: only used with delivery bootstrap (helm components report health through their HelmRelease)`},
		{"endpoint not a URL", base + "endpoints: [\"{{ .Domain }}\"]\nversions:\n- {version: \"1.0.0\", chartVersion: \"1.0.0\"}\n",
			`invalid catalog: f.yaml: component "x": endpoints[0]: "{{ .Domain }}" renders to "example.com", which is not an http(s) URL`},
		{"list instead of mapping", base + "versions: {version: 1}\n",
			`invalid catalog: f.yaml: component "x": versions: must be a list, not a mapping`},
		{"bad placement", base + "placement: everywhere\nversions:\n- {version: \"1.0.0\", chartVersion: \"1.0.0\"}\n",
			`invalid catalog: f.yaml: component "x": placement: "everywhere" is not one of every-region, primary`},
		{"bundle with a chart version", strings.Replace(base, "chart: {repository: \"https://charts.example.com\", name: x}\n", "delivery: bundle\n", 1) +
			"versions:\n- {version: \"1.0.0\", chartVersion: \"1.0.0\"}\n",
			`invalid catalog: f.yaml: component "x": versions[0].chartVersion: a bundle has no chart: list its members in requires and optional`},
		{"part both chart and resources", base + "versions:\n- version: \"1.0.0\"\n  parts: [{name: a, chartVersion: \"1.0.0\", resources: \"x\"}]\n",
			`invalid catalog: f.yaml: component "x": versions[0].parts[0]: a part is a chart (chartVersion) or resources, not both`},
		{"values not a mapping", base + "versions:\n- {version: \"1.0.0\", chartVersion: \"1.0.0\", values: \"- {{ .Domain }}\"}\n",
			`invalid catalog: f.yaml: component "x": versions[0].values: does not render: rendered values are not a mapping: "- example.com"`},
		{"resources without a name", base + "versions:\n- version: \"1.0.0\"\n  parts: [{name: a, resources: \"apiVersion: v1\\nkind: ConfigMap\\n\"}]\n",
			`invalid catalog: f.yaml: component "x": versions[0].parts[0].resources: does not render: rendered document at line 1 needs apiVersion, kind and metadata.name`},
		{"values use an unknown field", base + "versions:\n- {version: \"1.0.0\", chartVersion: \"1.0.0\", values: \"a: {{ .Domian }}\"}\n",
			`invalid catalog: f.yaml: component "x": versions[0].values: does not render: template: values:1:6: executing "values" at <.Domian>: can't evaluate field Domian in type catalog.Context`},
		{"yaml syntax", "name: [\n",
			`invalid catalog: f.yaml: line 1: did not find expected node content`},
	}
	tests = append(tests, struct{ name, doc, want string }{"yaml syntax in a later document", base + "versions: []\n---\nname: x\n  bad: indent\n",
		"invalid catalog: 2 problems:\n  f.yaml: line 11: mapping values are not allowed in this context\n" +
			`  f.yaml: component "x": versions: at least one version is required`})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.doc))
			assert.EqualError(t, err, tt.want)
		})
	}
}
