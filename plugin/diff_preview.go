package plugin

import (
	"sort"
	"strings"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"k8s.io/apimachinery/pkg/runtime"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/delivery"
)

// previewObjects are the operator's side of a --diff: the Components, and their
// HelmReleases, that the operator makes of the live Platform and of the merged one,
// rendered here with the operator's own functions (package delivery), not read from the
// cluster. Objects that render the same on both sides drop out of the diff.
func previewObjects(live, merged *openovav1alpha1.Platform, cat *catalog.Catalog) ([]diffObject, error) {
	before, err := renderPlatform(live, cat)
	if err != nil {
		return nil, err
	}
	after, err := renderPlatform(merged, cat)
	if err != nil {
		return nil, err
	}
	var objs []diffObject
	for name, obj := range after {
		objs = append(objs, diffObject{name: name, live: before[name], merged: obj})
	}
	for name, obj := range before {
		if _, ok := after[name]; !ok {
			objs = append(objs, diffObject{name: name, live: obj})
		}
	}
	// Components first, then HelmReleases, each by name.
	sort.Slice(objs, func(i, j int) bool {
		ci, cj := strings.Contains(objs[i].name, ".Component."), strings.Contains(objs[j].name, ".Component.")
		if ci != cj {
			return ci
		}
		return objs[i].name < objs[j].name
	})
	return objs, nil
}

// renderPlatform renders what the operator makes of p, by diff name: a Component for each
// enabled entry the catalog knows (an entry it does not know, or whose values do not
// render, makes none, as in the operator) and the HelmReleases of each helm Component (on
// two regions each region's: the standby's named <release>-<region> with spec.kubeConfig).
func renderPlatform(p *openovav1alpha1.Platform, cat *catalog.Catalog) (map[string]runtime.Object, error) {
	var entries []openovav1alpha1.PlatformComponent
	var set []catalog.Installed
	for _, e := range p.Spec.Components {
		if !e.IsEnabled() {
			continue
		}
		if comp, ok := cat.Component(e.Name); !ok {
			continue
		} else if _, ok := comp.Version(e.Version); !ok {
			continue
		}
		entries = append(entries, e)
		set = append(set, catalog.Installed{Name: e.Name, Version: e.Version, Reason: e.Reason})
	}
	inSet := make(map[string]bool, len(set))
	for _, s := range set {
		inSet[s.Name] = true
	}
	comps, _ := catalog.PlatformComponents(cat, p.Spec.Organization.Domain, set)
	components := map[string]*openovav1alpha1.Component{}
	out := map[string]runtime.Object{}
	componentGVK := openovav1alpha1.GroupVersion.WithKind("Component")
	for _, e := range entries {
		c, err := delivery.Component(p, cat, e, inSet, nil)
		if err != nil {
			continue
		}
		if err := delivery.Render(p, cat, e, comps, c); err != nil {
			continue
		}
		delivery.Provided(e, c)
		components[c.Name] = c
		out[diffName(componentGVK, c.Namespace, c.Name)] = c
	}
	releaseGVK := helmv2.GroupVersion.WithKind(helmv2.HelmReleaseKind)
	for _, c := range components {
		releases, err := delivery.DesiredRegionReleases(c, func(name string) *openovav1alpha1.Component { return components[name] })
		if err != nil {
			return nil, err
		}
		for _, hr := range releases {
			out[diffName(releaseGVK, hr.Namespace, hr.Name)] = hr
		}
	}
	return out, nil
}
