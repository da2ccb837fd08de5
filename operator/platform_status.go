package operator

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// summarize fills the Platform's status from its Components: per-component summary, health
// percentage, upgrades available, alerts, phase and the Ready, Progressing and Degraded
// conditions. blocked, when set, is why the Platform's spec is not delivered (Ready=False
// with that reason). owned are the Platform's Components as this reconcile saw them.
func (r *PlatformReconciler) summarize(ctx context.Context, p *openovav1alpha1.Platform, owned map[string]*openovav1alpha1.Component, blocked *metav1.Condition) {
	st := &p.Status
	prevAlerts := map[string]openovav1alpha1.Alert{}
	for _, a := range st.Alerts {
		prevAlerts[a.Component+"/"+a.Reason] = a
	}
	st.Components = nil
	st.Alerts = nil
	var enabled, healthy, upgrades, progressing, degraded int32
	var unhealthy []string
	for _, e := range p.Spec.Components {
		if !e.IsEnabled() {
			continue
		}
		enabled++
		sum := openovav1alpha1.ComponentSummary{Name: e.Name, DesiredVersion: e.Version, Health: openovav1alpha1.HealthUnknown}
		if c, ok := owned[e.Name]; ok {
			sum.Version = c.Status.Version
			if c.Status.Health != "" {
				sum.Health = c.Status.Health
			}
			if c.Status.AvailableUpgrade != nil {
				sum.AvailableUpgrade = c.Status.AvailableUpgrade.Version
				upgrades++
			}
			sum.Endpoints = c.Status.Endpoints
			if cond := findCondition(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition); cond != nil && cond.Status == metav1.ConditionTrue {
				st.Alerts = append(st.Alerts, alert(prevAlerts, e.Name, cond.Reason, cond.Message, cond.LastTransitionTime))
			}
		}
		switch sum.Health {
		case openovav1alpha1.HealthHealthy:
			healthy++
		case openovav1alpha1.HealthDegraded, openovav1alpha1.HealthFailed:
			degraded++
			unhealthy = append(unhealthy, e.Name)
			msg := fmt.Sprintf("%s is %s", e.Name, strings.ToLower(sum.Health))
			if c, ok := owned[e.Name]; ok {
				if cond := findCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition); cond != nil && cond.Message != "" {
					msg += ": " + cond.Message
				}
			}
			st.Alerts = append(st.Alerts, alert(prevAlerts, e.Name, sum.Health, msg, metav1.Now()))
		default:
			progressing++
		}
		st.Components = append(st.Components, sum)
	}
	st.ComponentCount = enabled
	st.UpgradesAvailable = upgrades
	st.HealthPercent = 100
	if enabled > 0 {
		st.HealthPercent = healthy * 100 / enabled
	}
	if blocked != nil {
		st.Alerts = append(st.Alerts, alert(prevAlerts, "", blocked.Reason, blocked.Message, metav1.Now()))
	}

	gen := p.Generation
	if blocked != nil {
		if prev := findCondition(st.Conditions, openovav1alpha1.ReadyCondition); prev == nil || prev.Reason != blocked.Reason || prev.Message != blocked.Message {
			notify(ctx, r.Events, p, corev1.EventTypeWarning, blocked.Reason, "%s", blocked.Message)
		}
	}
	switch {
	case blocked != nil:
		st.Phase = openovav1alpha1.PhaseFailed
		setCondition(&st.Conditions, gen, openovav1alpha1.ReadyCondition, metav1.ConditionFalse, blocked.Reason, blocked.Message)
	case degraded > 0:
		st.Phase = openovav1alpha1.PhaseDegraded
		setCondition(&st.Conditions, gen, openovav1alpha1.ReadyCondition, metav1.ConditionFalse, openovav1alpha1.DegradedReason,
			fmt.Sprintf("%d of %d components not healthy: %s", degraded, enabled, strings.Join(unhealthy, ", ")))
	case progressing > 0:
		st.Phase = openovav1alpha1.PhaseProgressing
		setCondition(&st.Conditions, gen, openovav1alpha1.ReadyCondition, metav1.ConditionFalse, openovav1alpha1.ProgressingReason,
			fmt.Sprintf("%d of %d components healthy", healthy, enabled))
	default:
		st.Phase = openovav1alpha1.PhaseReady
		setCondition(&st.Conditions, gen, openovav1alpha1.ReadyCondition, metav1.ConditionTrue, openovav1alpha1.HealthyReason,
			fmt.Sprintf("%d of %d components healthy", healthy, enabled))
	}
	if progressing > 0 && blocked == nil {
		setCondition(&st.Conditions, gen, openovav1alpha1.ProgressingCondition, metav1.ConditionTrue, openovav1alpha1.ProgressingReason,
			fmt.Sprintf("%d components installing or upgrading", progressing))
	} else {
		setCondition(&st.Conditions, gen, openovav1alpha1.ProgressingCondition, metav1.ConditionFalse, openovav1alpha1.ReconciledReason, "nothing in flight")
	}
	if degraded > 0 {
		setCondition(&st.Conditions, gen, openovav1alpha1.DegradedCondition, metav1.ConditionTrue, openovav1alpha1.DegradedReason,
			"not healthy: "+strings.Join(unhealthy, ", "))
	} else {
		setCondition(&st.Conditions, gen, openovav1alpha1.DegradedCondition, metav1.ConditionFalse, openovav1alpha1.HealthyReason, "no component degraded")
	}
}

// alert builds an alert, keeping the time it was first seen when it was already active.
func alert(prev map[string]openovav1alpha1.Alert, component, reason, msg string, since metav1.Time) openovav1alpha1.Alert {
	if a, ok := prev[component+"/"+reason]; ok && a.Since != nil {
		since = *a.Since
	}
	return openovav1alpha1.Alert{Component: component, Reason: reason, Message: truncate(msg, 1024), Since: &since}
}

// patchStatus writes the Platform's status when it differs from before's (ignoring
// lastReconciled), stamping observedGeneration and lastReconciled. An unchanged status
// writes nothing.
func (r *PlatformReconciler) patchStatus(ctx context.Context, before, p *openovav1alpha1.Platform) error {
	p.Status.ObservedGeneration = p.Generation
	p.Status.LastReconciled = before.Status.LastReconciled
	if equality.Semantic.DeepEqual(before.Status, p.Status) {
		return nil
	}
	p.Status.LastReconciled = &metav1.Time{Time: r.Now()}
	return client.IgnoreNotFound(r.Status().Patch(ctx, p, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})))
}
