package operator

import (
	"context"
	"strings"
	"testing"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

func stack() []entry {
	return []entry{
		{Name: "base", Version: "1.0.0", Reason: "dependency of top"},
		{Name: "middle", Version: "0.1.0", Reason: "dependency of top"},
		{Name: "top", Version: "1.0.0"},
	}
}

func TestPlatformDeliversComponentsAsHelmReleases(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	p := newPlatform(ns, stack()...)
	require.NoError(t, k8s.Create(ctx, p))

	top := waitComponent(t, ns, "top", "created with the finalizer", func(c *openovav1alpha1.Component) bool { return len(c.Finalizers) > 0 })
	assert.True(t, metav1.IsControlledBy(top, p), "owned by the platform")
	assert.Equal(t, "acme", top.Labels[openovav1alpha1.PlatformLabel])
	assert.Equal(t, openovav1alpha1.ChartRef{Repository: testRepo, Name: "app", Version: "1.0.0"}, *top.Spec.Chart)
	assert.Equal(t, []string{"middle"}, top.Spec.Dependencies)
	assert.Equal(t, "top-system", top.Spec.TargetNamespace)
	assert.Equal(t, []string{"https://top.acme.example.com/ui"}, top.Spec.Endpoints)
	assert.Equal(t, openovav1alpha1.CategoryMetaPlatform, top.Spec.Category)
	assert.Contains(t, top.Finalizers, Finalizer)

	middle := waitRelease(t, ns, "middle", "0.1.0")
	assert.Equal(t, []string{"base"}, dependsOnNames(middle))
	assert.Equal(t, "middle-system", middle.Spec.TargetNamespace)
	assert.True(t, middle.Spec.Install.CreateNamespace)
	assert.Equal(t, "web", middle.Spec.Chart.Spec.Chart)
	assert.Equal(t, 20*time.Second, middle.Spec.Upgrade.Timeout.Duration)
	rem := middle.Spec.Upgrade.Remediation
	require.NotNil(t, rem)
	assert.Equal(t, 0, rem.Retries)
	assert.Equal(t, helmv2.RollbackRemediationStrategy, *rem.Strategy)
	assert.True(t, *rem.RemediateLastFailure)
	assert.Equal(t, "0.1.0", middle.Annotations[versionAnnotation])
	assert.True(t, metav1.IsControlledBy(middle, mustComponent(t, ns, "middle")))
	assert.Empty(t, dependsOnNames(waitRelease(t, ns, "base", "1.0.0")))
	assert.Equal(t, []string{"middle"}, dependsOnNames(waitRelease(t, ns, "top", "1.0.0")))

	var repos sourcev1.HelmRepositoryList
	require.NoError(t, k8s.List(ctx, &repos, client.InNamespace(ns)))
	require.Len(t, repos.Items, 1, "one HelmRepository per chart repository")
	assert.Equal(t, testRepo, repos.Items[0].Spec.URL)
	assert.Equal(t, repositoryName(testRepo), middle.Spec.Chart.Spec.SourceRef.Name)

	// Update checks: base may go to 1.3.0 but not 2.0.0 (middle 0.1.0 needs base <2.0.0);
	// middle may not go to 0.2.0 (top needs ^0.1.0).
	waitComponent(t, ns, "base", "available upgrade 1.3.0", func(c *openovav1alpha1.Component) bool {
		return c.Status.AvailableUpgrade != nil && c.Status.AvailableUpgrade.Version == "1.3.0" &&
			strings.Contains(c.Status.AvailableUpgrade.Changelog, "cannot schedule")
	})
	mid := mustComponent(t, ns, "middle")
	assert.Nil(t, mid.Status.AvailableUpgrade)

	plat := waitPlatform(t, ns, "progressing with 3 components", func(p *openovav1alpha1.Platform) bool {
		return p.Status.ComponentCount == 3 && p.Status.Phase == openovav1alpha1.PhaseProgressing && p.Status.UpgradesAvailable == 1
	})
	assert.Equal(t, int32(0), plat.Status.HealthPercent)
	assert.Equal(t, plat.Generation, plat.Status.ObservedGeneration)
	assert.NotNil(t, plat.Status.LastUpdateCheck)

	// Flux installs everything: the platform becomes Ready at 100%.
	deployAll(t, ns, "base", "middle", "top")
	waitComponent(t, ns, "top", "healthy", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.0.0" &&
			c.Status.LastGoodVersion == "1.0.0" && len(c.Status.Endpoints) == 1
	})
	plat = waitPlatform(t, ns, "ready", func(p *openovav1alpha1.Platform) bool {
		return p.Status.Phase == openovav1alpha1.PhaseReady && p.Status.HealthPercent == 100
	})
	assert.True(t, meta.IsStatusConditionTrue(plat.Status.Conditions, openovav1alpha1.ReadyCondition))
	assert.Empty(t, plat.Status.Alerts)
	assert.True(t, hasEvent(eventsFor(t, ns, "Component", "top"), corev1.EventTypeNormal, openovav1alpha1.HealthyReason))

	// Steady state: nothing changes, so the operator writes nothing.
	_, mark := operatorWrites(t, 0)
	time.Sleep(3 * time.Second)
	writes, _ := operatorWrites(t, mark)
	assert.Empty(t, writes, "the operator wrote in a steady state")
}

