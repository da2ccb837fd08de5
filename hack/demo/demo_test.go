package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/test/cluster"
)

// TestDemoCatalogResolves: the demo catalog, before and after its "release", loads and
// resolves the demo's install, and the release adds newer versions.
func TestDemoCatalogResolves(t *testing.T) {
	for _, release := range []bool{false, true} {
		data, charts, err := demoCatalog("http://127.0.0.1:1", release)
		require.NoError(t, err)
		cat, err := catalog.Parse("demo.yaml", data)
		require.NoError(t, err)
		grafana, ok := cat.Component("grafana")
		require.True(t, ok)
		assert.Equal(t, "http://127.0.0.1:1", grafana.Chart.Repository)
		assert.Equal(t, "grafana", grafana.Chart.Name, "stand-ins are named after the component")
		builtin, err := catalog.Builtin()
		require.NoError(t, err)
		real, _ := builtin.Component("grafana")
		if release {
			assert.Equal(t, real.Versions[0].Version, grafana.Versions[0].Version)
		} else {
			assert.Equal(t, real.Versions[1].Version, grafana.Versions[0].Version, "the newest is held back")
		}
		var names []string
		for _, m := range cat.Mandatory() {
			names = append(names, m.Name)
		}
		plan, err := catalog.Resolve(cat, nil, catalog.Request{Kind: catalog.Install, Names: names})
		require.NoError(t, err)
		_, err = catalog.Resolve(cat, plan.Apply(nil), catalog.Request{Kind: catalog.Install, Names: []string{"ai-hub"}, With: []string{"neo4j"}})
		require.NoError(t, err, "release %v", release)
		require.NotEmpty(t, charts)
	}
}

// TestDemoServesEveryVersionItCanSuggest: the chart repository the demo serves from its start
// (before the catalog "release") already has a stand-in for every chart version the
// released catalog names, so every upgrade the demo suggests (upgrade --dry-run, upgrade
// grafana) can be delivered: Flux holds the index it read at install time, and a chart
// published only with the release would be missing from it.
func TestDemoServesEveryVersionItCanSuggest(t *testing.T) {
	d := &demo{}
	require.NoError(t, d.serveCatalog(false))
	t.Cleanup(d.repo.Close)
	resp, err := http.Get(d.repo.URL + "/index.yaml")
	require.NoError(t, err)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	var index struct {
		Entries map[string][]struct {
			Version string   `json:"version"`
			URLs    []string `json:"urls"`
		} `json:"entries"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &index))
	served := map[string]string{}
	for name, versions := range index.Entries {
		for _, v := range versions {
			require.NotEmpty(t, v.URLs, "%s %s", name, v.Version)
			served[name+" "+v.Version] = v.URLs[0]
		}
	}

	data, _, err := demoCatalog(d.repo.URL, true)
	require.NoError(t, err)
	released, err := catalog.Parse("demo.yaml", data)
	require.NoError(t, err)
	checked := 0
	for _, c := range released.Components() {
		if c.Delivery == catalog.DeliveryBootstrap || c.Delivery == catalog.DeliveryBundle {
			continue
		}
		for _, v := range c.Versions {
			file, ok := served[c.Chart.Name+" "+v.ChartVersion]
			if !assert.True(t, ok, "%s %s (chart %s %s) is not in the index the demo serves before the release", c.Name, v.Version, c.Chart.Name, v.ChartVersion) {
				continue
			}
			resp, err := http.Get(d.repo.URL + "/" + file)
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%s %s", c.Name, file)
			checked++
		}
	}
	grafana, ok := released.Component("grafana")
	require.True(t, ok)
	assert.Contains(t, served, "grafana "+grafana.Versions[0].ChartVersion, "upgrade grafana, which the demo suggests, reaches a served chart")
	assert.Greater(t, checked, 30)
}

// TestDemo runs the README's main job end to end (make demo), tearing it down at the end.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo")
	}
	tools, err := cluster.BinDir("kwokctl", "kwok", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "source-controller", "helm-controller")
	require.NoError(t, err)
	built, err := cluster.Build()
	require.NoError(t, err)
	// The demo finds everything in one folder, as make demo's bin/.
	bin := t.TempDir()
	entries, err := os.ReadDir(tools)
	require.NoError(t, err)
	for _, e := range entries {
		if !e.IsDir() {
			require.NoError(t, os.Symlink(filepath.Join(tools, e.Name()), filepath.Join(bin, e.Name())))
		}
	}
	for _, name := range []string{"kubectl-openova", "openova-operator"} {
		_ = os.Remove(filepath.Join(bin, name))
		require.NoError(t, os.Symlink(filepath.Join(built, name), filepath.Join(bin, name)))
	}
	root, err := cluster.RepoRoot()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	work := t.TempDir()
	cmd := exec.CommandContext(ctx, "go", "run", "./hack/demo", "--bin", bin, "--work", work, "--exit-after")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "OPENOVA_BIN_DIR="+bin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	require.NoError(t, err, out.String())
	text := out.String()
	for _, want := range []string{
		"created Platform openova-system/demo",
		"kubectl openova install ai-hub --with neo4j --yes --wait",
		"neo4j",
		"kubectl openova upgrade --dry-run",
		"grafana",
		"kubectl openova upgrade --refresh --wait",
		"Asked the operator to check the catalog",
		"stopping everything and destroying the cluster",
	} {
		assert.Contains(t, text, want)
	}
	// The status after the operator's check reports the upgrades upgrade --dry-run listed.
	assert.Regexp(t, `(?s)kubectl openova upgrade --refresh --wait.*Upgrades +[1-9][0-9]* available`, text)
	_, err = os.Stat(filepath.Join(work, "kubeconfig-dev.yaml"))
	assert.True(t, os.IsNotExist(err), "the cluster was destroyed")
	if t.Failed() {
		t.Log(text)
	}
}
