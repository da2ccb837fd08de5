package plugin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// DefaultWaitTimeout bounds --wait unless --timeout says otherwise.
const DefaultWaitTimeout = 10 * time.Minute

// changeOptions are the flags and the flow install, uninstall and upgrade share: resolve
// the request client-side, show the plan, confirm, write spec.components with one
// server-side apply, and optionally wait.
type changeOptions struct {
	*GlobalOptions
	Output         string
	DryRun         bool
	Diff           bool
	ExitCode       bool
	Yes            bool
	Wait           bool
	Timeout        time.Duration
	ForceConflicts bool

	// verb names the command in messages ("install").
	verb string
	// isTerminal reports whether a stream is a terminal (IsTerminal; tests replace it).
	isTerminal func(any) bool
	// pollInterval is how often --wait polls (1s when zero).
	pollInterval time.Duration
}

func newChangeOptions(g *GlobalOptions, verb string) changeOptions {
	return changeOptions{GlobalOptions: g, verb: verb, Timeout: DefaultWaitTimeout, isTerminal: IsTerminal}
}

func (o *changeOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.DryRun, "dry-run", false, "show the plan and have the API server validate the write, changing nothing")
	f.BoolVar(&o.ExitCode, "exit-code", false, "with --dry-run: exit 5 when the plan changes something; with --diff: exit 1 when there are differences")
	f.BoolVar(&o.Diff, "diff", false, "show what the change does to the Platform (server-side dry run) as a unified diff, as kubectl diff does ($KUBECTL_EXTERNAL_DIFF honoured)")
	f.BoolVarP(&o.Yes, "yes", "y", false, "apply without asking for confirmation (required without a terminal)")
	f.BoolVar(&o.Wait, "wait", false, "wait until every planned component is Healthy at its planned version (and removed ones are gone)")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "how long --wait waits before exiting with code 4")
	f.BoolVar(&o.ForceConflicts, "force-conflicts", false, "take over spec.components fields another field manager owns")
	AddOutputFlag(cmd, &o.Output, "")
}

func (o *changeOptions) validate() error {
	if err := ValidateOutput(o.Output, ""); err != nil {
		return err
	}
	if o.ExitCode && !o.DryRun && !o.Diff {
		return Errorf(ExitInvalidInput, "--exit-code only goes with --dry-run or --diff")
	}
	if o.Diff && o.Output != "" {
		return Errorf(ExitInvalidInput, "--diff prints a diff on stdout; it does not go with -o %s", o.Output)
	}
	if o.Timeout <= 0 {
		return Errorf(ExitInvalidInput, "--timeout must be positive, not %s", o.Timeout)
	}
	return nil
}

// target is the Platform a change works on, read once, with the client and catalog.
type target struct {
	client   client.Client
	platform *openovav1alpha1.Platform
	catalog  *catalog.Catalog
}

// load connects, reads the Platform and loads the catalog.
func (o *changeOptions) load(ctx context.Context) (*target, error) {
	c, err := o.Client()
	if err != nil {
		return nil, err
	}
	p, err := lifecycle.FindPlatform(ctx, c, o.selector())
	if err != nil {
		return nil, err
	}
	cat, err := lifecycle.CatalogFor(ctx, o.Catalog, p)
	if err != nil {
		return nil, err
	}
	return &target{client: c, platform: p, catalog: cat}, nil
}

