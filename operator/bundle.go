package operator

import (
	"context"
	"fmt"
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
// condition repeats; Progressing otherwise. Placed in regions, each region's status is the
// aggregate of the members' status there (a member placed elsewhere does not count), and
// the bundle's health the worst of its regions. A bundle has no HelmRelease.
func (r *ComponentReconciler) reconcileBundle(ctx context.Context, c *openovav1alpha1.Component) error {
	st := &c.Status
	members := map[string]*openovav1alpha1.Component{}
	var rolledBack []string
	for _, name := range c.Spec.Dependencies {
		var m openovav1alpha1.Component
		if err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: name}, &m); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return err
		}
		members[name] = &m
		if cond := meta.FindStatusCondition(m.Status.Conditions, openovav1alpha1.UpgradeFailedCondition); cond != nil && cond.Status == metav1.ConditionTrue {
			rolledBack = append(rolledBack, fmt.Sprintf("%s: %s", name, cond.Message))
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
	st.LastGoodChartVersion, st.Parts = "", nil
	if len(c.Spec.Regions) == 0 {
		h := bundleHealth(c, members, "")
		if h.Ready {
			r.bundleDeployed(ctx, c, c.Spec.Version)
		}
		st.Regions = nil
		r.setReadiness(c, h)
		return nil
	}
	statuses := make([]openovav1alpha1.RegionStatus, 0, len(c.Spec.Regions))
	healths := make([]componentHealth, 0, len(c.Spec.Regions))
	for _, reg := range c.Spec.Regions {
		h := bundleHealth(c, members, reg.Name)
		rs := openovav1alpha1.RegionStatus{Name: reg.Name, Health: h.Health}
		if h.Ready {
			rs.Version = c.Spec.Version
		} else {
			rs.Message = truncate(h.Message, 1024)
			if prev := findRegionStatus(st.Regions, reg.Name); prev != nil {
				rs.Version = prev.Version
			}
		}
		statuses = append(statuses, rs)
		healths = append(healths, h)
	}
	st.Regions = statuses
	worst := worstHealth(c, healths)
	if worst.Ready {
		r.bundleDeployed(ctx, c, c.Spec.Version)
	} else {
		st.Version = commonVersion(statuses)
	}
	r.setReadiness(c, worst)
	return nil
}

// bundleDeployed records that every member of bundle c is healthy at version.
func (r *ComponentReconciler) bundleDeployed(ctx context.Context, c *openovav1alpha1.Component, version string) {
	st := &c.Status
	if st.Version != version {
		notify(ctx, r.Events, c, corev1.EventTypeNormal, openovav1alpha1.HealthyReason, "%s %s: every member is healthy", c.Name, version)
	}
	st.Version, st.LastGoodVersion = version, version
	st.Endpoints = c.Spec.Endpoints
}

// bundleHealth is bundle c's health from its members in region (empty: the members' own
// health): Healthy when every member counted there is Healthy at its desired version;
// Degraded (Failed before the bundle was ever healthy) when one failed or its upgrade was
// rolled back; Unknown when one is Unknown there (its region unreachable); Progressing
// otherwise. A member placed in regions without region does not count there.
func bundleHealth(c *openovav1alpha1.Component, members map[string]*openovav1alpha1.Component, region string) componentHealth {
	var failing, unknown, waiting []string
	counted := 0
	for _, name := range c.Spec.Dependencies {
		m := members[name]
		if m == nil {
			waiting = append(waiting, name+" is not created yet")
			continue
		}
		health, version, placed := memberIn(m, region)
		if !placed {
			continue
		}
		counted++
		current := m.DeletionTimestamp.IsZero() && m.Status.ObservedGeneration == m.Generation
		if current && health == openovav1alpha1.HealthHealthy && version == m.Spec.Version {
			continue
		}
		desc := fmt.Sprintf("%s is %s at %s (desired %s)", name, orUnknown(health), orNone(version), m.Spec.Version)
		if region != "" {
			desc = fmt.Sprintf("%s is %s in %s at %s (desired %s)", name, orUnknown(health), region, orNone(version), m.Spec.Version)
		}
		switch {
		case health == openovav1alpha1.HealthFailed || health == openovav1alpha1.HealthDegraded ||
			m.Status.FailedVersion != "" && m.Status.FailedVersion == m.Spec.Version:
			failing = append(failing, desc)
		case health == openovav1alpha1.HealthUnknown && region != "":
			unknown = append(unknown, desc)
		default:
			waiting = append(waiting, desc)
		}
	}
	notReady := func(health string, msgs ...[]string) componentHealth {
		var all []string
		for _, m := range msgs {
			all = append(all, m...)
		}
		return componentHealth{Health: health, readiness: readiness{Reason: openovav1alpha1.MemberNotReadyReason, Message: truncate(strings.Join(all, "; "), 4096)}}
	}
	switch {
	case len(failing) > 0:
		health := openovav1alpha1.HealthFailed
		if c.Status.LastGoodVersion != "" {
			health = openovav1alpha1.HealthDegraded
		}
		return notReady(health, failing, unknown, waiting)
	case len(unknown) > 0:
		return notReady(openovav1alpha1.HealthUnknown, unknown, waiting)
	case len(waiting) > 0:
		return notReady(openovav1alpha1.HealthProgressing, waiting)
	}
	msg := fmt.Sprintf("%s %s: all %d members are healthy", c.Name, c.Spec.Version, counted)
	if region != "" {
		msg = fmt.Sprintf("%s %s: all %d members placed in %s are healthy", c.Name, c.Spec.Version, counted, region)
	}
	return componentHealth{Health: openovav1alpha1.HealthHealthy, readiness: readiness{Ready: true, Reason: openovav1alpha1.HealthyReason, Message: msg}}
}

// memberIn is member m's health and version in region (empty: its own), and whether it
// counts there: a member placed in regions that do not include region does not. A member
// that reports no regions at all (delivered by bootstrap) counts with its own health.
func memberIn(m *openovav1alpha1.Component, region string) (health, version string, placed bool) {
	if region == "" {
		return m.Status.Health, m.Status.Version, true
	}
	if len(m.Spec.Regions) > 0 {
		placed := false
		for _, r := range m.Spec.Regions {
			placed = placed || r.Name == region
		}
		if !placed {
			return "", "", false
		}
	}
	if rs := findRegionStatus(m.Status.Regions, region); rs != nil {
		return rs.Health, rs.Version, true
	}
	if len(m.Status.Regions) == 0 {
		return m.Status.Health, m.Status.Version, true
	}
	return "", "", true
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

// bundleMemberIndex indexes bundle Components by the names of their members.
const bundleMemberIndex = "openova.io/bundle-member"

// bundleMembers is the bundleMemberIndex's value of a Component: a bundle's members.
func bundleMembers(obj client.Object) []string {
	c, ok := obj.(*openovav1alpha1.Component)
	if !ok || c.Spec.Delivery != openovav1alpha1.DeliveryBundle {
		return nil
	}
	return c.Spec.Dependencies
}

// bundlesOf maps a Component to the bundles in its namespace that list it as a member, so a
// bundle's health follows its members'. It runs on every Component event: it asks the
// cache's index, never lists (and copies) every Component.
func (r *ComponentReconciler) bundlesOf(ctx context.Context, obj client.Object) []reconcile.Request {
	var list openovav1alpha1.ComponentList
	if err := r.List(ctx, &list, client.InNamespace(obj.GetNamespace()), client.MatchingFields{bundleMemberIndex: obj.GetName()},
		client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return out
}
