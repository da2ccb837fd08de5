package plugin

import (
	"context"

	"github.com/spf13/cobra"
)

// command is the shape of every command (cmctl's): Complete reads the arguments, Validate
// checks the flags, Run does the work.
type command interface {
	Complete(args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// runCommand runs a command's steps in order, as its cobra RunE.
func runCommand(o command) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(cmd.Context())
	}
}

// noArgs is the Complete of a command that takes no arguments (cobra.NoArgs rejects any).
type noArgs struct{}

// Complete does nothing: there are no arguments to read.
func (noArgs) Complete([]string) error { return nil }
