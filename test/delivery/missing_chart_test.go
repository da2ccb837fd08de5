package delivery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fluxmeta "github.com/fluxcd/pkg/apis/meta"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/test/chartserver"
	"github.com/openova-io/core/test/cluster"
	"github.com/openova-io/core/test/testcatalog"
)

// A catalog that names chart versions the chart repository does not serve: base 1.4.0
// (chart app 1.4.0, an upgrade) and middle 0.3.0 (chart web 0.3.0, a first install). The
// real source-controller cannot find them, and the Components say so — ChartNotFound,
// naming the chart and version — instead of waiting for Flux to observe a generation it
// will not get through; `kubectl openova upgrade --wait` ends with that message instead of
// its timeout; and once the repository publishes the version, it is delivered.
func TestMissingChartVersionIsReported(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kwok cluster, Flux and the operator")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	e := start(t, ctx, 1)
	k, c := e.k, e.c
	full, err := testcatalog.Render("operator", e.repo.URL)
	require.NoError(t, err)
	text := string(full)
	for _, add := range [][2]string{
		{"- {version: 1.3.0, chartVersion: 2.0.0,", "- {version: 1.4.0, chartVersion: 1.4.0, changelog: \"Base 1.4: never published.\"}\n"},
		{"- version: 0.2.0\n  chartVersion: 0.2.0", "- version: 0.3.0\n  chartVersion: 0.3.0\n  changelog: \"Middle 0.3: never published.\"\n  requires: [{name: base, constraint: \">=1.0.0\"}]\n"},
	} {
		require.Contains(t, text, add[0])
		text = strings.Replace(text, add[0], add[1]+add[0], 1)
	}
	// lone has no dependency: helm-controller looks at its new HelmChart at once, before
	// source-controller has ("latest generation of object has not been reconciled"), and
	// again only after its --requeue-dependency (a HelmChart without an artifact does not
	// wake it).
	text += fmt.Sprintf(`---
apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: lone
displayName: Lone
category: a-la-carte
description: No dependencies; its chart version is not published.
namespace: lone-system
chart: {repository: %q, name: app}
versions:
- {version: 1.0.0, chartVersion: 7.7.7, changelog: "Lone 1.0: never published."}
`, e.repo.URL)
	catalogFile := filepath.Join(t.TempDir(), "catalog.yaml")
	require.NoError(t, os.WriteFile(catalogFile, []byte(text), 0o644))
	_, err = k.StartOperator(ctx, "operator", "--leader-elect=false", "--catalog="+catalogFile)
	require.NoError(t, err)

	p := &openovav1alpha1.Platform{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: ns},
		Spec: openovav1alpha1.PlatformSpec{
			Organization: openovav1alpha1.Organization{Name: "acme", Domain: "acme.example.com"},
			Components: []openovav1alpha1.PlatformComponent{
				{Name: "base", Version: "1.1.0"},
				{Name: "middle", Version: "0.3.0"},
				{Name: "lone", Version: "1.0.0"},
			},
		},
	}
	require.NoError(t, kube.ApplyObject(ctx, c, install.FieldManager, p))
	e.waitComponent("base", "healthy at 1.1.0", 3*time.Minute, func(c *openovav1alpha1.Component) bool {
		return c.Status.Version == "1.1.0" && c.Status.Health == openovav1alpha1.HealthHealthy
	})

	// First installs of chart versions the repository lacks.
	notFound := func(chart, version string) func(*openovav1alpha1.Component) bool {
		return func(c *openovav1alpha1.Component) bool {
			ready := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition)
			return ready != nil && ready.Reason == openovav1alpha1.ChartNotFoundReason &&
				strings.Contains(ready.Message, "chart "+chart+" "+version+" not found") &&
				meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.StalledCondition)
		}
	}
	mid := e.waitComponent("middle", "ChartNotFound for web 0.3.0", 2*time.Minute, notFound("web", "0.3.0"))
	assert.Equal(t, openovav1alpha1.HealthFailed, mid.Status.Health)
	t.Logf("middle: %s", meta.FindStatusCondition(mid.Status.Conditions, openovav1alpha1.ReadyCondition).Message)
	lone := e.waitComponent("lone", "ChartNotFound for app 7.7.7", 2*time.Minute, notFound("app", "7.7.7"))
	assert.Equal(t, openovav1alpha1.HealthFailed, lone.Status.Health)
	t.Logf("lone: %s", meta.FindStatusCondition(lone.Status.Conditions, openovav1alpha1.ReadyCondition).Message)

	// Without middle and lone (their stalled entries would end the CLI's wait below first) ...
	e.updatePlatform("remove middle and lone", func(p *openovav1alpha1.Platform) { p.Spec.Components = p.Spec.Components[:1] })
	for _, name := range []string{"middle", "lone"} {
		cluster.Eventually(t, time.Minute, 250*time.Millisecond, name+" removed", func() (bool, string) {
			err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &openovav1alpha1.Component{})
			return apierrors.IsNotFound(err), fmt.Sprint(err)
		})
	}

	// ... an upgrade to a chart version the repository lacks, through the CLI with --wait:
	// it ends with Flux's reason, not at its timeout; 1.1.0 keeps running.
	bin, err := cluster.Build()
	require.NoError(t, err)
	cli := exec.CommandContext(ctx, filepath.Join(bin, "kubectl-openova"), "upgrade", "base", "--to", "1.4.0",
		"--catalog", catalogFile, "--yes", "--wait", "--timeout", "4m")
	cli.Env = append(os.Environ(), "KUBECONFIG="+k.Kubeconfig, "HOME="+t.TempDir(), "NO_COLOR=1")
	out, err := cli.CombinedOutput()
	t.Logf("$ kubectl-openova upgrade base --to 1.4.0 --yes --wait --timeout 4m\n%s", out)
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "the upgrade fails: %v", err)
	assert.Equal(t, 4, exit.ExitCode(), "unhealthy")
	assert.Contains(t, string(out), "chart app 1.4.0 not found")
	assert.NotContains(t, string(out), "timed out")
	base := e.waitComponent("base", "ChartNotFound for app 1.4.0", time.Minute, notFound("app", "1.4.0"))
	assert.Equal(t, openovav1alpha1.HealthDegraded, base.Status.Health, "a release of base still runs")
	assert.Equal(t, "1.1.0", base.Status.Version)
	e.waitDeployment("base-system", "base", "1.1")
	pl := e.waitPlatform("alert", time.Minute, func(p *openovav1alpha1.Platform) bool { return len(p.Status.Alerts) == 1 })
	assert.Contains(t, pl.Status.Alerts[0].Message, "chart app 1.4.0 not found")

	// Not a dead end: the repository publishes the version, Flux reads its index again (its
	// interval, brought forward here), and base is delivered at 1.4.0 with nothing else done.
	require.NoError(t, e.repo.Add(chartserver.Chart{Name: "app", Template: "app", Version: "1.4.0", AppVersion: "1.4"}))
	var repos sourcev1.HelmRepositoryList
	require.NoError(t, c.List(ctx, &repos, client.InNamespace(ns)))
	require.Len(t, repos.Items, 1)
	repo := &repos.Items[0]
	patch := client.MergeFrom(repo.DeepCopy())
	repo.Annotations = map[string]string{fluxmeta.ReconcileRequestAnnotation: time.Now().Format(time.RFC3339Nano)}
	require.NoError(t, c.Patch(ctx, repo, patch))
	e.waitComponent("base", "healthy at 1.4.0", 2*time.Minute, func(c *openovav1alpha1.Component) bool {
		return c.Status.Version == "1.4.0" && c.Status.Health == openovav1alpha1.HealthHealthy &&
			!meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.StalledCondition)
	})
	e.waitDeployment("base-system", "base", "1.4")
}
