package operator

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// TestPrimaryWaitingForStandby: while the primary waits for the standby's upgrade, the
// Component's Ready is the standby's (it leads: Progressing while it upgrades,
// UpgradeScheduled while a maintenance window holds it there, UpgradeRolledBack after Flux
// rolled it back there), the primary's wait is said in its
// status.regions[] message (and the Component's message), and the Platform raises no
// WaitingForStandby alert: the standby's rollback has its UpgradeFailed alert, an upgrade
// in progress none (as on one region). Flux is played (helpers_test.go).
func TestPrimaryWaitingForStandby(t *testing.T) {
	ctx := context.Background()
	ns := "openova-system" // the operator's Role reads kubeconfig Secrets only here
	standbySecret(t, ns)
	p := newPlatform(ns, entry{Name: "base", Version: "1.0.0"})
	p.Spec.Regions = twoRegions()
	require.NoError(t, k8s.Create(ctx, p))
	t.Cleanup(func() {
		removeComponents(t, ns, "base")
		_ = k8s.Delete(ctx, p)
		eventually(t, "platform gone", func() (bool, string) {
			err := k8s.Get(ctx, clientKey(ns, "acme"), &openovav1alpha1.Platform{})
			return apierrors.IsNotFound(err), fmt.Sprint(err)
		})
	})
	playFluxDeployed(t, waitRelease(t, ns, "base-hel1", "1.0.0"))
	playFluxDeployed(t, waitRelease(t, ns, "base", "1.0.0"))
	waitComponent(t, ns, "base", "healthy in both", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.0.0"
	})

	ready := func(c *openovav1alpha1.Component) *metav1.Condition {
		cond := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition)
		if cond == nil {
			return &metav1.Condition{}
		}
		return cond
	}
	noWaitingAlert := func(what string, check func(*openovav1alpha1.Platform) bool) *openovav1alpha1.Platform {
		t.Helper()
		p := waitPlatform(t, ns, what, func(p *openovav1alpha1.Platform) bool {
			return p.Status.ObservedGeneration == p.Generation && len(p.Status.Components) == 1 && check(p)
		})
		for _, a := range p.Status.Alerts {
			assert.NotEqual(t, WaitingForStandbyReason, a.Reason, "alert %+v", a)
		}
		return p
	}

	// An upgrade outside the maintenance window: the standby holds it, and so the Component
	// is UpgradeScheduled (the standby's), not the primary's wait.
	closed := time.Now().UTC().Add(12 * time.Hour).Format("15:04")
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) {
		p.Spec.Updates = &openovav1alpha1.UpdatePolicy{MaintenanceWindow: &openovav1alpha1.MaintenanceWindow{
			Start: closed, Duration: metav1.Duration{Duration: time.Hour}}}
		p.Spec.Components[0].Version = "1.2.0"
	})
	c := waitComponent(t, ns, "base", "upgrade scheduled", func(c *openovav1alpha1.Component) bool {
		return c.Spec.Version == "1.2.0" && c.Status.ObservedGeneration == c.Generation && ready(c).Reason == openovav1alpha1.UpgradeScheduledReason
	})
	assert.Contains(t, c.Status.Regions[1].Message, "waiting for the standby region hel1")
	assert.Equal(t, "1.0.0", mustRelease(t, ns, "base-hel1").Spec.Chart.Spec.Version)
	assert.Equal(t, "1.0.0", mustRelease(t, ns, "base").Spec.Chart.Spec.Version)
	noWaitingAlert("base scheduled, no alert", func(p *openovav1alpha1.Platform) bool {
		return p.Status.Components[0].Version == "1.2.0" || p.Status.Components[0].Reason == openovav1alpha1.UpgradeScheduledReason
	})
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Updates = nil })
	playFluxDeployed(t, waitRelease(t, ns, "base-hel1", "1.2.0"))
	playFluxDeployed(t, waitRelease(t, ns, "base", "1.2.0"))
	waitComponent(t, ns, "base", "1.2.0 in both", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.2.0"
	})

	// The standby upgrades: the Component is Progressing (the standby's), the primary waits.
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Version = "2.0.0" })
	standby := waitRelease(t, ns, "base-hel1", "2.0.0")
	c = waitComponent(t, ns, "base", "upgrading in the standby", func(c *openovav1alpha1.Component) bool {
		return len(c.Status.Regions) == 2 && c.Status.Regions[0].Health == openovav1alpha1.HealthProgressing
	})
	assert.Equal(t, openovav1alpha1.HealthProgressing, c.Status.Health)
	assert.NotEqual(t, WaitingForStandbyReason, ready(c).Reason, "the Component's reason is the standby's")
	assert.Equal(t, metav1.ConditionFalse, ready(c).Status)
	assert.Equal(t, openovav1alpha1.HealthHealthy, c.Status.Regions[1].Health, "the primary runs 1.0.0, healthy")
	assert.Equal(t, "1.2.0", c.Status.Regions[1].Version)
	assert.Contains(t, c.Status.Regions[1].Message, "waiting for the standby region hel1 to be Healthy at 2.0.0")
	assert.Contains(t, ready(c).Message, "fsn1: waiting for the standby region hel1")
	assert.Equal(t, "1.2.0", mustRelease(t, ns, "base").Spec.Chart.Spec.Version)
	noWaitingAlert("base progressing, no alert", func(p *openovav1alpha1.Platform) bool {
		return p.Status.Components[0].Health == openovav1alpha1.HealthProgressing
	})

	// Flux rolls it back in the standby: UpgradeRolledBack with the UpgradeFailed alert.
	playFluxRolledBack(t, standby, "1.2.0")
	playFluxDeployed(t, waitRelease(t, ns, "base-hel1", "1.2.0"))
	c = waitComponent(t, ns, "base", "rolled back in the standby", func(c *openovav1alpha1.Component) bool {
		return c.Status.FailedVersion == "2.0.0" && ready(c).Reason == openovav1alpha1.UpgradeRolledBackReason
	})
	assert.Contains(t, c.Status.Regions[1].Message, "primary is not upgraded")
	p = noWaitingAlert("the UpgradeFailed alert", func(p *openovav1alpha1.Platform) bool {
		for _, a := range p.Status.Alerts {
			if a.Component == "base" && a.Reason == openovav1alpha1.UpgradeRolledBackReason {
				return true
			}
		}
		return false
	})
	var reasons []string
	for _, a := range p.Status.Alerts {
		reasons = append(reasons, a.Component+"/"+a.Reason)
	}
	assert.Equal(t, "base/"+openovav1alpha1.UpgradeRolledBackReason, strings.Join(reasons, ","), "one alert, the standby's")
}
