package bootstrap

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Destroy tears down what Run created with terraform destroy, or by deleting the kind
// clusters (the caller asks for confirmation first), then removes the kubeconfigs and the
// checkpoint. The existing provider created nothing, so there is nothing to destroy.
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
	if !r.cfg.Provider.UsesTerraform() && r.cfg.Provider != ProviderKind {
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
	steps := []destroyStep{
		{"validate", r.validate},
		{"prepare", r.prepare},
		{"init", r.init},
		{"destroy", func(ctx context.Context) error { return r.tf.Destroy(ctx) }},
	}
	if r.cfg.Provider == ProviderKind {
		// Deleting kind clusters needs the container runtime, not the node image.
		steps = []destroyStep{{"destroy", r.kindDestroy}}
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

// destroyStep is one step of Destroy.
type destroyStep struct {
	name string
	run  func(context.Context) error
}
