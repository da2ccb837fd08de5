// Package delivery runs the operator as a process against a kwok cluster with the real Flux
// controllers and test charts served on loopback: installs, upgrades, a failed upgrade that
// Flux rolls back, recovery, and an operator killed mid-upgrade.
package delivery

import (
	"context"
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/operator"
	"github.com/openova-io/core/test/chartserver"
	"github.com/openova-io/core/test/cluster"
	"github.com/openova-io/core/test/testcatalog"
)

const ns = "openova-system"

type env struct {
	t    *testing.T
	ctx  context.Context
	k    *cluster.Kwok
	c    client.Client
	repo *chartserver.Server
}

// start starts a kwok cluster of nodes nodes with Flux and a chart repository of the test
// charts on loopback.
func start(t *testing.T, ctx context.Context, nodes int) *env {
	t.Helper()
	k := cluster.KwokT(t, ctx, cluster.KwokOptions{Nodes: nodes, Flux: true})
	charts, err := chartserver.Default()
	require.NoError(t, err)
	repo, err := chartserver.Serve(charts...)
	require.NoError(t, err)
	t.Cleanup(repo.Close)
	scheme, err := operator.Scheme()
	require.NoError(t, err)
	c, err := client.New(k.Config, client.Options{Scheme: scheme})
	require.NoError(t, err)
	return &env{t: t, ctx: ctx, k: k, c: c, repo: repo}
}

