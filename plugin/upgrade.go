package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// maxRefreshWait bounds how long upgrade --refresh --wait waits for the operator.
const maxRefreshWait = time.Minute

// UpgradeOptions are the options of kubectl openova upgrade.
type UpgradeOptions struct {
	changeOptions
	// All upgrades every component (--all).
	All bool
	// To is the target version of the only component named (--to).
	To string
	// AllowDowngrade lets --to name a version older than the installed one.
	AllowDowngrade bool
	// Schedule holds the upgrades back until this time (--schedule).
	Schedule string
	// Refresh asks the operator to check the catalog for upgrades now (--refresh).
	Refresh bool

	names    []string
	pins     map[string]string
	schedule *metav1.Time
	now      func() time.Time
}

// NewCmdUpgrade returns the upgrade command.
func NewCmdUpgrade(g *GlobalOptions) *cobra.Command {
	o := &UpgradeOptions{changeOptions: newChangeOptions(g, "upgrade"), now: time.Now}
	cmd := &cobra.Command{
		Use:   "upgrade [NAME[@VERSION]...|--all]",
		Short: "List available upgrades, or upgrade components",
		Long: `Without names, list the upgrades the catalog offers: each component's current version,
the newest version its dependents allow, the changelog of every version in between, and
the command that applies it.

With names (or --all), plan the upgrade (dependencies first, every constraint checked),
show it, and after confirmation (or --yes) write it to the Platform's spec.components in
one server-side apply. --schedule holds the upgrade back until a time; --refresh asks the
operator to check the catalog for upgrades right away.`,
		Example: `  # What can be upgraded, with changelogs
  kubectl openova upgrade

  # In CI: exit 5 when upgrades are available
  kubectl openova upgrade --dry-run --exit-code

  # Upgrade one component to a given version and wait for it
  kubectl openova upgrade grafana --to 11.4.0 --yes --wait

  # Upgrade everything tonight at 02:00 UTC
  kubectl openova upgrade --all --schedule 2025-07-01T02:00:00Z --yes`,
		ValidArgsFunction: completeComponents(g),
		RunE:              runCommand(o),
	}
	o.addFlags(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.All, "all", false, "upgrade every component to the newest version the catalog allows")
	f.StringVar(&o.To, "to", "", "target version of the component (one NAME only; or use NAME@VERSION)")
	f.BoolVar(&o.AllowDowngrade, "allow-downgrade", false, "allow --to to name a version older than the installed one")
	f.StringVar(&o.Schedule, "schedule", "", "do not start the upgrades before TIME: RFC 3339 (2025-07-01T02:00:00Z) or a duration from now (8h)")
	f.BoolVar(&o.Refresh, "refresh", false, "ask the operator to check the catalog for upgrades now (with --wait: until it has)")
	return cmd
}

// Complete parses the arguments and --schedule.
func (o *UpgradeOptions) Complete(args []string) error {
	o.pins = map[string]string{}
	names, err := parseNameVersions(args, o.pins)
	if err != nil {
		return err
	}
	o.names = names
	if o.Schedule != "" {
		t, err := parseSchedule(o.Schedule, o.now())
		if err != nil {
			return err
		}
		o.schedule = &metav1.Time{Time: t}
	}
	return nil
}

// parseSchedule reads an RFC 3339 time or a duration from now; it must be in the future.
func parseSchedule(s string, now time.Time) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		d, derr := time.ParseDuration(s)
		if derr != nil {
			return time.Time{}, Errorf(ExitInvalidInput, "invalid --schedule %q: use an RFC 3339 time such as 2025-07-01T02:00:00Z, or a duration such as 8h", s)
		}
		t = now.Add(d)
	}
	if !t.After(now) {
		return time.Time{}, Errorf(ExitInvalidInput, "--schedule %s is not in the future", t.UTC().Format(time.RFC3339))
	}
	return t.UTC().Truncate(time.Second), nil
}

