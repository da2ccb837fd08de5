package operator

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// platformOutcome is what one Platform reconcile found besides its Components: a problem
// of the whole Platform that stops delivery (blocked), problems of single entries (by
// name) that stop only those entries, and whether the reconcile failed (an error, or a
// catalog it could not load) so its status must not claim the new generation.
type platformOutcome struct {
	blocked  *metav1.Condition
	problems map[string]entryProblem
	failed   bool
}

// entryProblem is why one entry of spec.components is not delivered: a terminal condition
// reason (UnknownComponent, UnknownVersion, InvalidEntry, ComponentConflict) and a message.
type entryProblem struct {
	Reason  string
	Message string
}

// terminalReason reports the Ready reasons that will not change without a change of the
// spec or the catalog: every entry problem (openovav1alpha1.EntryProblemReasons), a violated
// constraint and a rolled-back upgrade. With them the Platform is Stalled.
func terminalReason(reason string) bool {
	return openovav1alpha1.EntryProblemReasons[reason] ||
		reason == openovav1alpha1.ConstraintViolationReason || reason == openovav1alpha1.UpgradeRolledBackReason
}

// summarize fills the Platform's status from its Components and the reconcile's outcome
// (see summarizeStatus) and records a Warning event for every problem that is new.
func (r *PlatformReconciler) summarize(ctx context.Context, p *openovav1alpha1.Platform, owned map[string]*openovav1alpha1.Component, out platformOutcome) {
	prev := map[string]bool{}
	for _, a := range p.Status.Alerts {
		prev[a.Component+"/"+a.Reason+"/"+a.Message] = true
	}
	summarizeStatus(p, owned, out, metav1.NewTime(r.Now()))
	for _, a := range p.Status.Alerts {
		if !prev[a.Component+"/"+a.Reason+"/"+a.Message] && (a.Component == "" || out.problems[a.Component].Reason != "") {
			notify(ctx, r.Events, p, corev1.EventTypeWarning, a.Reason, "%s", a.Message)
		}
	}
}

