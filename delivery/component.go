package delivery

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
)

// Component fills a Component for entry e from the catalog, with the result of
// its upgrade check (upgrade, nil for none) in the AvailableUpgradeAnnotation.
func Component(p *openovav1alpha1.Platform, cat *catalog.Catalog, e openovav1alpha1.PlatformComponent, inSet map[string]bool, upgrade *openovav1alpha1.AvailableUpgrade) (*openovav1alpha1.Component, error) {
	comp, _ := cat.Component(e.Name)
	v, _ := comp.Version(e.Version)
	deps := map[string]bool{}
	for _, req := range v.Requires {
		deps[req.Name] = true
	}
	for _, opt := range v.Optional {
		if inSet[opt.Name] {
			deps[opt.Name] = true
		}
	}
	depList := make([]string, 0, len(deps))
	for d := range deps {
		depList = append(depList, d)
	}
	sort.Strings(depList)
	endpoints, err := comp.RenderEndpoints(p.Spec.Organization.Domain)
	if err != nil {
		return nil, fmt.Errorf("endpoints of %s: %w", e.Name, err)
	}
	c := &openovav1alpha1.Component{
		TypeMeta: metav1.TypeMeta{APIVersion: openovav1alpha1.GroupVersion.String(), Kind: "Component"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      e.Name,
			Namespace: p.Namespace,
			Labels:    map[string]string{openovav1alpha1.PlatformLabel: p.Name},
			// Created with its finalizer: no second write to add it.
			Finalizers: []string{openovav1alpha1.ComponentFinalizer},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(p,
				openovav1alpha1.GroupVersion.WithKind("Platform"))},
		},
		Spec: openovav1alpha1.ComponentSpec{
			Version:         e.Version,
			Category:        openovav1alpha1.Category(comp.Category),
			Delivery:        openovav1alpha1.Delivery(comp.Delivery),
			TargetNamespace: comp.Namespace,
			Dependencies:    depList,
			Values:          e.Values,
			NotBefore:       e.NotBefore,
			Endpoints:       endpoints,
			Regions:         ComponentRegions(p, comp.Placement),
		},
	}
	if upgrade != nil {
		data, err := json.Marshal(upgrade)
		if err != nil {
			return nil, fmt.Errorf("available upgrade of %s: %w", e.Name, err)
		}
		c.Annotations = map[string]string{openovav1alpha1.AvailableUpgradeAnnotation: string(data)}
	}
	if c.Spec.Delivery == "" {
		c.Spec.Delivery = openovav1alpha1.DeliveryHelm
	}
	if c.Spec.Delivery == openovav1alpha1.DeliveryHelm {
		c.Spec.Chart = &openovav1alpha1.ChartRef{Repository: comp.Chart.Repository, Name: comp.Chart.Name, Version: v.ChartVersion}
	}
	for _, w := range comp.Workloads {
		c.Spec.Workloads = append(c.Spec.Workloads, openovav1alpha1.WorkloadRef{Kind: w.Kind, Name: w.Name})
	}
	if comp.Upgrade.Timeout > 0 {
		c.Spec.UpgradeTimeout = &metav1.Duration{Duration: comp.Upgrade.Timeout}
	}
	if p.Spec.Updates != nil && p.Spec.Updates.MaintenanceWindow != nil {
		c.Spec.MaintenanceWindow = p.Spec.Updates.MaintenanceWindow.DeepCopy()
	}
	return c, nil
}

// Provided makes the Component of an entry the cluster provides (spec.components[].provided)
// one the operator only watches: bootstrap delivery, nothing to install, the provider's
// workloads (none: the nodes) for health.
func Provided(e openovav1alpha1.PlatformComponent, c *openovav1alpha1.Component) {
	if e.Provided == nil {
		return
	}
	c.Spec.Delivery = openovav1alpha1.DeliveryBootstrap
	c.Spec.ProvidedBy = e.Provided.By
	c.Spec.Chart, c.Spec.Parts, c.Spec.Values = nil, nil, nil
	c.Spec.Workloads = append([]openovav1alpha1.WorkloadRef(nil), e.Provided.Workloads...)
}

