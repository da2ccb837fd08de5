package operator

import (
	"context"
	"fmt"
	"strings"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/delivery"
)

// Reasons of a region's state.
const (
	// RegionUnreachableReason: the operator could not reach the region's API server.
	RegionUnreachableReason = "RegionUnreachable"
	// WaitingForStandbyReason: the primary region's upgrade waits for the standby. It is the
	// primary's own readiness (its status.regions[] message says why), never the Component's
	// Ready reason: the standby leads and is not Ready while the primary waits, so the
	// Component's reason is the standby's (Progressing, UpgradeScheduled, UpgradeRolledBack,
	// RegionUnreachable).
	WaitingForStandbyReason = "WaitingForStandby"
)

// regional is delivery.Regional (the Platform's placement lives in delivery).
func regional(p *openovav1alpha1.Platform) bool { return delivery.Regional(p) }

// regionReleaseName is delivery.RegionReleaseName: the primary's HelmRelease keeps base,
// a standby's is <base>-<region>.
func regionReleaseName(base string, region openovav1alpha1.ComponentRegion) string {
	return delivery.RegionReleaseName(base, region)
}

// regionRelease is one region's HelmRelease with what the reconcile decided for it.
type regionRelease struct {
	Region openovav1alpha1.ComponentRegion
	HR     *helmv2.HelmRelease
	State  regionState
}

// reconcileRegions delivers a single-chart Component placed in regions: one HelmRelease per
// region, all in this (the primary's) cluster, the remote ones with spec.kubeConfig. The
// first region in spec.regions (the standby) leads: its release carries the failed-upgrade
// and pin-back logic of a one-region component; the primary moves to a new version only
// once the standby is Healthy at it and never after the standby's upgrade failed.
func (r *ComponentReconciler) reconcileRegions(ctx context.Context, c *openovav1alpha1.Component) (ctrl.Result, error) {
	if c.Spec.Chart == nil {
		r.setReadiness(c, componentHealth{Health: openovav1alpha1.HealthFailed, readiness: readiness{Stalled: true,
			Reason: openovav1alpha1.InstallFailedReason, Message: "spec.chart or spec.parts is required for helm delivery"}})
		return ctrl.Result{}, nil
	}
	rels := make([]regionRelease, 0, len(c.Spec.Regions))
	keep := map[string]bool{}
	for _, reg := range c.Spec.Regions {
		name := regionReleaseName(c.Name, reg)
		keep[name] = true
		hr, err := r.helmRelease(ctx, c, name)
		if err != nil {
			return ctrl.Result{}, err
		}
		rels = append(rels, regionRelease{Region: reg, HR: hr, State: r.prober().State(ctx, c.Namespace, reg)})
	}
	// The leader (first region) keeps the component's failed-version and last-good memory.
	lead := rels[0]
	r.observeRelease(ctx, c, lead.HR)
	leadTarget, wait, err := r.chooseTarget(c, lead.HR, c.Spec.Chart.Version, c.Status.LastGoodChartVersion)
	if err != nil {
		setCondition(&c.Status.Conditions, c.Generation, openovav1alpha1.UpgradeScheduledCondition, metav1.ConditionFalse,
			openovav1alpha1.UpgradeScheduledReason, err.Error())
	}
	var statuses []openovav1alpha1.RegionStatus
	var healths []componentHealth
	var leadObs releaseObservation
	for i, rr := range rels {
		target := leadTarget
		hold := ""
		if i > 0 {
			target, hold = followerTarget(c, rels[0], leadTarget, leadObs, rr.HR)
		}
		deps, err := r.helmDependencies(ctx, c, &rr.Region)
		if err != nil {
			return ctrl.Result{}, err
		}
		rel := releaseSpec{Name: regionReleaseName(c.Name, rr.Region), Chart: *c.Spec.Chart, Values: c.Spec.Values, DependsOn: deps}
		hr, err := r.applyRegionRelease(ctx, c, rr.Region, rr.HR, rel, c.Name, target)
		if err != nil {
			return ctrl.Result{}, err
		}
		obs := observeHelmRelease(hr, target.ChartVersion)
		if i == 0 {
			leadObs = obs
		}
		h := componentReadiness(c, obs, target)
		rs := openovav1alpha1.RegionStatus{Name: rr.Region.Name, Health: h.Health}
		if obs.Delivered {
			rs.Version = target.Version
		} else if prev := findRegionStatus(c.Status.Regions, rr.Region.Name); prev != nil {
			rs.Version = prev.Version
		}
		switch {
		case !rr.State.Reachable:
			h = componentHealth{Health: openovav1alpha1.HealthUnknown, readiness: readiness{Reason: RegionUnreachableReason, Message: rr.State.Message}}
			rs.Health = openovav1alpha1.HealthUnknown
		case hold != "" && h.Health == openovav1alpha1.HealthHealthy:
			h.Ready = false
			h.Reason, h.Message = WaitingForStandbyReason, hold
		}
		if !h.Ready || rs.Health != openovav1alpha1.HealthHealthy {
			rs.Message = truncate(h.Message, 1024)
		}
		statuses = append(statuses, rs)
		healths = append(healths, h)
	}
	// What a multi-part version left behind (or a removed region's release) goes.
	if err := r.pruneParts(ctx, c, keep); err != nil {
		return ctrl.Result{}, err
	}
	c.Status.Regions = statuses
	if c.Status.LastGoodVersion != "" {
		c.Status.Endpoints = c.Spec.Endpoints
	}
	r.setReadiness(c, worstHealth(c, healths))
	c.Status.Version = commonVersion(statuses)
	if wait == 0 || wait > r.prober().Interval {
		wait = r.prober().Interval
	}
	return ctrl.Result{RequeueAfter: wait}, nil
}

