package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openova-io/core/lifecycle"
)

// waiter follows a change until its targets are done (lifecycle.Waiter), printing
// progress on Out: one line per change of state, and on a terminal a spinner line with
// what is still pending.
type waiter struct {
	Client     client.Reader
	Namespace  string
	Platform   string
	Generation int64
	Out        io.Writer
	TTY        bool
	Interval   time.Duration
	Now        func() time.Time
}

// wait follows targets until they are done, one fails, or timeout passes; failures and
// timeouts exit with ExitUnhealthy.
func (w *waiter) wait(ctx context.Context, targets []lifecycle.Target, timeout time.Duration) error {
	if len(targets) == 0 {
		return nil
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	start := w.Now()
	spin := newSpinner(w.Out, w.TTY)
	defer spin.stop()
	lw := &lifecycle.Waiter{Client: w.Client, Namespace: w.Namespace, Platform: w.Platform, Generation: w.Generation, Interval: w.Interval,
		OnState:   func(t lifecycle.Target, s lifecycle.TargetState) { spin.println(progressLine(t, s)) },
		OnPending: func(pending []string) { spin.status("waiting for " + strings.Join(pending, ", ")) },
	}
	err := lw.Wait(ctx, targets, timeout)
	switch {
	case err == nil:
		spin.println(fmt.Sprintf("✔ rollout complete in %s (%s)", w.Now().Sub(start).Round(time.Second), plural(len(targets), "component")))
		return nil
	case errors.Is(err, context.Canceled):
		return Errorf(ExitFailure, "interrupted while waiting; the change is applied and the operator carries on (see %s status)", DisplayName)
	}
	return ClusterError(err)
}

func progressLine(t lifecycle.Target, s lifecycle.TargetState) string {
	switch {
	case s.Failed != nil:
		return fmt.Sprintf("✗ %s %s: %s", t.Name, t.Version, s.State)
	case s.Done && t.Remove:
		return fmt.Sprintf("✔ %s removed", t.Name)
	case s.Done:
		return fmt.Sprintf("✔ %s %s is Healthy", t.Name, t.Version)
	case t.Remove:
		return fmt.Sprintf("◎ %s: %s", t.Name, s.State)
	}
	return fmt.Sprintf("◎ %s %s: %s", t.Name, t.Version, s.State)
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
