// Package bundle runs the operator as a process against a kwok cluster with the real Flux
// controllers and test charts shaped like real ones: a bundle whose members are a CRD chart
// followed by a chart that needs the CRDs, and an operator chart followed by a resource of
// the kind it ships. Parts become Ready in order, the bundle is Healthy only after every
// member, a failed upgrade of one part is rolled back and reported on the component and the
// bundle, and uninstalling the bundle prunes the members nothing else needs with every part.
package bundle

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/operator"
	"github.com/openova-io/core/test/chartserver"
	"github.com/openova-io/core/test/cluster"
	"github.com/openova-io/core/test/testcatalog"
)

const ns = "openova-system"

type env struct {
	t   *testing.T
	ctx context.Context
	c   client.Client
	cat *catalog.Catalog
}

func TestBundleOfMultiPartComponents(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kwok cluster, Flux and the operator")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	k := cluster.KwokT(t, ctx, cluster.KwokOptions{Nodes: 2, Flux: true})
	charts, err := chartserver.Default()
	require.NoError(t, err)
	repo, err := chartserver.Serve(charts...)
	require.NoError(t, err)
	t.Cleanup(repo.Close)
	catalogFile := testcatalog.WriteFile(t, "parts", repo.URL)
	cat, err := catalog.Load(ctx, catalogFile)
	require.NoError(t, err)
	scheme, err := operator.Scheme()
	require.NoError(t, err)
	c, err := client.New(k.Config, client.Options{Scheme: scheme})
	require.NoError(t, err)
	e := &env{t: t, ctx: ctx, c: c, cat: cat}
	// The test catalog's resource parts use test.openova.io kinds the shipped role leaves out.
	require.NoError(t, cluster.GrantOperator(ctx, k.Client, "openova-operator-test-kinds", cluster.TestKindsRule))
	_, err = k.StartOperator(ctx, "operator", "--catalog="+catalogFile)
	require.NoError(t, err)

	// What `kubectl openova install hub solo` writes, with serving held on 1.0.0 (its
	// newest version is the broken one the test upgrades to later).
	plan, err := catalog.Resolve(cat, []catalog.Installed{{Name: "serving", Version: "1.0.0", Reason: "dependency of hub"}},
		catalog.Request{Kind: catalog.Install, Names: []string{"hub", "solo"}})
	require.NoError(t, err)
	for _, s := range plan.Steps {
		if s.Component == "serving" {
			assert.Equal(t, []string{"serving-crds", "serving"}, s.Parts, "the plan names the parts")
		}
	}
	p := &openovav1alpha1.Platform{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: ns},
		Spec: openovav1alpha1.PlatformSpec{
			Organization: openovav1alpha1.Organization{Name: "acme", Domain: "acme.example.com"},
			Components:   entries(plan.Apply([]catalog.Installed{{Name: "serving", Version: "1.0.0", Reason: "dependency of hub"}})),
		},
	}
	// Watch the hub and its members from the start: the hub must never be Healthy while a
	// member is not Healthy at its desired version, and must be seen waiting for them.
	watch := e.watchBundle("hub", []string{"serving", "gadgets"})
	require.NoError(t, c.Create(ctx, p))

	e.waitComponent("hub", "healthy", 4*time.Minute, func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.0.0"
	})
	violations, waited, inBetween := watch.stop()
	assert.Empty(t, violations, "a component was Healthy while a member or part was not")
	assert.Positive(t, waited, "the hub was seen waiting for its members")
	assert.Positive(t, inBetween, "a member was seen with its first part Ready and the next not yet")
	e.waitPlatform("ready", 2*time.Minute, func(p *openovav1alpha1.Platform) bool {
		return p.Status.Phase == openovav1alpha1.PhaseReady && p.Status.HealthPercent == 100
	})

	// The parts, in order: the CRD chart, then the chart that needs it (Flux dependsOn).
	crds, serving := e.release("serving-crds"), e.release("serving")
	assert.Empty(t, crds.Spec.DependsOn)
	require.Len(t, serving.Spec.DependsOn, 1)
	assert.Equal(t, "serving-crds", serving.Spec.DependsOn[0].Name)
	assert.False(t, serving.Status.History.Latest().FirstDeployed.Before(&crds.Status.History.Latest().FirstDeployed), "serving installed after its CRDs")
	op := e.release("gadgets-operator")
	require.Len(t, op.Spec.DependsOn, 1)
	assert.Equal(t, "serving", op.Spec.DependsOn[0].Name, "a dependency's last chart part")
	assert.Equal(t, "serving", e.release("solo").Spec.DependsOn[0].Name)
	e.waitDeployment("serving-system", "serving", "1.0")
	e.waitDeployment("gadgets-system", "gadgets-operator", "0.1")

	// Default values rendered with the Platform's context.
	widget := e.object("test.openova.io/v1", "Widget", "serving-system", "serving")
	assert.Equal(t, "widgets.acme.example.com", widget.Object["spec"].(map[string]any)["domain"])
	// The resource part: applied after the operator chart that serves its kind.
	gadget := e.object("test.openova.io/v1", "Gadget", "", "default-gadget")
	assert.Equal(t, map[string]any{"organization": "acme", "widgets": "serving.serving-system.svc:8080"}, gadget.Object["spec"])
	readyAt := meta.FindStatusCondition(e.release("gadgets-operator").Status.Conditions, "Ready").LastTransitionTime
	created := gadget.GetCreationTimestamp()
	assert.False(t, created.Before(&readyAt), "the Gadget was applied once the operator part was Ready")
	cm := e.object("v1", "ConfigMap", "gadgets-system", "gadgets-config")
	assert.Equal(t, map[string]any{"version": "0.1.0"}, cm.Object["data"])
	gadgets := e.component("gadgets")
	require.Len(t, gadgets.Status.Parts, 2)
	assert.Equal(t, openovav1alpha1.PartChart, gadgets.Status.Parts[0].Kind)
	assert.Equal(t, []openovav1alpha1.ObjectReference{
		{APIVersion: "test.openova.io/v1", Kind: "Gadget", Name: "default-gadget"},
		{APIVersion: "v1", Kind: "ConfigMap", Namespace: "gadgets-system", Name: "gadgets-config"},
	}, gadgets.Status.Parts[1].Objects)

	// A failed upgrade of one part: serving 1.1.0's chart cannot schedule its pods; Flux
	// rolls that part back, the CRD part before it is upgraded, and the failure is reported
	// on the component and on the bundle.
	e.setVersion("serving", "1.1.0")
	comp := e.waitComponent("serving", "upgrade failed", 4*time.Minute, func(c *openovav1alpha1.Component) bool {
		return meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition)
	})
	assert.Equal(t, "1.1.0", comp.Status.FailedVersion)
	assert.Contains(t, meta.FindStatusCondition(comp.Status.Conditions, openovav1alpha1.UpgradeFailedCondition).Message, "failed at part serving")
	hub := e.waitComponent("hub", "reports the failed member", time.Minute, func(c *openovav1alpha1.Component) bool {
		return meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition) &&
			c.Status.Health == openovav1alpha1.HealthDegraded
	})
	assert.Contains(t, meta.FindStatusCondition(hub.Status.Conditions, openovav1alpha1.UpgradeFailedCondition).Message, "serving: upgrade of serving from 1.0.0 to 1.1.0 failed")
	e.waitComponent("serving", "healthy on 1.0.0 with the alert", 2*time.Minute, func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.0.0" &&
			meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition)
	})
	assert.Equal(t, "1.0.0", e.release("serving").Spec.Chart.Spec.Version, "the failed part is held on its last good chart")
	assert.Equal(t, "1.1.0", e.release("serving-crds").Spec.Chart.Spec.Version, "the part before it upgraded")
	e.waitDeployment("serving-system", "serving", "1.0")
	assert.Equal(t, openovav1alpha1.HealthDegraded, e.component("hub").Status.Health, "serving is not at its desired version")

	// Back to 1.0.0: the alert clears and the hub is Healthy again.
	e.setVersion("serving", "1.0.0")
	e.waitComponent("hub", "healthy again", 3*time.Minute, func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy &&
			meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition) == nil
	})

	// Uninstalling the hub prunes gadgets (nothing else needs it) with every part's objects;
	// serving stays for solo.
	e.uninstall("hub")
	e.waitGone("Component gadgets", func() error { return e.get(&openovav1alpha1.Component{}, ns, "gadgets") })
	e.waitGone("Component hub", func() error { return e.get(&openovav1alpha1.Component{}, ns, "hub") })
	e.waitGone("HelmRelease gadgets-operator", func() error { return e.get(&helmv2.HelmRelease{}, ns, "gadgets-operator") })
	e.waitGone("Gadget default-gadget", func() error { return e.get(unstructuredOf("test.openova.io/v1", "Gadget"), "", "default-gadget") })
	e.waitGone("ConfigMap gadgets-config", func() error { return e.get(&corev1.ConfigMap{}, "gadgets-system", "gadgets-config") })
	e.waitGone("Deployment gadgets-operator", func() error { return e.get(&appsv1.Deployment{}, "gadgets-system", "gadgets-operator") })
	// serving stays for solo (Flux may still be re-checking its release after the rollback
	// above, so it is read until Healthy rather than at once).
	if first := e.component("serving"); first.Status.Health != openovav1alpha1.HealthHealthy {
		t.Logf("serving right after the hub went: %s, %+v", first.Status.Health, first.Status.Conditions)
	}
	e.waitComponent("serving", "stays for solo, Healthy", 2*time.Minute, func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy
	})

	// Uninstalling solo prunes serving: both chart parts' releases and what they installed.
	e.uninstall("solo")
	e.waitGone("HelmRelease serving", func() error { return e.get(&helmv2.HelmRelease{}, ns, "serving") })
	e.waitGone("HelmRelease serving-crds", func() error { return e.get(&helmv2.HelmRelease{}, ns, "serving-crds") })
	e.waitGone("Deployment serving", func() error { return e.get(&appsv1.Deployment{}, "serving-system", "serving") })
	var releases helmv2.HelmReleaseList
	require.NoError(t, c.List(ctx, &releases, client.InNamespace(ns)))
	assert.Empty(t, releases.Items)
}

