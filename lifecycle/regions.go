package lifecycle

import (
	"fmt"
	"slices"
	"strings"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// Regions returns the Platform's regions, the primary first, when it has two: the regions
// the CLI shows a column for. On a one-region platform it returns nil, and every view
// looks as it did before regions existed.
func (v *View) Regions() []openovav1alpha1.Region {
	return sortedRegions(v.Platform.Spec.Regions)
}

// sortedRegions returns regions with the primary first, or nil for fewer than two.
func sortedRegions(regions []openovav1alpha1.Region) []openovav1alpha1.Region {
	if len(regions) < 2 {
		return nil
	}
	out := slices.Clone(regions)
	slices.SortStableFunc(out, func(a, b openovav1alpha1.Region) int {
		return boolRank(a.Role != openovav1alpha1.RegionPrimary) - boolRank(b.Role != openovav1alpha1.RegionPrimary)
	})
	return out
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// placedIn reports whether a Component is delivered to region: one of the regions of its
// spec.regions, which the operator fills from the catalog's placement.
func placedIn(obj *openovav1alpha1.Component, region string) bool {
	for _, r := range obj.Spec.Regions {
		if r.Name == region {
			return true
		}
	}
	return false
}

// regionStatuses returns a component's status in each region it is placed in, in the
// order of regions; a region the operator has not reported on is Unknown there. A
// Component without spec.regions (not created yet, or by an operator that does not place
// components in regions) has none: its overall health stands for it.
func regionStatuses(obj *openovav1alpha1.Component, regions []openovav1alpha1.Region) []openovav1alpha1.RegionStatus {
	if obj == nil || len(obj.Spec.Regions) == 0 {
		return nil
	}
	var out []openovav1alpha1.RegionStatus
	for _, r := range regions {
		if !placedIn(obj, r.Name) {
			continue
		}
		rs := openovav1alpha1.RegionStatus{Name: r.Name, Health: openovav1alpha1.HealthUnknown}
		for _, s := range obj.Status.Regions {
			if s.Name == r.Name {
				rs = s
			}
		}
		if rs.Health == "" {
			rs.Health = openovav1alpha1.HealthUnknown
		}
		out = append(out, rs)
	}
	return out
}

// Region returns the component's status in region, and false when it is not placed there.
func (s ComponentState) Region(region string) (openovav1alpha1.RegionStatus, bool) {
	for _, r := range s.Regions {
		if r.Name == region {
			return r, true
		}
	}
	return openovav1alpha1.RegionStatus{}, false
}

// RegionState is one region as a view sees it: its role, whether the operator reaches it,
// and its components' health counted from the same read as the component list.
type RegionState struct {
	// Name and Role of the region (spec.regions).
	Name string                     `json:"name"`
	Role openovav1alpha1.RegionRole `json:"role"`
	// Reported is true when the operator reported on the region (status.regions).
	Reported bool `json:"reported"`
	// Reachable is the operator's last word on whether the region's API server answers;
	// false when it has not reported.
	Reachable bool `json:"reachable"`
	// Message says why the region is unreachable.
	Message string `json:"message,omitempty"`
	// ComponentCount counts enabled components placed in the region; HealthyCount those
	// Healthy there at their desired version; HealthPercent their percentage.
	ComponentCount int32 `json:"componentCount"`
	HealthyCount   int32 `json:"healthyCount"`
	HealthPercent  int32 `json:"healthPercent"`
}

// Healthy reports whether the region is reachable and every component placed there is
// Healthy at its desired version.
func (r RegionState) Healthy() bool {
	return r.Reported && r.Reachable && r.HealthyCount == r.ComponentCount
}

// Problem says why the region is not healthy, or "".
func (r RegionState) Problem() string {
	switch {
	case !r.Reported:
		return fmt.Sprintf("the operator has not reported on region %s yet", r.Name)
	case !r.Reachable:
		msg := fmt.Sprintf("region %s is unreachable", r.Name)
		if r.Message != "" {
			msg += " (" + r.Message + ")"
		}
		return msg
	case r.HealthyCount < r.ComponentCount:
		return fmt.Sprintf("region %s: %d of %d components not healthy", r.Name, r.ComponentCount-r.HealthyCount, r.ComponentCount)
	}
	return ""
}

// RegionStates returns the state of every region, the primary first, when the platform
// has two; nil otherwise.
func (v *View) RegionStates() []RegionState {
	regions := v.Regions()
	if regions == nil {
		return nil
	}
	comps := v.Components()
	out := make([]RegionState, 0, len(regions))
	for _, r := range regions {
		rs := RegionState{Name: r.Name, Role: r.Role}
		for _, s := range v.Platform.Status.Regions {
			if s.Name == r.Name {
				rs.Reported, rs.Reachable, rs.Message = true, s.Reachable, s.Message
			}
		}
		for _, c := range comps {
			st, placed := c.Region(r.Name)
			if !placed {
				continue
			}
			rs.ComponentCount++
			if st.Health == openovav1alpha1.HealthHealthy && st.Version == c.DesiredVersion {
				rs.HealthyCount++
			}
		}
		if rs.ComponentCount > 0 {
			rs.HealthPercent = rs.HealthyCount * 100 / rs.ComponentCount
		}
		out = append(out, rs)
	}
	return out
}

// regionsPending says which regions of a Component are not yet Healthy at version, as
// "hel1: 0.1.0 Progressing"; "" when every region it is placed in is.
func regionsPending(comp *openovav1alpha1.Component, version string) string {
	var pending []string
	for _, r := range comp.Spec.Regions {
		st := findRegionStatus(comp, r.Name)
		if st.Health == openovav1alpha1.HealthHealthy && st.Version == version {
			continue
		}
		pending = append(pending, fmt.Sprintf("%s: %s %s", r.Name, orDash(st.Version), orUnknown(st.Health)))
	}
	return strings.Join(pending, ", ")
}

// findRegionStatus returns the Component's status in region (empty when not reported).
func findRegionStatus(comp *openovav1alpha1.Component, region string) openovav1alpha1.RegionStatus {
	for _, s := range comp.Status.Regions {
		if s.Name == region {
			return s
		}
	}
	return openovav1alpha1.RegionStatus{Name: region}
}

// regionRole returns the role of region in the Component's spec.regions.
func regionRole(comp *openovav1alpha1.Component, role openovav1alpha1.RegionRole) (openovav1alpha1.ComponentRegion, bool) {
	for _, r := range comp.Spec.Regions {
		if r.Role == role {
			return r, true
		}
	}
	return openovav1alpha1.ComponentRegion{}, false
}

// regionFailure explains a failed change of a Component delivered to two regions: which
// region failed (the standby goes first), and that the primary was not touched when it
// still runs another version. It returns "" for a one-region Component.
func regionFailure(comp *openovav1alpha1.Component, version string) string {
	if len(comp.Spec.Regions) < 2 {
		return ""
	}
	var parts []string
	for _, r := range comp.Spec.Regions {
		st := findRegionStatus(comp, r.Name)
		if st.Health == openovav1alpha1.HealthFailed || st.Health == openovav1alpha1.HealthDegraded || r.Role == openovav1alpha1.RegionStandby && st.Version != version {
			msg := fmt.Sprintf("failed in the %s region %s (%s %s)", r.Role, r.Name, orDash(st.Version), orUnknown(st.Health))
			if st.Message != "" {
				msg += ": " + st.Message
			}
			parts = append(parts, msg)
		}
	}
	if primary, ok := regionRole(comp, openovav1alpha1.RegionPrimary); ok {
		if st := findRegionStatus(comp, primary.Name); st.Version != version {
			parts = append(parts, fmt.Sprintf("the primary region %s was not touched (still at %s)", primary.Name, orDash(st.Version)))
		}
	}
	return strings.Join(parts, "; ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orUnknown(h string) string {
	if h == "" {
		return openovav1alpha1.HealthUnknown
	}
	return h
}
