package operator

import (
	"context"
	"fmt"
	"strings"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// partRecheck is how often a multi-part component whose resource parts are not all healthy
// is looked at again (objects the operator applies are not watched).
const partRecheck = 5 * time.Second

// reconcileParts delivers a multi-part component: each chart part as its own HelmRelease
// depending on the part before it (the first on the dependencies' releases), each resource
// part applied once every part before it is Ready. Parts and objects that are no longer
// wanted are deleted. The component is healthy when every part is.
func (r *ComponentReconciler) reconcileParts(ctx context.Context, c *openovav1alpha1.Component) (ctrl.Result, error) {
	st := &c.Status
	r.observeRelease(ctx, c, nil) // a new desired version or a retry clears a failed one
	var first *helmv2.HelmRelease
	if p := firstChartPart(c.Spec.Parts); p != nil {
		var err error
		if first, err = r.helmRelease(ctx, c, p.Release); err != nil {
			return ctrl.Result{}, err
		}
	}
	lastGood := ""
	if st.LastGoodVersion != "" {
		lastGood = "parts"
	}
	target, wait, err := r.chooseTarget(c, first, "parts", lastGood)
	if err != nil {
		setCondition(&st.Conditions, c.Generation, openovav1alpha1.UpgradeScheduledCondition, metav1.ConditionFalse,
			openovav1alpha1.UpgradeScheduledReason, err.Error())
	}
	hold := target.Version != c.Spec.Version
	dependsOn, err := r.helmDependencies(ctx, c)
	if err != nil {
		return ctrl.Result{}, err
	}

	keep := map[string]bool{}
	statuses := make([]openovav1alpha1.PartStatus, 0, len(c.Spec.Parts))
	before := true // every part before this one is healthy
	prevName := ""
	for i := range c.Spec.Parts {
		part := &c.Spec.Parts[i]
		ps := openovav1alpha1.PartStatus{Name: part.Name, Kind: part.Kind}
		if old := findPartStatus(st.Parts, part.Name); old != nil {
			ps = *old.DeepCopy()
			ps.Kind = part.Kind
		}
		switch part.Kind {
		case openovav1alpha1.PartChart:
			keep[part.Release] = true
			ps.Objects = nil
			if err := r.deliverChartPart(ctx, c, part, &ps, target, hold, dependsOn); err != nil {
				return ctrl.Result{}, err
			}
			dependsOn = []string{part.Release}
		case openovav1alpha1.PartResources:
			ps.Release, ps.ChartVersion, ps.LastGoodChartVersion = "", "", ""
			if !before {
				ps.Health = openovav1alpha1.HealthProgressing
				ps.Message = fmt.Sprintf("waits for part %s to be ready", prevName)
				break
			}
			if err := r.applyResourcePart(ctx, c, part, &ps); err != nil {
				return ctrl.Result{}, err
			}
		}
		before = before && ps.Health == openovav1alpha1.HealthHealthy
		prevName = part.Name
		statuses = append(statuses, ps)
	}
	// Parts the spec no longer has: their objects go now, their releases below.
	for i := range st.Parts {
		if findPart(c.Spec.Parts, st.Parts[i].Name) == nil {
			if err := r.deleteObjects(ctx, c, st.Parts[i:i+1]); err != nil {
				return ctrl.Result{}, err
			}
		}
	}
	st.Parts = statuses
	if _, err := r.deleteReleases(ctx, c, keep); err != nil {
		return ctrl.Result{}, err
	}
	r.partsHealth(ctx, c, hold)
	if c.Status.Health != openovav1alpha1.HealthHealthy && (wait == 0 || wait > partRecheck) {
		wait = partRecheck
	}
	return ctrl.Result{RequeueAfter: wait}, nil
}

// deliverChartPart applies one chart part's HelmRelease and records what Flux did with it:
// the chart version it runs, or a failed upgrade that Flux rolled back. While the
// component's upgrade is held (scheduled, or failed) the part stays on its last good
// chart version; a part new in the held version waits.
func (r *ComponentReconciler) deliverChartPart(ctx context.Context, c *openovav1alpha1.Component, part *openovav1alpha1.ComponentPart,
	ps *openovav1alpha1.PartStatus, target deliveryTarget, hold bool, dependsOn []string) error {
	ps.Release = part.Release
	if part.Chart == nil || part.Release == "" {
		ps.Health, ps.Message = openovav1alpha1.HealthFailed, "a chart part needs chart and release"
		return nil
	}
	hr, err := r.helmRelease(ctx, c, part.Release)
	if err != nil {
		return err
	}
	pt := target
	pt.ChartVersion = part.Chart.Version
	if hold {
		if ps.LastGoodChartVersion == "" {
			ps.Health = openovav1alpha1.HealthProgressing
			ps.Message = fmt.Sprintf("new in %s, whose upgrade is held", c.Spec.Version)
			return nil
		}
		pt.ChartVersion = ps.LastGoodChartVersion
	}
	r.observePart(ctx, c, part, ps, hr, pt.ChartVersion)
	rel := releaseSpec{Name: part.Release, Part: part.Name, Chart: *part.Chart, Values: part.Values, DependsOn: dependsOn}
	if hr, err = r.applyRelease(ctx, c, hr, rel, pt); err != nil {
		return err
	}
	obs := observeHelmRelease(hr, pt.ChartVersion)
	ps.Health, ps.Message = obs.Health, truncate(obs.Message, 1024)
	if obs.Delivered {
		ps.ChartVersion, ps.LastGoodChartVersion = pt.ChartVersion, pt.ChartVersion
	}
	return nil
}

// observePart records a failed upgrade of one part that Flux rolled back: the component's
// desired version failed (failedVersion, UpgradeFailed, a Warning event on the Component
// and its Platform) and is held on the last good version from now on.
func (r *ComponentReconciler) observePart(ctx context.Context, c *openovav1alpha1.Component, part *openovav1alpha1.ComponentPart,
	ps *openovav1alpha1.PartStatus, hr *helmv2.HelmRelease, chartVersion string) {
	st := &c.Status
	if hr == nil || hr.Status.ObservedGeneration != hr.Generation {
		return
	}
	hrVersion := hr.Annotations[versionAnnotation]
	obs := observeHelmRelease(hr, chartVersion)
	if obs.Delivered {
		ps.ChartVersion, ps.LastGoodChartVersion = chartVersion, chartVersion
		return
	}
	rem := meta.FindStatusCondition(hr.Status.Conditions, helmv2.RemediatedCondition)
	rolledBack := rem != nil && rem.Status == metav1.ConditionTrue && rem.Reason == helmv2.RollbackSucceededReason
	why := obs.Message
	if released := meta.FindStatusCondition(hr.Status.Conditions, helmv2.ReleasedCondition); released != nil && released.Status == metav1.ConditionFalse {
		why = released.Message
	}
	if !rolledBack || hrVersion != c.Spec.Version || hrVersion == st.FailedVersion || st.LastGoodVersion == "" ||
		hrVersion == st.LastGoodVersion || hr.Status.LastAttemptedRevision != chartVersion {
		return
	}
	st.FailedVersion = hrVersion
	st.Version = st.LastGoodVersion
	msg := fmt.Sprintf("upgrade of %s from %s to %s failed at part %s (chart %s %s) and was rolled back: %s",
		c.Name, st.LastGoodVersion, hrVersion, part.Name, part.Chart.Name, chartVersion, why)
	setCondition(&st.Conditions, c.Generation, openovav1alpha1.UpgradeFailedCondition, metav1.ConditionTrue, openovav1alpha1.UpgradeRolledBackReason, msg)
	notify(ctx, r.Events, c, corev1.EventTypeWarning, openovav1alpha1.UpgradeRolledBackReason, "%s", msg)
	if p := r.platformOf(ctx, c); p != nil {
		notify(ctx, r.Events, p, corev1.EventTypeWarning, openovav1alpha1.UpgradeRolledBackReason, "%s", msg)
	}
}

// partsHealth sets the component's health from its parts: Healthy when every part is (and
// then the version it runs; Ready only when that is the desired version), Failed or
// Degraded when one failed, Progressing otherwise.
func (r *ComponentReconciler) partsHealth(ctx context.Context, c *openovav1alpha1.Component, hold bool) {
	st := &c.Status
	var failed, waiting []string
	for _, ps := range st.Parts {
		switch ps.Health {
		case openovav1alpha1.HealthHealthy:
		case openovav1alpha1.HealthFailed, openovav1alpha1.HealthDegraded:
			failed = append(failed, fmt.Sprintf("part %s: %s", ps.Name, ps.Message))
		default:
			waiting = append(waiting, fmt.Sprintf("part %s: %s", ps.Name, ps.Message))
		}
	}
	switch {
	case len(failed) > 0:
		if st.LastGoodVersion != "" {
			r.setHealth(c, openovav1alpha1.HealthDegraded, openovav1alpha1.DegradedReason, strings.Join(failed, "; "))
		} else {
			r.setHealth(c, openovav1alpha1.HealthFailed, openovav1alpha1.InstallFailedReason, strings.Join(failed, "; "))
		}
	case len(waiting) > 0:
		r.setHealth(c, openovav1alpha1.HealthProgressing, openovav1alpha1.ProgressingReason, strings.Join(waiting, "; "))
	default:
		version := c.Spec.Version
		if hold {
			version = st.LastGoodVersion
		}
		if st.Version != version {
			notify(ctx, r.Events, c, corev1.EventTypeNormal, openovav1alpha1.HealthyReason, "%s %s is deployed", c.Name, version)
		}
		st.Version, st.LastGoodVersion = version, version
		st.Endpoints = c.Spec.Endpoints
		if !hold {
			r.setHealth(c, openovav1alpha1.HealthHealthy, openovav1alpha1.HealthyReason,
				fmt.Sprintf("%s %s is deployed and healthy (%d parts)", c.Name, version, len(st.Parts)))
			return
		}
		// Held on the last good version: healthy, but not Ready (not what was asked for).
		rd := readiness{Reason: openovav1alpha1.UpgradeScheduledReason, Message: fmt.Sprintf("%s runs, the upgrade to %s waits", version, c.Spec.Version)}
		cond := meta.FindStatusCondition(st.Conditions, openovav1alpha1.UpgradeScheduledCondition)
		if st.FailedVersion == c.Spec.Version {
			rd = readiness{Stalled: true, Reason: openovav1alpha1.UpgradeRolledBackReason,
				Message: fmt.Sprintf("the upgrade to %s failed and was rolled back; %s runs", c.Spec.Version, version)}
			cond = meta.FindStatusCondition(st.Conditions, openovav1alpha1.UpgradeFailedCondition)
		}
		if cond != nil && cond.Message != "" {
			rd.Message = cond.Message
		}
		r.setReadiness(c, componentHealth{Health: openovav1alpha1.HealthHealthy, readiness: rd})
	}
}

// deleteReleases deletes the Component's HelmReleases (labelled with it and controlled by
// it) whose names are not in keep, dependents before what they depend on (one layer per
// call; the next reconcile takes the next), and returns how many of those still exist.
func (r *ComponentReconciler) deleteReleases(ctx context.Context, c *openovav1alpha1.Component, keep map[string]bool) (int, error) {
	var list helmv2.HelmReleaseList
	if err := r.List(ctx, &list, client.InNamespace(c.Namespace), client.MatchingLabels{openovav1alpha1.ComponentLabel: c.Name}); err != nil {
		return 0, err
	}
	var targets []*helmv2.HelmRelease
	for i := range list.Items {
		if hr := &list.Items[i]; !keep[hr.Name] && metav1.IsControlledBy(hr, c) {
			targets = append(targets, hr)
		}
	}
	left := len(targets)
	for _, hr := range targets {
		// Dependents go first: a part whose chart needs the CRDs of the part before it
		// cannot be uninstalled once those CRDs are gone.
		if !hr.DeletionTimestamp.IsZero() || neededByAnother(hr, targets) {
			continue
		}
		if err := r.Delete(ctx, hr); client.IgnoreNotFound(err) != nil {
			return 0, fmt.Errorf("delete HelmRelease %s: %w", hr.Name, err)
		}
		notify(ctx, r.Events, c, corev1.EventTypeNormal, openovav1alpha1.ReconciledReason, "uninstalling %s (HelmRelease %s)", c.Name, hr.Name)
	}
	return left, nil
}

// neededByAnother reports whether another release of targets depends on hr (dependsOn).
func neededByAnother(hr *helmv2.HelmRelease, targets []*helmv2.HelmRelease) bool {
	for _, other := range targets {
		if other == hr {
			continue
		}
		for _, d := range other.Spec.DependsOn {
			if d.Name == hr.Name && (d.Namespace == "" || d.Namespace == hr.Namespace) {
				return true
			}
		}
	}
	return false
}

// pruneParts removes what a multi-part version left behind once c is delivered as a single
// release: its other HelmReleases and its resource parts' objects.
func (r *ComponentReconciler) pruneParts(ctx context.Context, c *openovav1alpha1.Component, keep map[string]bool) error {
	if len(c.Status.Parts) == 0 {
		return nil
	}
	if err := r.deleteObjects(ctx, c, c.Status.Parts); err != nil {
		return err
	}
	if _, err := r.deleteReleases(ctx, c, keep); err != nil {
		return err
	}
	c.Status.Parts = nil
	return nil
}

func findPart(parts []openovav1alpha1.ComponentPart, name string) *openovav1alpha1.ComponentPart {
	for i := range parts {
		if parts[i].Name == name {
			return &parts[i]
		}
	}
	return nil
}

func findPartStatus(parts []openovav1alpha1.PartStatus, name string) *openovav1alpha1.PartStatus {
	for i := range parts {
		if parts[i].Name == name {
			return &parts[i]
		}
	}
	return nil
}

func firstChartPart(parts []openovav1alpha1.ComponentPart) *openovav1alpha1.ComponentPart {
	for i := range parts {
		if parts[i].Kind == openovav1alpha1.PartChart && parts[i].Chart != nil {
			return &parts[i]
		}
	}
	return nil
}
