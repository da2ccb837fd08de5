package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/openova-io/core/bootstrap"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/internal/version"
)

// BootstrapOptions are the options of kubectl openova bootstrap.
type BootstrapOptions struct {
	*GlobalOptions
	noArgs
	ConfigFile    string
	Flags         bootstrap.Flags
	DryRun        bool
	Yes           bool
	TerraformPath string
	BinDir        string
	WaitTimeout   time.Duration
	// SkipWait applies the operator and Flux without waiting for their Deployments (for
	// clusters whose pods cannot start, such as a kwok cluster without its fake kubelet).
	SkipWait bool

	cfg   *bootstrap.Config
	creds *bootstrap.Credentials
	cat   *catalog.Catalog
	set   []catalog.Installed
	// confirmed: the wizard ran and its summary was confirmed.
	confirmed bool
	// web are the --web flags (bootstrap_web.go).
	web webOptions
}

// NewCmdBootstrap returns the bootstrap command and its destroy subcommand.
func NewCmdBootstrap(g *GlobalOptions) *cobra.Command {
	o := &BootstrapOptions{GlobalOptions: g, WaitTimeout: 5 * time.Minute}
	cmd := &cobra.Command{
		Use:   "bootstrap [--config FILE] [flags]",
		Short: "Create an OpenOva platform: clusters through Terraform (or kind), then the operator and the Platform",
		Long: `Create an OpenOva platform (day 0).

On a terminal without --config, a wizard asks for the organization, domain, provider,
credentials, regions and components. With --config FILE (see docs/bootstrap.md) and flags
it runs without questions, for CI. Phases are checkpointed in the work directory
(~/.openova/ORGANIZATION): running again after a failure or Ctrl-C resumes where it
stopped; running again after success only reports. Credentials are read from the
environment (HCLOUD_TOKEN, HW_ACCESS_KEY/HW_SECRET_KEY, OCI_TENANCY_OCID and the other OCI variables) and passed to Terraform
only through its environment.`,
		Example: `  # CI: a local kwok cluster, no questions
  kubectl openova bootstrap --config platform.yaml --yes

  # The wizard in the browser, on this machine
  kubectl openova bootstrap --web

  # See what Terraform would do
  kubectl openova bootstrap --config platform.yaml --dry-run

  # Tear it down again
  kubectl openova bootstrap destroy --config platform.yaml`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	o.addFlags(cmd)
	o.addWebFlags(cmd)
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "stop after the plan (terraform plan; for kind, the clusters it would create) and print it; change nothing")
	cmd.AddCommand(newCmdBootstrapDestroy(g))
	return cmd
}

func (o *BootstrapOptions) addFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVarP(&o.ConfigFile, "config", "f", "", "bootstrap configuration file (YAML, docs/bootstrap.md)")
	fs.StringVar(&o.Flags.Organization, "organization", "", "organization name (a DNS label)")
	fs.StringVar(&o.Flags.Domain, "domain", "", "DNS domain of the platform's services")
	fs.StringVar(&o.Flags.Provider, "provider", "", "hetzner, huawei, oci, local, existing or kind")
	fs.StringArrayVar(&o.Flags.ProviderSettings, "provider-setting", nil, "provider setting key=value (repeatable)")
	fs.StringArrayVar(&o.Flags.Regions, "region", nil, "region name[:primary|standby] (repeatable, at most 2; replaces the file's regions)")
	fs.StringVar(&o.Flags.NodeSize, "node-size", "", "machine type of the worker nodes")
	fs.IntVar(&o.Flags.NodeCount, "node-count", 0, "worker nodes per region")
	fs.StringVar(&o.Flags.SSHKey, "ssh-key", "", "SSH public key, or the path of a .pub file")
	fs.StringVar(&o.Flags.KubernetesVersion, "kubernetes-version", "", "Kubernetes version of the clusters")
	fs.StringArrayVar(&o.Flags.Install, "install", nil, "component to install, name[:member,member] (repeatable)")
	fs.StringVar(&o.Flags.StateBucket, "state-bucket", "", "S3 bucket for Terraform's state (default: local state in the work directory)")
	fs.StringVar(&o.Flags.StateKey, "state-key", "", "S3 object key of the state")
	fs.StringVar(&o.Flags.StateRegion, "state-region", "", "S3 region of the state bucket")
	fs.StringVar(&o.Flags.StateEndpoint, "state-endpoint", "", "S3 endpoint (S3-compatible stores)")
	fs.StringVar(&o.Flags.WorkDir, "work-dir", "", "work directory (default ~/.openova/<organization>)")
	fs.StringVar(&o.TerraformPath, "terraform", "", "terraform or tofu binary (default: found on PATH)")
	fs.StringVar(&o.BinDir, "bin-dir", "", "local provider: directory of kwokctl and the cluster binaries (default: next to this binary, or $OPENOVA_BIN_DIR)")
	fs.BoolVarP(&o.Yes, "yes", "y", false, "do not ask for confirmation")
	fs.DurationVar(&o.WaitTimeout, "wait-timeout", o.WaitTimeout, "how long to wait for Flux and the operator to become available")
	fs.BoolVar(&o.SkipWait, "skip-wait", false, "apply Flux and the operator without waiting for their Deployments")
}

// Validate checks the flags.
func (o *BootstrapOptions) Validate() error {
	if o.WaitTimeout <= 0 {
		return Errorf(ExitInvalidInput, "--wait-timeout must be positive, not %s", o.WaitTimeout)
	}
	return o.validateWeb()
}

