package plugin

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// regionRole is the role of region in p's spec.regions.
func regionRole(p *openovav1alpha1.Platform, region string) openovav1alpha1.RegionRole {
	for _, r := range p.Spec.Regions {
		if r.Name == region {
			return r.Role
		}
	}
	return ""
}

func healthy(region, version string) openovav1alpha1.RegionStatus {
	return openovav1alpha1.RegionStatus{Name: region, Version: version, Health: openovav1alpha1.HealthHealthy}
}

// twoRegions makes p a platform in fsn1 (primary) and hel1 (standby), every component
// Healthy at its version in both, kserve placed in the primary only.
func twoRegions(p *openovav1alpha1.Platform) *openovav1alpha1.Platform {
	p.Spec.Regions = []openovav1alpha1.Region{
		{Name: "hel1", Role: openovav1alpha1.RegionStandby, KubeConfig: &openovav1alpha1.KubeConfigReference{SecretRef: openovav1alpha1.SecretKeyReference{Name: "acme-hel1-kubeconfig", Key: "value"}}},
		{Name: "fsn1", Role: openovav1alpha1.RegionPrimary},
	}
	p.Status.Regions = []openovav1alpha1.RegionSummary{
		{Name: "fsn1", Role: openovav1alpha1.RegionPrimary, Reachable: true, ComponentCount: 5, HealthPercent: 100},
		{Name: "hel1", Role: openovav1alpha1.RegionStandby, Reachable: true, ComponentCount: 4, HealthPercent: 100},
	}
	for i := range p.Status.Components {
		c := &p.Status.Components[i]
		c.Regions = []openovav1alpha1.RegionStatus{healthy("fsn1", c.Version)}
		if c.Name != "kserve" {
			c.Regions = append(c.Regions, healthy("hel1", c.Version))
		}
	}
	return p
}

// twoRegionsFailed: the upgrade of neo4j to 2.0.0 failed in the standby and was rolled
// back there (the primary was not touched); vllm 0.2.0 is rolling out in the standby.
func twoRegionsFailed() *openovav1alpha1.Platform {
	p := twoRegions(failedPlatform())
	p.Status.Components[2].Regions = []openovav1alpha1.RegionStatus{healthy("fsn1", "1.0.0"),
		{Name: "hel1", Version: "1.0.0", Health: openovav1alpha1.HealthDegraded, Message: "upgrade to 2.0.0 failed and was rolled back"}}
	p.Status.Components[3].Regions = []openovav1alpha1.RegionStatus{healthy("fsn1", "0.1.0"),
		{Name: "hel1", Version: "0.2.0", Health: openovav1alpha1.HealthProgressing}}
	p.Status.Alerts[0].Region = "hel1"
	p.Status.Regions[1].HealthPercent = 50
	return p
}

// twoRegionsUnreachable: the standby's API server does not answer; its components are
// Unknown there.
func twoRegionsUnreachable() *openovav1alpha1.Platform {
	p := twoRegions(aiHubPlatform())
	p.Status.Phase = openovav1alpha1.PhaseDegraded
	p.Status.Conditions[0].Status, p.Status.Conditions[0].Reason = "False", openovav1alpha1.PhaseDegraded
	p.Status.Conditions[0].Message = "region hel1 is unreachable: its 4 components are Unknown there"
	p.Status.Regions[1] = openovav1alpha1.RegionSummary{Name: "hel1", Role: openovav1alpha1.RegionStandby, ComponentCount: 4,
		Message: "Get \"https://10.0.0.2:6443/api\": dial tcp 10.0.0.2:6443: connect: connection refused"}
	for i := range p.Status.Components {
		c := &p.Status.Components[i]
		if len(c.Regions) == 2 {
			c.Regions[1] = openovav1alpha1.RegionStatus{Name: "hel1", Version: c.Version, Health: openovav1alpha1.HealthUnknown, Message: "region hel1 is unreachable"}
		}
	}
	p.Status.Alerts = []openovav1alpha1.Alert{{Region: "hel1", Reason: "RegionUnreachable", Since: mtime(2 * time.Minute),
		Message: "the API server of region hel1 does not answer"}}
	return p
}

