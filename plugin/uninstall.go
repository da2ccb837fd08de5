package plugin

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// UninstallOptions are the options of kubectl openova uninstall.
type UninstallOptions struct {
	changeOptions
	names []string
}

// NewCmdUninstall returns the uninstall command.
func NewCmdUninstall(g *GlobalOptions) *cobra.Command {
	o := &UninstallOptions{changeOptions: newChangeOptions(g, "uninstall")}
	cmd := &cobra.Command{
		Use:   "uninstall NAME...",
		Short: "Remove components, and the dependencies nothing else needs",
		Long: `Remove components from the platform, together with the components that were installed
only because of them and that nothing else needs any more. Mandatory components are never
removed, nor are components something that stays still requires (the command says which).

The plan is shown first; after confirmation (or --yes) it is written to the Platform's
spec.components in one server-side apply, and the operator uninstalls the releases.`,
		Example: `  # Remove the AI Hub and the dependencies it pulled in
  kubectl openova uninstall ai-hub

  # Without a terminal (CI): show the plan, then apply it
  kubectl openova uninstall ai-hub --dry-run
  kubectl openova uninstall ai-hub --yes --wait`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: completeComponents(g),
		RunE:              runCommand(o),
	}
	o.addFlags(cmd)
	return cmd
}

// Complete reads the component names.
func (o *UninstallOptions) Complete(args []string) error {
	pins := map[string]string{}
	names, err := parseNameVersions(args, pins)
	if err != nil {
		return err
	}
	if len(pins) > 0 {
		return Errorf(ExitInvalidInput, "uninstall takes component names without versions")
	}
	o.names = names
	return nil
}

// Validate checks the flags.
func (o *UninstallOptions) Validate() error { return o.validate() }

// Run resolves the removal, shows the plan and applies it.
func (o *UninstallOptions) Run(ctx context.Context) error {
	t, err := o.load(ctx)
	if err != nil {
		return err
	}
	ch, err := lifecycle.PlanChange(t.platform, t.catalog, catalog.Request{Kind: catalog.Uninstall, Names: o.names}, nil)
	if err != nil {
		return err
	}
	return o.apply(ctx, t, ch)
}