// Validate checks the flags.
func (o *UpgradeOptions) Validate() error {
	if err := o.validate(); err != nil {
		return err
	}
	planning := len(o.names) > 0 || o.All
	switch {
	case o.All && len(o.names) > 0:
		return Errorf(ExitInvalidInput, "give component names or --all, not both")
	case o.To != "" && len(o.names) != 1:
		return Errorf(ExitInvalidInput, "--to applies to one component; pin several with NAME@VERSION")
	case !planning && (o.schedule != nil || o.Yes || o.AllowDowngrade || o.ForceConflicts || o.Diff):
		return Errorf(ExitInvalidInput, "--schedule, --yes, --allow-downgrade, --force-conflicts and --diff need component names or --all")
	case o.schedule != nil && o.Wait:
		return Errorf(ExitInvalidInput, "--wait does not go with --schedule: the upgrade starts at the scheduled time")
	}
	if o.To != "" {
		return pinVersion(o.pins, o.names[0], "--to", o.To)
	}
	return nil
}

// Run lists the available upgrades, or plans and applies the requested ones.
func (o *UpgradeOptions) Run(ctx context.Context) error {
	t, err := o.load(ctx)
	if err != nil {
		return err
	}
	if o.Refresh {
		if err := o.refresh(ctx, t); err != nil {
			return err
		}
	}
	if len(o.names) == 0 && !o.All {
		return o.list(t)
	}
	req := catalog.Request{Kind: catalog.Upgrade, Names: o.names, All: o.All, Versions: o.pins, AllowDowngrade: o.AllowDowngrade}
	ch, err := lifecycle.PlanChange(t.platform, t.catalog, req, o.schedule)
	if err != nil {
		return err
	}
	return o.apply(ctx, t, ch)
}

// refresh sets the openova.io/refresh annotation (a merge patch: the annotation is not part
// of the CLI's server-side apply of spec.components) and, with --wait, waits until the
// operator has handled it.
func (o *UpgradeOptions) refresh(ctx context.Context, t *target) error {
	p := t.platform
	value := o.now().UTC().Format(time.RFC3339Nano)
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, openovav1alpha1.RefreshAnnotation, value)
	opts := []client.PatchOption{client.FieldOwner(lifecycle.FieldManager)}
	if o.DryRun {
		opts = append(opts, client.DryRunAll)
	}
	target := &openovav1alpha1.Platform{ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace}}
	if err := t.client.Patch(ctx, target, client.RawPatch(types.MergePatchType, []byte(patch)), opts...); err != nil {
		return ClusterError(err)
	}
	if o.DryRun {
		fmt.Fprintf(o.ErrOut, "Dry run: would ask the operator to check the catalog of platform %s for upgrades.\n", p.Name)
		return nil
	}
	fmt.Fprintf(o.ErrOut, "◎ Asked the operator to check the catalog of platform %s for upgrades.\n", p.Name)
	if !o.Wait {
		return nil
	}
	timeout := min(o.Timeout, maxRefreshWait)
	interval := o.pollInterval
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	err := wait.PollUntilContextTimeout(ctx, interval, timeout, true, func(ctx context.Context) (bool, error) {
		cur := &openovav1alpha1.Platform{}
		if err := t.client.Get(ctx, client.ObjectKeyFromObject(p), cur); err != nil {
			return false, err
		}
		return cur.Status.LastHandledRefresh == value, nil
	})
	if err != nil {
		if wait.Interrupted(err) || errors.Is(err, context.DeadlineExceeded) {
			return Errorf(ExitUnhealthy, "the operator did not handle the refresh of platform %s within %s: is it running? (%s)", p.Name, timeout, o.commandLine("check"))
		}
		return ClusterError(err)
	}
	fmt.Fprintf(o.ErrOut, "✔ The operator checked the catalog for upgrades.\n")
	return nil
}