func TestOperatorDeliversThroughFlux(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kwok cluster, Flux and the operator")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	e := start(t, ctx, 2)
	k, c := e.k, e.c
	catalogFile := testcatalog.WriteFile(t, "operator", e.repo.URL)
	leaderArgs := []string{"--catalog=" + catalogFile, "--leader-elect-lease-duration=4s", "--leader-elect-renew-deadline=3s", "--leader-elect-retry-period=500ms"}
	op, err := k.StartOperator(ctx, "operator-1", leaderArgs...)
	require.NoError(t, err)

	// Three components that depend on each other: all healthy, installed in dependency order.
	p := &openovav1alpha1.Platform{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: ns},
		Spec: openovav1alpha1.PlatformSpec{
			Organization: openovav1alpha1.Organization{Name: "acme", Domain: "acme.example.com"},
			Components: []openovav1alpha1.PlatformComponent{
				{Name: "base", Version: "1.0.0", Reason: "dependency of top"},
				{Name: "middle", Version: "0.1.0", Reason: "dependency of top"},
				{Name: "top", Version: "1.0.0"},
			},
		},
	}
	require.NoError(t, c.Create(ctx, p))
	e.waitPlatform("ready", 3*time.Minute, func(p *openovav1alpha1.Platform) bool {
		return p.Status.Phase == openovav1alpha1.PhaseReady && p.Status.HealthPercent == 100
	})
	e.waitDeployment("base-system", "base", "1.0")
	e.waitDeployment("middle-system", "middle", "")
	e.waitDeployment("top-system", "top", "1.0")
	base, middle, top := e.release("base"), e.release("middle"), e.release("top")
	assert.Equal(t, "base", middle.Spec.DependsOn[0].Name)
	assert.Equal(t, "middle", top.Spec.DependsOn[0].Name)
	assert.False(t, middle.Status.History.Latest().FirstDeployed.Before(&base.Status.History.Latest().FirstDeployed), "middle installed after base")
	assert.False(t, top.Status.History.Latest().FirstDeployed.Before(&middle.Status.History.Latest().FirstDeployed), "top installed after middle")

	// A good upgrade: kubectl wait --for=condition=Ready returns only once Flux has really
	// deployed the new version.
	e.setVersion("base", "1.1.0")
	require.NoError(t, kubectlWait(ctx, k.Kubeconfig, "platform/acme", 3*time.Minute), "kubectl wait for the upgraded Platform")
	hr := e.release("base")
	require.NotNil(t, hr.Status.History.Latest())
	assert.Equal(t, "1.1.0", hr.Status.History.Latest().ChartVersion, "Ready only once the new chart is deployed")
	assert.Equal(t, "deployed", hr.Status.History.Latest().Status)
	assert.Equal(t, hr.Generation, hr.Status.ObservedGeneration)
	var d appsv1.Deployment
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "base-system", Name: "base"}, &d))
	assert.Equal(t, "1.1", d.Spec.Template.Labels["app.kubernetes.io/version"], "the workload runs the new version when Ready")
	comp := e.component("base")
	assert.Equal(t, "1.1.0", comp.Status.Version)
	assert.True(t, meta.IsStatusConditionTrue(comp.Status.Conditions, openovav1alpha1.ReadyCondition), "%+v", comp.Status.Conditions)
	e.waitDeployment("base-system", "base", "1.1")

	// An upgrade whose pods cannot schedule: Flux rolls back, the operator raises the alert.
	e.setVersion("base", "1.3.0")
	comp = e.waitComponent("base", "upgrade failed", 3*time.Minute, func(c *openovav1alpha1.Component) bool {
		return meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition)
	})
	assert.Equal(t, "1.3.0", comp.Status.FailedVersion)
	assert.Contains(t, meta.FindStatusCondition(comp.Status.Conditions, openovav1alpha1.UpgradeFailedCondition).Message, "rolled back")
	e.waitComponent("base", "healthy on 1.1.0 with the alert", 2*time.Minute, func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.1.0" &&
			meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition)
	})
	pl := e.waitPlatform("alert", time.Minute, func(p *openovav1alpha1.Platform) bool { return len(p.Status.Alerts) == 1 })
	assert.Equal(t, openovav1alpha1.UpgradeRolledBackReason, pl.Status.Alerts[0].Reason)
	e.waitDeployment("base-system", "base", "1.1")
	assert.True(t, e.hasEvent("Component", "base", corev1.EventTypeWarning, openovav1alpha1.UpgradeRolledBackReason))
	assert.True(t, e.hasEvent("Platform", "acme", corev1.EventTypeWarning, openovav1alpha1.UpgradeRolledBackReason))

	// No retry loop: for the next 20 s the release stays on 1.1.0 and Helm makes no new
	// revisions. A loop would be driven by the status changes the rollback itself makes
	// (each one reconciles the Component at once), and those all land within seconds; the
	// periodic recheck (2 min) reconciles the same way as they do.
	revisions := e.release("base").Status.History.Latest().Version
	time.Sleep(20 * time.Second)
	hr = e.release("base")
	assert.Equal(t, "1.1.0", hr.Spec.Chart.Spec.Version)
	assert.Equal(t, revisions, hr.Status.History.Latest().Version, "no new Helm revisions")
	assert.True(t, meta.IsStatusConditionTrue(e.component("base").Status.Conditions, openovav1alpha1.UpgradeFailedCondition))

	// A good version recovers; the operator is killed mid-upgrade and a new one converges.
	e.setVersion("base", "1.2.0")
	cluster.Eventually(t, time.Minute, 100*time.Millisecond, "HelmRelease at 1.2.0", func() (bool, string) {
		v := e.release("base").Spec.Chart.Spec.Version
		return v == "1.2.0", v
	})
	require.NoError(t, op.Signal(syscall.SIGKILL))
	_ = op.Wait(ctx)
	_, err = k.StartOperator(ctx, "operator-2", leaderArgs...)
	require.NoError(t, err)
	e.waitComponent("base", "healthy at 1.2.0", 3*time.Minute, func(c *openovav1alpha1.Component) bool {
		return c.Status.Version == "1.2.0" && c.Status.Health == openovav1alpha1.HealthHealthy &&
			meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition) == nil
	})
	e.waitDeployment("base-system", "base", "1.2")
	e.waitPlatform("alert cleared", time.Minute, func(p *openovav1alpha1.Platform) bool {
		return len(p.Status.Alerts) == 0 && p.Status.Phase == openovav1alpha1.PhaseReady
	})
	var releases helmv2.HelmReleaseList
	require.NoError(t, c.List(ctx, &releases, client.InNamespace(ns)))
	assert.Len(t, releases.Items, 3, "no duplicate HelmReleases")
	var repos sourcev1.HelmRepositoryList
	require.NoError(t, c.List(ctx, &repos, client.InNamespace(ns)))
	assert.Len(t, repos.Items, 1, "no duplicate HelmRepositories")
	var comps openovav1alpha1.ComponentList
	require.NoError(t, c.List(ctx, &comps, client.InNamespace(ns)))
	assert.Len(t, comps.Items, 3, "no duplicate Components")

	e.waitComponent("top", "still healthy", time.Minute, func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy
	})

	// Removing top uninstalls its release.
	e.updatePlatform("remove top", func(p *openovav1alpha1.Platform) { p.Spec.Components = p.Spec.Components[:2] })
	cluster.Eventually(t, 2*time.Minute, 250*time.Millisecond, "top uninstalled", func() (bool, string) {
		var d appsv1.Deployment
		err := c.Get(ctx, client.ObjectKey{Namespace: "top-system", Name: "top"}, &d)
		return client.IgnoreNotFound(err) == nil && err != nil, fmt.Sprint(err)
	})
}

