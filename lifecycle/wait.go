package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
)

// Target is one component a change waits for: Healthy at Version, or gone.
type Target struct {
	Name    string
	Version string
	Remove  bool
}

// Targets returns what a written plan waits for: every component the plan installs,
// upgrades or keeps, Healthy at its planned version, and every removed one gone.
func Targets(plan *catalog.Plan) []Target {
	var out []Target
	for _, s := range plan.Steps {
		if s.Action == catalog.ActionRemove {
			out = append(out, Target{Name: s.Component, Remove: true})
			continue
		}
		out = append(out, Target{Name: s.Component, Version: s.To})
	}
	return out
}

// TargetState is what one poll saw of a target.
type TargetState struct {
	// Done: the target is Healthy at its version, or gone.
	Done bool
	// Failed says why the target cannot get done (a failed upgrade); nil otherwise.
	Failed *UnhealthyError
	// State is a short description for progress lines.
	State string
}

// Evaluate reads a target's state from its Component (nil when there is none).
func Evaluate(t Target, comp *openovav1alpha1.Component) TargetState {
	if t.Remove {
		if comp == nil {
			return TargetState{Done: true, State: "removed"}
		}
		return TargetState{State: "removing"}
	}
	if comp == nil {
		return TargetState{State: "not yet created by the operator"}
	}
	st := comp.Status
	if comp.Spec.Version != t.Version {
		return TargetState{State: fmt.Sprintf("at %s, not yet updated by the operator", comp.Spec.Version)}
	}
	if st.FailedVersion == t.Version {
		failed := &UnhealthyError{Component: t.Name, Reason: openovav1alpha1.UpgradeRolledBackReason,
			Message: fmt.Sprintf("the upgrade of %s to %s failed", t.Name, t.Version)}
		if cond := meta.FindStatusCondition(st.Conditions, openovav1alpha1.UpgradeFailedCondition); cond != nil && cond.Message != "" {
			failed.Reason, failed.Message = cond.Reason, cond.Message
		}
		if where := regionFailure(comp, t.Version); where != "" {
			failed.Message += ": " + where
		}
		return TargetState{Failed: failed, State: "upgrade failed"}
	}
	if stalled := meta.FindStatusCondition(st.Conditions, stalledCondition); stalled != nil && stalled.Status == metav1.ConditionTrue && st.ObservedGeneration == comp.Generation {
		msg := stalled.Message
		if msg == "" {
			msg = fmt.Sprintf("%s %s cannot be delivered (%s)", t.Name, t.Version, stalled.Reason)
		}
		return TargetState{Failed: &UnhealthyError{Component: t.Name, Reason: stalled.Reason, Message: msg}, State: "stalled (" + stalled.Reason + ")"}
	}
	health := st.Health
	if health == "" {
		health = openovav1alpha1.HealthUnknown
	}
	if st.Version == t.Version && health == openovav1alpha1.HealthHealthy {
		// On two regions, Healthy means Healthy at the version in every region it is placed in.
		if pending := regionsPending(comp, t.Version); pending != "" {
			return TargetState{State: "waiting for " + pending}
		}
		return TargetState{Done: true, State: "Healthy"}
	}
	ready := meta.FindStatusCondition(st.Conditions, openovav1alpha1.ReadyCondition)
	if health == openovav1alpha1.HealthFailed && st.ObservedGeneration == comp.Generation {
		failed := &UnhealthyError{Component: t.Name, Reason: openovav1alpha1.HealthFailed, Message: t.Name + " failed"}
		if ready != nil && ready.Message != "" {
			failed.Reason, failed.Message = ready.Reason, failed.Message+": "+ready.Message
		}
		if where := regionFailure(comp, t.Version); where != "" {
			failed.Message += "; " + where
		}
		return TargetState{Failed: failed, State: "Failed"}
	}
	state := health
	if health == openovav1alpha1.HealthHealthy && st.Version != t.Version {
		// Healthy is the old version's word: never print it next to the target's.
		running := st.Version
		if running == "" {
			running = "an earlier version"
		}
		state = fmt.Sprintf("%s runs (Healthy), %s not deployed yet", running, t.Version)
	}
	if pending := regionsPending(comp, t.Version); pending != "" {
		state += " (" + pending + ")"
		return TargetState{State: state}
	}
	if ready != nil && ready.Reason != "" && ready.Reason != health {
		state += " (" + ready.Reason + ")"
	}
	return TargetState{State: state}
}

// stalledCondition is kstatus' Stalled: True when the object will not become Ready
// without a change; its reason is the terminal reason.
const stalledCondition = "Stalled"

