package plugin

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// InstallOptions are the options of kubectl openova install.
type InstallOptions struct {
	changeOptions
	// Version pins the version of the only component named (--version).
	Version string
	// With are optional members to install along (--with).
	With []string

	names []string
	with  []string
	pins  map[string]string
}

// NewCmdInstall returns the install command.
func NewCmdInstall(g *GlobalOptions) *cobra.Command {
	o := &InstallOptions{changeOptions: newChangeOptions(g, "install")}
	cmd := &cobra.Command{
		Use:   "install NAME[@VERSION]...",
		Short: "Install components, with their dependencies",
		Long: `Install components on the platform, with every component they depend on.

The request is resolved against the catalog on this machine: the plan lists what will be
installed (and what already is), the optional members a meta-platform offers, and the
versions. After confirmation (or --yes), the whole plan is written to the Platform's
spec.components in one server-side apply; the operator then delivers it. Another client
writing the Platform in between makes the command fail instead of overwriting it.`,
		Example: `  # Install the AI Hub with its optional knowledge graph
  kubectl openova install ai-hub --with neo4j

  # Pin versions, apply without asking and wait until everything is Healthy
  kubectl openova install ai-hub@1.1.0 --with neo4j@5.26.0 --yes --wait

  # Show the plan only; exit 5 when it would change something
  kubectl openova install keycloak --dry-run --exit-code`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: completeComponents(g),
		RunE:              runCommand(o),
	}
	o.addFlags(cmd)
	cmd.Flags().StringVar(&o.Version, "version", "", "version of the component to install (one NAME only; or use NAME@VERSION)")
	cmd.Flags().StringSliceVar(&o.With, "with", nil, "optional members to install too, MEMBER[@VERSION] (repeatable, or comma-separated)")
	_ = cmd.RegisterFlagCompletionFunc("with", completeComponents(g))
	return cmd
}

// Complete parses NAME[@VERSION] arguments and --with.
func (o *InstallOptions) Complete(args []string) error {
	o.pins = map[string]string{}
	var err error
	if o.names, err = parseNameVersions(args, o.pins); err != nil {
		return err
	}
	if o.with, err = parseNameVersions(o.With, o.pins); err != nil {
		return err
	}
	return nil
}

// Validate checks the flags.
func (o *InstallOptions) Validate() error {
	if err := o.validate(); err != nil {
		return err
	}
	if o.Version != "" {
		if len(o.names) != 1 {
			return Errorf(ExitInvalidInput, "--version applies to one component; pin several with NAME@VERSION")
		}
		return pinVersion(o.pins, o.names[0], "--version", o.Version)
	}
	return nil
}

// Run resolves the request, shows the plan and applies it.
func (o *InstallOptions) Run(ctx context.Context) error {
	t, err := o.load(ctx)
	if err != nil {
		return err
	}
	ch, err := lifecycle.PlanChange(t.platform, t.catalog, catalog.Request{Kind: catalog.Install, Names: o.names, With: o.with, Versions: o.pins}, nil)
	if err != nil {
		return err
	}
	return o.apply(ctx, t, ch)
}
