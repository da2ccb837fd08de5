package bootstrapweb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/openova-io/core/bootstrap"
	"github.com/openova-io/core/dashboard"
)

// maxLines bounds the output kept per phase (the newest lines stay).
const maxLines = 2000

var phaseLabels = map[bootstrap.Phase]string{
	bootstrap.PhaseValidate:        "Validate the configuration, credentials and tools",
	bootstrap.PhasePrepare:         "Prepare the Terraform module",
	bootstrap.PhaseInit:            "terraform init",
	bootstrap.PhasePlan:            "terraform plan",
	bootstrap.PhaseApply:           "terraform apply",
	bootstrap.PhaseOutputs:         "Read the clusters from Terraform's outputs",
	bootstrap.PhaseInstallOperator: "Kubernetes: CRDs, Flux and the operator",
	bootstrap.PhaseCreatePlatform:  "Create the Platform",
	bootstrap.PhaseReport:          "Report",
}

// Phase states on the page, besides bootstrap's done/skipped/failed/interrupted.
const (
	statePending = "pending"
	stateRunning = "running"
	stateEarlier = "done earlier"
)

// run is one bootstrap started from the page: its phases as bootstrap reports them on its
// output (the "==> [i/n] phase" lines), each with its share of the output.
type run struct {
	mu         sync.Mutex
	cfg        *bootstrap.Config
	notify     *dashboard.Notifier
	cancelFunc context.CancelFunc
	started    time.Time
	finished   time.Time
	phases     []*phaseState
	current    *phaseState
	notes      []string
	cancelling bool
	err        error
	result     *bootstrap.Result
	partial    []byte
}

type phaseState struct {
	name              bootstrap.Phase
	state, note       string
	started, finished time.Time
	lines             []string
	count             int
}

func newRun(cfg *bootstrap.Config, cancel context.CancelFunc, now time.Time, n *dashboard.Notifier) *run {
	r := &run{cfg: cfg, notify: n, cancelFunc: cancel, started: now}
	for _, ph := range bootstrap.Phases {
		r.phases = append(r.phases, &phaseState{name: ph, state: statePending})
	}
	return r
}

var phaseHeader = regexp.MustCompile(`^==> \[\d+/\d+\] ([a-z-]+)(?:: (.*))?$`)

// Write takes bootstrap's (redacted) output.
func (r *run) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.partial = append(r.partial, p...)
	for {
		i := bytes.IndexByte(r.partial, '\n')
		if i < 0 {
			break
		}
		r.line(string(r.partial[:i]))
		r.partial = r.partial[i+1:]
	}
	r.mu.Unlock()
	r.notify.Changed()
	return len(p), nil
}

// line files one line of output; r.mu is held.
func (r *run) line(s string) {
	now := time.Now()
	if m := phaseHeader.FindStringSubmatch(s); m != nil {
		if ph := r.phase(bootstrap.Phase(m[1])); ph != nil {
			r.endCurrent(bootstrap.PhaseDone, now)
			ph.started = now
			switch rest := m[2]; {
			case rest == "":
				ph.state = stateRunning
				r.current = ph
			case strings.HasPrefix(rest, "skipped"):
				ph.state, ph.note, ph.finished = string(bootstrap.PhaseSkipped), rest, now
			default:
				ph.state, ph.note, ph.finished = stateEarlier, rest, now
			}
			return
		}
	}
	if r.current == nil {
		if strings.HasPrefix(s, "==> ") {
			r.notes = append(r.notes, strings.TrimPrefix(s, "==> "))
		}
		return
	}
	ph := r.current
	ph.count++
	ph.lines = append(ph.lines, s)
	if len(ph.lines) > maxLines {
		ph.lines = ph.lines[len(ph.lines)-maxLines:]
	}
}

func (r *run) phase(name bootstrap.Phase) *phaseState {
	for _, ph := range r.phases {
		if ph.name == name {
			return ph
		}
	}
	return nil
}

func (r *run) endCurrent(state bootstrap.PhaseState, now time.Time) {
	if r.current != nil {
		r.current.state, r.current.finished = string(state), now
		r.current = nil
	}
}

// finish records how the run ended.
func (r *run) finish(res *bootstrap.Result, err error, now time.Time) {
	r.mu.Lock()
	if len(r.partial) > 0 {
		r.line(string(r.partial))
		r.partial = nil
	}
	r.finished, r.result, r.err = now, res, err
	var pe *bootstrap.PhaseError
	switch {
	case err == nil:
		r.endCurrent(bootstrap.PhaseDone, now)
	case errors.As(err, &pe):
		if ph := r.phase(pe.Phase); ph != nil {
			if ph != r.current {
				r.endCurrent(bootstrap.PhaseDone, now)
			}
			ph.state, ph.finished = string(bootstrap.PhaseFailed), now
			if pe.Interrupted {
				ph.state = string(bootstrap.PhaseInterrupted)
			}
			r.current = nil
		}
	default:
		r.endCurrent(bootstrap.PhaseFailed, now)
	}
	r.mu.Unlock()
	r.notify.Changed()
}

