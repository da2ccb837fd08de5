package operator

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// regionsOutcome is what summarizeRegions found: the regions whose API server the
// operator could not reach, with how many components are Unknown there.
type regionsOutcome struct {
	unreachable []string
	unknown     map[string]int
}

// summarizeRegions fills status.regions of a two-region Platform from its Components'
// status.regions (each region: reachable, components placed there, health %) and appends
// the region alerts: RegionUnreachable per unreachable region. A primary waiting for the
// standby raises none: the Component's Ready is the standby's (it leads), so the standby's
// state has its own alert when it is a problem (UpgradeFailed after a rollback, this
// RegionUnreachable) and none while it upgrades or waits for a window, as on one region.
// One-region platforms get nothing.
func summarizeRegions(p *openovav1alpha1.Platform, owned map[string]*openovav1alpha1.Component, prevAlerts map[string]openovav1alpha1.Alert, now metav1.Time) regionsOutcome {
	st := &p.Status
	out := regionsOutcome{unknown: map[string]int{}}
	if !regional(p) {
		st.Regions = nil
		return out
	}
	st.Regions = nil
	for _, reg := range p.Spec.Regions {
		sum := openovav1alpha1.RegionSummary{Name: reg.Name, Role: reg.Role, Reachable: true}
		var healthy int32
		for _, e := range p.Spec.Components {
			c := owned[e.Name]
			if !e.IsEnabled() || c == nil {
				continue
			}
			rs := findRegionStatus(c.Status.Regions, reg.Name)
			if rs == nil {
				continue
			}
			sum.ComponentCount++
			if rs.Health == openovav1alpha1.HealthHealthy && rs.Version == c.Spec.Version {
				healthy++
			}
			if rs.Health == openovav1alpha1.HealthUnknown && strings.HasPrefix(rs.Message, "region "+reg.Name+" is unreachable") {
				sum.Reachable = false
				out.unknown[reg.Name]++
				if sum.Message == "" {
					sum.Message = truncate(rs.Message, 1024)
				}
			}
		}
		if sum.ComponentCount > 0 {
			sum.HealthPercent = healthy * 100 / sum.ComponentCount
		}
		if !sum.Reachable {
			out.unreachable = append(out.unreachable, reg.Name)
			st.Alerts = append(st.Alerts, regionAlert(prevAlerts, "", reg.Name, RegionUnreachableReason, sum.Message, now))
		}
		st.Regions = append(st.Regions, sum)
	}
	return out
}

// message is the Platform's Ready message while regions are unreachable.
func (o regionsOutcome) message() string {
	var parts []string
	for _, r := range o.unreachable {
		parts = append(parts, fmt.Sprintf("region %s is unreachable: its %d components are Unknown there", r, o.unknown[r]))
	}
	return strings.Join(parts, "; ")
}