func TestTwoRegionGolden(t *testing.T) {
	cat := testCatalog(t)
	tests := []struct {
		name    string
		p       *openovav1alpha1.Platform
		healthy bool
	}{
		{"healthy", twoRegions(aiHubPlatform()), true},
		{"failed-upgrade", twoRegionsFailed(), false},
		{"unreachable", twoRegionsUnreachable(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			sv := NewStatusView(viewOf(tt.p, nil))
			assert.Equal(t, tt.healthy, sv.Healthy, "status --check: %v", sv.Problems)
			require.NoError(t, printStatus(&out, palette{}, newTestGlobal(&out), sv, refTime))
			golden(t, "regions-status-"+tt.name+".golden", out.Bytes())
			out.Reset()
			require.NoError(t, PrintData(&out, "json", sv))
			golden(t, "regions-status-"+tt.name+".json", out.Bytes())

			out.Reset()
			cv := NewComponentsView(viewOf(tt.p, cat), false)
			require.NoError(t, printComponents(&out, palette{}, cv))
			golden(t, "regions-components-"+tt.name+".golden", out.Bytes())
			out.Reset()
			require.NoError(t, PrintData(&out, "json", cv))
			golden(t, "regions-components-"+tt.name+".json", out.Bytes())
		})
	}
}

// TestTwoRegionsHealthNeedsEveryRegion: a component Healthy overall but not yet at its
// version in the standby is not delivered, and the platform is not healthy.
func TestTwoRegionsHealthNeedsEveryRegion(t *testing.T) {
	p := twoRegions(aiHubPlatform())
	p.Status.Components[0].Regions[1] = openovav1alpha1.RegionStatus{Name: "hel1", Version: "0.0.9", Health: openovav1alpha1.HealthHealthy}
	pv := viewOf(p, nil)
	h := pv.Health()
	assert.Equal(t, int32(4), h.Delivered)
	sv := NewStatusView(pv)
	assert.False(t, sv.Healthy)
	assert.Contains(t, sv.Problems, "region hel1: 1 of 4 components not healthy")

	// A region the operator has not reported on yet is a problem too.
	p = twoRegions(aiHubPlatform())
	p.Status.Regions = p.Status.Regions[:1]
	sv = NewStatusView(viewOf(p, nil))
	assert.False(t, sv.Healthy)
	assert.Contains(t, sv.Problems, "the operator has not reported on region hel1 yet")

	// A Component the operator placed in no region (one that does not know regions) is
	// judged by its overall health, and counted in no region.
	p = twoRegions(aiHubPlatform())
	pv = viewOf(p, nil)
	pv.Objects["grafana"].Spec.Regions, pv.Objects["grafana"].Status.Regions = nil, nil
	state, _ := pv.Entry("grafana")
	assert.Nil(t, state.Regions)
	assert.True(t, state.Delivered())
	assert.Equal(t, int32(4), pv.RegionStates()[0].ComponentCount)
	assert.True(t, NewStatusView(pv).Healthy)

	// One region: no region data at all (the one-region goldens stay as they were).
	one := aiHubPlatform()
	one.Spec.Regions = []openovav1alpha1.Region{{Name: "fsn1", Role: openovav1alpha1.RegionPrimary}}
	pv = viewOf(one, nil)
	assert.Nil(t, pv.Regions())
	assert.Nil(t, NewStatusView(pv).Regions)
}

// TestTwoRegionUpgradePlanGolden: on two regions the upgrade plan says the standby goes
// first; on one region the plan has no such line (plan-upgrade-with-dependency.golden).
func TestTwoRegionUpgradePlanGolden(t *testing.T) {
	cat := testCatalog(t)
	p := twoRegions(aiHubPlatform())
	ch, err := lifecycle.PlanChange(p, cat, catalog.Request{Kind: catalog.Upgrade, Names: []string{"ai-hub"}}, nil)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, printPlan(&out, palette{}, planView{Platform: "acme", Catalog: cat, Change: ch, Regions: p.Spec.Regions}))
	golden(t, "regions-plan-upgrade.golden", out.Bytes())

	// An install changes no version in place: no order to tell.
	ch, err = lifecycle.PlanChange(p, cat, catalog.Request{Kind: catalog.Install, Names: []string{"feast"}}, nil)
	if err == nil {
		out.Reset()
		require.NoError(t, printPlan(&out, palette{}, planView{Platform: "acme", Catalog: cat, Change: ch, Regions: p.Spec.Regions}))
		assert.NotContains(t, out.String(), "standby region")
	}
}
