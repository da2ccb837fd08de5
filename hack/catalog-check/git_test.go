package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/hack/catalog-check/upstream"
)

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
}

// -from-git reads a gh-pages index.yaml and Chart.yaml at release tags from a GitHub
// repository fetched as a bare git directory, as the first recording was made.
func TestFromGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	work := t.TempDir()
	write := func(file, body string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(work, file)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(work, file), []byte(body), 0o644))
	}
	git(t, work, "init", "-q", "-b", "main")
	for _, v := range []string{"0.9.0", "1.0.0"} {
		write("charts/tagged/Chart.yaml", "apiVersion: v2\nname: tagged\nversion: "+v+"\nappVersion: \"app-"+v+"\"\n")
		write("charts/tagged/values.schema.json", `{"title": "`+v+`"}`)
		git(t, work, "add", "-A")
		git(t, work, "commit", "-q", "-m", v)
		git(t, work, "tag", "v"+v)
	}
	git(t, work, "checkout", "-q", "--orphan", "gh-pages")
	git(t, work, "rm", "-q", "-rf", ".")
	write("index.yaml", "apiVersion: v1\nentries:\n  paged:\n  - {name: paged, version: 2.0.0, appVersion: \"2.0\"}\n")
	git(t, work, "add", "-A")
	git(t, work, "commit", "-q", "-m", "index")
	mirror := t.TempDir()
	git(t, mirror, "clone", "-q", "--bare", work, filepath.Join(mirror, "acme+charts", "repo"))

	sources := filepath.Join(t.TempDir(), "sources.yaml")
	require.NoError(t, os.WriteFile(sources, []byte(`
- repository: https://charts.acme.example
  github: acme/charts
  charts:
    - {name: paged, index: "gh-pages:index.yaml"}
    - {name: tagged, tags: '^v\d+\.\d+\.\d+$', versionFrom: chart, chartDir: charts/tagged, schema: "{tag}:charts/tagged/values.schema.json"}
`), 0o644))
	cat := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(cat, "c.yaml"), []byte(`name: c
chart: {repository: https://charts.acme.example, name: tagged}
versions:
  - version: "2.0.0"
    appVersion: "app-1.0.0"   # the main part is the one whose chart is the component's
    parts:
      - {name: paged, chart: {name: paged}, chartVersion: "2.0.0"}
      - {name: tagged, chartVersion: "1.0.0"}
  - {version: "0.9.0", chartVersion: "0.9.0", appVersion: "0.9.0"}
`), 0o644))
	rec := t.TempDir()
	var out bytes.Buffer
	err := run(context.Background(), options{catalog: cat, fromGit: mirror, sources: sources, record: rec, newest: 5}, &out)
	require.ErrorIs(t, err, errFindings)
	assert.Equal(t, []string{"WRONG c 0.9.0: https://charts.acme.example tagged 0.9.0: the catalog pairs it with appVersion 0.9.0, the chart says app-0.9.0"}, findings(out.String()))

	r, err := upstream.ReadRecording(rec)
	require.NoError(t, err)
	c, ok := r.Chart("https://charts.acme.example", "tagged")
	require.True(t, ok)
	assert.Equal(t, []upstream.ChartVersion{
		{Version: "1.0.0", AppVersion: "app-1.0.0", Schema: "charts.acme.example/tagged-1.0.0.json"},
		{Version: "0.9.0", AppVersion: "app-0.9.0", Schema: "charts.acme.example/tagged-0.9.0.json"},
	}, c.Versions)
	s, err := r.Schema("https://charts.acme.example", "tagged", "1.0.0")
	require.NoError(t, err)
	assert.JSONEq(t, `{"title": "1.0.0"}`, string(s), "the schema is read at the version's tag")
	p, ok := r.Chart("https://charts.acme.example", "paged")
	require.True(t, ok)
	assert.Contains(t, p.Source, "gh-pages:index.yaml")
}