func (r *run) running() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.finished.IsZero()
}

// start begins a bootstrap of the draft in the background; called with s.mu held.
func (s *Server) start(cfg *bootstrap.Config, creds *bootstrap.Credentials) {
	ctx, cancel := context.WithCancel(s.base)
	rn := newRun(cfg, cancel, s.opts.Now(), s.notify)
	s.run = rn
	s.wg.Add(1)
	fmt.Fprintf(s.opts.Log, "Bootstrap of %s started from the page.\n", cfg.Organization.Name)
	go func() {
		defer s.wg.Done()
		defer cancel()
		out := io.Writer(rn)
		// Bootstrap's output (credentials redacted) also goes to the work directory's
		// bootstrap.log, as on a terminal.
		if err := os.MkdirAll(cfg.WorkDir, 0o700); err == nil {
			if f, err := os.OpenFile(filepath.Join(cfg.WorkDir, "bootstrap.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
				defer f.Close()
				out = io.MultiWriter(rn, f)
			}
		}
		res, err := s.opts.Bootstrap(ctx, cfg, creds, false, out)
		rn.finish(res, err, s.opts.Now())
		s.mu.Lock()
		if err == nil {
			// Done: the credentials are needed no more.
			s.wiz.forgetCredentials()
			fmt.Fprintf(s.opts.Log, "Bootstrap of %s finished.\n", cfg.Organization.Name)
		} else {
			fmt.Fprintf(s.opts.Log, "Bootstrap of %s stopped: %v\n", cfg.Organization.Name, err)
		}
		s.mu.Unlock()
	}()
}

// ready validates the whole draft for Plan and Create; with errors it renders the review
// with them and returns false. Called with s.mu held.
func (p *pages) ready(w http.ResponseWriter) bool {
	errs := p.s.wiz.validate("", p.s.opts.Catalog)
	if len(errs) == 0 {
		return true
	}
	d := p.stepData(stepReview, errs)
	p.render(w, http.StatusUnprocessableEntity, "step", d)
	return false
}

var planSummary = regexp.MustCompile(`(?m)^(Plan: .*|No changes\..*)$`)

// plan runs terraform plan (bootstrap's dry run) and shows its summary on the review.
func (p *pages) plan(w http.ResponseWriter, r *http.Request) {
	p.s.mu.Lock()
	if p.s.run != nil && p.s.run.running() {
		p.s.mu.Unlock()
		http.Redirect(w, r, "/run", http.StatusSeeOther)
		return
	}
	if !p.ready(w) {
		p.s.mu.Unlock()
		return
	}
	cfg := p.s.wiz.config()
	creds := p.s.wiz.credentials(cfg)
	p.s.mu.Unlock()

	var out bytes.Buffer
	res, err := p.s.opts.Bootstrap(r.Context(), cfg, creds, true, &out)
	pv := &planView{}
	switch {
	case err != nil:
		pv.Error = err.Error()
		pv.Text = out.String()
	case res != nil && res.Plan != nil:
		pv.Text = res.Plan.Text
		if m := planSummary.FindString(pv.Text); m != "" {
			pv.Summary = m
		} else {
			pv.Summary = "Terraform planned no change."
		}
	}
	p.s.mu.Lock()
	p.s.lastPlan = pv
	p.s.mu.Unlock()
	http.Redirect(w, r, "/step/review#plan", http.StatusSeeOther)
}

// create starts the bootstrap (or resumes an interrupted one: the same configuration
// resumes from the work directory's checkpoint) and shows its progress.
func (p *pages) create(w http.ResponseWriter, r *http.Request) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if p.s.run != nil && p.s.run.running() {
		http.Redirect(w, r, "/run", http.StatusSeeOther)
		return
	}
	if p.s.run != nil && p.s.run.err == nil {
		http.Redirect(w, r, "/run", http.StatusSeeOther) // finished: nothing to resume
		return
	}
	if !p.ready(w) {
		return
	}
	cfg := p.s.wiz.config()
	p.s.start(cfg, p.s.wiz.credentials(cfg))
	http.Redirect(w, r, "/run", http.StatusSeeOther)
}

// cancel interrupts the running bootstrap as Ctrl-C does: Terraform gets an interrupt,
// stops gracefully and saves its state; the phase is recorded as interrupted.
func (p *pages) cancel(w http.ResponseWriter, r *http.Request) {
	p.s.mu.Lock()
	rn := p.s.run
	p.s.mu.Unlock()
	if rn != nil && rn.running() {
		rn.mu.Lock()
		rn.cancelling = true
		rn.mu.Unlock()
		rn.cancelFunc()
		rn.notify.Changed()
	}
	http.Redirect(w, r, "/run", http.StatusSeeOther)
}

// forgetCredentials drops the typed-in credentials.
func (w *wizard) forgetCredentials() {
	clear(w.entered)
	w.tokenValue = ""
}
