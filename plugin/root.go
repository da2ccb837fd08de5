// Package plugin holds the commands of kubectl openova: one file per command, each an
// xxxOptions struct with Complete, Validate and Run, over the catalog, bootstrap and
// Kubernetes clients.
package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// DisplayName is how help text names the command: kubectl runs the kubectl-openova binary
// as a plugin.
const DisplayName = "kubectl openova"

// commands lists every subcommand's constructor, in help order.
var commands = []func(*GlobalOptions) *cobra.Command{
	NewCmdBootstrap,
	NewCmdComponents,
	NewCmdCatalog,
	NewCmdInstall,
	NewCmdUninstall,
	NewCmdUpgrade,
	NewCmdStatus,
	NewCmdRegion,
	NewCmdCheck,
	NewCmdDashboard,
	NewCmdVersion,
	NewCmdCompletion,
}

// NewRootCmd returns the kubectl openova command with every subcommand registered.
func NewRootCmd(streams genericiooptions.IOStreams) *cobra.Command {
	g := NewGlobalOptions(streams)
	root := &cobra.Command{
		Use:   "openova",
		Short: "Stand up and run an OpenOva platform",
		Long: `kubectl openova stands up an OpenOva platform (bootstrap) and runs it afterwards:
it lists, installs, upgrades and removes the platform's components, resolving their
dependencies from the catalog before anything is written to the cluster.`,
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: DisplayName},
		// main prints the one error line; usage is for help, not for failures.
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	// Errors about the command line are invalid input by their origin, never by their
	// text: cobra's flag errors go through the flag error func, argument errors through
	// every command's Args validator.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	g.AddFlags(root.PersistentFlags())
	for _, newCmd := range commands {
		root.AddCommand(newCmd(g))
	}
	wrapArgs(root)
	// Help text reads like kubectl's own: templates.LongDesc and templates.Examples on every
	// command (Long is markdown, paragraphs reflowed; examples indented).
	templates.NormalizeAll(root)
	return root
}

// wrapArgs makes the Args validator of cmd and every command below it return a usage
// error (exit 2 with a usage hint). Commands without a validator get cobra's default
// (which rejects unknown subcommands of a command that has subcommands).
func wrapArgs(cmd *cobra.Command) {
	validate := cmd.Args
	if validate == nil && cmd.HasSubCommands() {
		validate = cobra.NoArgs
	}
	if validate != nil {
		cmd.Args = func(c *cobra.Command, args []string) error { return usageError(validate(c, args)) }
	}
	for _, sub := range cmd.Commands() {
		wrapArgs(sub)
	}
}

// Execute runs the command line and returns the exit code, having printed the error (once)
// on stderr.
func Execute(ctx context.Context, args []string, streams genericiooptions.IOStreams) int {
	return execute(ctx, NewRootCmd(streams), args, streams)
}

func execute(ctx context.Context, root *cobra.Command, args []string, streams genericiooptions.IOStreams) int {
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	code := ExitCode(err)
	msg := strings.TrimSpace(err.Error())
	if msg == "" {
		return code
	}
	fmt.Fprintf(streams.ErrOut, "Error: %s\n", msg)
	var usage *UsageError
	if cmd != nil && errors.As(err, &usage) {
		fmt.Fprintf(streams.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

// GlobalOptions are the flags every command shares.
type GlobalOptions struct {
	genericiooptions.IOStreams
	// ConfigFlags are kubectl's connection flags: --kubeconfig, --context, -n, …
	ConfigFlags *genericclioptions.ConfigFlags
	// Catalog is --catalog: a file, directory or http(s) URL; the built-in catalog when empty.
	Catalog string
	// Platform is --platform: the Platform to act on; the only one in the namespace when empty.
	Platform string
	// NoColor turns colour off (also NO_COLOR, and always without a TTY).
	NoColor bool
}

// NewGlobalOptions returns the shared options with kubectl's defaults and openova-system as
// the default namespace.
func NewGlobalOptions(streams genericiooptions.IOStreams) *GlobalOptions {
	flags := genericclioptions.NewConfigFlags(true)
	ns := openovav1alpha1.DefaultNamespace
	flags.Namespace = &ns
	return &GlobalOptions{IOStreams: streams, ConfigFlags: flags, NoColor: os.Getenv("NO_COLOR") != ""}
}

// AddFlags registers the shared flags.
func (g *GlobalOptions) AddFlags(fs *pflag.FlagSet) {
	g.ConfigFlags.AddFlags(fs)
	fs.StringVar(&g.Catalog, "catalog", g.Catalog, "component catalog: a YAML file, a directory or an http(s) URL (default: the Platform's spec.catalog, else the catalog built in)")
	fs.StringVar(&g.Platform, "platform", g.Platform, "the Platform to act on (default: the only one in the namespace)")
	fs.BoolVar(&g.NoColor, "no-color", g.NoColor, "no colour in output (also NO_COLOR)")
}
