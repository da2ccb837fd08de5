package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Options are the inputs of Run and Destroy. Only Config is required.
type Options struct {
	// Config is the validated-or-not configuration (Run calls Default and Validate).
	Config *Config
	// Credentials are passed to Terraform's environment; nil reads them from the
	// process environment (CredentialsFromEnv).
	Credentials *Credentials
	// TerraformPath is --terraform: a path or a name on PATH; empty finds terraform or tofu.
	TerraformPath string
	// NewTerraform creates the driver for a module directory; nil uses NewExecTerraform.
	// Tests inject a fake.
	NewTerraform func(dir string, opts ExecOptions) (Terraform, error)
	// NewKind creates the kind provider's driver, logging to the writer; nil uses
	// NewKindDriver (sigs.k8s.io/kind). Tests inject a fake.
	NewKind func(out io.Writer) (KindDriver, error)
	// Module replaces the embedded module of the provider (a directory honouring the
	// contract in terraform/contract.md); nil uses the embedded one.
	Module fs.FS
	// BinDir is the local provider's binaries directory (see LocalBinDir).
	BinDir string
	// DryRun stops after plan and returns the plan; the checkpoint is left alone.
	DryRun bool
	// RemoveRegions confirms that regions an earlier run created and the configuration no
	// longer has are removed (RemovedRegions): detached from the Platform, then their
	// clusters destroyed by Terraform. Without it such a run fails with
	// ErrRegionRemovalNotConfirmed.
	RemoveRegions bool
	// Out receives progress and Terraform's output, with credentials redacted (the CLI
	// passes stderr); nil discards.
	Out io.Writer
	// Kubernetes runs the phases after the clusters exist: Flux and the operator in the
	// primary region, a standby's credential and the Platform in the primary, the report with the service URLs. Without
	// it (and without Hooks) those phases are skipped and the report is DefaultReport.
	Kubernetes *Kubernetes
	// Hooks replace the Kubernetes phases one by one (tests use them).
	Hooks Hooks
	// WaitDelay is how long Terraform may take to stop after an interrupt (ExecOptions).
	WaitDelay time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Hooks are the phases after the clusters exist. A nil hook is the phase of
// Options.Kubernetes; without that, a nil InstallOperator or CreatePlatform skips its
// phase (recorded as skipped) and a nil Report prints DefaultReport to Out.
type Hooks struct {
	// InstallOperator applies the CRDs and the operator and waits until they are ready.
	InstallOperator func(ctx context.Context, cfg *Config, out *Outputs) error
	// CreatePlatform creates the Platform with the resolved component set.
	CreatePlatform func(ctx context.Context, cfg *Config, out *Outputs) error
	// Report prints the service URLs and next steps.
	Report func(ctx context.Context, w io.Writer, cfg *Config, out *Outputs) error
	// DetachRegions removes regions from the Platform before Terraform destroys their
	// clusters; previous are the outputs of the run that created them.
	DetachRegions func(ctx context.Context, cfg *Config, previous *Outputs, removed []string) error
}

// Result is what a bootstrap did.
type Result struct {
	// WorkDir is the work directory used.
	WorkDir string
	// Outputs describe the clusters; nil after a dry run.
	Outputs *Outputs
	// Plan is the plan of a dry run.
	Plan *PlanResult
	// AlreadyComplete is true when an earlier run had finished: nothing was done but report.
	AlreadyComplete bool
	// ResumedAt is the phase a resumed run started from; empty for a fresh run.
	ResumedAt Phase
	// Phases are the phase records after this run.
	Phases []PhaseRecord
}

// PhaseError is a phase that failed or was interrupted; running again resumes there.
type PhaseError struct {
	Phase       Phase
	Interrupted bool
	Err         error
}

func (e *PhaseError) Error() string {
	verb := "failed"
	if e.Interrupted {
		verb = "interrupted"
	}
	return fmt.Sprintf("bootstrap %s in phase %s: %v", verb, e.Phase, e.Err)
}

func (e *PhaseError) Unwrap() error { return e.Err }

type runner struct {
	opts      Options
	cfg       *Config
	creds     *Credentials
	redactor  *Redactor
	out       *RedactingWriter
	now       func() time.Time
	binDir    string
	moduleDir string
	tf        Terraform
	kind      KindDriver
	tfVersion TerraformVersion
	cp        *Checkpoint
	outputs   *Outputs
	plan      *PlanResult
	// previous are the outputs of the last run; removed the regions it created that the
	// configuration no longer has.
	previous *Outputs
	removed  []string
}

func newRunner(opts Options) (*runner, error) {
	if opts.Config == nil {
		return nil, errors.New("bootstrap: no configuration")
	}
	cfg := *opts.Config
	cfg.Default()
	creds := opts.Credentials
	if creds == nil {
		creds = CredentialsFromEnv(&cfg, nil)
	}
	w := opts.Out
	if w == nil {
		w = io.Discard
	}
	redactor := NewRedactor(creds.SecretValues()...)
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	r := &runner{
		opts:      opts,
		cfg:       &cfg,
		creds:     creds,
		redactor:  redactor,
		out:       redactor.Writer(w),
		now:       now,
		moduleDir: filepath.Join(cfg.WorkDir, ModuleDir),
	}
	if cfg.Provider == ProviderLocal {
		r.binDir = LocalBinDir(&cfg, opts.BinDir)
	}
	if opts.Kubernetes != nil {
		k := opts.Kubernetes.hooks(r.out)
		h := &r.opts.Hooks
		if h.InstallOperator == nil {
			h.InstallOperator = k.InstallOperator
		}
		if h.CreatePlatform == nil {
			h.CreatePlatform = k.CreatePlatform
		}
		if h.Report == nil {
			h.Report = k.Report
		}
		if h.DetachRegions == nil {
			h.DetachRegions = k.DetachRegions
		}
	}
	return r, nil
}

func (r *runner) printf(format string, args ...any) {
	fmt.Fprintf(r.out, format+"\n", args...)
}

// redactErr keeps credentials out of an error that is printed or recorded.
func (r *runner) redactErr(err error) error {
	if err == nil {
		return nil
	}
	if msg := r.redactor.String(err.Error()); msg != err.Error() {
		return redactedError{msg: msg, err: err}
	}
	return err
}

// redactedError shows the redacted message but keeps the chain for errors.Is/As.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// Run bootstraps a platform: validate → prepare → init → plan → apply → outputs →
// install-operator → create-platform → report, checkpointing each phase in the work
// directory. After a failure or an interrupt (cancel ctx, see NotifyContext) running
// again resumes at the phase that did not finish; after success it only reports. A
// changed configuration runs every phase again (Terraform applies only the difference).
func Run(ctx context.Context, opts Options) (*Result, error) {
	r, err := newRunner(opts)
	if err != nil {
		return nil, err
	}
	defer r.out.Flush()
	res, err := r.run(ctx)
	return res, r.redactErr(err)
}

func (r *runner) run(ctx context.Context) (*Result, error) {
	if err := r.cfg.Validate(); err != nil {
		return nil, &PhaseError{Phase: PhaseValidate, Err: err}
	}
	if err := os.MkdirAll(r.cfg.WorkDir, 0o700); err != nil {
		return nil, fmt.Errorf("create work directory: %w", err)
	}
	unlock, err := lockWorkDir(r.cfg.WorkDir)
	if err != nil {
		return nil, err
	}
	defer unlock()

	digest := configDigest(r.cfg)
	previous, err := LoadCheckpoint(r.cfg.WorkDir)
	if err != nil {
		return nil, err
	}
	fresh := &Checkpoint{Version: checkpointVersion, Organization: r.cfg.Organization.Name, Provider: r.cfg.Provider, ConfigDigest: digest}
	r.cp = fresh
	if previous != nil {
		if previous.ConfigDigest == digest {
			r.cp = previous
		} else {
			r.printf("==> the configuration changed since the last run in %s: running every phase again (Terraform applies only the difference)", r.cfg.WorkDir)
		}
	}
	res := &Result{WorkDir: r.cfg.WorkDir}
	if previous != nil {
		r.previous = previous.Outputs
		r.removed = removedRegions(r.cfg, previous.Outputs)
	}
	if len(r.removed) > 0 && !r.opts.RemoveRegions && !r.opts.DryRun {
		return nil, &PhaseError{Phase: PhaseValidate, Err: fmt.Errorf("%w (%s): that destroys its cluster; confirm it (kubectl openova bootstrap --yes)",
			ErrRegionRemovalNotConfirmed, strings.Join(r.removed, ", "))}
	}

	if r.cp.Complete && !r.opts.DryRun {
		r.printf("==> platform %s was bootstrapped already (%s); nothing to do", r.cfg.Organization.Name, r.cp.UpdatedAt.Format(time.RFC3339))
		r.outputs = r.cp.Outputs
		if err := r.report(ctx); err != nil {
			return nil, err
		}
		res.AlreadyComplete, res.Outputs, res.Phases = true, r.outputs, r.cp.Phases
		return res, nil
	}

	start := PhaseInit
	if previous == r.cp && len(r.cp.Phases) > 0 && !r.opts.DryRun {
		start = r.cp.resumePhase()
		if start != PhaseInit || r.cp.record(PhaseInit) != nil {
			res.ResumedAt = start
			r.printf("==> resuming the bootstrap of %s at phase %s", r.cfg.Organization.Name, start)
		}
		if slices.Index(Phases, start) > slices.Index(Phases, PhaseOutputs) {
			r.outputs = r.cp.Outputs
			if r.outputs == nil {
				start = PhaseOutputs
			}
		}
	}
	if !r.opts.DryRun {
		r.cp.Complete = false
	}

	run := map[Phase]func(context.Context) error{
		PhaseValidate:        r.validate,
		PhasePrepare:         r.prepare,
		PhaseInit:            r.init,
		PhasePlan:            r.planPhase,
		PhaseApply:           r.apply,
		PhaseOutputs:         r.readOutputs,
		PhaseInstallOperator: r.hook(r.opts.Hooks.InstallOperator),
		PhaseCreatePlatform:  r.hook(r.opts.Hooks.CreatePlatform),
		PhaseReport:          r.report,
	}
	type step struct {
		phaseSpec
		run func(context.Context) error
	}
	steps := make([]step, 0, len(phaseList))
	for _, p := range phaseList {
		steps = append(steps, step{p, run[p.phase]})
	}
	for i, s := range steps {
		if !s.alwaysRun && slices.Index(Phases, s.phase) < slices.Index(Phases, start) {
			r.printf("==> [%d/%d] %s: done in an earlier run", i+1, len(steps), s.phase)
			continue
		}
		if r.opts.DryRun && s.phase == PhaseApply {
			break
		}
		if skip := r.skipReason(s.phase); skip != "" {
			r.printf("==> [%d/%d] %s: skipped (%s)", i+1, len(steps), s.phase, skip)
			if err := r.record(PhaseRecord{Name: s.phase, State: PhaseSkipped, StartedAt: r.now(), FinishedAt: r.now(), Note: skip}); err != nil {
				return nil, err
			}
			if r.opts.DryRun && s.phase == PhasePlan {
				break
			}
			continue
		}
		r.printf("==> [%d/%d] %s", i+1, len(steps), s.phase)
		started := r.now()
		err := s.run(ctx)
		rec := PhaseRecord{Name: s.phase, State: PhaseDone, StartedAt: started, FinishedAt: r.now()}
		if err != nil {
			err = r.redactErr(err)
			rec.State, rec.Error = PhaseFailed, err.Error()
			interrupted := ctx.Err() != nil
			if interrupted {
				rec.State = PhaseInterrupted
			}
			if rerr := r.record(rec); rerr != nil {
				return nil, errors.Join(err, rerr)
			}
			return nil, &PhaseError{Phase: s.phase, Interrupted: interrupted, Err: err}
		}
		if err := r.record(rec); err != nil {
			return nil, err
		}
	}

	res.Phases = r.cp.Phases
	if r.opts.DryRun {
		if r.plan == nil {
			r.plan = &PlanResult{Text: fmt.Sprintf("provider %s runs no Terraform: nothing to create\n", r.cfg.Provider)}
		}
		res.Plan = r.plan
		return res, nil
	}
	r.cp.Complete = true
	if err := r.cp.save(r.cfg.WorkDir, r.now()); err != nil {
		return nil, fmt.Errorf("save checkpoint: %w", err)
	}
	res.Outputs = r.outputs
	return res, nil
}

// record stores a phase's outcome in the checkpoint (not in a dry run).
func (r *runner) record(rec PhaseRecord) error {
	if r.opts.DryRun {
		return nil
	}
	r.cp.set(rec)
	if err := r.cp.save(r.cfg.WorkDir, r.now()); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return nil
}

// skipReason says why a phase does not apply, or "".
func (r *runner) skipReason(p Phase) string {
	switch p {
	case PhasePrepare, PhaseInit, PhasePlan, PhaseApply:
		if r.cfg.Provider == ProviderKind && (p == PhasePlan || p == PhaseApply) {
			return "" // kind plans and creates its clusters itself
		}
		if !r.cfg.Provider.UsesTerraform() {
			return fmt.Sprintf("provider %s runs no Terraform", r.cfg.Provider)
		}
	case PhaseOutputs:
		if r.opts.DryRun {
			return "dry run"
		}
	case PhaseInstallOperator:
		if r.opts.Hooks.InstallOperator == nil {
			return "no operator installer given"
		}
	case PhaseCreatePlatform:
		if r.opts.Hooks.CreatePlatform == nil {
			return "no platform creator given"
		}
	}
	return ""
}

func (r *runner) hook(fn func(context.Context, *Config, *Outputs) error) func(context.Context) error {
	return func(ctx context.Context) error { return fn(ctx, r.cfg, r.outputs) }
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func runQuiet(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, name, args...).Run()
}