func TestUpgradeFailureRollsBackAndRaisesAlert(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	require.NoError(t, k8s.Create(ctx, newPlatform(ns, entry{Name: "base", Version: "1.0.0"})))
	hr := waitRelease(t, ns, "base", "1.0.0")
	playFluxDeployed(t, hr)
	waitComponent(t, ns, "base", "healthy", func(c *openovav1alpha1.Component) bool { return c.Status.Health == openovav1alpha1.HealthHealthy })

	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Version = "2.0.0" })
	hr = waitRelease(t, ns, "base", "2.0.0")
	assert.Equal(t, "2.0.0", hr.Annotations[versionAnnotation])
	playFluxRolledBack(t, hr, "1.0.0")

	c := waitComponent(t, ns, "base", "upgrade failed", func(c *openovav1alpha1.Component) bool {
		return meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition)
	})
	assert.Equal(t, "2.0.0", c.Status.FailedVersion)
	assert.Equal(t, "1.0.0", c.Status.Version)
	cond := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition)
	assert.Equal(t, openovav1alpha1.UpgradeRolledBackReason, cond.Reason)
	assert.Contains(t, cond.Message, "context deadline exceeded", "Flux's message is kept")
	assert.True(t, hasEvent(eventsFor(t, ns, "Component", "base"), corev1.EventTypeWarning, openovav1alpha1.UpgradeRolledBackReason))
	assert.True(t, hasEvent(eventsFor(t, ns, "Platform", "acme"), corev1.EventTypeWarning, openovav1alpha1.UpgradeRolledBackReason))

	// The operator does not retry 2.0.0: the HelmRelease goes back to the last good chart.
	hr = waitRelease(t, ns, "base", "1.0.0")
	assert.Equal(t, "1.0.0", hr.Annotations[versionAnnotation])
	playFluxDeployed(t, hr)
	waitComponent(t, ns, "base", "healthy with an alert", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy &&
			meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition)
	})
	// Healthy with an alert counts as healthy.
	p := waitPlatform(t, ns, "alert raised, 100% healthy", func(p *openovav1alpha1.Platform) bool {
		return len(p.Status.Alerts) == 1 && p.Status.HealthPercent == 100
	})
	assert.Equal(t, "base", p.Status.Alerts[0].Component)
	assert.Equal(t, openovav1alpha1.UpgradeRolledBackReason, p.Status.Alerts[0].Reason)
	time.Sleep(2 * time.Second)
	hr, err := getRelease(ns, "base")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", hr.Spec.Chart.Spec.Version, "no retry of the failed version")

	assert.Equal(t, "2.0.0", hr.Annotations[failedAnnotation], "the release remembers the failed version")
	assert.Contains(t, hr.Annotations[failedMessageAnnotation], "context deadline exceeded")

	// A status that lost the failure (a write that lost a conflict) gets it back from the
	// release: the failed version is still not retried.
	require.Eventually(t, func() bool {
		c := mustComponent(t, ns, "base")
		c.Status.FailedVersion = ""
		c.Status.Conditions = nil
		return k8s.Status().Update(ctx, c) == nil
	}, 10*time.Second, 50*time.Millisecond)
	c = waitComponent(t, ns, "base", "failure restored", func(c *openovav1alpha1.Component) bool {
		return c.Status.FailedVersion == "2.0.0" && meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition)
	})
	assert.Contains(t, meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition).Message, "context deadline exceeded")
	assert.Equal(t, "1.0.0", mustRelease(t, ns, "base").Spec.Chart.Spec.Version)

	// A retry annotation tries 2.0.0 once more.
	require.NoError(t, retry.RetryOnConflict(retry.DefaultRetry, func() error {
		c = mustComponent(t, ns, "base")
		c.Annotations = map[string]string{openovav1alpha1.RetryAnnotation: "1"}
		return k8s.Update(ctx, c)
	}))
	waitRelease(t, ns, "base", "2.0.0")
	c = waitComponent(t, ns, "base", "retry handled", func(c *openovav1alpha1.Component) bool { return c.Status.LastHandledRetry == "1" })
	assert.Empty(t, c.Status.FailedVersion)
	playFluxRolledBack(t, mustRelease(t, ns, "base"), "1.0.0")
	waitRelease(t, ns, "base", "1.0.0")

	// A new desired version clears the failure and the alert.
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Version = "1.2.0" })
	playFluxDeployed(t, waitRelease(t, ns, "base", "1.2.0"))
	c = waitComponent(t, ns, "base", "recovered", func(c *openovav1alpha1.Component) bool {
		return c.Status.Version == "1.2.0" && c.Status.Health == openovav1alpha1.HealthHealthy
	})
	assert.Nil(t, meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition))
	assert.Empty(t, c.Status.FailedVersion)
	waitPlatform(t, ns, "alert cleared", func(p *openovav1alpha1.Platform) bool { return len(p.Status.Alerts) == 0 })
}

