package regions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/operator"
	"github.com/openova-io/core/test/cluster"
)

// bootstrapConfig writes a BootstrapConfig of platform acme, provider existing (the two
// kwok clusters of the kubeconfig, a context each), with regions and grafana (mandatory),
// widgets (multi-part) and portal (primary only).
func bootstrapConfig(t *testing.T, path, kubeconfig, workDir, regions string) {
	t.Helper()
	cfg := fmt.Sprintf(`apiVersion: bootstrap.openova.io/v1alpha1
kind: BootstrapConfig
organization: {name: %s, domain: acme.example.com}
provider: existing
kubeconfig: %s
regions: %s
components: {install: [{name: widgets}, {name: portal}]}
workDir: %s
`, cluster.PlatformName, kubeconfig, regions, workDir)
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o644))
}

// bootstrap runs the real kubectl-openova bootstrap and returns its stderr; it fails the
// test on a non-zero exit.
func bootstrap(t *testing.T, args ...string) string {
	t.Helper()
	dir, err := cluster.Build()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "kubectl-openova"), append([]string{"bootstrap"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("bootstrap exited %d:\n%s\n%s", exit.ExitCode(), out.String(), errb.String())
	}
	require.NoError(t, err)
	return errb.String()
}

// TestBootstrapAddsARegion: kubectl openova bootstrap (provider existing, adopting the two
// kwok clusters) makes a one-region platform, whose components the operator and the real
// Flux controllers install in the primary. Run again with a standby in the configuration,
// it writes the standby's credential and spec.regions, and every component placed in every
// region (single-chart grafana, multi-part widgets) becomes Healthy in the standby while
// the primary's HelmReleases stay the same objects at the same Helm revision (no reinstall,
// no upgrade); portal stays primary-only. Run again without the standby (--yes), only the
// standby's releases are deleted: their workloads leave the standby, the primary's
// releases are still the same.
func TestBootstrapAddsARegion(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two kwok clusters")
	}
	ctx := context.Background()
	start := time.Now()
	r, err := cluster.StartRegions(ctx, cluster.RegionsOptions{
		Catalog:      "regions",
		OperatorArgs: []string{"--region-probe-interval=" + probe.String(), "--region-timeout=2s"},
		NoPlatform:   true,
	})
	require.NoError(t, err)
	t.Cleanup(func() { r.Stop(t.Failed()) })
	scheme, err := operator.Scheme()
	require.NoError(t, err)
	c, err := client.New(r.Primary.Config, client.Options{Scheme: scheme})
	require.NoError(t, err)
	sc, err := client.New(r.Standby.Config, client.Options{Scheme: scheme})
	require.NoError(t, err)

	dir := t.TempDir()
	kubeconfig, cfg, workDir := filepath.Join(dir, "kubeconfig"), filepath.Join(dir, "config.yaml"), filepath.Join(dir, "work")
	require.NoError(t, r.WriteKubeconfig(kubeconfig))
	args := []string{"-f", cfg, "--catalog", r.CatalogURL, "--yes"}
	onlyPrimary := fmt.Sprintf("[{name: %s, role: primary, context: %s}]", primary, primary)
	both := fmt.Sprintf("[{name: %s, role: primary, context: %s}, {name: %s, role: standby, context: %s}]", primary, primary, standby, standby)

	// healthyIn: Healthy in exactly these regions (none: a one-region platform, whose
	// Components report no regions).
	healthyIn := func(name string, regions ...string) func() (bool, string) {
		return func() (bool, string) {
			comp := &openovav1alpha1.Component{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, comp); err != nil {
				return false, err.Error()
			}
			if len(comp.Status.Regions) != len(regions) || comp.Status.Health != openovav1alpha1.HealthHealthy {
				return false, fmt.Sprintf("%+v", comp.Status)
			}
			for _, reg := range regions {
				found := false
				for _, rs := range comp.Status.Regions {
					found = found || rs.Name == reg && rs.Health == openovav1alpha1.HealthHealthy
				}
				if !found {
					return false, fmt.Sprintf("%+v", comp.Status.Regions)
				}
			}
			return true, ""
		}
	}
	type release struct {
		uid      types.UID
		revision int
	}
	releases := func() map[string]release {
		var list helmv2.HelmReleaseList
		require.NoError(t, c.List(ctx, &list, client.InNamespace(ns)))
		out := map[string]release{}
		for _, hr := range list.Items {
			rel := release{uid: hr.UID}
			if latest := hr.Status.History.Latest(); latest != nil {
				rel.revision = latest.Version
			}
			out[hr.Name] = rel
		}
		return out
	}
	names := func(m map[string]release) []string {
		var out []string
		for n := range m {
			out = append(out, n)
		}
		sort.Strings(out)
		return out
	}

	// One region.
	bootstrapConfig(t, cfg, kubeconfig, workDir, onlyPrimary)
	stderr := bootstrap(t, args...)
	assert.Contains(t, stderr, "created Platform openova-system/acme with 3 components")
	for _, name := range []string{"grafana", "widgets", "portal"} {
		cluster.Eventually(t, 2*time.Minute, time.Second, name+" Healthy in the one region", healthyIn(name))
	}
	installed := releases()
	require.Equal(t, []string{"grafana", "portal", "widgets", "widgets-crds"}, names(installed))
	for name, rel := range installed {
		require.Equal(t, 1, rel.revision, "%s installed once", name)
	}
	t.Logf("one region installed %s after the start", time.Since(start).Round(time.Second))

	// bootstrap adds the standby: everything placed there is delivered, the primary untouched.
	added := time.Now()
	bootstrapConfig(t, cfg, kubeconfig, workDir, both)
	stderr = bootstrap(t, args...)
	assert.Contains(t, stderr, "region hel1 (standby): nothing to install there")
	assert.Contains(t, stderr, "spec.regions is now fsn1 (primary), hel1 (standby)")
	var secret corev1.Secret
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: ns, Name: cluster.StandbySecret}, &secret), "bootstrap wrote the standby's credential")
	cluster.Eventually(t, 2*time.Minute, time.Second, "grafana Healthy in both", healthyIn("grafana", standby, primary))
	cluster.Eventually(t, 2*time.Minute, time.Second, "widgets (multi-part) Healthy in both", healthyIn("widgets", standby, primary))
	cluster.Eventually(t, time.Minute, time.Second, "portal Healthy in the primary only", healthyIn("portal", primary))
	t.Logf("standby delivered %s after bootstrap added it", time.Since(added).Round(time.Second))
	withStandby := releases()
	assert.Equal(t, []string{"grafana", "grafana-hel1", "portal", "widgets", "widgets-crds", "widgets-crds-hel1", "widgets-hel1"}, names(withStandby))
	for name, rel := range installed {
		assert.Equal(t, rel, withStandby[name], "the primary's %s is neither reinstalled nor upgraded", name)
	}
	for _, key := range []client.ObjectKey{{Namespace: "monitoring", Name: "grafana"}, {Namespace: "widgets", Name: "widgets"}} {
		require.NoError(t, sc.Get(ctx, key, &appsv1.Deployment{}), "%s runs in the standby", key)
	}
	var cm corev1.ConfigMap
	require.NoError(t, sc.Get(ctx, client.ObjectKey{Namespace: "widgets", Name: "widgets-settings"}, &cm), "the resource part is applied in the standby")
	assert.True(t, apierrors.IsNotFound(sc.Get(ctx, client.ObjectKey{Namespace: "portal", Name: "portal"}, &appsv1.Deployment{})), "portal is not in the standby")

	// bootstrap drops the standby again: only its releases go.
	removed := time.Now()
	bootstrapConfig(t, cfg, kubeconfig, workDir, onlyPrimary)
	stderr = bootstrap(t, args...)
	assert.Contains(t, stderr, "removed region [hel1] from Platform openova-system/acme")
	cluster.Eventually(t, time.Minute, time.Second, "only the primary's releases", func() (bool, string) {
		now := releases()
		return len(now) == len(installed), fmt.Sprint(names(now))
	})
	assert.Equal(t, installed, releases(), "the primary's releases are the same objects at the same revision")
	for _, key := range []client.ObjectKey{{Namespace: "monitoring", Name: "grafana"}, {Namespace: "widgets", Name: "widgets"}} {
		cluster.Eventually(t, time.Minute, time.Second, key.String()+" uninstalled from the standby", func() (bool, string) {
			err := sc.Get(ctx, key, &appsv1.Deployment{})
			return apierrors.IsNotFound(err), fmt.Sprint(err)
		})
	}
	// A platform that lost its standby keeps delivering per region, now the primary alone.
	for _, name := range []string{"grafana", "widgets", "portal"} {
		cluster.Eventually(t, time.Minute, time.Second, name+" Healthy in the primary alone", healthyIn(name, primary))
	}
	for _, key := range []client.ObjectKey{{Namespace: "monitoring", Name: "grafana"}, {Namespace: "widgets", Name: "widgets"}, {Namespace: "portal", Name: "portal"}} {
		require.NoError(t, c.Get(ctx, key, &appsv1.Deployment{}), "%s still runs in the primary", key)
	}
	t.Logf("standby's releases deleted %s after bootstrap removed it; whole test %s", time.Since(removed).Round(time.Second), time.Since(start).Round(time.Second))
}