// summarizeStatus fills the Platform's status: one summary per enabled entry (see
// summarizeEntry), the health percentage, upgrades available, alerts, phase and the
// conditions. The Platform is Ready only when every enabled entry is ready: its Component
// observed at its current generation, at the entry's version, deployed and healthy. The
// Ready reason is the most pressing one: a problem of the whole Platform, then a problem of
// an entry, a degraded component, an upgrade that was rolled back, one in progress, one
// waiting for its window. Reconciling is True whenever Ready is not and the Platform is not
// Stalled; Stalled is True on a terminal reason (terminalReason) or a degraded Component
// that is itself Stalled.
func summarizeStatus(p *openovav1alpha1.Platform, owned map[string]*openovav1alpha1.Component, out platformOutcome, now metav1.Time) {
	st := &p.Status
	prevAlerts := map[string]openovav1alpha1.Alert{}
	for _, a := range st.Alerts {
		prevAlerts[a.Component+"/"+a.Reason+"/"+a.Region] = a
	}
	st.Components = nil
	st.Alerts = nil
	var enabled, healthy, readyCount, upgrades int32
	var problems, degraded, rolledBack, progressing, scheduled []string
	stalledComponent := false
	firstProblem := entryProblem{}
	for _, e := range p.Spec.Components {
		if !e.IsEnabled() {
			continue
		}
		enabled++
		c := owned[e.Name]
		problem, hasProblem := out.problems[e.Name]
		sum := summarizeEntry(e, c, problem, hasProblem)
		if sum.AvailableUpgrade != "" {
			upgrades++
		}
		if c != nil {
			if cond := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition); cond != nil && cond.Status == metav1.ConditionTrue {
				st.Alerts = append(st.Alerts, alert(prevAlerts, e.Name, cond.Reason, cond.Message, cond.LastTransitionTime))
			}
		}
		switch {
		case sum.Ready:
			healthy++
			readyCount++
		case hasProblem:
			problems = append(problems, e.Name)
			if firstProblem.Reason == "" {
				firstProblem = problem
			}
			st.Alerts = append(st.Alerts, alert(prevAlerts, e.Name, problem.Reason, problem.Message, now))
		case sum.Health == openovav1alpha1.HealthDegraded || sum.Health == openovav1alpha1.HealthFailed:
			degraded = append(degraded, e.Name)
			stalledComponent = stalledComponent || meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.StalledCondition)
			msg := fmt.Sprintf("%s is %s", e.Name, strings.ToLower(sum.Health))
			if sum.Message != "" {
				msg += ": " + sum.Message
			}
			st.Alerts = append(st.Alerts, alert(prevAlerts, e.Name, sum.Health, msg, now))
		case sum.Reason == openovav1alpha1.UpgradeRolledBackReason:
			healthy++
			rolledBack = append(rolledBack, e.Name)
		case sum.Reason == openovav1alpha1.UpgradeScheduledReason:
			healthy++
			scheduled = append(scheduled, e.Name)
		default:
			progressing = append(progressing, e.Name)
		}
		st.Components = append(st.Components, sum)
	}
	st.ComponentCount = enabled
	st.UpgradesAvailable = upgrades
	st.HealthPercent = 100
	if enabled > 0 {
		st.HealthPercent = healthy * 100 / enabled
	}
	if out.blocked != nil {
		st.Alerts = append(st.Alerts, alert(prevAlerts, "", out.blocked.Reason, out.blocked.Message, now))
	}
	regions := summarizeRegions(p, owned, prevAlerts, now)

	counts := fmt.Sprintf("%d of %d components ready", readyCount, enabled)
	var rd readiness
	switch {
	case out.blocked != nil:
		st.Phase = openovav1alpha1.PhaseFailed
		rd = readiness{Reason: out.blocked.Reason, Message: out.blocked.Message}
	case len(problems) > 0:
		st.Phase = openovav1alpha1.PhaseFailed
		msg := firstProblem.Message
		if len(problems) > 1 {
			msg = fmt.Sprintf("%s (and %d more entries not delivered: %s)", msg, len(problems)-1, strings.Join(problems[1:], ", "))
		}
		rd = readiness{Reason: firstProblem.Reason, Message: msg + "; " + counts}
	case len(regions.unreachable) > 0:
		st.Phase = openovav1alpha1.PhaseDegraded
		rd = readiness{Reason: RegionUnreachableReason, Message: regions.message() + "; " + counts}
	case len(degraded) > 0:
		st.Phase = openovav1alpha1.PhaseDegraded
		rd = readiness{Reason: openovav1alpha1.DegradedReason, Stalled: stalledComponent,
			Message: fmt.Sprintf("%d of %d components not healthy: %s", len(degraded), enabled, strings.Join(degraded, ", "))}
	case len(rolledBack) > 0:
		st.Phase = openovav1alpha1.PhaseDegraded
		rd = readiness{Reason: openovav1alpha1.UpgradeRolledBackReason,
			Message: fmt.Sprintf("upgrade rolled back, the last good version runs: %s; %s", strings.Join(rolledBack, ", "), counts)}
	case len(progressing) > 0:
		st.Phase = openovav1alpha1.PhaseProgressing
		rd = readiness{Reason: openovav1alpha1.ProgressingReason, Message: fmt.Sprintf("%s; in progress: %s", counts, strings.Join(progressing, ", "))}
	case len(scheduled) > 0:
		st.Phase = openovav1alpha1.PhaseProgressing
		rd = readiness{Reason: openovav1alpha1.UpgradeScheduledReason, Message: fmt.Sprintf("%s; upgrades scheduled: %s", counts, strings.Join(scheduled, ", "))}
	default:
		st.Phase = openovav1alpha1.PhaseReady
		rd = readiness{Ready: true, Reason: openovav1alpha1.HealthyReason, Message: counts}
	}
	rd.Stalled = rd.Stalled || terminalReason(rd.Reason)
	setReadiness(&st.Conditions, p.Generation, rd)

	gen := p.Generation
	if inFlight := len(progressing) + len(scheduled); inFlight > 0 && out.blocked == nil {
		setCondition(&st.Conditions, gen, openovav1alpha1.ProgressingCondition, metav1.ConditionTrue, openovav1alpha1.ProgressingReason,
			fmt.Sprintf("%d components installing or upgrading", inFlight))
	} else {
		setCondition(&st.Conditions, gen, openovav1alpha1.ProgressingCondition, metav1.ConditionFalse, openovav1alpha1.ReconciledReason, "nothing in flight")
	}
	if len(degraded) > 0 {
		setCondition(&st.Conditions, gen, openovav1alpha1.DegradedCondition, metav1.ConditionTrue, openovav1alpha1.DegradedReason,
			"not healthy: "+strings.Join(degraded, ", "))
	} else {
		setCondition(&st.Conditions, gen, openovav1alpha1.DegradedCondition, metav1.ConditionFalse, openovav1alpha1.HealthyReason, "no component degraded")
	}
}

