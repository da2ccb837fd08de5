package plugin

import (
	"github.com/spf13/cobra"
)

// NewCmdCompletion returns the completion command.
func NewCmdCompletion(g *GlobalOptions) *cobra.Command {
	return &cobra.Command{
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
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(g.Out, true)
			case "zsh":
				return root.GenZshCompletion(g.Out)
			default:
				return root.GenFishCompletion(g.Out, true)
			}
		},
	}
}