// Render fills what c delivers for entry e of Platform p: the catalog's default
// values rendered with the Platform's context and the entry's values merged over them
// (spec.values of a single-part component; for a multi-part one the entry's values are
// keyed by chart-part name), and the rendered parts of a multi-part version.
func Render(p *openovav1alpha1.Platform, cat *catalog.Catalog, e openovav1alpha1.PlatformComponent, comps map[string]*catalog.ComponentContext, c *openovav1alpha1.Component) error {
	comp, _ := cat.Component(e.Name)
	v, _ := comp.Version(e.Version)
	if comp.Delivery == catalog.DeliveryBundle {
		c.Spec.Delivery = openovav1alpha1.DeliveryBundle
		c.Spec.Chart, c.Spec.Values = nil, nil
		return nil
	}
	if comp.Delivery != catalog.DeliveryHelm {
		return nil
	}
	parts, err := comp.Render(v, comp.Context(v.Version, p.Spec.Organization.Domain, p.Spec.Organization.Name, comps))
	if err != nil {
		return fmt.Errorf("%s %s: %w", e.Name, e.Version, err)
	}
	var entry map[string]any
	if e.Values != nil && len(e.Values.Raw) > 0 {
		if err := json.Unmarshal(e.Values.Raw, &entry); err != nil {
			return fmt.Errorf("values of %s: %w", e.Name, err)
		}
	}
	if len(v.Parts) == 0 {
		raw, err := rawValues(catalog.MergeValues(parts[0].Values, entry))
		if err != nil {
			return err
		}
		c.Spec.Values = raw
		return nil
	}
	charts := map[string]bool{}
	for _, rp := range parts {
		if rp.Kind == catalog.PartChart {
			charts[rp.Name] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(entry)) {
		if _, ok := entry[k].(map[string]any); !charts[k] || !ok && entry[k] != nil {
			return fmt.Errorf("values of %s: %s %s has parts, so its values are keyed by chart part (%s); %q is not one",
				e.Name, e.Name, e.Version, strings.Join(slices.Sorted(maps.Keys(charts)), ", "), k)
		}
	}
	c.Spec.Chart, c.Spec.Values = nil, nil
	for _, rp := range parts {
		part := openovav1alpha1.ComponentPart{Name: rp.Name, Kind: openovav1alpha1.PartKind(rp.Kind)}
		switch rp.Kind {
		case catalog.PartChart:
			over, _ := entry[rp.Name].(map[string]any)
			raw, err := rawValues(catalog.MergeValues(rp.Values, over))
			if err != nil {
				return err
			}
			part.Release = rp.Release
			part.Chart = &openovav1alpha1.ChartRef{Repository: rp.Chart.Repository, Name: rp.Chart.Name, Version: rp.ChartVersion}
			part.Values = raw
		case catalog.PartResources:
			for _, obj := range rp.Objects {
				raw, err := json.Marshal(obj)
				if err != nil {
					return err
				}
				part.Resources = append(part.Resources, runtime.RawExtension{Raw: raw})
			}
		}
		c.Spec.Parts = append(c.Spec.Parts, part)
	}
	return nil
}

// rawValues encodes values; nil when empty, so a component without values has none.
func rawValues(values map[string]any) (*runtime.RawExtension, error) {
	if len(values) == 0 {
		return nil, nil
	}
	raw, err := json.Marshal(values)
	if err != nil {
		return nil, err
	}
	return &runtime.RawExtension{Raw: raw}, nil
}

// Regional reports whether p delivers its components per region: a platform with two
// regions, or one that had two and still reports on them (a lost standby keeps the
// primary's per-region releases).
func Regional(p *openovav1alpha1.Platform) bool {
	return len(p.Spec.Regions) >= 2 || len(p.Spec.Regions) == 1 && len(p.Status.Regions) > 0
}

// ComponentRegions is where a component of placement is delivered on p: nothing on a
// one-region platform (the operator's own cluster); on two regions the standby first,
// then the primary (the upgrade order), or the primary alone for placement primary.
func ComponentRegions(p *openovav1alpha1.Platform, placement catalog.Placement) []openovav1alpha1.ComponentRegion {
	if !Regional(p) {
		return nil
	}
	var standby, primary []openovav1alpha1.ComponentRegion
	for _, reg := range p.Spec.Regions {
		cr := openovav1alpha1.ComponentRegion{Name: reg.Name, Role: reg.Role}
		if reg.Role == openovav1alpha1.RegionPrimary {
			primary = append(primary, cr)
			continue
		}
		if reg.KubeConfig != nil {
			cr.KubeConfig = reg.KubeConfig.DeepCopy()
		}
		standby = append(standby, cr)
	}
	if placement == catalog.PlacementPrimary {
		return primary
	}
	return append(standby, primary...)
}
