package operator

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// reconcileBundle reports a bundle's health from its members (spec.dependencies: its
// requirements and the optional members installed with it). It is Healthy only when every
// member is Healthy at its desired version; Degraded (Failed before it was ever healthy)
// when a member failed or its upgrade was rolled back, which the bundle's UpgradeFailed
// condition repeats; Progressing otherwise. A bundle has no HelmRelease.
func (r *ComponentReconciler) reconcileBundle(ctx context.Context, c *openovav1alpha1.Component) error {
	st := &c.Status
	var failing, waiting, rolledBack []string
	for _, name := range c.Spec.Dependencies {
		var m openovav1alpha1.Component
		if err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: name}, &m); err != nil {
			if apierrors.IsNotFound(err) {
				waiting = append(waiting, name+" is not created yet")
				continue
			}
			return err
		}
		if cond := meta.FindStatusCondition(m.Status.Conditions, openovav1alpha1.UpgradeFailedCondition); cond != nil && cond.Status == metav1.ConditionTrue {
			rolledBack = append(rolledBack, fmt.Sprintf("%s: %s", name, cond.Message))
		}
		if memberHealthy(&m) {
			continue
		}
		desc := fmt.Sprintf("%s is %s at %s (desired %s)", name, orUnknown(m.Status.Health), orNone(m.Status.Version), m.Spec.Version)
		switch {
		case m.Status.Health == openovav1alpha1.HealthFailed || m.Status.Health == openovav1alpha1.HealthDegraded ||
			m.Status.FailedVersion != "" && m.Status.FailedVersion == m.Spec.Version:
			failing = append(failing, desc)
		default:
			waiting = append(waiting, desc)
		}
	}
	if len(rolledBack) > 0 {
		msg := truncate("a member's upgrade failed and was rolled back: "+strings.Join(rolledBack, "; "), 4096)
		if cond := meta.FindStatusCondition(st.Conditions, openovav1alpha1.UpgradeFailedCondition); cond == nil || cond.Message != msg {
			notify(ctx, r.Events, c, corev1.EventTypeWarning, openovav1alpha1.UpgradeRolledBackReason, "%s", msg)
		}
		setCondition(&st.Conditions, c.Generation, openovav1alpha1.UpgradeFailedCondition, metav1.ConditionTrue, openovav1alpha1.UpgradeRolledBackReason, msg)
	} else {
		meta.RemoveStatusCondition(&st.Conditions, openovav1alpha1.UpgradeFailedCondition)
	}
	switch {
	case len(failing) > 0:
		health := openovav1alpha1.HealthFailed
		if st.LastGoodVersion != "" {
			health = openovav1alpha1.HealthDegraded
		}
		r.setHealth(c, health, openovav1alpha1.MemberNotReadyReason, truncate(strings.Join(append(failing, waiting...), "; "), 4096))
	case len(waiting) > 0:
		r.setHealth(c, openovav1alpha1.HealthProgressing, openovav1alpha1.MemberNotReadyReason, truncate(strings.Join(waiting, "; "), 4096))
	default:
		if st.Version != c.Spec.Version {
			notify(ctx, r.Events, c, corev1.EventTypeNormal, openovav1alpha1.HealthyReason, "%s %s: every member is healthy", c.Name, c.Spec.Version)
		}
		st.Version, st.LastGoodVersion = c.Spec.Version, c.Spec.Version
		st.Endpoints = c.Spec.Endpoints
		r.setHealth(c, openovav1alpha1.HealthHealthy, openovav1alpha1.HealthyReason,
			fmt.Sprintf("%s %s: all %d members are healthy", c.Name, c.Spec.Version, len(c.Spec.Dependencies)))
	}
	st.LastGoodChartVersion, st.Parts = "", nil
	return nil
}

// memberHealthy: Healthy at its desired version, in a status that describes its current spec.
func memberHealthy(m *openovav1alpha1.Component) bool {
	return m.DeletionTimestamp.IsZero() && m.Status.ObservedGeneration == m.Generation &&
		m.Status.Health == openovav1alpha1.HealthHealthy && m.Status.Version == m.Spec.Version
}

func orUnknown(s string) string {
	if s == "" {
		return openovav1alpha1.HealthUnknown
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "no version yet"
	}
	return s
}

// bundlesOf maps a Component to the bundles in its namespace that list it as a member, so a
// bundle's health follows its members'.
func (r *ComponentReconciler) bundlesOf(ctx context.Context, obj client.Object) []reconcile.Request {
	var list openovav1alpha1.ComponentList
	if err := r.List(ctx, &list, client.InNamespace(obj.GetNamespace())); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		b := &list.Items[i]
		if b.Spec.Delivery == openovav1alpha1.DeliveryBundle && slices.Contains(b.Spec.Dependencies, obj.GetName()) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(b)})
		}
	}
	return out
}
