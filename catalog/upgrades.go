package catalog

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// What the upgrade listings of the CLI and the dashboard need from the catalog besides the
// resolver: the newest version a constraint allows, the changelog between two versions,
// and the constraints that hold a newer version back.

// NewestMatching returns the newest stable version of the component name that constraint
// accepts, or nil (no such component or version, or a constraint that does not parse).
func (c *Catalog) NewestMatching(name, constraint string) *Version {
	comp, ok := c.Component(name)
	if !ok {
		return nil
	}
	cons, err := semver.NewConstraint(constraint)
	if err != nil {
		return nil
	}
	for i := range comp.Versions {
		v := &comp.Versions[i]
		if !v.Prerelease() && cons.Check(v.Semver()) {
			return v
		}
	}
	return nil
}

// ChangelogEntry is the changelog of one version.
type ChangelogEntry struct {
	Version   string `json:"version"`
	Released  string `json:"released,omitempty"`
	Changelog string `json:"changelog,omitempty"`
}

// String is the entry on one line: "1.1.0 (2025-06-15): AI Hub 1.1: model cache."
func (e ChangelogEntry) String() string {
	s := e.Version
	if e.Released != "" {
		s += " (" + e.Released + ")"
	}
	if e.Changelog != "" {
		s += ": " + strings.Join(strings.Fields(e.Changelog), " ")
	}
	return s
}

// ChangelogBetween returns the changelog of the stable versions after from up to and
// including to (also when to is a pre-release), newest first; nil when either version
// does not parse.
func (c *Component) ChangelogBetween(from, to string) []ChangelogEntry {
	lo, err1 := semver.NewVersion(from)
	hi, err2 := semver.NewVersion(to)
	if err1 != nil || err2 != nil {
		return nil
	}
	var out []ChangelogEntry
	for i := range c.Versions {
		v := &c.Versions[i]
		sv := v.Semver()
		if sv.GreaterThan(lo) && !sv.GreaterThan(hi) && (!v.Prerelease() || sv.Equal(hi)) {
			out = append(out, ChangelogEntry{Version: v.Version, Released: v.Released, Changelog: v.Changelog})
		}
	}
	return out
}

// HeldBack is a newer version of an installed component that constraints of installed
// components exclude.
type HeldBack struct {
	Component string `json:"component"`
	From      string `json:"from"`
	Newest    string `json:"newest"`
	// By says which installed components' constraints hold it back.
	By []string `json:"by"`
}

// HeldBackBy reports the newest stable version of the installed component name when it is
// newer than both its installed version and the available upgrade avail (nil: none), with
// the constraints of installed components that exclude it; nil when nothing holds a newer
// version back.
func HeldBackBy(c *Catalog, installed []Installed, name string, avail *Version) *HeldBack {
	comp, ok := c.Component(name)
	if !ok {
		return nil
	}
	var current string
	for _, in := range installed {
		if in.Name == name {
			current = in.Version
		}
	}
	newest := comp.Newest(false)
	cur, err := semver.NewVersion(current)
	if newest == nil || err != nil || !newest.Semver().GreaterThan(cur) || avail != nil && avail.Version == newest.Version {
		return nil
	}
	var by []string
	for _, in := range installed {
		dc, ok := c.Component(in.Name)
		if !ok {
			continue
		}
		dv, ok := dc.Version(in.Version)
		if !ok {
			continue
		}
		check := func(dep, constraint string) {
			if dep != name {
				return
			}
			if cons, err := semver.NewConstraint(constraint); err == nil && !cons.Check(newest.Semver()) {
				by = append(by, fmt.Sprintf("%s %s requires %s %s", in.Name, in.Version, dep, constraint))
			}
		}
		for _, r := range dv.Requires {
			check(r.Name, r.Constraint)
		}
		for _, o := range dv.Optional {
			check(o.Name, o.Constraint)
		}
	}
	if len(by) == 0 {
		return nil
	}
	return &HeldBack{Component: name, From: current, Newest: newest.Version, By: by}
}
