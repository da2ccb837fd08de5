package plugin

import (
	"fmt"
	"strings"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// regionTitle is a region's column header: its name in capitals (FSN1).
func regionTitle(name string) string { return strings.ToUpper(name) }

// regionCell is a component's cell in a region's column: the version running there and
// its health there ("0.1.0 Healthy"), or "-" when the component is not placed there.
func regionCell(pal palette, regions []openovav1alpha1.RegionStatus, region string) cell {
	for _, r := range regions {
		if r.Name != region {
			continue
		}
		version, health := orDash(r.Version), orUnknown(r.Health)
		return styled(version+" "+health, func(string) string { return version + " " + pal.health(health) })
	}
	return styled("-", pal.faint)
}

// summaryDelivered reports whether a component summary is Healthy at its desired version,
// in every region it is placed in.
func summaryDelivered(c openovav1alpha1.ComponentSummary) bool {
	if c.Health != openovav1alpha1.HealthHealthy || c.Version != c.DesiredVersion {
		return false
	}
	for _, r := range c.Regions {
		if r.Health != openovav1alpha1.HealthHealthy || r.Version != c.DesiredVersion {
			return false
		}
	}
	return true
}

// writeRegions writes the REGIONS section of status: one line per region with its role,
// whether the operator reaches it, and its components' health there.
func writeRegions(b *strings.Builder, pal palette, regions []lifecycle.RegionState) {
	if len(regions) == 0 {
		return
	}
	b.WriteString("\nREGIONS\n")
	t := &table{indent: "  "}
	for _, r := range regions {
		t.add(regionRow(pal, regionTitle(r.Name), r)...)
	}
	_ = t.write(b)
}

// regionRow is a region's cells: name, role, reachability, health and components.
func regionRow(pal palette, name string, r lifecycle.RegionState) []cell {
	reach := styled("reachable", pal.green)
	switch {
	case !r.Reported:
		reach = styled("not reported yet", pal.yellow)
	case !r.Reachable:
		reach = styled("unreachable", pal.red)
	}
	healthStyle := pal.green
	if r.HealthyCount < r.ComponentCount {
		healthStyle = pal.yellow
	}
	detail := fmt.Sprintf("%d of %d components healthy", r.HealthyCount, r.ComponentCount)
	if r.Reported && !r.Reachable && r.Message != "" {
		detail += ": " + r.Message
	}
	return []cell{txt(name), txt(string(r.Role)), reach,
		styled(fmt.Sprintf("%d%%", r.HealthPercent), healthStyle), txt(detail)}
}

// writeRegionOrder says, under the plan of a platform with two regions, how the operator
// rolls a version change out: the standby first, the primary only once the standby is
// Healthy at the new version. The CLI still writes the Platform once; the operator keeps
// the order.
func writeRegionOrder(b *strings.Builder, v planView) {
	var primary, standby string
	for _, r := range v.Regions {
		switch r.Role {
		case openovav1alpha1.RegionPrimary:
			primary = r.Name
		case openovav1alpha1.RegionStandby:
			standby = r.Name
		}
	}
	if primary == "" || standby == "" || !hasAction(v.Plan, catalog.ActionUpgrade, catalog.ActionDowngrade) {
		return
	}
	fmt.Fprintf(b, "Regions: each version change goes to the standby region %s first; the primary region %s follows only once %s is Healthy at the new version. A failed change in %s is rolled back there and the primary is not touched.\n",
		standby, primary, standby, standby)
}
