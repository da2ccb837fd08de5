package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
)

// waitTarget is one component a change waits for: Healthy at Version, or gone.
type waitTarget struct {
	Name    string
	Version string
	Remove  bool
}

// waitTargets returns what a written plan waits for: every component the plan installs,
// upgrades or keeps, Healthy at its planned version, and every removed one gone.
func waitTargets(plan *catalog.Plan) []waitTarget {
	var out []waitTarget
	for _, s := range plan.Steps {
		if s.Action == catalog.ActionRemove {
			out = append(out, waitTarget{Name: s.Component, Remove: true})
			continue
		}
		out = append(out, waitTarget{Name: s.Component, Version: s.To})
	}
	return out
}

// targetState is what one poll saw of a target.
type targetState struct {
	done   bool
	failed string // why the target cannot get done (a failed upgrade); "" otherwise
	state  string // a short description for progress lines
}

// evaluate reads a target's state from its Component (nil when there is none).
func evaluate(t waitTarget, comp *openovav1alpha1.Component) targetState {
	if t.Remove {
		if comp == nil {
			return targetState{done: true, state: "removed"}
		}
		return targetState{state: "removing"}
	}
	if comp == nil {
		return targetState{state: "not yet created by the operator"}
	}
	st := comp.Status
	if comp.Spec.Version != t.Version {
		return targetState{state: fmt.Sprintf("at %s, not yet updated by the operator", comp.Spec.Version)}
	}
	if st.FailedVersion == t.Version {
		msg := fmt.Sprintf("the upgrade of %s to %s failed", t.Name, t.Version)
		if cond := meta.FindStatusCondition(st.Conditions, openovav1alpha1.UpgradeFailedCondition); cond != nil && cond.Message != "" {
			msg = cond.Message
		}
		return targetState{failed: msg, state: "upgrade failed"}
	}
	health := st.Health
	if health == "" {
		health = openovav1alpha1.HealthUnknown
	}
	if st.Version == t.Version && health == openovav1alpha1.HealthHealthy {
		return targetState{done: true, state: "Healthy"}
	}
	if health == openovav1alpha1.HealthFailed && st.ObservedGeneration == comp.Generation {
		msg := t.Name + " failed"
		if cond := meta.FindStatusCondition(st.Conditions, openovav1alpha1.ReadyCondition); cond != nil && cond.Message != "" {
			msg += ": " + cond.Message
		}
		return targetState{failed: msg, state: "Failed"}
	}
	state := health
	if cond := meta.FindStatusCondition(st.Conditions, openovav1alpha1.ReadyCondition); cond != nil && cond.Reason != "" && cond.Reason != health {
		state += " (" + cond.Reason + ")"
	}
	return targetState{state: state}
}

// maxPollFailures is how many polls in a row may fail before a wait gives up.
const maxPollFailures = 5

// waiter follows a change until its targets are done, printing progress on Out: one line
// per change of state, and on a terminal a spinner line with what is still pending.
type waiter struct {
	Client    client.Reader
	Namespace string
	Platform  string
	Out       io.Writer
	TTY       bool
	Interval  time.Duration
	Now       func() time.Time
}

// wait polls the Platform's Components (one list request per poll) until every target is
// done, one fails, or timeout passes; failures and timeouts exit with ExitUnhealthy.
func (w *waiter) wait(ctx context.Context, targets []waitTarget, timeout time.Duration) error {
	if len(targets) == 0 {
		return nil
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Interval <= 0 {
		w.Interval = time.Second
	}
	start := w.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	spin := newSpinner(w.Out, w.TTY)
	defer spin.stop()
	last := map[string]string{}
	var pending []string
	failures := 0
	for {
		var list openovav1alpha1.ComponentList
		err := w.Client.List(ctx, &list, client.InNamespace(w.Namespace), client.MatchingLabels{openovav1alpha1.PlatformLabel: w.Platform})
		if err != nil && ctx.Err() == nil {
			// A long wait rides out a few failed polls (an API server restarting).
			if failures++; failures >= maxPollFailures {
				return ClusterError(err)
			}
		}
		if err == nil {
			failures = 0
			byName := map[string]*openovav1alpha1.Component{}
			for i := range list.Items {
				byName[list.Items[i].Name] = &list.Items[i]
			}
			pending = pending[:0]
			for _, t := range targets {
				s := evaluate(t, byName[t.Name])
				if s.state != last[t.Name] {
					last[t.Name] = s.state
					spin.println(progressLine(t, s))
				}
				if s.failed != "" {
					return Errorf(ExitUnhealthy, "%s", s.failed)
				}
				if !s.done {
					pending = append(pending, fmt.Sprintf("%s (%s)", t.Name, s.state))
				}
			}
			if len(pending) == 0 {
				spin.println(fmt.Sprintf("✔ rollout complete in %s (%s)", w.Now().Sub(start).Round(time.Second), plural(len(targets), "component")))
				return nil
			}
			spin.status("waiting for " + strings.Join(pending, ", "))
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return Errorf(ExitFailure, "interrupted while waiting; the change is applied and the operator carries on (see %s status)", DisplayName)
			}
			return Errorf(ExitUnhealthy, "timed out after %s waiting for %s", timeout, strings.Join(pending, ", "))
		case <-time.After(w.Interval):
		}
	}
}

func progressLine(t waitTarget, s targetState) string {
	switch {
	case s.failed != "":
		return fmt.Sprintf("✗ %s %s: %s", t.Name, t.Version, s.state)
	case s.done && t.Remove:
		return fmt.Sprintf("✔ %s removed", t.Name)
	case s.done:
		return fmt.Sprintf("✔ %s %s is Healthy", t.Name, t.Version)
	case t.Remove:
		return fmt.Sprintf("◎ %s: %s", t.Name, s.state)
	}
	return fmt.Sprintf("◎ %s %s: %s", t.Name, t.Version, s.state)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// spinner prints progress lines and, on a terminal, keeps a spinning status line below them.
type spinner struct {
	out  io.Writer
	tty  bool
	mu   sync.Mutex
	msg  string
	done chan struct{}
	wg   sync.WaitGroup
}

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func newSpinner(out io.Writer, tty bool) *spinner {
	s := &spinner{out: out, tty: tty, done: make(chan struct{})}
	if tty {
		s.wg.Add(1)
		go s.run()
	}
	return s
}

func (s *spinner) run() {
	defer s.wg.Done()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-s.done:
			return
		case <-tick.C:
			s.mu.Lock()
			if s.msg != "" {
				fmt.Fprintf(s.out, "\r\x1b[K%s %s", spinnerFrames[i%len(spinnerFrames)], s.msg)
			}
			s.mu.Unlock()
		}
	}
}

// println prints a permanent line (above the spinner line on a terminal).
func (s *spinner) println(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tty {
		fmt.Fprint(s.out, "\r\x1b[K")
	}
	fmt.Fprintln(s.out, line)
}

// status sets the spinner line; without a terminal it is not printed.
func (s *spinner) status(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(msg) > 160 {
		msg = msg[:157] + "..."
	}
	s.msg = msg
}

func (s *spinner) stop() {
	if !s.tty {
		return
	}
	close(s.done)
	s.wg.Wait()
	fmt.Fprint(s.out, "\r\x1b[K")
}
