package plugin

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// planView is what install, uninstall and upgrade show before they write: for install, the
// members of each requested component (the way the Components dialog shows them), then the
// plan's steps, the changelog of upgrades and a summary.
type planView struct {
	Platform string
	Catalog  *catalog.Catalog
	*lifecycle.Change
	// Regions are the Platform's spec.regions: with two, the plan says in which order the
	// operator rolls out the regions.
	Regions []openovav1alpha1.Region
}

// printPlan writes v for a human.
func printPlan(w io.Writer, pal palette, v planView) error {
	var b strings.Builder
	if v.Request.Kind == catalog.Install {
		for _, name := range dedupe(v.Request.Names) {
			writeMembers(&b, pal, v, name)
		}
	}
	if steps := v.Plan.Steps; len(steps) > 0 {
		fmt.Fprintf(&b, "Plan for platform %s:\n", v.Platform)
		t := &table{indent: "  "}
		t.add(txt("ACTION"), txt("COMPONENT"), txt("VERSION"), txt("REASON"))
		for _, s := range steps {
			t.add(styled(string(s.Action), actionStyle(pal, s.Action)), txt(s.Component), txt(s.Versions()), txt(stepReason(s, v.Live)))
		}
		_ = t.write(&b)
		b.WriteByte('\n')
	}
	writeChangelog(&b, v)
	b.WriteString(planSummary(v))
	b.WriteByte('\n')
	writeRegionOrder(&b, v)
	if v.Schedule != nil && hasAction(v.Plan, catalog.ActionUpgrade, catalog.ActionDowngrade) {
		fmt.Fprintf(&b, "Scheduled: the upgrades wait until %s (notBefore).\n", v.Schedule.UTC().Format(time.RFC3339))
	}
	for _, e := range v.Desired {
		if !e.IsEnabled() && touched(v.Plan, e.Name) {
			fmt.Fprintf(&b, "Note: %s is disabled in spec.components (enabled: false) and will not be delivered.\n", e.Name)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMembers(b *strings.Builder, pal palette, v planView, name string) {
	comp, ok := v.Catalog.Component(name)
	if !ok {
		return
	}
	version := v.DesiredVersion(name)
	ver, ok := comp.Version(version)
	if !ok {
		return
	}
	fmt.Fprintf(b, "%s %s · %s (%s)\n", pal.bold(name), version, comp.DisplayName, comp.Category)
	if comp.Description != "" {
		fmt.Fprintf(b, "  %s\n", comp.Description)
	}
	if len(ver.Requires) > 0 {
		b.WriteString("  Required members:\n")
		t := &table{indent: "    "}
		for _, r := range ver.Requires {
			t.add(txt(r.Name), txt(v.DesiredVersion(r.Name)), memberState(pal, v, r.Name))
		}
		_ = t.write(b)
	}
	if len(ver.Optional) > 0 {
		b.WriteString("  Optional members:\n")
		t := &table{indent: "    "}
		for _, o := range ver.Optional {
			if have := v.DesiredVersion(o.Name); have != "" {
				t.add(txt("[x] "+o.Name), txt(have), txt(o.Description), memberState(pal, v, o.Name))
				continue
			}
			t.add(txt("[ ] "+o.Name), txt(newestVersion(v.Catalog.NewestMatching(o.Name, o.Constraint))), txt(o.Description),
				styled("add with --with "+o.Name, pal.faint))
		}
		_ = t.write(b)
	}
	b.WriteByte('\n')
}

// memberState says what the plan does to a member: will be installed, already installed, …
func memberState(pal palette, v planView, name string) cell {
	for _, s := range v.Plan.Steps {
		if s.Component != name {
			continue
		}
		switch s.Action {
		case catalog.ActionInstall:
			return styled("will be installed", pal.green)
		case catalog.ActionUpgrade:
			return styled("will be upgraded from "+s.From, pal.cyan)
		case catalog.ActionDowngrade:
			return styled("will be downgraded from "+s.From, pal.yellow)
		case catalog.ActionRemove:
			return styled("will be removed", pal.red)
		}
	}
	return txt("already installed")
}

func actionStyle(pal palette, a catalog.Action) func(string) string {
	switch a {
	case catalog.ActionInstall:
		return pal.green
	case catalog.ActionUpgrade:
		return pal.cyan
	case catalog.ActionDowngrade:
		return pal.yellow
	case catalog.ActionRemove:
		return pal.red
	}
	return pal.faint
}

// stepReason is the step's reason, with the reason it replaces when a kept entry gets a
// new one.
func stepReason(s catalog.Step, live []openovav1alpha1.PlatformComponent) string {
	if s.Action != catalog.ActionKeep {
		return s.Reason
	}
	for _, e := range live {
		if e.Name == s.Component && e.Reason != s.Reason && (e.Reason != "" || s.Reason != catalog.ReasonRequested) {
			was := e.Reason
			if was == "" {
				was = catalog.ReasonRequested
			}
			return s.Reason + " (was: " + was + ")"
		}
	}
	return s.Reason
}

// writeChangelog lists the changelog of every version an upgrade step passes.
func writeChangelog(b *strings.Builder, v planView) {
	first := true
	for _, s := range v.Plan.Steps {
		if s.Action != catalog.ActionUpgrade {
			continue
		}
		comp, ok := v.Catalog.Component(s.Component)
		if !ok {
			continue
		}
		entries := comp.ChangelogBetween(s.From, s.To)
		if len(entries) == 0 {
			continue
		}
		if first {
			b.WriteString("Changelog:\n")
			first = false
		}
		fmt.Fprintf(b, "  %s %s → %s\n", s.Component, s.From, s.To)
		for _, e := range entries {
			b.WriteString("    " + e.String() + "\n")
		}
	}
	if !first {
		b.WriteByte('\n')
	}
}

// planSummary counts the plan's changes: "Plan: 4 to install, 1 to upgrade, 0 to remove."
func planSummary(v planView) string {
	n := map[catalog.Action]int{}
	for _, s := range v.Plan.Steps {
		n[s.Action]++
	}
	if !v.Changed() {
		return fmt.Sprintf("No changes: platform %s already has what was asked for.", v.Platform)
	}
	parts := []string{fmt.Sprintf("%d to install", n[catalog.ActionInstall]), fmt.Sprintf("%d to upgrade", n[catalog.ActionUpgrade])}
	if n[catalog.ActionDowngrade] > 0 {
		parts = append(parts, fmt.Sprintf("%d to downgrade", n[catalog.ActionDowngrade]))
	}
	parts = append(parts, fmt.Sprintf("%d to remove", n[catalog.ActionRemove]))
	if !v.Plan.HasChanges() {
		return "Plan: nothing to install, upgrade or remove; only the reasons recorded in spec.components change."
	}
	return "Plan: " + strings.Join(parts, ", ") + "."
}

func hasAction(p *catalog.Plan, actions ...catalog.Action) bool {
	for _, s := range p.Steps {
		if slices.Contains(actions, s.Action) {
			return true
		}
	}
	return false
}

func touched(p *catalog.Plan, name string) bool {
	for _, s := range p.Steps {
		if s.Component == name && s.Action != catalog.ActionRemove {
			return true
		}
	}
	return false
}

func dedupe(names []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// newestVersion is v's version, "" for nil.
func newestVersion(v *catalog.Version) string {
	if v == nil {
		return ""
	}
	return v.Version
}
