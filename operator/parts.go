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

// reconcileParts delivers a multi-part component to each region it is placed in (the
// operator's own cluster on a one-region platform): each chart part as its own
// HelmRelease depending on the part before it in the same region (the first on the
// dependencies' releases there), each resource part applied in the region's cluster once
// every part before it is Ready there. Parts and objects that are no longer wanted are
// deleted. A region is healthy when every part is healthy there; the first region (the
// standby) leads an upgrade as for a single-chart component (reconcileRegions).
func (r *ComponentReconciler) reconcileParts(ctx context.Context, c *openovav1alpha1.Component) (ctrl.Result, error) {
	st := &c.Status
	regions, err := r.partsRegions(ctx, c)
	if err != nil {
		return ctrl.Result{}, err
	}
	lead := &regions[0]
	r.observeRelease(ctx, c, nil) // a new desired version or a retry clears a failed one
	var first *helmv2.HelmRelease
	if p := firstChartPart(c.Spec.Parts); p != nil {
		if first, err = r.helmRelease(ctx, c, lead.release(p.Release)); err != nil {
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
	keep := map[string]bool{}
	results := make([]partsResult, len(regions))
	for i := range regions {
		pr := &regions[i]
		res := partsResult{target: target, hold: target.Version != c.Spec.Version}
		if i > 0 {
			if res.target, res.hold, res.why, err = r.followerParts(ctx, c, lead, results[0], target, pr); err != nil {
				return ctrl.Result{}, err
			}
		}
		dependsOn, err := r.helmDependencies(ctx, c, pr.Region)
		if err != nil {
			return ctrl.Result{}, err
		}
		if err := r.deliverPartsIn(ctx, c, pr, &res, dependsOn, i == 0); err != nil {
			return ctrl.Result{}, err
		}
		for _, ps := range res.statuses {
			if ps.Kind == openovav1alpha1.PartChart && ps.Release != "" {
				keep[ps.Release] = true
			}
		}
		results[i] = res
	}
	st.Parts = mergePartRecords(c, regions, results)
	if _, err := r.deleteReleases(ctx, c, keep); err != nil {
		return ctrl.Result{}, err
	}
	if len(c.Spec.Regions) == 0 {
		st.Regions = nil
		r.partsHealth(ctx, c, results[0])
	} else {
		r.regionsPartsHealth(ctx, c, regions, results)
		if wait == 0 || wait > r.prober().Interval {
			wait = r.prober().Interval
		}
	}
	if c.Status.Health != openovav1alpha1.HealthHealthy && (wait == 0 || wait > partRecheck) {
		wait = partRecheck
	}
	return ctrl.Result{RequeueAfter: wait}, nil
}

// partsRegion is one region a multi-part component is delivered to, as one reconcile sees it.
type partsRegion struct {
	// Region is nil on a one-region platform: the operator's own cluster.
	Region *openovav1alpha1.ComponentRegion
	State  regionState
	// Cluster reaches the region's API server for the resource parts; nil while the region
	// is unreachable.
	Cluster *partCluster
	// Parts are the region's part records as the last reconcile left them.
	Parts []openovav1alpha1.PartStatus
}

// local reports whether the region's part records are status.parts itself (the operator's
// own cluster: the primary, or the only region) rather than status.parts[].regions.
func (pr *partsRegion) local() bool {
	return pr.Region == nil || pr.Region.Role == openovav1alpha1.RegionPrimary
}

// release is the region's HelmRelease of the chart part (or component) release base.
func (pr *partsRegion) release(base string) string {
	if pr.Region == nil {
		return base
	}
	return regionReleaseName(base, *pr.Region)
}

// partsResult is what one region's delivery decided and found.
type partsResult struct {
	target deliveryTarget
	// hold: the region stays on its parts' last good chart versions.
	hold bool
	// why a region after the leader waits for it (empty when it does not).
	why string
	// statuses are the region's parts in spec order; leftover the records of parts the
	// spec no longer has whose objects could not be deleted yet (the region is unreachable).
	statuses, leftover []openovav1alpha1.PartStatus
}

// partsRegions are the regions c is delivered to, in spec.regions order (one, the
// operator's own cluster, on a one-region platform), each with its cluster and records.
func (r *ComponentReconciler) partsRegions(ctx context.Context, c *openovav1alpha1.Component) ([]partsRegion, error) {
	local := &partCluster{Client: r.Client, Reader: r.APIReader}
	if len(c.Spec.Regions) == 0 {
		return []partsRegion{{State: regionState{Reachable: true}, Cluster: local, Parts: c.Status.Parts}}, nil
	}
	out := make([]partsRegion, 0, len(c.Spec.Regions))
	for i := range c.Spec.Regions {
		pr := partsRegion{Region: &c.Spec.Regions[i]}
		if pr.local() {
			pr.Parts = c.Status.Parts
		} else {
			pr.Parts = regionPartRecords(c.Status.Parts, pr.Region.Name)
		}
		cl, state, err := r.regionCluster(ctx, c, *pr.Region)
		if err != nil {
			return nil, err
		}
		pr.Cluster, pr.State = cl, state
		out = append(out, pr)
	}
	return out, nil
}

// regionCluster is the cluster of region reg for resource parts: the operator's own when
// the region has no kubeconfig, else a client made from the region's kubeconfig Secret
// (nil while the region is unreachable), with the region's state.
func (r *ComponentReconciler) regionCluster(ctx context.Context, c *openovav1alpha1.Component, reg openovav1alpha1.ComponentRegion) (*partCluster, regionState, error) {
	if reg.KubeConfig == nil || reg.KubeConfig.SecretRef.Name == "" {
		return &partCluster{Client: r.Client, Reader: r.APIReader}, regionState{Reachable: true}, nil
	}
	cl, state, err := r.prober().Client(ctx, c.Namespace, reg)
	if err != nil || cl == nil {
		return nil, state, err
	}
	return &partCluster{Client: cl, Reader: cl}, state, nil
}

// regionPartRecords are the records of the parts in the remote region named region, as
// PartStatus (kind from the part).
func regionPartRecords(parts []openovav1alpha1.PartStatus, region string) []openovav1alpha1.PartStatus {
	var out []openovav1alpha1.PartStatus
	for _, ps := range parts {
		for _, rs := range ps.Regions {
			if rs.Name == region {
				out = append(out, openovav1alpha1.PartStatus{Name: ps.Name, Kind: ps.Kind, Health: rs.Health, Message: rs.Message,
					Release: rs.Release, ChartVersion: rs.ChartVersion, LastGoodChartVersion: rs.LastGoodChartVersion,
					Objects: append([]openovav1alpha1.ObjectReference(nil), rs.Objects...)})
			}
		}
	}
	return out
}

// mergePartRecords is status.parts after a reconcile: the local region's records, each
// with its records in the remote regions.
func mergePartRecords(c *openovav1alpha1.Component, regions []partsRegion, results []partsResult) []openovav1alpha1.PartStatus {
	var out []openovav1alpha1.PartStatus
	for i := range regions {
		if regions[i].local() {
			out = append(append(out, results[i].statuses...), results[i].leftover...)
		}
	}
	if out == nil {
		for _, p := range c.Spec.Parts {
			out = append(out, openovav1alpha1.PartStatus{Name: p.Name, Kind: p.Kind})
		}
	}
	for i := range out {
		out[i].Regions = nil
	}
	for i := range regions {
		if regions[i].local() {
			continue
		}
		for _, ps := range append(append([]openovav1alpha1.PartStatus(nil), results[i].statuses...), results[i].leftover...) {
			rec := findPartStatus(out, ps.Name)
			if rec == nil {
				out = append(out, openovav1alpha1.PartStatus{Name: ps.Name, Kind: ps.Kind, Health: openovav1alpha1.HealthProgressing,
					Message: "removed from the component; its objects are being deleted"})
				rec = &out[len(out)-1]
			}
			rec.Regions = append(rec.Regions, openovav1alpha1.PartRegionStatus{Name: regions[i].Region.Name, Health: ps.Health,
				Message: ps.Message, Release: ps.Release, ChartVersion: ps.ChartVersion, LastGoodChartVersion: ps.LastGoodChartVersion,
				Objects: ps.Objects})
		}
	}
	return out
}

// deliverPartsIn delivers c's parts to region pr at res.target and records them in
// res.statuses; the parts the spec no longer has get their objects deleted there (kept in
// res.leftover while the region is unreachable). lead: pr is the region whose failed
// upgrades hold the component back (observePart).
func (r *ComponentReconciler) deliverPartsIn(ctx context.Context, c *openovav1alpha1.Component, pr *partsRegion, res *partsResult,
	dependsOn []string, lead bool) error {
	res.statuses = make([]openovav1alpha1.PartStatus, 0, len(c.Spec.Parts))
	before := true // every part before this one is healthy
	prevName := ""
	for i := range c.Spec.Parts {
		part := &c.Spec.Parts[i]
		ps := openovav1alpha1.PartStatus{Name: part.Name, Kind: part.Kind}
		if old := findPartStatus(pr.Parts, part.Name); old != nil {
			ps = *old.DeepCopy()
			ps.Kind, ps.Regions = part.Kind, nil
		}
		switch part.Kind {
		case openovav1alpha1.PartChart:
			ps.Objects = nil
			if err := r.deliverChartPart(ctx, c, pr, part, &ps, res.target, res.hold, dependsOn, lead); err != nil {
				return err
			}
			dependsOn = []string{pr.release(part.Release)}
		case openovav1alpha1.PartResources:
			ps.Release, ps.ChartVersion, ps.LastGoodChartVersion = "", "", ""
			switch {
			case !before:
				ps.Health = openovav1alpha1.HealthProgressing
				ps.Message = fmt.Sprintf("waits for part %s to be ready", prevName)
			case pr.Cluster == nil:
				ps.Health, ps.Message = openovav1alpha1.HealthUnknown, truncate(pr.State.Message, 1024)
			case res.why != "":
				// A region waiting for the standby keeps what the part applied there.
				checkResourcePart(ctx, *pr.Cluster, &ps, res.why)
			default:
				if err := r.applyResourcePart(ctx, c, *pr.Cluster, part, &ps); err != nil {
					return err
				}
			}
		}
		before = before && ps.Health == openovav1alpha1.HealthHealthy
		prevName = part.Name
		res.statuses = append(res.statuses, ps)
	}
	// Parts the spec no longer has: their objects go now (their releases in reconcileParts).
	for i := range pr.Parts {
		if findPart(c.Spec.Parts, pr.Parts[i].Name) != nil || len(pr.Parts[i].Objects) == 0 {
			continue
		}
		if pr.Cluster == nil {
			stale := *pr.Parts[i].DeepCopy()
			stale.Regions = nil
			res.leftover = append(res.leftover, stale)
			continue
		}
		if err := deleteObjects(ctx, c, pr.Cluster, pr.Parts[i:i+1]); err != nil {
			return err
		}
	}
	return nil
}

// followerParts is what a region after the leader delivers (see followerTarget): the
// desired version once the leader runs it with every part healthy (or when the region has
// nothing yet: a first install, or its upgrade already started); otherwise the version it
// runs, each part held on its last good chart version, with a message saying why.
func (r *ComponentReconciler) followerParts(ctx context.Context, c *openovav1alpha1.Component, lead *partsRegion, leadRes partsResult,
	leadTarget deliveryTarget, pr *partsRegion) (deliveryTarget, bool, string, error) {
	desired := deliveryTarget{Version: c.Spec.Version, ChartVersion: "parts"}
	var hr *helmv2.HelmRelease
	if p := firstChartPart(c.Spec.Parts); p != nil {
		var err error
		if hr, err = r.helmRelease(ctx, c, pr.release(p.Release)); err != nil {
			return deliveryTarget{}, false, "", err
		}
	}
	if hr == nil || hr.Annotations[versionAnnotation] == desired.Version {
		return desired, false, "", nil
	}
	if leadTarget.Version == desired.Version && !leadRes.hold && allPartsHealthy(leadRes.statuses) && lead.State.Reachable {
		return desired, false, "", nil
	}
	current := deliveryTarget{Version: hr.Annotations[versionAnnotation], ChartVersion: "parts"}
	switch {
	case leadTarget.Failed != "":
		return current, true, fmt.Sprintf("the upgrade to %s failed in the standby region %s and was rolled back there; the primary is not upgraded and runs %s",
			leadTarget.Failed, lead.Region.Name, current.Version), nil
	case !lead.State.Reachable:
		return current, true, fmt.Sprintf("waiting for the standby region %s (unreachable) before upgrading to %s; %s runs",
			lead.Region.Name, desired.Version, current.Version), nil
	default:
		return current, true, fmt.Sprintf("waiting for the standby region %s to be Healthy at %s before upgrading; %s runs",
			lead.Region.Name, desired.Version, current.Version), nil
	}
}

func allPartsHealthy(statuses []openovav1alpha1.PartStatus) bool {
	for _, ps := range statuses {
		if ps.Health != openovav1alpha1.HealthHealthy {
			return false
		}
	}
	return true
}

// deliverChartPart applies one chart part's HelmRelease for region pr and records what
// Flux did with it: the chart version it runs, or (lead) a failed upgrade that Flux rolled
// back. While the region's upgrade is held (scheduled, failed, or waiting for the standby)
// the part stays on its last good chart version there; a part new in the held version waits.
func (r *ComponentReconciler) deliverChartPart(ctx context.Context, c *openovav1alpha1.Component, pr *partsRegion, part *openovav1alpha1.ComponentPart,
	ps *openovav1alpha1.PartStatus, target deliveryTarget, hold bool, dependsOn []string, lead bool) error {
	name := pr.release(part.Release)
	ps.Release = name
	if part.Chart == nil || part.Release == "" {
		ps.Health, ps.Message = openovav1alpha1.HealthFailed, "a chart part needs chart and release"
		return nil
	}
	hr, err := r.helmRelease(ctx, c, name)
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
	r.observePart(ctx, c, part, ps, hr, pt.ChartVersion, lead)
	rel := releaseSpec{Name: name, Part: part.Name, Chart: *part.Chart, Values: part.Values, DependsOn: dependsOn}
	if pr.Region == nil {
		hr, err = r.applyRelease(ctx, c, hr, rel, pt)
	} else {
		hr, err = r.applyRegionRelease(ctx, c, *pr.Region, hr, rel, part.Release, pt)
	}
	if err != nil {
		return err
	}
	obs := observeHelmRelease(hr, pt.ChartVersion)
	ps.Health, ps.Message = obs.Health, truncate(obs.Message, 1024)
	if obs.Delivered {
		ps.ChartVersion, ps.LastGoodChartVersion = pt.ChartVersion, pt.ChartVersion
	}
	return nil
}

// observePart records what Flux did with one part's release: the chart version it
// delivered and, in the leading region (lead), a failed upgrade that Flux rolled back —
// the component's desired version failed (failedVersion, UpgradeFailed, a Warning event on
// the Component and its Platform) and is held on the last good version from now on.
func (r *ComponentReconciler) observePart(ctx context.Context, c *openovav1alpha1.Component, part *openovav1alpha1.ComponentPart,
	ps *openovav1alpha1.PartStatus, hr *helmv2.HelmRelease, chartVersion string, lead bool) {
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
	if !lead {
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
	where := ""
	if reg := hr.Labels[regionLabel]; reg != "" {
		where = " in region " + reg
	}
	msg := fmt.Sprintf("upgrade of %s from %s to %s failed at part %s (chart %s %s)%s and was rolled back: %s",
		c.Name, st.LastGoodVersion, hrVersion, part.Name, part.Chart.Name, chartVersion, where, why)
	setCondition(&st.Conditions, c.Generation, openovav1alpha1.UpgradeFailedCondition, metav1.ConditionTrue, openovav1alpha1.UpgradeRolledBackReason, msg)
	notify(ctx, r.Events, c, corev1.EventTypeWarning, openovav1alpha1.UpgradeRolledBackReason, "%s", msg)
	if p := r.platformOf(ctx, c); p != nil {
		notify(ctx, r.Events, p, corev1.EventTypeWarning, openovav1alpha1.UpgradeRolledBackReason, "%s", msg)
	}
}

// partsReadiness is one region's health from its parts (statuses): Healthy when every part
// is (Ready only when version, what the region delivers, is the desired one; held on the
// last good version it is Healthy but not Ready), Failed or Degraded when one failed,
// Progressing otherwise. healthy reports whether every part is healthy.
func partsReadiness(c *openovav1alpha1.Component, statuses []openovav1alpha1.PartStatus, version string) (h componentHealth, healthy bool) {
	st := &c.Status
	var failed, waiting []string
	for _, ps := range statuses {
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
		// Stalled, as a single-chart component whose release failed (componentReadiness):
		// nothing changes until Flux's retry, a published chart or a new spec — so --wait
		// answers with the failure instead of waiting for its timeout.
		if st.LastGoodVersion != "" {
			return componentHealth{Health: openovav1alpha1.HealthDegraded, readiness: readiness{Stalled: true, Reason: openovav1alpha1.DegradedReason, Message: strings.Join(failed, "; ")}}, false
		}
		return componentHealth{Health: openovav1alpha1.HealthFailed, readiness: readiness{Stalled: true, Reason: openovav1alpha1.InstallFailedReason, Message: strings.Join(failed, "; ")}}, false
	case len(waiting) > 0:
		return componentHealth{Health: openovav1alpha1.HealthProgressing, readiness: readiness{Reason: openovav1alpha1.ProgressingReason, Message: strings.Join(waiting, "; ")}}, false
	}
	if version == c.Spec.Version {
		return componentHealth{Health: openovav1alpha1.HealthHealthy, readiness: readiness{Ready: true, Reason: openovav1alpha1.HealthyReason,
			Message: fmt.Sprintf("%s %s is deployed and healthy (%d parts)", c.Name, version, len(statuses))}}, true
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
	return componentHealth{Health: openovav1alpha1.HealthHealthy, readiness: rd}, true
}

// partsHealth sets the health of a multi-part component on one region from its parts
// (partsReadiness); once every part is healthy, the version it runs is recorded.
func (r *ComponentReconciler) partsHealth(ctx context.Context, c *openovav1alpha1.Component, res partsResult) {
	st := &c.Status
	version := c.Spec.Version
	if res.hold {
		version = st.LastGoodVersion
	}
	h, healthy := partsReadiness(c, res.statuses, version)
	if healthy {
		if st.Version != version {
			notify(ctx, r.Events, c, corev1.EventTypeNormal, openovav1alpha1.HealthyReason, "%s %s is deployed", c.Name, version)
		}
		st.Version, st.LastGoodVersion = version, version
		st.Endpoints = c.Spec.Endpoints
	}
	r.setReadiness(c, h)
}

// regionsPartsHealth sets status.regions of a multi-part component placed in regions, each
// region's health from its parts, and the component's health, the worst of its regions
// (as reconcileRegions does for a single-chart one). The leading region's healthy version
// is the last good one.
func (r *ComponentReconciler) regionsPartsHealth(ctx context.Context, c *openovav1alpha1.Component, regions []partsRegion, results []partsResult) {
	st := &c.Status
	statuses := make([]openovav1alpha1.RegionStatus, 0, len(regions))
	healths := make([]componentHealth, 0, len(regions))
	for i := range regions {
		pr, res := &regions[i], results[i]
		h, healthy := partsReadiness(c, res.statuses, res.target.Version)
		rs := openovav1alpha1.RegionStatus{Name: pr.Region.Name, Health: h.Health}
		if healthy {
			rs.Version = res.target.Version
			if i == 0 {
				st.LastGoodVersion = res.target.Version
			}
		} else if prev := findRegionStatus(st.Regions, pr.Region.Name); prev != nil {
			rs.Version = prev.Version
		}
		switch {
		case !pr.State.Reachable:
			h = componentHealth{Health: openovav1alpha1.HealthUnknown, readiness: readiness{Reason: RegionUnreachableReason, Message: pr.State.Message}}
			rs.Health = openovav1alpha1.HealthUnknown
		case res.why != "" && h.Health == openovav1alpha1.HealthHealthy:
			h.Ready, h.Stalled = false, false
			h.Reason, h.Message = WaitingForStandbyReason, res.why
		}
		if !h.Ready || rs.Health != openovav1alpha1.HealthHealthy {
			rs.Message = truncate(h.Message, 1024)
		}
		statuses = append(statuses, rs)
		healths = append(healths, h)
	}
	st.Regions = statuses
	if version := commonVersion(statuses); version != "" && version != st.Version {
		notify(ctx, r.Events, c, corev1.EventTypeNormal, openovav1alpha1.HealthyReason, "%s %s is deployed in every region", c.Name, version)
	}
	st.Version = commonVersion(statuses)
	if st.LastGoodVersion != "" {
		st.Endpoints = c.Spec.Endpoints
	}
	r.setReadiness(c, worstHealth(c, healths))
}

// deleteReleases deletes the Component's HelmReleases (labelled with it and controlled by
// it) whose names are not in keep, dependents before what they depend on (one layer per
// call; the next reconcile takes the next), and returns how many of those still exist.
func (r *ComponentReconciler) deleteReleases(ctx context.Context, c *openovav1alpha1.Component, keep map[string]bool) (int, error) {
	var list helmv2.HelmReleaseList
	if err := r.List(ctx, &list, client.InNamespace(c.Namespace), client.MatchingFields{componentReleaseIndex: c.Name}); err != nil {
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

// componentReleaseIndex indexes HelmReleases by the Component they belong to (its label).
const componentReleaseIndex = "openova.io/component"

func componentOfRelease(obj client.Object) []string {
	if name := obj.GetLabels()[openovav1alpha1.ComponentLabel]; name != "" {
		return []string{name}
	}
	return nil
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
// release per region: its other HelmReleases (those not in keep) and its resource parts'
// objects in every region (status.parts stays while a region with objects is unreachable).
func (r *ComponentReconciler) pruneParts(ctx context.Context, c *openovav1alpha1.Component, keep map[string]bool) error {
	if _, err := r.deleteReleases(ctx, c, keep); err != nil {
		return err
	}
	if len(c.Status.Parts) == 0 {
		return nil
	}
	left, err := r.deletePartObjects(ctx, c)
	if err != nil {
		return err
	}
	if !left {
		c.Status.Parts = nil
	}
	return nil
}

// deletePartObjects deletes the objects c's resource parts applied: in the operator's own
// cluster and in each remote region of spec.regions (through its kubeconfig), and drops
// their records. left reports objects in a region that is unreachable now (their records
// stay). Records of a region no longer in spec.regions are dropped without deleting: the
// operator no longer has a way to reach it.
func (r *ComponentReconciler) deletePartObjects(ctx context.Context, c *openovav1alpha1.Component) (left bool, err error) {
	parts := c.Status.Parts
	if err := deleteObjects(ctx, c, r.Client, parts); err != nil {
		return false, err
	}
	for i := range parts {
		parts[i].Objects = nil
	}
	for _, reg := range c.Spec.Regions {
		recs := regionPartRecords(parts, reg.Name)
		has := false
		for _, ps := range recs {
			has = has || len(ps.Objects) > 0
		}
		if reg.Role == openovav1alpha1.RegionPrimary || !has {
			continue
		}
		cl, _, err := r.regionCluster(ctx, c, reg)
		if err != nil {
			return false, err
		}
		if cl == nil {
			left = true
			continue
		}
		if err := deleteObjects(ctx, c, cl, recs); err != nil {
			return false, err
		}
		for i := range parts {
			for j := range parts[i].Regions {
				if parts[i].Regions[j].Name == reg.Name {
					parts[i].Regions[j].Objects = nil
				}
			}
		}
	}
	return left, nil
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