// UpgradeList is what upgrade without names prints (-o json|yaml).
type UpgradeList struct {
	// Platform is the Platform's name.
	Platform string `json:"platform"`
	// Catalog is where the catalog was read from.
	Catalog string `json:"catalog"`
	// Upgrades are the components with a newer version allowed, in spec.components order.
	Upgrades []UpgradeEntry `json:"upgrades"`
	// HeldBack are components with a newer version that an installed dependent does not
	// allow yet.
	HeldBack []catalog.HeldBack `json:"heldBack,omitempty"`
}

// UpgradeEntry is one available upgrade, with the command that applies it.
type UpgradeEntry struct {
	lifecycle.Upgrade
	// Command applies this upgrade alone.
	Command string `json:"command"`
}

// upgradeList computes the available upgrades of the platform from the catalog.
func upgradeList(g *GlobalOptions, p *openovav1alpha1.Platform, cat *catalog.Catalog) (*UpgradeList, []string) {
	u := lifecycle.ListUpgrades(p, cat)
	out := &UpgradeList{Platform: p.Name, Catalog: cat.Source(), Upgrades: []UpgradeEntry{}, HeldBack: u.HeldBack}
	for _, a := range u.Available {
		out.Upgrades = append(out.Upgrades, UpgradeEntry{Upgrade: a, Command: g.commandLine("upgrade", a.Component, "--to", a.To)})
	}
	return out, u.Warnings
}

// list prints the available upgrades.
func (o *UpgradeOptions) list(t *target) error {
	l, warnings := upgradeList(o.GlobalOptions, t.platform, t.catalog)
	for _, w := range warnings {
		fmt.Fprintf(o.ErrOut, "Warning: %s\n", w)
	}
	var err error
	if o.Output != "" {
		err = PrintData(o.Out, o.Output, l)
	} else {
		err = printUpgradeList(o.Out, palette{on: o.Color(o.Out)}, o.GlobalOptions, l)
	}
	if err != nil {
		return err
	}
	if o.DryRun && o.ExitCode && len(l.Upgrades) > 0 {
		return WithCode(ExitChangesPending, errSilent)
	}
	return nil
}

// printUpgradeList writes the upgrade list for a human, the way clusterctl upgrade plan does.
func printUpgradeList(w io.Writer, pal palette, g *GlobalOptions, l *UpgradeList) error {
	var b strings.Builder
	if len(l.Upgrades) == 0 {
		fmt.Fprintf(&b, "Platform %s is up to date: the catalog (%s) has no upgrades for it.\n", l.Platform, l.Catalog)
	} else {
		fmt.Fprintf(&b, "Upgrades available for platform %s (catalog %s):\n\n", l.Platform, l.Catalog)
		t := &table{indent: "  "}
		t.add(txt("COMPONENT"), txt("CURRENT"), txt("AVAILABLE"), txt("ALSO CHANGES"))
		for _, u := range l.Upgrades {
			var needs []string
			for _, s := range u.Needs {
				needs = append(needs, s.Component+" "+s.Versions())
			}
			t.add(txt(u.Component), txt(u.From), styled(u.To, pal.cyan), txt(strings.Join(needs, ", ")))
		}
		_ = t.write(&b)
		b.WriteString("\nChangelog:\n")
		for _, u := range l.Upgrades {
			fmt.Fprintf(&b, "  %s %s → %s\n", pal.bold(u.Component), u.From, u.To)
			for _, e := range u.Changelog {
				b.WriteString("    " + e.String() + "\n")
			}
		}
	}
	if len(l.HeldBack) > 0 {
		b.WriteString("\nHeld back (newer versions that installed components do not allow yet):\n")
		for _, h := range l.HeldBack {
			fmt.Fprintf(&b, "  %s %s (newest %s): %s\n", h.Component, h.From, h.Newest, strings.Join(h.By, "; "))
		}
	}
	if len(l.Upgrades) > 0 {
		b.WriteString("\nTo upgrade one component:\n")
		for _, u := range l.Upgrades {
			b.WriteString("  " + u.Command + "\n")
		}
		b.WriteString("To upgrade every component to the newest version allowed:\n")
		b.WriteString("  " + g.commandLine("upgrade", "--all") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
