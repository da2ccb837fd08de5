package delivery

import (
	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	fluxmeta "github.com/fluxcd/pkg/apis/meta"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// ReleaseDependencies returns the HelmReleases of c's dependencies to wait for: a
// single-part dependency's release, the last chart part's release of a multi-part one (it
// waits for the parts before it). Bootstrap components and bundles have no HelmRelease to
// depend on. get returns a dependency's Component, or nil when there is none (yet): its
// release is then waited for under the dependency's name.
func ReleaseDependencies(c *openovav1alpha1.Component, get func(name string) *openovav1alpha1.Component) []string {
	return ReleaseDependenciesIn(c, "", get)
}

// ReleaseDependenciesIn is ReleaseDependencies in one region of a two-region platform
// (region empty: any): a dependency placed in regions that do not include region (a
// placement: primary component, seen from the standby) has no release there and is left
// out. The names are the releases' base names; each region's own HelmRelease of a base
// is named for that region by the operator.
func ReleaseDependenciesIn(c *openovav1alpha1.Component, region string, get func(name string) *openovav1alpha1.Component) []string {
	var out []string
	for _, d := range c.Spec.Dependencies {
		if dep := get(d); dep != nil {
			switch {
			case dep.Spec.Delivery == openovav1alpha1.DeliveryBootstrap || dep.Spec.Delivery == openovav1alpha1.DeliveryBundle:
				continue
			case region != "" && len(dep.Spec.Regions) > 0 && !placedIn(dep, region):
				continue
			case len(dep.Spec.Parts) > 0:
				if last := LastChartPart(dep.Spec.Parts); last != nil {
					out = append(out, last.Release)
				}
				continue
			}
		}
		out = append(out, d)
	}
	return out
}

func placedIn(c *openovav1alpha1.Component, region string) bool {
	for _, r := range c.Spec.Regions {
		if r.Name == region {
			return true
		}
	}
	return false
}

// LastChartPart is the last chart part of parts, or nil.
func LastChartPart(parts []openovav1alpha1.ComponentPart) *openovav1alpha1.ComponentPart {
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i].Kind == openovav1alpha1.PartChart && parts[i].Chart != nil {
			return &parts[i]
		}
	}
	return nil
}

// DesiredReleases are the HelmReleases of a helm Component at its desired version, as a
// reconcile that nothing holds back (no failed or scheduled upgrade) applies them: one for
// a single-part component, one per chart part (each waiting for the part before it) for a
// multi-part one. dependsOn are its dependencies' releases (ReleaseDependencies).
func DesiredReleases(c *openovav1alpha1.Component, dependsOn []string) ([]*helmv2.HelmRelease, error) {
	return desiredReleases(c, dependsOn, nil)
}

// DesiredRegionReleases are the HelmReleases the operator writes for c when nothing holds
// an upgrade back: on a one-region platform (no spec.regions) those of DesiredReleases;
// otherwise, for every region in spec.regions, its own chain (RegionReleaseName, ForRegion),
// each waiting for its dependencies' releases in that region (ReleaseDependenciesIn). get
// is ReleaseDependencies'.
func DesiredRegionReleases(c *openovav1alpha1.Component, get func(name string) *openovav1alpha1.Component) ([]*helmv2.HelmRelease, error) {
	if len(c.Spec.Regions) == 0 {
		return DesiredReleases(c, ReleaseDependencies(c, get))
	}
	var out []*helmv2.HelmRelease
	for i := range c.Spec.Regions {
		reg := &c.Spec.Regions[i]
		deps := ReleaseDependenciesIn(c, reg.Name, get)
		for j := range deps {
			deps[j] = RegionReleaseName(deps[j], *reg)
		}
		rels, err := desiredReleases(c, deps, reg)
		if err != nil {
			return nil, err
		}
		out = append(out, rels...)
	}
	return out, nil
}

// desiredReleases is DesiredReleases in region reg (nil: the one region): each release
// named for the region, its chart parts chained within it.
func desiredReleases(c *openovav1alpha1.Component, dependsOn []string, reg *openovav1alpha1.ComponentRegion) ([]*helmv2.HelmRelease, error) {
	if c.Spec.Delivery != openovav1alpha1.DeliveryHelm && c.Spec.Delivery != "" {
		return nil, nil
	}
	release := func(rel Release, target Target) (*helmv2.HelmRelease, error) {
		base := rel.Name
		if reg != nil {
			rel.Name = RegionReleaseName(base, *reg)
		}
		hr, err := HelmRelease(c, rel, target)
		if err != nil || reg == nil {
			return hr, err
		}
		ForRegion(hr, *reg, base)
		return hr, nil
	}
	target := Target{Version: c.Spec.Version}
	var out []*helmv2.HelmRelease
	if len(c.Spec.Parts) == 0 {
		if c.Spec.Chart == nil {
			return nil, nil
		}
		hr, err := release(Release{Name: c.Name, Chart: *c.Spec.Chart, Values: c.Spec.Values, DependsOn: dependsOn}, target)
		if err != nil {
			return nil, err
		}
		return append(out, hr), nil
	}
	for i := range c.Spec.Parts {
		part := &c.Spec.Parts[i]
		if part.Kind != openovav1alpha1.PartChart || part.Chart == nil || part.Release == "" {
			continue
		}
		pt := target
		pt.ChartVersion = part.Chart.Version
		hr, err := release(Release{Name: part.Release, Part: part.Name, Chart: *part.Chart, Values: part.Values, DependsOn: dependsOn}, pt)
		if err != nil {
			return nil, err
		}
		out = append(out, hr)
		dependsOn = []string{hr.Name}
	}
	return out, nil
}

// RegionKubeconfigKey is the key a region's kubeconfig Secret holds it under when its
// reference names none (as bootstrap writes it and Flux reads it).
const RegionKubeconfigKey = "value"

// RegionReleaseName is the HelmRelease of base (a component's or a chart part's release)
// in region: the primary's keeps the name base, the one it has on a one-region platform,
// so adding or removing a standby never renames (and so reinstalls) what runs in the
// primary; a standby's is <base>-<region>. The Helm release is named base in every region.
func RegionReleaseName(base string, region openovav1alpha1.ComponentRegion) string {
	if region.Role == openovav1alpha1.RegionPrimary {
		return base
	}
	return base + "-" + region.Name
}

// ForRegion makes hr the HelmRelease of region, whose Helm release is helmName in every
// region (each its own cluster): labelled with the region (RegionLabel), and for a region
// reached through a kubeconfig Secret (the standby) with spec.kubeConfig naming it, so the
// primary's helm-controller delivers it there.
func ForRegion(hr *helmv2.HelmRelease, region openovav1alpha1.ComponentRegion, helmName string) {
	if hr.Labels == nil {
		hr.Labels = map[string]string{}
	}
	hr.Labels[RegionLabel] = region.Name
	hr.Spec.ReleaseName = helmName
	if region.KubeConfig != nil && region.KubeConfig.SecretRef.Name != "" {
		key := region.KubeConfig.SecretRef.Key
		if key == "" {
			key = RegionKubeconfigKey
		}
		hr.Spec.KubeConfig = &fluxmeta.KubeConfigReference{SecretRef: &fluxmeta.SecretKeyReference{Name: region.KubeConfig.SecretRef.Name, Key: key}}
	}
}
