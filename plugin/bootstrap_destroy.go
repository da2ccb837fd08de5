package plugin

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/openova-io/core/bootstrap"
)

// BootstrapDestroyOptions are the options of kubectl openova bootstrap destroy.
type BootstrapDestroyOptions struct {
	BootstrapOptions
}

func newCmdBootstrapDestroy(g *GlobalOptions) *cobra.Command {
	o := &BootstrapDestroyOptions{BootstrapOptions{GlobalOptions: g, WaitTimeout: time.Minute}}
	cmd := &cobra.Command{
		Use:   "destroy [--config FILE] [flags]",
		Short: "Tear a bootstrapped platform down with terraform destroy (kind: delete its clusters)",
		Long: `Tear down what bootstrap created (terraform destroy of the provider module; for kind,
the kind clusters are deleted), after
confirmation, then remove the kubeconfigs and the checkpoint from the work directory.
Without --config, the configuration the last bootstrap saved in the work directory
(--work-dir, or ~/.openova/ORGANIZATION with --organization) is used.`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	o.addFlags(cmd)
	return cmd
}

// Run confirms and destroys.
func (o *BootstrapDestroyOptions) Run(ctx context.Context) error {
	path := o.ConfigFile
	if path == "" {
		dir := o.Flags.WorkDir
		if dir == "" && o.Flags.Organization != "" {
			dir = bootstrap.DefaultWorkDir(o.Flags.Organization)
		}
		if dir != "" {
			if _, err := os.Stat(bootstrap.ConfigPath(dir)); err == nil {
				path = bootstrap.ConfigPath(dir)
			}
		}
	}
	cfg, err := bootstrap.ResolveConfig(path, &o.Flags)
	if err != nil {
		return WithCode(ExitInvalidInput, err)
	}
	if !o.Yes {
		if !IsTerminal(o.In) {
			return errNoTTY("bootstrap destroy deletes infrastructure and")
		}
		ok, err := Confirm(ctx, o.In, o.ErrOut, fmt.Sprintf("Destroy platform %s on %s, with every cluster and its data?", cfg.Organization.Name, cfg.Provider))
		if err != nil {
			return err
		}
		if !ok {
			return Errorf(ExitFailure, "destroy cancelled")
		}
	}
	ctx, stop := bootstrap.NotifyContext(ctx, o.ErrOut)
	defer stop()
	out, done, err := progressOutput(o.GlobalOptions, cfg.WorkDir)
	if err != nil {
		return err
	}
	err = bootstrap.Destroy(ctx, bootstrap.Options{Config: cfg, TerraformPath: o.TerraformPath, BinDir: o.BinDir, Out: out})
	done(err)
	return bootstrapError(err)
}
