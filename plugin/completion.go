package plugin

import (
	"context"

	"github.com/spf13/cobra"
)

// NewCmdCompletion returns the completion command.
func NewCmdCompletion(g *GlobalOptions) *cobra.Command {
	o := &CompletionOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print a shell completion script",
		Long: `Print a shell completion script for kubectl-openova.

kubectl (1.26 and later) completes plugins through an executable named
kubectl_complete-openova on the PATH; the release archive ships one. To complete the
kubectl-openova binary itself:

    source <(kubectl-openova completion bash)
    kubectl-openova completion zsh > "${fpath[1]}/_kubectl-openova"
    kubectl-openova completion fish > ~/.config/fish/completions/kubectl-openova.fish`,
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"bash", "zsh", "fish"},
		RunE:      runCommand(o),
	}
	o.root = cmd.Root
	return cmd
}

// CompletionOptions are the options of kubectl openova completion.
type CompletionOptions struct {
	*GlobalOptions
	shell string
	root  func() *cobra.Command
}

// Complete reads the shell.
func (o *CompletionOptions) Complete(args []string) error {
	o.shell = args[0]
	return nil
}

// Validate has nothing to check: the Args validator accepts only bash, zsh and fish.
func (o *CompletionOptions) Validate() error { return nil }

// Run prints the completion script of the whole command tree.
func (o *CompletionOptions) Run(context.Context) error {
	root := o.root()
	switch o.shell {
	case "bash":
		return root.GenBashCompletionV2(o.Out, true)
	case "zsh":
		return root.GenZshCompletion(o.Out)
	default:
		return root.GenFishCompletion(o.Out, true)
	}
}