// PlatformFailure returns why the Platform cannot deliver the targets of the spec of
// generation (or a later one), as its status says for that generation: a problem of the
// whole platform (Phase Failed with Ready=False and a reason that is no entry's, such as
// an unreachable catalog or a violated constraint), or a problem of a target's own entry
// (unknown component or version, invalid entry, conflict). A problem of a component that
// is not a target (another component's rolled-back upgrade) does not stop the targets, so
// it is not theirs to report; a target's own Component is read by Evaluate. nil when the
// status describes an older spec or nothing stops the targets.
func PlatformFailure(p *openovav1alpha1.Platform, generation int64, targets []Target) *UnhealthyError {
	st := p.Status
	if st.ObservedGeneration < generation || st.ObservedGeneration < p.Generation {
		return nil
	}
	for _, t := range targets {
		if t.Remove {
			continue
		}
		for _, sum := range st.Components {
			if sum.Name == t.Name && openovav1alpha1.EntryProblemReasons[sum.Reason] {
				return &UnhealthyError{Component: t.Name, Reason: sum.Reason,
					Message: fmt.Sprintf("platform %s cannot deliver %s (%s): %s", p.Name, t.Name, sum.Reason, sum.Message)}
			}
		}
	}
	cond := meta.FindStatusCondition(st.Conditions, openovav1alpha1.ReadyCondition)
	if st.Phase != openovav1alpha1.PhaseFailed || cond == nil || cond.Status != metav1.ConditionFalse || openovav1alpha1.EntryProblemReasons[cond.Reason] {
		return nil
	}
	return &UnhealthyError{Reason: cond.Reason,
		Message: fmt.Sprintf("platform %s cannot be delivered (%s): %s", p.Name, cond.Reason, cond.Message)}
}

// maxPollFailures is how many polls in a row may fail before a wait gives up.
const maxPollFailures = 5

// Waiter follows a written change until its targets are done.
type Waiter struct {
	Client    client.Reader
	Namespace string
	Platform  string
	// Generation is the Platform's generation the change wrote: a terminal problem the
	// Platform reports for it (PlatformFailure) ends the wait at once.
	Generation int64
	// Interval is how often it polls (1s when zero).
	Interval time.Duration
	// OnState is called when a target's state changes (and once for each at the start).
	OnState func(Target, TargetState)
	// OnPending is called after each poll with the targets still pending ("vllm
	// (Progressing)").
	OnPending func(pending []string)
}

// Wait polls the Platform and its Components (a get and a list request per poll) until
// every target is done, one fails, the Platform reports a terminal problem for the written
// generation, or timeout passes. A failure or a timeout is an *UnhealthyError; an
// interrupt (ctx cancelled) returns an error that wraps context.Canceled.
func (w *Waiter) Wait(ctx context.Context, targets []Target, timeout time.Duration) error {
	if len(targets) == 0 {
		return nil
	}
	interval := w.Interval
	if interval <= 0 {
		interval = time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := map[string]string{}
	var pending []string
	failures := 0
	for {
		p, objs, err := w.poll(ctx)
		if err != nil && ctx.Err() == nil {
			// A long wait rides out a few failed polls (an API server restarting).
			if failures++; failures >= maxPollFailures {
				return err
			}
		}
		if err == nil {
			failures = 0
			pending = pending[:0]
			for _, t := range targets {
				s := Evaluate(t, objs[t.Name])
				if s.State != last[t.Name] {
					last[t.Name] = s.State
					if w.OnState != nil {
						w.OnState(t, s)
					}
				}
				if s.Failed != nil {
					return s.Failed
				}
				if !s.Done {
					pending = append(pending, fmt.Sprintf("%s (%s)", t.Name, s.State))
				}
			}
			if len(pending) == 0 {
				return nil
			}
			if failed := PlatformFailure(p, w.Generation, targets); failed != nil {
				return failed
			}
			if w.OnPending != nil {
				w.OnPending(pending)
			}
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return fmt.Errorf("interrupted while waiting: %w", ctx.Err())
			}
			return &UnhealthyError{Timeout: true, Message: fmt.Sprintf("timed out after %s waiting for %s", timeout, strings.Join(pending, ", "))}
		case <-time.After(interval):
		}
	}
}

// poll reads the Platform and its Components.
func (w *Waiter) poll(ctx context.Context) (*openovav1alpha1.Platform, map[string]*openovav1alpha1.Component, error) {
	p := &openovav1alpha1.Platform{}
	if err := w.Client.Get(ctx, client.ObjectKey{Namespace: w.Namespace, Name: w.Platform}, p); err != nil {
		return nil, nil, ClusterError(err)
	}
	objs, err := ListComponents(ctx, w.Client, w.Namespace, w.Platform)
	return p, objs, err
}