// kubectlWait runs the real kubectl: wait --for=condition=Ready on object in openova-system.
func kubectlWait(ctx context.Context, kubeconfig, object string, timeout time.Duration) error {
	path, err := exec.LookPath("kubectl")
	if err != nil {
		return fmt.Errorf("the journey needs kubectl: %w", err)
	}
	out, err := exec.CommandContext(ctx, path, "--kubeconfig", kubeconfig, "-n", ns, "wait", "--for=condition=Ready", object,
		"--timeout="+timeout.String()).CombinedOutput()
	if err != nil {
		return fmt.Errorf("kubectl wait %s: %w: %s", object, err, out)
	}
	return nil
}

func (e *env) setVersion(name, version string) {
	e.t.Helper()
	e.updatePlatform("set "+name+" "+version, func(p *openovav1alpha1.Platform) {
		for i := range p.Spec.Components {
			if p.Spec.Components[i].Name == name {
				p.Spec.Components[i].Version = version
			}
		}
	})
}

// updatePlatform changes the Platform's spec with change, reading it again when the
// operator wrote its status in between (a conflict).
func (e *env) updatePlatform(what string, change func(*openovav1alpha1.Platform)) {
	e.t.Helper()
	cluster.Eventually(e.t, 10*time.Second, 100*time.Millisecond, what, func() (bool, string) {
		p := &openovav1alpha1.Platform{}
		if err := e.c.Get(e.ctx, client.ObjectKey{Namespace: ns, Name: "acme"}, p); err != nil {
			return false, err.Error()
		}
		change(p)
		err := e.c.Update(e.ctx, p)
		return err == nil, fmt.Sprint(err)
	})
}

func (e *env) component(name string) *openovav1alpha1.Component {
	e.t.Helper()
	c := &openovav1alpha1.Component{}
	require.NoError(e.t, e.c.Get(e.ctx, client.ObjectKey{Namespace: ns, Name: name}, c))
	return c
}

func (e *env) release(name string) *helmv2.HelmRelease {
	e.t.Helper()
	hr := &helmv2.HelmRelease{}
	require.NoError(e.t, e.c.Get(e.ctx, client.ObjectKey{Namespace: ns, Name: name}, hr))
	return hr
}

func (e *env) waitComponent(name, what string, timeout time.Duration, check func(*openovav1alpha1.Component) bool) *openovav1alpha1.Component {
	e.t.Helper()
	return cluster.WaitComponent(e.t, e.ctx, e.c, name, what, timeout, check)
}

func (e *env) waitPlatform(what string, timeout time.Duration, check func(*openovav1alpha1.Platform) bool) *openovav1alpha1.Platform {
	e.t.Helper()
	return cluster.WaitPlatform(e.t, e.ctx, e.c, what, timeout, check)
}

func (e *env) waitDeployment(namespace, name, appVersion string) {
	e.t.Helper()
	cluster.WaitDeployment(e.t, e.ctx, e.c, namespace, name, appVersion)
}

func (e *env) hasEvent(kind, name, typ, reason string) bool {
	var list eventsv1.EventList
	require.NoError(e.t, e.c.List(e.ctx, &list, client.InNamespace(ns)))
	for _, ev := range list.Items {
		if ev.Regarding.Kind == kind && ev.Regarding.Name == name && ev.Type == typ && ev.Reason == reason {
			return true
		}
	}
	return false
}