func entries(set []catalog.Installed) []openovav1alpha1.PlatformComponent {
	out := make([]openovav1alpha1.PlatformComponent, 0, len(set))
	for _, in := range set {
		out = append(out, openovav1alpha1.PlatformComponent{Name: in.Name, Version: in.Version, Reason: in.Reason})
	}
	return out
}

// uninstall writes what `kubectl openova uninstall NAME` writes: the resolver's set.
func (e *env) uninstall(name string) {
	e.t.Helper()
	cluster.Eventually(e.t, 10*time.Second, 100*time.Millisecond, "uninstall "+name, func() (bool, string) {
		p := &openovav1alpha1.Platform{}
		if err := e.c.Get(e.ctx, client.ObjectKey{Namespace: ns, Name: "acme"}, p); err != nil {
			return false, err.Error()
		}
		var set []catalog.Installed
		for _, c := range p.Spec.Components {
			set = append(set, catalog.Installed{Name: c.Name, Version: c.Version, Reason: c.Reason})
		}
		plan, err := catalog.Resolve(e.cat, set, catalog.Request{Kind: catalog.Uninstall, Names: []string{name}})
		require.NoError(e.t, err)
		p.Spec.Components = entries(plan.Apply(set))
		err = e.c.Update(e.ctx, p)
		return err == nil, fmt.Sprint(err)
	})
}