// configure reads the configuration (file, flags, or the wizard on a terminal), the
// credentials and the catalog, and resolves the component set, so a bad request fails
// before Terraform creates anything.
func (o *BootstrapOptions) configure(ctx context.Context) error {
	cat, err := o.LoadCatalog(ctx)
	if err != nil {
		return err
	}
	o.cat = cat
	if o.Flags.Kubeconfig == "" && o.ConfigFlags.KubeConfig != nil {
		o.Flags.Kubeconfig = *o.ConfigFlags.KubeConfig
	}
	// The flags, applied over the file and defaulted: on a terminal without --config, the
	// wizard starts from them and asks only for what they leave open.
	draft, err := bootstrap.DraftConfig(o.ConfigFile, &o.Flags)
	if err != nil {
		return WithCode(ExitInvalidInput, err)
	}
	if o.ConfigFile == "" && draft.Validate() != nil && IsTerminal(o.In) && IsTerminal(o.ErrOut) {
		cfg, creds, err := bootstrap.RunWizard(ctx, bootstrap.WizardOptions{In: o.In, Out: o.ErrOut, Components: wizardComponents(cat), Defaults: draft})
		if err != nil {
			return err
		}
		o.cfg, o.creds = cfg, creds
		// The wizard's summary asked "Bootstrap this platform?": no second question.
		o.confirmed = true
	} else {
		if err := draft.Validate(); err != nil {
			return WithCode(ExitInvalidInput, err)
		}
		o.cfg = draft
	}
	o.set, err = bootstrap.ComponentSet(o.cat, o.cfg)
	return err
}

func wizardComponents(cat *catalog.Catalog) []bootstrap.ComponentOption {
	var out []bootstrap.ComponentOption
	for _, c := range cat.Components() {
		opt := bootstrap.ComponentOption{Name: c.Name, Category: bootstrap.ComponentCategory(c.Category), Description: c.Description}
		if v := c.Newest(false); v != nil {
			for _, m := range v.Optional {
				member := bootstrap.ComponentMember{Name: m.Name, Description: m.Description}
				if mc, ok := cat.Component(m.Name); ok {
					member.DisplayName = mc.DisplayName
				}
				opt.Members = append(opt.Members, member)
			}
		}
		out = append(out, opt)
	}
	return out
}

// Run reads the configuration, confirms (also the removal of a region), then runs
// bootstrap.Run: Terraform, then Flux and the operator in the primary region, a standby's
// credential, the Platform and the report.
func (o *BootstrapOptions) Run(ctx context.Context) error {
	if o.web.Web {
		return o.runWeb(ctx)
	}
	if err := o.configure(ctx); err != nil {
		return err
	}
	removeRegions, err := o.confirmRegionRemoval(ctx)
	if err != nil {
		return err
	}
	if !o.DryRun && !o.Yes && !o.confirmed {
		if !IsTerminal(o.In) {
			return errNoTTY("bootstrap creates infrastructure and")
		}
		fmt.Fprintf(o.ErrOut, "Bootstrap platform %s (%s) on %s with %d components.\n", o.cfg.Organization.Name, o.cfg.Organization.Domain, o.cfg.Provider, len(o.set))
		ok, err := Confirm(ctx, o.In, o.ErrOut, "Create it now?")
		if err != nil {
			return err
		}
		if !ok {
			return Errorf(ExitFailure, "bootstrap cancelled")
		}
	}
	ctx, stop := bootstrap.NotifyContext(ctx, o.ErrOut)
	defer stop()
	out, done, err := progressOutput(o.GlobalOptions, o.cfg.WorkDir)
	if err != nil {
		return err
	}
	res, err := bootstrap.Run(ctx, bootstrap.Options{
		Config:        o.cfg,
		Credentials:   o.creds,
		TerraformPath: o.TerraformPath,
		BinDir:        o.BinDir,
		DryRun:        o.DryRun,
		RemoveRegions: removeRegions,
		Out:           out,
		Kubernetes: &bootstrap.Kubernetes{
			Catalog: o.cat, CatalogSource: o.Catalog, Components: o.set,
			OperatorVersion: version.Version, WaitTimeout: o.WaitTimeout, SkipWait: o.SkipWait,
		},
	})
	done(err)
	if err != nil {
		return bootstrapError(err)
	}
	if o.DryRun && res.Plan != nil {
		fmt.Fprintln(o.Out, res.Plan.Text)
	}
	return nil
}

// progressOutput is where a bootstrap or destroy writes its progress. Without a terminal it
// is stderr, Terraform's output included. On a terminal, Terraform's output folds into one
// status line under the phase headers and goes in full to <workDir>/bootstrap.log, which
// done names when the run failed.
func progressOutput(g *GlobalOptions, workDir string) (out io.Writer, done func(error), err error) {
	if !IsTerminal(g.ErrOut) || workDir == "" {
		return g.ErrOut, func(error) {}, nil
	}
	if err := os.MkdirAll(workDir, 0o700); err != nil {
		return nil, nil, err
	}
	path := filepath.Join(workDir, "bootstrap.log")
	log, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	spin := newSpinner(g.ErrOut, true)
	p := newTerraformProgress(spin, log)
	return p, func(err error) {
		_ = p.Close()
		spin.stop()
		_ = log.Close()
		if err != nil {
			fmt.Fprintf(g.ErrOut, "Terraform's full output: %s\n", path)
		}
	}, nil
}

// bootstrapError gives bootstrap's errors their exit codes: what the validate phase finds
// (configuration, credentials, binaries, terraform) is invalid input.
func bootstrapError(err error) error {
	var phase *bootstrap.PhaseError
	switch {
	case errors.Is(err, bootstrap.ErrTerraformNotFound), errors.As(err, new(*bootstrap.ValidationError)):
		return WithCode(ExitInvalidInput, err)
	case errors.As(err, &phase) && phase.Phase == bootstrap.PhaseValidate:
		return WithCode(ExitInvalidInput, err)
	}
	return err
}