// followerTarget is what a region after the leader delivers: the desired version once the
// leader runs it (or when the region has nothing yet, a first install); otherwise what it
// runs now, with a message saying why it waits.
func followerTarget(c *openovav1alpha1.Component, lead regionRelease, leadTarget deliveryTarget, leadObs releaseObservation, hr *helmv2.HelmRelease) (deliveryTarget, string) {
	desired := deliveryTarget{Version: c.Spec.Version, ChartVersion: c.Spec.Chart.Version}
	if hr == nil || hr.Annotations[versionAnnotation] == desired.Version {
		return desired, ""
	}
	if leadTarget.Version == desired.Version && leadObs.Delivered && lead.State.Reachable {
		return desired, ""
	}
	current := deliveryTarget{Version: hr.Annotations[versionAnnotation], ChartVersion: hr.Spec.Chart.Spec.Version}
	switch {
	case leadTarget.Failed != "":
		return current, fmt.Sprintf("the upgrade to %s failed in the standby region %s and was rolled back there; the primary is not upgraded and runs %s",
			leadTarget.Failed, lead.Region.Name, current.Version)
	case !lead.State.Reachable:
		return current, fmt.Sprintf("waiting for the standby region %s (unreachable) before upgrading to %s; %s runs", lead.Region.Name, desired.Version, current.Version)
	default:
		return current, fmt.Sprintf("waiting for the standby region %s to be Healthy at %s before upgrading; %s runs", lead.Region.Name, desired.Version, current.Version)
	}
}

// applyRegionRelease applies one region's HelmRelease rel (hr: the one the cache holds),
// whose Helm release is helmName in every region (each its own cluster): the remote ones
// reach their cluster through the region's kubeconfig Secret.
func (r *ComponentReconciler) applyRegionRelease(ctx context.Context, c *openovav1alpha1.Component, region openovav1alpha1.ComponentRegion,
	hr *helmv2.HelmRelease, rel releaseSpec, helmName string, target deliveryTarget) (*helmv2.HelmRelease, error) {
	return r.applyReleaseWith(ctx, c, hr, rel, target, func(hr *helmv2.HelmRelease) {
		delivery.ForRegion(hr, region, helmName)
	})
}

// worstHealth is the Component's health: the worst of its regions (Failed, Degraded,
// Unknown, Progressing, Healthy), Ready only when every region is.
func worstHealth(c *openovav1alpha1.Component, hs []componentHealth) componentHealth {
	rank := map[string]int{openovav1alpha1.HealthHealthy: 0, openovav1alpha1.HealthProgressing: 1, openovav1alpha1.HealthUnknown: 2,
		openovav1alpha1.HealthDegraded: 3, openovav1alpha1.HealthFailed: 4}
	worst := hs[0]
	for _, h := range hs[1:] {
		if rank[h.Health] > rank[worst.Health] || rank[h.Health] == rank[worst.Health] && worst.Ready && !h.Ready {
			worst = h
		}
	}
	var msgs []string
	for i, h := range hs {
		if !h.Ready && h.Message != "" {
			msgs = append(msgs, c.Spec.Regions[i].Name+": "+h.Message)
		}
	}
	if len(msgs) > 0 && !worst.Ready {
		worst.Message = strings.Join(msgs, "; ")
	}
	return worst
}

// commonVersion is the version every region runs, or empty.
func commonVersion(rs []openovav1alpha1.RegionStatus) string {
	if len(rs) == 0 {
		return ""
	}
	v := rs[0].Version
	for _, s := range rs[1:] {
		if s.Version != v {
			return ""
		}
	}
	return v
}

func findRegionStatus(rs []openovav1alpha1.RegionStatus, name string) *openovav1alpha1.RegionStatus {
	for i := range rs {
		if rs[i].Name == name {
			return &rs[i]
		}
	}
	return nil
}
