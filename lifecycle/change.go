package lifecycle

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
)

// Change is a request resolved against a Platform: the plan, and spec.components as the
// plan leaves it.
type Change struct {
	// Request is what was asked for.
	Request catalog.Request
	// Plan is the resolver's answer.
	Plan *catalog.Plan
	// Live is spec.components as read; Desired is spec.components after the plan.
	Live    []openovav1alpha1.PlatformComponent
	Desired []openovav1alpha1.PlatformComponent
	// Schedule is the notBefore of the entries whose version changes (nil: now).
	Schedule *metav1.Time
}

// PlanChange resolves req against the Platform's spec.components with the catalog.
// schedule, when set, holds the version changes back until then.
// Entries the cluster provides (spec.components[].provided) are never changed: naming one
// is an InputError, a plan that would change one a ProvidedError, and upgrade --all leaves
// them out.
func PlanChange(p *openovav1alpha1.Platform, cat *catalog.Catalog, req catalog.Request, schedule *metav1.Time) (*Change, error) {
	installed := Installed(p.Spec.Components)
	provided := map[string]string{}
	for _, e := range p.Spec.Components {
		if e.Provided != nil {
			provided[e.Name] = e.Provided.By
		}
	}
	for _, n := range req.Names {
		if by, ok := provided[n]; ok {
			return nil, inputErrorf("%s is provided by %s (the cluster installs and upgrades it); kubectl openova does not %s it", n, by, req.Kind)
		}
	}
	if req.All && len(provided) > 0 {
		req.All = false
		for _, e := range p.Spec.Components {
			if _, ok := provided[e.Name]; !ok {
				req.Names = append(req.Names, e.Name)
			}
		}
	}
	plan, err := catalog.Resolve(cat, installed, req)
	if err != nil {
		return nil, err
	}
	for _, s := range plan.Steps {
		if by, ok := provided[s.Component]; ok && s.Action != catalog.ActionKeep {
			return nil, &ProvidedError{Component: s.Component, By: by, Action: s.Action, Version: s.To}
		}
	}
	return &Change{Request: req, Plan: plan, Live: p.Spec.Components,
		Desired: DesiredEntries(p.Spec.Components, plan.Apply(installed), schedule), Schedule: schedule}, nil
}

// Changed reports whether the change writes anything.
func (ch *Change) Changed() bool { return ComponentsChanged(ch.Live, ch.Desired) }

// DesiredVersion is name's version after the change, "" when it is not in the platform.
func (ch *Change) DesiredVersion(name string) string {
	for _, e := range ch.Desired {
		if e.Name == name {
			return e.Version
		}
	}
	return ""
}

// Installed returns spec.components as the resolver's installed set.
func Installed(entries []openovav1alpha1.PlatformComponent) []catalog.Installed {
	out := make([]catalog.Installed, 0, len(entries))
	for _, e := range entries {
		out = append(out, catalog.Installed{Name: e.Name, Version: e.Version, Reason: e.Reason})
	}
	return out
}

// DesiredEntries returns spec.components after a plan: the entries of after (the plan
// applied to the installed set, in its order), each keeping what the CLI does not change
// (enabled, values). An entry whose version changes gets schedule as its notBefore when one
// is given (a scheduled upgrade), and loses an earlier notBefore otherwise; new entries are
// installed right away.
func DesiredEntries(live []openovav1alpha1.PlatformComponent, after []catalog.Installed, schedule *metav1.Time) []openovav1alpha1.PlatformComponent {
	byName := make(map[string]openovav1alpha1.PlatformComponent, len(live))
	for _, e := range live {
		byName[e.Name] = e
	}
	out := make([]openovav1alpha1.PlatformComponent, 0, len(after))
	for _, a := range after {
		e, had := byName[a.Name]
		if !had {
			out = append(out, openovav1alpha1.PlatformComponent{Name: a.Name, Version: a.Version, Reason: a.Reason})
			continue
		}
		e = *e.DeepCopy()
		if e.Version != a.Version {
			e.NotBefore = nil
			if schedule != nil {
				e.NotBefore = schedule.DeepCopy()
			}
		}
		e.Version, e.Reason = a.Version, a.Reason
		out = append(out, e)
	}
	return out
}

// entryDiff says which fields the CLI writes differ between a live entry and a desired one.
type entryDiff struct{ added, version, reason, notBefore bool }

func (d entryDiff) any() bool { return d.added || d.version || d.reason || d.notBefore }

func diffEntry(live *openovav1alpha1.PlatformComponent, desired openovav1alpha1.PlatformComponent) entryDiff {
	if live == nil {
		return entryDiff{added: true}
	}
	return entryDiff{
		version:   live.Version != desired.Version,
		reason:    live.Reason != desired.Reason,
		notBefore: !timeEqual(live.NotBefore, desired.NotBefore),
	}
}

func timeEqual(a, b *metav1.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Unix() == b.Unix()
}

// ComponentsChanged reports whether desired differs from live in anything the CLI writes:
// entries added or removed, versions, reasons, notBefore.
func ComponentsChanged(live, desired []openovav1alpha1.PlatformComponent) bool {
	if len(live) != len(desired) {
		return true
	}
	byName := entriesByName(live)
	for _, d := range desired {
		if diffEntry(byName[d.Name], d).any() {
			return true
		}
	}
	return false
}

func entriesByName(entries []openovav1alpha1.PlatformComponent) map[string]*openovav1alpha1.PlatformComponent {
	out := make(map[string]*openovav1alpha1.PlatformComponent, len(entries))
	for i := range entries {
		out[entries[i].Name] = &entries[i]
	}
	return out
}
