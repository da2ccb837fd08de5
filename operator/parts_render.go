package operator

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
)

// renderDelivery fills what c delivers for entry e of Platform p: the catalog's default
// values rendered with the Platform's context and the entry's values merged over them
// (spec.values of a single-part component; for a multi-part one the entry's values are
// keyed by chart-part name), and the rendered parts of a multi-part version.
func renderDelivery(p *openovav1alpha1.Platform, cat *catalog.Catalog, e openovav1alpha1.PlatformComponent, comps map[string]*catalog.ComponentContext, c *openovav1alpha1.Component) error {
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