func TestRemovedEntriesAreDeletedWithTheirFluxObjects(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	require.NoError(t, k8s.Create(ctx, newPlatform(ns, stack()...)))
	waitRelease(t, ns, "top", "1.0.0")

	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) {
		disabled := false
		p.Spec.Components = p.Spec.Components[:2]
		p.Spec.Components[1].Enabled = &disabled
		p.Spec.Components[1].Reason = ""
	})
	for _, name := range []string{"top", "middle"} {
		eventually(t, name+" deleted", func() (bool, string) {
			_, errC := getComponent(ns, name)
			_, errR := getRelease(ns, name)
			return apierrors.IsNotFound(errC) && apierrors.IsNotFound(errR), "still there"
		})
	}
	var repos sourcev1.HelmRepositoryList
	require.NoError(t, k8s.List(ctx, &repos, client.InNamespace(ns)))
	assert.Len(t, repos.Items, 1, "base still uses the repository")

	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components = nil })
	eventually(t, "repository deleted", func() (bool, string) {
		require.NoError(t, k8s.List(ctx, &repos, client.InNamespace(ns)))
		return len(repos.Items) == 0, "still there"
	})
}

// An entry the catalog lacks stops only that entry (the others are delivered); a set that
// breaks the catalog's constraints is not delivered at all.
func TestInvalidPlatformIsNotDelivered(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		entries   []entry
		reason    string
		message   string
		entry     string // the entry that carries the problem, if one does
		delivered []string
	}{
		{"unknown version", []entry{{Name: "base", Version: "1.0.0"}, {Name: "middle", Version: "9.9.9"}}, openovav1alpha1.UnknownVersionReason,
			"spec.components[1]: middle has no version 9.9.9", "middle", []string{"base"}},
		{"unknown component", []entry{{Name: "nope", Version: "1.0.0"}}, openovav1alpha1.UnknownComponentReason,
			`spec.components[0]: component "nope" is not in the catalog`, "nope", nil},
		{"constraint broken", []entry{{Name: "base", Version: "2.0.0"}, {Name: "middle", Version: "0.1.0"}}, openovav1alpha1.ConstraintViolationReason, "middle", "", nil},
		{"dependency missing", []entry{{Name: "middle", Version: "0.1.0"}}, openovav1alpha1.ConstraintViolationReason, "base", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := newNamespace(t)
			require.NoError(t, k8s.Create(ctx, newPlatform(ns, tt.entries...)))
			p := waitPlatform(t, ns, "not ready", func(p *openovav1alpha1.Platform) bool {
				c := meta.FindStatusCondition(p.Status.Conditions, openovav1alpha1.ReadyCondition)
				return c != nil && c.Status == metav1.ConditionFalse && c.Reason == tt.reason
			})
			assert.Contains(t, meta.FindStatusCondition(p.Status.Conditions, openovav1alpha1.ReadyCondition).Message, tt.message)
			assert.True(t, meta.IsStatusConditionTrue(p.Status.Conditions, openovav1alpha1.StalledCondition))
			assert.Equal(t, openovav1alpha1.PhaseFailed, p.Status.Phase)
			assert.Equal(t, p.Generation, p.Status.ObservedGeneration, "a terminal problem is a reconcile that succeeded")
			for _, s := range p.Status.Components {
				if s.Name == tt.entry {
					assert.Equal(t, tt.reason, s.Reason)
					assert.Contains(t, s.Message, tt.message)
				}
			}
			var names []string
			eventually(t, "delivered "+strings.Join(tt.delivered, ","), func() (bool, string) {
				var comps openovav1alpha1.ComponentList
				require.NoError(t, k8s.List(ctx, &comps, client.InNamespace(ns)))
				names = nil
				for _, c := range comps.Items {
					names = append(names, c.Name)
				}
				return strings.Join(names, ",") == strings.Join(tt.delivered, ","), strings.Join(names, ",")
			})
			assert.True(t, hasEvent(eventsFor(t, ns, "Platform", "acme"), corev1.EventTypeWarning, tt.reason))
		})
	}
}