// apply shows the plan, asks for confirmation, writes it and waits when asked.
func (o *changeOptions) apply(ctx context.Context, t *target, ch *lifecycle.Change) error {
	p := t.platform
	if o.Output != "" {
		if err := PrintData(o.Out, o.Output, ch.Plan); err != nil {
			return err
		}
	} else {
		view := planView{Platform: p.Name, Catalog: t.catalog, Change: ch, Regions: p.Spec.Regions}
		if err := printPlan(o.Out, palette{on: o.Color(o.Out)}, view); err != nil {
			return err
		}
	}
	if !ch.Changed() {
		return nil
	}
	differs := false
	if o.Diff {
		var err error
		if differs, err = o.diff(ctx, t, ch); err != nil {
			return err
		}
	}
	if o.DryRun {
		if !o.Diff {
			if _, err := lifecycle.Apply(ctx, t.client, p, ch.Desired, lifecycle.ApplyOptions{DryRun: true, Force: o.ForceConflicts}); err != nil {
				return err
			}
		}
		fmt.Fprintf(o.ErrOut, "Dry run: the API server accepted the change to platform %s; nothing was written.\n", p.Name)
		return o.diffExit(differs, ExitChangesPending)
	}
	if !o.Yes {
		ok, err := o.confirm(ctx, fmt.Sprintf("Apply this plan to platform %s?", p.Name))
		if err != nil {
			return err
		}
		if !ok {
			return Errorf(ExitFailure, "cancelled; platform %s was not changed", p.Name)
		}
	}
	written, err := lifecycle.Apply(ctx, t.client, p, ch.Desired, lifecycle.ApplyOptions{Force: o.ForceConflicts})
	if err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "✔ Platform %s updated (generation %d).\n", written.Name, written.Generation)
	if !o.Wait {
		fmt.Fprintf(o.ErrOut, "Follow the rollout with: %s\n", o.commandLine("status"))
		return o.diffExit(differs, ExitOK)
	}
	w := &waiter{Client: t.client, Namespace: p.Namespace, Platform: p.Name, Generation: written.Generation, Out: o.ErrOut,
		TTY: o.isTerminal(o.ErrOut), Interval: o.pollInterval}
	if err := w.wait(ctx, lifecycle.Targets(ch.Plan), o.Timeout); err != nil {
		return err
	}
	return o.diffExit(differs, ExitOK)
}

// confirm asks a yes/no question on the terminal; without one it refuses (exit 2), since
// nobody could answer. An interrupt (Ctrl-C) while it waits ends the command.
func (o *changeOptions) confirm(ctx context.Context, question string) (bool, error) {
	if !o.isTerminal(o.In) {
		return false, Errorf(ExitInvalidInput, "refusing to %s without confirmation: stdin is not a terminal; review the plan (--dry-run) and pass --yes to apply it", o.verb)
	}
	return Confirm(ctx, o.In, o.ErrOut, question)
}

// commandLine returns "kubectl openova ARGS" with the flags that select this platform
// (namespace, --platform, --catalog) when they differ from the defaults.
func (g *GlobalOptions) commandLine(args ...string) string {
	parts := []string{DisplayName}
	parts = append(parts, args...)
	if ns := g.Namespace(); ns != openovav1alpha1.DefaultNamespace {
		parts = append(parts, "-n", ns)
	}
	if g.Platform != "" {
		parts = append(parts, "--platform", g.Platform)
	}
	if g.Catalog != "" {
		parts = append(parts, "--catalog", g.Catalog)
	}
	return strings.Join(parts, " ")
}

// parseNameVersions splits NAME[@VERSION] arguments into names and pinned versions.
func parseNameVersions(args []string, pins map[string]string) ([]string, error) {
	names := make([]string, 0, len(args))
	for _, a := range args {
		for _, part := range strings.Split(a, ",") {
			name, version, pinned := strings.Cut(strings.TrimSpace(part), "@")
			if name == "" || pinned && version == "" {
				return nil, Errorf(ExitInvalidInput, "invalid component %q: use NAME or NAME@VERSION", a)
			}
			if pinned {
				if err := pinVersion(pins, name, "", version); err != nil {
					return nil, err
				}
			}
			names = append(names, name)
		}
	}
	return names, nil
}

// pinVersion pins name to version, unless another version was given for it already; from
// names where the version came from (a flag) for the message.
func pinVersion(pins map[string]string, name, from, version string) error {
	if prev, ok := pins[name]; ok && prev != version {
		if from != "" {
			version = from + " " + version
		}
		return Errorf(ExitInvalidInput, "two versions given for %s: %s and %s", name, prev, version)
	}
	pins[name] = version
	return nil
}

// completeComponents completes component names from the catalog (--catalog or built in).
func completeComponents(g *GlobalOptions) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		cat, err := g.LoadCatalog(cmd.Context())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, comp := range cat.Components() {
			if strings.HasPrefix(comp.Name, prefix) {
				out = append(out, comp.Name+"\t"+comp.DisplayName)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
