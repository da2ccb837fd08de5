package plugin

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/openova-io/core/internal/version"
)

// VersionOptions are the options of kubectl openova version.
type VersionOptions struct {
	*GlobalOptions
	noArgs
	Output string
}

// NewCmdVersion returns the version command.
func NewCmdVersion(g *GlobalOptions) *cobra.Command {
	o := &VersionOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of kubectl openova",
		Long: `Print the plugin's version, the commit it was built from, its Go version and platform.
check compares the version with the operator's.`,
		Example: `  kubectl openova version
  kubectl openova version -o json`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	AddOutputFlag(cmd, &o.Output, "")
	return cmd
}

// Validate checks the flags.
func (o *VersionOptions) Validate() error { return ValidateOutput(o.Output, "") }

// Run prints the version.
func (o *VersionOptions) Run(context.Context) error {
	info := version.Get()
	if o.Output != "" {
		return PrintData(o.Out, o.Output, info)
	}
	_, err := fmt.Fprintf(o.Out, "kubectl-openova %s (commit %s, %s, %s)\n", info.Version, info.Commit, info.GoVersion, info.Platform)
	return err
}