func TestScheduledUpgradeWaits(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	require.NoError(t, k8s.Create(ctx, newPlatform(ns, entry{Name: "base", Version: "1.0.0"})))
	playFluxDeployed(t, waitRelease(t, ns, "base", "1.0.0"))
	waitComponent(t, ns, "base", "healthy", func(c *openovav1alpha1.Component) bool { return c.Status.LastGoodVersion == "1.0.0" })

	later := metav1.NewTime(time.Now().Add(time.Hour))
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) {
		p.Spec.Components[0].Version = "1.1.0"
		p.Spec.Components[0].NotBefore = &later
	})
	c := waitComponent(t, ns, "base", "upgrade scheduled", func(c *openovav1alpha1.Component) bool {
		return meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.UpgradeScheduledCondition)
	})
	assert.Equal(t, "1.1.0", c.Spec.Version)
	assert.Contains(t, meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.UpgradeScheduledCondition).Message, "waits until")
	assert.Equal(t, "1.0.0", mustRelease(t, ns, "base").Spec.Chart.Spec.Version, "the release stays on the current version")

	// The time comes (moved to the past): the upgrade starts.
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) {
		past := metav1.NewTime(time.Now().Add(-time.Minute))
		p.Spec.Components[0].NotBefore = &past
	})
	waitRelease(t, ns, "base", "1.1.0")
	waitComponent(t, ns, "base", "schedule cleared", func(c *openovav1alpha1.Component) bool {
		return meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.UpgradeScheduledCondition) == nil
	})
}

func TestBootstrapComponentIsWatchedNotDelivered(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	require.NoError(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "flux-system"}}))
	require.NoError(t, k8s.Create(ctx, newPlatform(ns, entry{Name: "flux", Version: "2.5.1"})))
	c := waitComponent(t, ns, "flux", "waiting for workloads", func(c *openovav1alpha1.Component) bool {
		cond := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition)
		return cond != nil && cond.Reason == openovav1alpha1.WorkloadNotReadyReason
	})
	assert.Contains(t, meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition).Message, "source-controller not found")
	availableDeployment(t, "flux-system", "source-controller")
	availableDeployment(t, "flux-system", "helm-controller")
	c = waitComponent(t, ns, "flux", "healthy", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy
	})
	assert.Equal(t, "2.5.1", c.Status.Version)
	_, err := getRelease(ns, "flux")
	assert.True(t, apierrors.IsNotFound(err), "no HelmRelease for a bootstrap component")
}

func dependsOnNames(hr *helmv2.HelmRelease) []string {
	var out []string
	for _, d := range hr.Spec.DependsOn {
		out = append(out, d.Name)
	}
	return out
}

func mustComponent(t *testing.T, ns, name string) *openovav1alpha1.Component {
	t.Helper()
	c, err := getComponent(ns, name)
	require.NoError(t, err)
	return c
}

func mustRelease(t *testing.T, ns, name string) *helmv2.HelmRelease {
	t.Helper()
	hr, err := getRelease(ns, name)
	require.NoError(t, err)
	return hr
}
