package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/hack/catalog-check/upstream"
)

const schemaAlpha = `{"type": "object", "properties": {"replicas": {"type": "integer"}}}`

// fakeUpstream starts a Helm HTTP repository and an OCI registry and writes a catalog
// that names them, with wrong entries among right ones.
func fakeUpstream(t *testing.T) (catalogDir, httpRepo, ociRepo string) {
	t.Helper()
	httpRepo = serveIndex(t, []fakeChart{
		{name: "alpha", version: "1.1.0", appVersion: "1.1.0", schema: schemaAlpha},
		{name: "alpha", version: "1.0.0", appVersion: "1.0.0"},
	})
	ociRepo = serveOCI(t, []fakeChart{
		{name: "beta-crd", version: "v0.2.0"},
		{name: "beta", version: "v0.2.0", appVersion: "v0.2.0", schema: `{"type": "object"}`},
		{name: "beta", version: "v0.1.0", appVersion: "v0.1.0"},
	})
	catalogDir = t.TempDir()
	write := func(file, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(catalogDir, file), []byte(body), 0o644))
	}
	write("alpha.yaml", fmt.Sprintf(`apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: alpha
chart: {repository: %s, name: alpha}
versions:
  - {version: "1.1.0", chartVersion: "1.1.0", appVersion: "1.1.0"}
  - {version: "1.0.5", chartVersion: "1.0.5", appVersion: "1.0.5"}   # wrong: no such chart version
  - {version: "1.0.0", chartVersion: "1.0.0", appVersion: "1.1.0"}   # wrong: the chart installs 1.0.0
`, httpRepo))
	write("gamma.yaml", fmt.Sprintf(`apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: gamma
chart: {repository: %s, name: gamma}   # wrong: the repository has no chart gamma
versions:
  - {version: "2.0.0", chartVersion: "2.0.0", appVersion: "2.0.0"}
`, httpRepo))
	write("beta.yaml", fmt.Sprintf(`apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: beta
chart: {repository: %[1]s, name: beta}
versions:
  - version: "0.2.0"
    appVersion: "v0.2.0"
    parts:
      - {name: beta-crd, chart: {name: beta-crd}, chartVersion: "v0.2.0"}
      - {name: beta, chartVersion: "v0.2.0"}
      - {name: config, resources: "kind: ConfigMap"}
  - version: "0.1.0"
    appVersion: "v0.1.1"                                               # wrong: the chart says v0.1.0
    parts:
      - {name: beta-crd, chart: {repository: %[1]s, name: beta-crd}, chartVersion: "v0.1.0"}   # wrong: not published
      - {name: beta, chartVersion: "v0.1.0"}
`, ociRepo))
	write("bundle.yaml", `apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: bundle
delivery: bundle
versions:
  - version: "1.0.0"
    requires: [{name: alpha, constraint: ">=1.0.0"}]
`)
	return catalogDir, httpRepo, ociRepo
}

// wrongLines are the findings the fake catalog must produce, whatever the source.
func wrongLines(httpRepo, ociRepo string) []string {
	return []string{
		"WRONG alpha 1.0.5: " + httpRepo + " alpha 1.0.5: chart version 1.0.5 is not published (newest published: 1.1.0)",
		"WRONG alpha 1.0.0: " + httpRepo + " alpha 1.0.0: the catalog pairs it with appVersion 1.1.0, the chart says 1.0.0",
		"WRONG beta 0.1.0 part beta-crd: " + ociRepo + " beta-crd v0.1.0: chart version v0.1.0 is not published (newest published: v0.2.0)",
		"WRONG beta 0.1.0 part beta: " + ociRepo + " beta v0.1.0: the catalog pairs it with appVersion v0.1.1, the chart says v0.1.0",
		"WRONG gamma 2.0.0: " + httpRepo + " gamma 2.0.0: no chart \"gamma\" in the repository",
	}
}

func findings(out string) []string {
	var got []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "WRONG ") {
			got = append(got, l)
		}
	}
	return got
}

func TestCheckAgainstFakeUpstream(t *testing.T) {
	dir, httpRepo, ociRepo := fakeUpstream(t)
	var out bytes.Buffer
	err := run(context.Background(), options{catalog: dir, insecure: true, verbose: true}, &out)
	require.ErrorIs(t, err, errFindings, out.String())
	assert.ElementsMatch(t, wrongLines(httpRepo, ociRepo), findings(out.String()))
	assert.Contains(t, out.String(), "ok    alpha 1.1.0: "+httpRepo+" alpha 1.1.0 (appVersion 1.1.0)")
	assert.Contains(t, out.String(), "ok    beta 0.2.0 part beta-crd: "+ociRepo+" beta-crd v0.2.0 (appVersion -)")
	assert.Contains(t, out.String(), "ok    beta 0.2.0 part beta: "+ociRepo+" beta v0.2.0 (appVersion v0.2.0)")
	assert.Contains(t, out.String(), "8 chart references in 2 repositories checked: 5 wrong")
	assert.NotContains(t, out.String(), "bundle", "a bundle has no chart to check")
}

func TestCheckPassesWhenUpstreamHasEverything(t *testing.T) {
	dir, _, _ := fakeUpstream(t)
	for _, f := range []string{"alpha.yaml", "gamma.yaml", "beta.yaml"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		var keep []string
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.Contains(l, "# wrong") {
				keep = append(keep, l)
			}
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte(strings.Join(keep, "\n")), 0o644))
	}
	require.NoError(t, os.Remove(filepath.Join(dir, "gamma.yaml")))
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), options{catalog: dir, insecure: true}, &out), out.String())
	assert.Contains(t, out.String(), "4 chart references in 2 repositories checked: 0 wrong")
}

// Recording and then checking against the recording finds the same problems offline.
func TestRecordThenCheckOffline(t *testing.T) {
	dir, httpRepo, ociRepo := fakeUpstream(t)
	rec := t.TempDir()
	var out bytes.Buffer
	err := run(context.Background(), options{catalog: dir, record: rec, insecure: true, newest: 10}, &out)
	require.ErrorIs(t, err, errFindings)
	assert.Contains(t, out.String(), "recorded 2 repositories into "+rec)

	r, err := upstream.ReadRecording(rec)
	require.NoError(t, err)
	s, err := r.Schema(httpRepo, "alpha", "1.1.0")
	require.NoError(t, err)
	assert.JSONEq(t, schemaAlpha, string(s), "the schema comes out of the chart archive")
	s, err = r.Schema(ociRepo, "beta", "v0.2.0")
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"object"}`, string(s), "the schema comes out of the OCI chart layer")
	s, err = r.Schema(httpRepo, "alpha", "1.0.0")
	require.NoError(t, err)
	assert.Nil(t, s, "a chart without values.schema.json records none")

	out.Reset()
	err = run(context.Background(), options{catalog: dir, recorded: rec}, &out)
	require.ErrorIs(t, err, errFindings)
	assert.ElementsMatch(t, wrongLines(httpRepo, ociRepo), findings(out.String()))
}

func TestUnreachableRepository(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x.yaml"), []byte(`name: x
chart: {repository: "http://127.0.0.1:1/charts", name: x}
versions: [{version: "1.0.0", chartVersion: "1.0.0", appVersion: "1.0.0"}]
`), 0o644))
	var out bytes.Buffer
	require.ErrorIs(t, run(context.Background(), options{catalog: dir}, &out), errFindings)
	assert.Contains(t, out.String(), "WRONG x 1.0.0: http://127.0.0.1:1/charts x 1.0.0: repository cannot be read")
}
