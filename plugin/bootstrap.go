package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/bootstrap"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/internal/version"
)

// BootstrapOptions are the options of kubectl openova bootstrap.
type BootstrapOptions struct {
	*GlobalOptions
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
	// progress is where the phases report: stderr, or on a terminal the folding writer
	// of progressOutput.
	progress io.Writer
	cat      *catalog.Catalog
	set      []catalog.Installed
}

// NewCmdBootstrap returns the bootstrap command and its destroy subcommand.
func NewCmdBootstrap(g *GlobalOptions) *cobra.Command {
	o := &BootstrapOptions{GlobalOptions: g, WaitTimeout: 5 * time.Minute}
	cmd := &cobra.Command{
		Use:   "bootstrap [--config FILE] [flags]",
		Short: "Create an OpenOva platform: clusters through Terraform, then the operator and the Platform",
		Long: `Create an OpenOva platform (day 0).

On a terminal without --config, a wizard asks for the organization, domain, provider,
credentials, regions and components. With --config FILE (see docs/bootstrap.md) and flags
it runs without questions, for CI. Phases are checkpointed in the work directory
(~/.openova/<organization>): running again after a failure or Ctrl-C resumes where it
stopped; running again after success only reports. Credentials are read from the
environment (HCLOUD_TOKEN, HW_ACCESS_KEY/HW_SECRET_KEY, OCI_*) and passed to Terraform
only through its environment.`,
		Example: `  # CI: a local kwok cluster, no questions
  kubectl openova bootstrap --config platform.yaml --yes

  # See what Terraform would do
  kubectl openova bootstrap --config platform.yaml --dry-run

  # Tear it down again
  kubectl openova bootstrap destroy --config platform.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Complete(cmd.Context()); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "stop after terraform plan and print the plan; change nothing")
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

// Complete reads the configuration (file, flags, or the wizard on a terminal), the
// credentials and the catalog, and resolves the component set, so a bad request fails
// before Terraform creates anything.
func (o *BootstrapOptions) Complete(ctx context.Context) error {
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
	} else {
		if err := draft.Validate(); err != nil {
			return WithCode(ExitInvalidInput, err)
		}
		o.cfg = draft
	}
	o.set, err = resolveBootstrapSet(o.cat, o.cfg)
	return err
}

// resolveBootstrapSet resolves the platform's first component set: every mandatory
// component plus what the configuration asks for, with their dependencies.
func resolveBootstrapSet(cat *catalog.Catalog, cfg *bootstrap.Config) ([]catalog.Installed, error) {
	req := catalog.Request{Kind: catalog.Install}
	for _, m := range cat.Mandatory() {
		req.Names = append(req.Names, m.Name)
	}
	for _, c := range cfg.Components.Install {
		req.Names = append(req.Names, c.Name)
		req.With = append(req.With, c.With...)
	}
	plan, err := catalog.Resolve(cat, nil, req)
	if err != nil {
		return nil, fmt.Errorf("components: %w", err)
	}
	return plan.Apply(nil), nil
}

func wizardComponents(cat *catalog.Catalog) []bootstrap.ComponentOption {
	var out []bootstrap.ComponentOption
	for _, c := range cat.Components() {
		opt := bootstrap.ComponentOption{Name: c.Name, Category: bootstrap.ComponentCategory(c.Category), Description: c.Description}
		if v := c.Newest(false); v != nil {
			for _, m := range v.Optional {
				opt.Members = append(opt.Members, m.Name)
			}
		}
		out = append(out, opt)
	}
	return out
}

// Run confirms, then runs the phases; the Kubernetes side (Flux, the operator, the
// Platform, the report) is done by the hooks.
func (o *BootstrapOptions) Run(ctx context.Context) error {
	if !o.DryRun && !o.Yes {
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
	o.progress = out
	res, err := bootstrap.Run(ctx, bootstrap.Options{
		Config:        o.cfg,
		Credentials:   o.creds,
		TerraformPath: o.TerraformPath,
		BinDir:        o.BinDir,
		DryRun:        o.DryRun,
		Out:           out,
		Hooks: bootstrap.Hooks{
			InstallOperator: o.installOperator,
			CreatePlatform:  o.createPlatform,
			Report:          o.report,
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

// clusterClient returns a client of one region's cluster from the bootstrap outputs.
func clusterClient(c bootstrap.ClusterOutput) (client.Client, error) {
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: c.Kubeconfig}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: c.Context}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of region %s: %w", c.Region, err)
	}
	cfg.UserAgent = "kubectl-openova"
	return client.New(cfg, client.Options{Scheme: Scheme()})
}

// installOperator installs Flux and the operator (the version this plugin was built as) in
// every region's cluster.
func (o *BootstrapOptions) installOperator(ctx context.Context, _ *bootstrap.Config, out *bootstrap.Outputs) error {
	for _, cl := range out.Clusters {
		c, err := clusterClient(cl)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.progress, "==> region %s: installing Flux and the openova operator %s\n", cl.Region, install.ImageTag(version.Version))
		if err := install.Flux(ctx, c, o.WaitTimeout, o.SkipWait); err != nil {
			return fmt.Errorf("region %s: install Flux: %w", cl.Region, err)
		}
		if err := install.Operator(ctx, c, version.Version, o.WaitTimeout, o.SkipWait); err != nil {
			return fmt.Errorf("region %s: install the operator: %w", cl.Region, err)
		}
	}
	return nil
}

// createPlatform creates the Platform in the primary region: the organization, the regions
// and the resolved component set. A Platform that exists already (a bootstrap run again
// with a changed configuration) is left as it is: its components are changed with
// kubectl openova install/uninstall, never reset by a re-run.
func (o *BootstrapOptions) createPlatform(ctx context.Context, cfg *bootstrap.Config, out *bootstrap.Outputs) error {
	primary := out.Primary()
	if primary == nil {
		return errors.New("no primary region in the outputs")
	}
	c, err := clusterClient(*primary)
	if err != nil {
		return err
	}
	p := bootstrapPlatform(cfg, out, o.set, o.Catalog)
	err = c.Get(ctx, client.ObjectKeyFromObject(p), &openovav1alpha1.Platform{})
	switch {
	case err == nil:
		fmt.Fprintf(o.progress, "==> Platform %s/%s exists already: its components are left as they are (change them with kubectl openova install/uninstall)\n", p.Namespace, p.Name)
		return nil
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("read Platform %s/%s: %w", p.Namespace, p.Name, err)
	}
	// Applied as kubectl-openova, the field manager the day-2 commands apply with, so they
	// own (and may later remove) the entries bootstrap wrote.
	u, err := kube.ToUnstructured(p)
	if err != nil {
		return err
	}
	unstructured.RemoveNestedField(u.Object, "status")
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(install.FieldManager), client.ForceOwnership); err != nil {
		return fmt.Errorf("create Platform %s/%s: %w", p.Namespace, p.Name, err)
	}
	fmt.Fprintf(o.progress, "==> created Platform %s/%s with %d components\n", p.Namespace, p.Name, len(p.Spec.Components))
	return nil
}

// bootstrapPlatform is the Platform a bootstrap creates.
func bootstrapPlatform(cfg *bootstrap.Config, out *bootstrap.Outputs, set []catalog.Installed, catalogSource string) *openovav1alpha1.Platform {
	p := &openovav1alpha1.Platform{
		TypeMeta:   metav1.TypeMeta{APIVersion: openovav1alpha1.GroupVersion.String(), Kind: "Platform"},
		ObjectMeta: metav1.ObjectMeta{Name: cfg.Organization.Name, Namespace: openovav1alpha1.DefaultNamespace},
		Spec: openovav1alpha1.PlatformSpec{
			Organization: openovav1alpha1.Organization{Name: cfg.Organization.Name, Domain: cfg.Organization.Domain},
		},
	}
	for _, r := range cfg.Regions {
		region := openovav1alpha1.Region{Name: r.Name, Role: openovav1alpha1.RegionRole(r.Role)}
		for _, c := range out.Clusters {
			if c.Region == r.Name {
				region.Context = c.Context
			}
		}
		p.Spec.Regions = append(p.Spec.Regions, region)
	}
	for _, s := range set {
		p.Spec.Components = append(p.Spec.Components, openovav1alpha1.PlatformComponent{Name: s.Name, Version: s.Version, Reason: s.Reason})
	}
	if strings.HasPrefix(catalogSource, "http://") || strings.HasPrefix(catalogSource, "https://") {
		p.Spec.Catalog = &openovav1alpha1.CatalogSource{URL: catalogSource}
	}
	return p
}

// report prints where the clusters are, the platform's service URLs and next steps.
func (o *BootstrapOptions) report(_ context.Context, w io.Writer, cfg *bootstrap.Config, out *bootstrap.Outputs) error {
	if err := bootstrap.DefaultReport(w, cfg, out); err != nil {
		return err
	}
	var links []string
	for _, s := range o.set {
		comp, ok := o.cat.Component(s.Name)
		if !ok {
			continue
		}
		eps, err := comp.RenderEndpoints(cfg.Organization.Domain)
		if err != nil {
			continue
		}
		for _, e := range eps {
			links = append(links, fmt.Sprintf("  %-20s %s", comp.DisplayName, e))
		}
	}
	if len(links) > 0 {
		fmt.Fprintf(w, "Service URLs (once the components are healthy):\n%s\n", strings.Join(links, "\n"))
	}
	fmt.Fprintf(w, "And then:\n  kubectl openova components --all\n  kubectl openova install ai-hub --with neo4j\n")
	return nil
}

// BootstrapDestroyOptions are the options of kubectl openova bootstrap destroy.
type BootstrapDestroyOptions struct {
	BootstrapOptions
}

func newCmdBootstrapDestroy(g *GlobalOptions) *cobra.Command {
	o := &BootstrapDestroyOptions{BootstrapOptions{GlobalOptions: g}}
	cmd := &cobra.Command{
		Use:   "destroy [--config FILE] [flags]",
		Short: "Tear a bootstrapped platform down with terraform destroy",
		Long: `Tear down what bootstrap created (terraform destroy of the provider module), after
confirmation, then remove the kubeconfigs and the checkpoint from the work directory.
Without --config, the configuration the last bootstrap saved in the work directory
(--work-dir, or ~/.openova/<organization> with --organization) is used.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.Run(cmd.Context())
		},
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
