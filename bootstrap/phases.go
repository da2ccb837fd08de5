package bootstrap

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/openova-io/core/terraform"
)

// validate checks credentials and the tools the provider needs, and records the
// configuration in the work directory. The configuration itself was validated already.
func (r *runner) validate(ctx context.Context) error {
	if err := CheckCredentials(r.cfg, r.creds); err != nil {
		return err
	}
	switch r.cfg.Provider {
	case ProviderKind:
		if err := r.kindValidate(ctx); err != nil {
			return err
		}
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
	if len(r.removed) > 0 && !r.opts.DryRun && r.opts.Hooks.DetachRegions != nil {
		r.printf("==> removing region %s: detaching it from the Platform before Terraform destroys its cluster", strings.Join(r.removed, ", "))
		if err := r.opts.Hooks.DetachRegions(ctx, r.cfg, r.previous, r.removed); err != nil {
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
	if r.cfg.Provider == ProviderKind {
		return r.kindPlan(ctx)
	}
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
	if r.cfg.Provider == ProviderKind {
		return r.kindApply(ctx)
	}
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
	switch r.cfg.Provider {
	case ProviderExisting:
		out, err = adoptExisting(r.cfg)
	case ProviderKind:
		out, err = r.kindOutputs(ctx)
	default:
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
