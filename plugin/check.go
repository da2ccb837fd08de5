package plugin

import (
	"context"

	"github.com/spf13/cobra"
)

// CheckOptions are the options of kubectl openova check.
type CheckOptions struct {
	*GlobalOptions
	noArgs
	Output string
	// Pre runs the pre-flight of a bootstrap instead: terraform, credentials and the
	// configuration in ConfigFile.
	Pre           bool
	ConfigFile    string
	TerraformPath string
	BinDir        string
}

// NewCmdCheck returns the check command.
func NewCmdCheck(g *GlobalOptions) *cobra.Command {
	o := &CheckOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the cluster is ready for openova: API server, CRDs, operator, Flux",
		Long: `Check, in order, that the cluster is reachable and its Kubernetes version supported;
that the openova CRDs are installed and the same as this plugin's; that the operator's
Deployment is available and runs the plugin's version; that Flux (its CRDs and
controllers) is present; and that the catalog loads.

The command exits with code 1 when a check fails; warnings (such as an operator of
another version) do not fail it.`,
		Example: `  kubectl openova check
  kubectl openova check -o json

  # Before a bootstrap: terraform found and recent enough, credentials set, config valid
  kubectl openova check --pre --config platform.yaml`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	AddOutputFlag(cmd, &o.Output, "")
	cmd.Flags().BoolVar(&o.Pre, "pre", false, "pre-flight of a bootstrap (needs --config): terraform, credentials, configuration; no cluster needed")
	cmd.Flags().StringVarP(&o.ConfigFile, "config", "f", "", "with --pre: the bootstrap configuration file")
	cmd.Flags().StringVar(&o.TerraformPath, "terraform", "", "with --pre: terraform or tofu binary (default: found on PATH)")
	cmd.Flags().StringVar(&o.BinDir, "bin-dir", "", "with --pre and the local provider: directory of kwokctl and the cluster binaries")
	return cmd
}

// Validate checks the flags.
func (o *CheckOptions) Validate() error {
	if o.Pre && o.ConfigFile == "" {
		return Errorf(ExitInvalidInput, "--pre needs --config FILE, the bootstrap configuration to check")
	}
	if !o.Pre && (o.ConfigFile != "" || o.TerraformPath != "" || o.BinDir != "") {
		return Errorf(ExitInvalidInput, "--config, --terraform and --bin-dir go with --pre")
	}
	return ValidateOutput(o.Output, "")
}

// Run runs the checks and prints them.
func (o *CheckOptions) Run(ctx context.Context) error {
	report := o.run(ctx)
	report.Passed = true
	failed := 0
	for _, c := range report.Checks {
		if c.Status == CheckFailed {
			report.Passed = false
			failed++
		}
	}
	var err error
	if o.Output != "" {
		err = PrintData(o.Out, o.Output, report)
	} else {
		err = printChecks(o.Out, palette{on: o.Color(o.Out)}, report)
	}
	if err != nil {
		return err
	}
	if !report.Passed {
		return Errorf(ExitFailure, "%s failed", plural(failed, "check"))
	}
	return nil
}