// summarizeEntry is one enabled entry as the Platform reports it. version and health are
// what its Component reports running; the entry is ready only when the Component's status
// describes its current generation (observedGeneration == generation), its spec asks for
// the entry's version, it runs that version and it is Ready. Otherwise reason and message
// say why: the entry's own problem, or the Component's Ready reason (Progressing,
// Degraded, UpgradeRolledBack, UpgradeScheduled, …), or Progressing while the Component has
// not caught up with the entry.
func summarizeEntry(e openovav1alpha1.PlatformComponent, c *openovav1alpha1.Component, problem entryProblem, hasProblem bool) openovav1alpha1.ComponentSummary {
	sum := openovav1alpha1.ComponentSummary{Name: e.Name, DesiredVersion: e.Version, Health: openovav1alpha1.HealthUnknown}
	if c != nil {
		sum.Version = c.Status.Version
		if c.Status.Health != "" {
			sum.Health = c.Status.Health
		}
		if c.Status.AvailableUpgrade != nil {
			sum.AvailableUpgrade = c.Status.AvailableUpgrade.Version
		}
		sum.Endpoints = c.Status.Endpoints
		sum.Regions = c.Status.Regions
	}
	progressing := func(format string, args ...any) openovav1alpha1.ComponentSummary {
		sum.Reason, sum.Message = openovav1alpha1.ProgressingReason, fmt.Sprintf(format, args...)
		return sum
	}
	switch {
	case hasProblem:
		sum.Reason, sum.Message = problem.Reason, truncate(problem.Message, 1024)
		return sum
	case c == nil:
		return progressing("waiting for Component %s", e.Name)
	case c.Spec.Version != e.Version:
		return progressing("Component %s not yet at version %s", e.Name, e.Version)
	case c.Status.ObservedGeneration != c.Generation:
		return progressing("waiting for the operator to observe Component %s generation %d", e.Name, c.Generation)
	}
	cond := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition)
	if cond == nil {
		return progressing("Component %s reports no Ready condition yet", e.Name)
	}
	// A component the cluster provides with nothing to watch runs no version the operator
	// can see; healthy is all it can be.
	if cond.Status == metav1.ConditionTrue && (c.Status.Version == e.Version || watchesNodes(c)) && c.Status.Health == openovav1alpha1.HealthHealthy {
		sum.Ready = true
		return sum
	}
	if cond.Status == metav1.ConditionTrue {
		return progressing("Component %s runs %s, not yet %s", e.Name, c.Status.Version, e.Version)
	}
	sum.Reason, sum.Message = cond.Reason, truncate(cond.Message, 1024)
	return sum
}

// alert builds an alert, keeping the time it was first seen when it was already active.
func alert(prev map[string]openovav1alpha1.Alert, component, reason, msg string, since metav1.Time) openovav1alpha1.Alert {
	return regionAlert(prev, component, "", reason, msg, since)
}

// regionAlert is alert about a component (or none) in one region (or every region).
func regionAlert(prev map[string]openovav1alpha1.Alert, component, region, reason, msg string, since metav1.Time) openovav1alpha1.Alert {
	if a, ok := prev[component+"/"+reason+"/"+region]; ok && a.Since != nil {
		since = *a.Since
	}
	return openovav1alpha1.Alert{Component: component, Region: region, Reason: reason, Message: truncate(msg, 1024), Since: &since}
}

// readiness is the kstatus-facing summary of an object: Ready with its reason and message,
// and whether the object is Stalled (a terminal reason). Reconciling is True exactly when
// the object is neither Ready nor Stalled, so kstatus consumers see InProgress until the
// object is Ready and Failed when it will not get there on its own.
type readiness struct {
	Ready   bool
	Stalled bool
	Reason  string
	Message string
}

// setReadiness sets Ready, Reconciling and Stalled from rd.
func setReadiness(conds *[]metav1.Condition, generation int64, rd readiness) {
	status := metav1.ConditionFalse
	if rd.Ready {
		status = metav1.ConditionTrue
	}
	setCondition(conds, generation, openovav1alpha1.ReadyCondition, status, rd.Reason, rd.Message)
	switch {
	case rd.Ready:
		meta.RemoveStatusCondition(conds, openovav1alpha1.ReconcilingCondition)
		meta.RemoveStatusCondition(conds, openovav1alpha1.StalledCondition)
	case rd.Stalled:
		meta.RemoveStatusCondition(conds, openovav1alpha1.ReconcilingCondition)
		setCondition(conds, generation, openovav1alpha1.StalledCondition, metav1.ConditionTrue, rd.Reason, rd.Message)
	default:
		meta.RemoveStatusCondition(conds, openovav1alpha1.StalledCondition)
		setCondition(conds, generation, openovav1alpha1.ReconcilingCondition, metav1.ConditionTrue, rd.Reason, rd.Message)
	}
}

// patchStatus writes the Platform's status when it differs from before's (ignoring
// lastReconciled), stamping lastReconciled, and observedGeneration only when the reconcile
// succeeded (Flux's discipline: a status that claims a generation describes it). An
// unchanged status writes nothing.
func (r *PlatformReconciler) patchStatus(ctx context.Context, before, p *openovav1alpha1.Platform, succeeded bool) error {
	if succeeded {
		p.Status.ObservedGeneration = p.Generation
	} else {
		p.Status.ObservedGeneration = before.Status.ObservedGeneration
	}
	p.Status.LastReconciled = before.Status.LastReconciled
	if equality.Semantic.DeepEqual(before.Status, p.Status) {
		return nil
	}
	p.Status.LastReconciled = &metav1.Time{Time: r.Now()}
	return client.IgnoreNotFound(r.Status().Patch(ctx, p, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})))
}

// requeueOnConflict turns a conflict (the object changed since it was read) into a quiet
// requeue: the next reconcile starts from the newer object.
func requeueOnConflict(err error) (ctrl.Result, error) {
	if apierrors.IsConflict(err) {
		return ctrl.Result{RequeueAfter: 100 * time.Millisecond}, nil
	}
	return ctrl.Result{}, err
}

// setCondition sets a condition, keeping its transition time when the status is unchanged.
func setCondition(conds *[]metav1.Condition, generation int64, t string, status metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(conds, metav1.Condition{Type: t, Status: status, Reason: reason, Message: truncate(msg, 32768), ObservedGeneration: generation})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
