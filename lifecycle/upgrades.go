package lifecycle

import (
	"fmt"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
)

// Upgrade is one available upgrade of an installed component.
type Upgrade struct {
	Component string `json:"component"`
	From      string `json:"from"`
	To        string `json:"to"`
	// Changelog lists every version after From up to To, newest first.
	Changelog []catalog.ChangelogEntry `json:"changelog,omitempty"`
	// Needs are the other changes the upgrade brings (dependencies upgraded or installed).
	Needs []catalog.Step `json:"needs,omitempty"`
}

// Upgrades lists what the catalog offers the Platform: per entry of spec.components, the
// newest version its installed dependents allow (with the changelog and what else that
// upgrade changes), and newer versions their constraints hold back. Entries the catalog
// cannot answer for are warnings.
type Upgrades struct {
	Available []Upgrade
	HeldBack  []catalog.HeldBack
	Warnings  []string
}

// ListUpgrades computes the Platform's upgrades from the catalog, in spec.components order.
func ListUpgrades(p *openovav1alpha1.Platform, cat *catalog.Catalog) *Upgrades {
	installed := Installed(p.Spec.Components)
	out := &Upgrades{}
	// Every entry's check in one pass, as the operator makes it; when one of them fails,
	// each entry is checked on its own so the others still answer and the failure is a
	// warning of its entry.
	all, allErr := catalog.AvailableUpgrades(cat, installed)
	for _, e := range p.Spec.Components {
		comp, ok := cat.Component(e.Name)
		if !ok {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s is not in the catalog (%s)", e.Name, cat.Source()))
			continue
		}
		v := all[e.Name]
		if allErr != nil {
			var err error
			if v, err = catalog.AvailableUpgrade(cat, installed, e.Name); err != nil {
				out.Warnings = append(out.Warnings, fmt.Sprintf("%s: %v", e.Name, err))
				continue
			}
		}
		if v != nil {
			u := Upgrade{Component: e.Name, From: e.Version, To: v.Version, Changelog: comp.ChangelogBetween(e.Version, v.Version)}
			plan, err := catalog.Resolve(cat, installed, catalog.Request{Kind: catalog.Upgrade, Names: []string{e.Name}, Versions: map[string]string{e.Name: v.Version}})
			if err == nil {
				for _, s := range plan.Steps {
					if s.Component != e.Name && s.Action != catalog.ActionKeep {
						u.Needs = append(u.Needs, s)
					}
				}
			}
			out.Available = append(out.Available, u)
		}
		if h := catalog.HeldBackBy(cat, installed, e.Name, v); h != nil {
			out.HeldBack = append(out.HeldBack, *h)
		}
	}
	return out
}