func (e *env) setVersion(name, version string) {
	e.t.Helper()
	cluster.Eventually(e.t, 10*time.Second, 100*time.Millisecond, "set "+name+" "+version, func() (bool, string) {
		p := &openovav1alpha1.Platform{}
		if err := e.c.Get(e.ctx, client.ObjectKey{Namespace: ns, Name: "acme"}, p); err != nil {
			return false, err.Error()
		}
		for i := range p.Spec.Components {
			if p.Spec.Components[i].Name == name {
				p.Spec.Components[i].Version = version
			}
		}
		err := e.c.Update(e.ctx, p)
		return err == nil, fmt.Sprint(err)
	})
}

// bundleWatch samples a bundle and its members until stopped.
type bundleWatch struct {
	stopOnce   sync.Once
	done       chan struct{}
	wg         sync.WaitGroup
	violations []string
	waited     int
	// partsInBetween counts samples of a member whose first part was Ready and second not.
	partsInBetween int
}

func (e *env) watchBundle(bundle string, members []string) *bundleWatch {
	w := &bundleWatch{done: make(chan struct{})}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-e.ctx.Done():
				return
			case <-tick.C:
			}
			var list openovav1alpha1.ComponentList
			if err := e.c.List(e.ctx, &list, client.InNamespace(ns)); err != nil {
				continue
			}
			byName := map[string]*openovav1alpha1.Component{}
			for i := range list.Items {
				byName[list.Items[i].Name] = &list.Items[i]
			}
			// A multi-part member: Healthy only when every part is; seen with its first
			// part Ready and the next one not yet.
			for _, m := range members {
				mc := byName[m]
				if mc == nil || len(mc.Status.Parts) < 2 {
					continue
				}
				parts := mc.Status.Parts
				if parts[0].Health == openovav1alpha1.HealthHealthy && parts[1].Health != openovav1alpha1.HealthHealthy {
					w.partsInBetween++
				}
				if mc.Status.Health == openovav1alpha1.HealthHealthy && mc.Status.ObservedGeneration == mc.Generation {
					for _, ps := range parts {
						if ps.Health != openovav1alpha1.HealthHealthy {
							w.violations = append(w.violations, fmt.Sprintf("%s Healthy while part %s is %s", m, ps.Name, ps.Health))
						}
					}
				}
			}
			b := byName[bundle]
			if b == nil {
				continue
			}
			if b.Status.Health != openovav1alpha1.HealthHealthy {
				if cond := meta.FindStatusCondition(b.Status.Conditions, openovav1alpha1.ReadyCondition); cond != nil && cond.Reason == openovav1alpha1.MemberNotReadyReason {
					w.waited++
				}
				continue
			}
			// A list is one consistent read: the bundle's status was written after the
			// members' it is based on.
			for _, m := range members {
				mc := byName[m]
				if mc == nil || mc.Status.Health != openovav1alpha1.HealthHealthy || mc.Status.Version != mc.Spec.Version {
					w.violations = append(w.violations, fmt.Sprintf("%s Healthy while %s is %+v", bundle, m, mc))
				}
			}
		}
	}()
	return w
}

func (w *bundleWatch) stop() ([]string, int, int) {
	w.stopOnce.Do(func() { close(w.done) })
	w.wg.Wait()
	return w.violations, w.waited, w.partsInBetween
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

func unstructuredOf(apiVersion, kind string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	return u
}

func (e *env) object(apiVersion, kind, namespace, name string) *unstructured.Unstructured {
	e.t.Helper()
	u := unstructuredOf(apiVersion, kind)
	require.NoError(e.t, e.c.Get(e.ctx, client.ObjectKey{Namespace: namespace, Name: name}, u))
	return u
}

func (e *env) get(obj client.Object, namespace, name string) error {
	return e.c.Get(e.ctx, client.ObjectKey{Namespace: namespace, Name: name}, obj)
}

func (e *env) waitGone(what string, get func() error) {
	e.t.Helper()
	cluster.Eventually(e.t, 3*time.Minute, 250*time.Millisecond, what+" gone", func() (bool, string) {
		err := get()
		return err != nil && client.IgnoreNotFound(err) == nil || err != nil && meta.IsNoMatchError(err), fmt.Sprint(err)
	})
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
