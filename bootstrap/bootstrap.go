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
	"time"

	"github.com/openova-io/core/terraform"
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
	// Module replaces the embedded module of the provider (a directory honouring the
	// contract in terraform/contract.md); nil uses the embedded one.
	Module fs.FS
	// BinDir is the local provider's binaries directory (see LocalBinDir).
	BinDir string
	// DryRun stops after plan and returns the plan; the checkpoint is left alone.
	DryRun bool
	// Out receives progress and Terraform's output, with credentials redacted (the CLI
	// passes stderr); nil discards.
	Out io.Writer
	// Hooks are the Kubernetes side: install the operator, create the Platform, report.
	Hooks Hooks
	// WaitDelay is how long Terraform may take to stop after an interrupt (ExecOptions).
	WaitDelay time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Hooks are the phases after the clusters exist; the CLI implements them with the
// Kubernetes client. A nil InstallOperator or CreatePlatform skips its phase (recorded as
// skipped); a nil Report prints the default summary to Out.
type Hooks struct {
	// InstallOperator applies the CRDs and the operator and waits until they are ready.
	InstallOperator func(ctx context.Context, cfg *Config, out *Outputs) error
	// CreatePlatform creates the Platform with the resolved component set.
	CreatePlatform func(ctx context.Context, cfg *Config, out *Outputs) error
	// Report prints the service URLs and next steps.
	Report func(ctx context.Context, w io.Writer, cfg *Config, out *Outputs) error
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
	tfVersion TerraformVersion
	cp        *Checkpoint
	outputs   *Outputs
	plan      *PlanResult
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

	type step struct {
		phase Phase
		run   func(context.Context) error
	}
	steps := []step{
		{PhaseValidate, r.validate},
		{PhasePrepare, r.prepare},
		{PhaseInit, r.init},
		{PhasePlan, r.planPhase},
		{PhaseApply, r.apply},
		{PhaseOutputs, r.readOutputs},
		{PhaseInstallOperator, r.hook(r.opts.Hooks.InstallOperator)},
		{PhaseCreatePlatform, r.hook(r.opts.Hooks.CreatePlatform)},
		{PhaseReport, r.report},
	}
	for i, s := range steps {
		if i >= 2 && slices.Index(Phases, s.phase) < slices.Index(Phases, start) {
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

// validate checks credentials and the tools the provider needs, and records the
// configuration in the work directory. The configuration itself was validated already.
func (r *runner) validate(ctx context.Context) error {
	if err := CheckCredentials(r.cfg, r.creds); err != nil {
		return err
	}
	switch r.cfg.Provider {
	case ProviderKind:
		if err := detectDocker(exec.LookPath, runQuiet); err != nil {
			return err
		}
		return ErrKindNotBuiltIn
	case ProviderLocal:
		if err := checkLocalBinaries(r.binDir); err != nil {
			return err
		}
	}
	if r.cfg.Provider.UsesTerraform() {
		if err := r.terraform(ctx); err != nil {
			return err
		}
	}
	data, err := r.cfg.Marshal()
	if err != nil {
		return err
	}
	return writeFileAtomic(ConfigPath(r.cfg.WorkDir), data)
}

// terraform creates the driver and checks the binary's version.
func (r *runner) terraform(ctx context.Context) error {
	if r.tf != nil {
		return nil
	}
	binary := r.opts.TerraformPath
	if r.opts.NewTerraform == nil {
		var err error
		if binary, err = FindTerraform(r.opts.TerraformPath); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(r.moduleDir, 0o700); err != nil {
		return err
	}
	newTF := r.opts.NewTerraform
	if newTF == nil {
		newTF = NewExecTerraform
	}
	tf, err := newTF(r.moduleDir, ExecOptions{Binary: binary, Env: r.creds.Env(), Output: r.out, WaitDelay: r.opts.WaitDelay})
	if err != nil {
		return err
	}
	v, err := tf.Version(ctx)
	if err != nil {
		return err
	}
	if err := CheckVersion(v); err != nil {
		return err
	}
	r.tf, r.tfVersion = tf, v
	r.printf("    using %s", v)
	return nil
}

func (r *runner) prepare(context.Context) error {
	module := r.opts.Module
	if module == nil {
		var err error
		if module, err = terraform.Module(string(r.cfg.Provider)); err != nil {
			return err
		}
	}
	vars, err := moduleVariables(r.cfg, moduleSettings(r.cfg, r.binDir))
	if err != nil {
		return err
	}
	return prepareModule(r.moduleDir, module, r.cfg, vars, r.tfVersion)
}

func (r *runner) init(ctx context.Context) error {
	return r.tf.Init(ctx, backendConfig(r.cfg.State))
}

func (r *runner) planPath() string { return filepath.Join(r.moduleDir, PlanFile) }

func (r *runner) planPhase(ctx context.Context) error {
	plan, err := r.tf.Plan(ctx, r.planPath())
	if err != nil {
		return err
	}
	plan.Text = r.redactor.String(plan.Text)
	r.plan = &plan
	if r.opts.DryRun {
		// A dry run leaves nothing behind that a later apply could pick up.
		_ = os.Remove(r.planPath())
	}
	return nil
}

func (r *runner) apply(ctx context.Context) error {
	if err := r.tf.Apply(ctx, r.planPath()); err != nil {
		return err
	}
	return removeIfExists(r.planPath())
}

func (r *runner) readOutputs(ctx context.Context) error {
	var (
		out *Outputs
		err error
	)
	if r.cfg.Provider == ProviderExisting {
		out, err = adoptExisting(r.cfg)
	} else {
		raw, oerr := r.tf.Output(ctx)
		if oerr != nil {
			return oerr
		}
		out, err = outputsFromTerraform(r.cfg, raw)
	}
	if err != nil {
		return err
	}
	r.outputs = out
	r.cp.Outputs = out
	return nil
}

func (r *runner) hook(fn func(context.Context, *Config, *Outputs) error) func(context.Context) error {
	return func(ctx context.Context) error { return fn(ctx, r.cfg, r.outputs) }
}

func (r *runner) report(ctx context.Context) error {
	if r.opts.Hooks.Report != nil {
		return r.opts.Hooks.Report(ctx, r.out, r.cfg, r.outputs)
	}
	return DefaultReport(r.out, r.cfg, r.outputs)
}

// DefaultReport prints where the clusters are and what to do next.
func DefaultReport(w io.Writer, cfg *Config, out *Outputs) error {
	fmt.Fprintf(w, "Platform %s (%s) on provider %s:\n", cfg.Organization.Name, cfg.Organization.Domain, cfg.Provider)
	if out == nil {
		return nil
	}
	for _, c := range out.Clusters {
		fmt.Fprintf(w, "  region %s (%s): cluster %s, API %s", c.Region, c.Role, c.Name, c.APIEndpoint)
		if c.LoadBalancerAddress != "" {
			fmt.Fprintf(w, ", load balancer %s", c.LoadBalancerAddress)
		}
		fmt.Fprintf(w, "\n    kubeconfig %s (context %s)\n", c.Kubeconfig, c.Context)
	}
	if p := out.Primary(); p != nil {
		fmt.Fprintf(w, "Next:\n  export KUBECONFIG=%s\n  kubectl openova status\n", p.Kubeconfig)
	}
	return nil
}

// Destroy tears down what Run created with terraform destroy (the caller asks for
// confirmation first), then removes the kubeconfigs and the checkpoint. The existing
// provider created nothing, so there is nothing to destroy.
func Destroy(ctx context.Context, opts Options) error {
	r, err := newRunner(opts)
	if err != nil {
		return err
	}
	defer r.out.Flush()
	return r.redactErr(r.destroy(ctx))
}

func (r *runner) destroy(ctx context.Context) error {
	if err := r.cfg.Validate(); err != nil {
		return err
	}
	if !r.cfg.Provider.UsesTerraform() {
		r.printf("==> provider %s created nothing: nothing to destroy", r.cfg.Provider)
		return removeIfExists(CheckpointPath(r.cfg.WorkDir))
	}
	if err := os.MkdirAll(r.cfg.WorkDir, 0o700); err != nil {
		return fmt.Errorf("create work directory: %w", err)
	}
	unlock, err := lockWorkDir(r.cfg.WorkDir)
	if err != nil {
		return err
	}
	defer unlock()

	// A later bootstrap must start over, even if this destroy is interrupted.
	if cp, err := LoadCheckpoint(r.cfg.WorkDir); err == nil && cp != nil {
		cp.Complete, cp.Phases, cp.Outputs = false, nil, nil
		if err := cp.save(r.cfg.WorkDir, r.now()); err != nil {
			return err
		}
	}
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"validate", r.validate},
		{"prepare", r.prepare},
		{"init", r.init},
		{"destroy", func(ctx context.Context) error { return r.tf.Destroy(ctx) }},
	}
	for i, s := range steps {
		r.printf("==> [%d/%d] %s", i+1, len(steps), s.name)
		if err := s.run(ctx); err != nil {
			return &PhaseError{Phase: Phase(s.name), Interrupted: ctx.Err() != nil, Err: r.redactErr(err)}
		}
	}
	removeKubeconfigs(r.cfg)
	_ = removeIfExists(filepath.Join(r.moduleDir, PlanFile))
	if err := removeIfExists(CheckpointPath(r.cfg.WorkDir)); err != nil {
		return err
	}
	r.printf("==> destroyed the clusters of %s; the work directory %s keeps the (empty) state", r.cfg.Organization.Name, r.cfg.WorkDir)
	return nil
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
