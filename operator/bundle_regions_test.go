package operator

import (
	"testing"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// TestBundleHealthPerRegion: a bundle's region aggregates its members' status there; a
// member placed in the primary only does not count in the standby; a member Unknown in a
// region (unreachable) makes the bundle Unknown there, a failed one Degraded or Failed.
func TestBundleHealthPerRegion(t *testing.T) {
	standby := openovav1alpha1.ComponentRegion{Name: "hel1", Role: openovav1alpha1.RegionStandby}
	primary := openovav1alpha1.ComponentRegion{Name: "fsn1", Role: openovav1alpha1.RegionPrimary}
	member := func(name string, placed []openovav1alpha1.ComponentRegion, regions ...openovav1alpha1.RegionStatus) *openovav1alpha1.Component {
		return &openovav1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 1},
			Spec:   openovav1alpha1.ComponentSpec{Version: "1.0.0", Regions: placed},
			Status: openovav1alpha1.ComponentStatus{ObservedGeneration: 1, Health: openovav1alpha1.HealthHealthy, Version: "1.0.0", Regions: regions}}
	}
	healthy := func(region string) openovav1alpha1.RegionStatus {
		return openovav1alpha1.RegionStatus{Name: region, Health: openovav1alpha1.HealthHealthy, Version: "1.0.0"}
	}
	bundle := &openovav1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Name: "hub"},
		Spec: openovav1alpha1.ComponentSpec{Version: "2.0.0", Delivery: openovav1alpha1.DeliveryBundle, Dependencies: []string{"db", "portal"},
			Regions: []openovav1alpha1.ComponentRegion{standby, primary}}}
	members := map[string]*openovav1alpha1.Component{
		"db": member("db", []openovav1alpha1.ComponentRegion{standby, primary}, healthy("hel1"),
			openovav1alpha1.RegionStatus{Name: "fsn1", Health: openovav1alpha1.HealthProgressing, Version: "1.0.0"}),
		"portal": member("portal", []openovav1alpha1.ComponentRegion{primary},
			openovav1alpha1.RegionStatus{Name: "fsn1", Health: openovav1alpha1.HealthFailed}),
	}
	h := bundleHealth(bundle, members, "hel1")
	assert.Equal(t, openovav1alpha1.HealthHealthy, h.Health, "portal does not count in the standby")
	assert.True(t, h.Ready)
	assert.Contains(t, h.Message, "all 1 members placed in hel1 are healthy")
	h = bundleHealth(bundle, members, "fsn1")
	assert.Equal(t, openovav1alpha1.HealthFailed, h.Health, "never healthy before: Failed")
	assert.Contains(t, h.Message, "portal is Failed in fsn1")
	assert.Contains(t, h.Message, "db is Progressing in fsn1")

	bundle.Status.LastGoodVersion = "1.0.0"
	assert.Equal(t, openovav1alpha1.HealthDegraded, bundleHealth(bundle, members, "fsn1").Health)

	members["portal"].Status.Regions[0] = healthy("fsn1")
	members["db"].Status.Regions[0] = openovav1alpha1.RegionStatus{Name: "hel1", Health: openovav1alpha1.HealthUnknown, Message: "region hel1 is unreachable: …"}
	assert.Equal(t, openovav1alpha1.HealthUnknown, bundleHealth(bundle, members, "hel1").Health)
	assert.Equal(t, openovav1alpha1.HealthProgressing, bundleHealth(bundle, members, "fsn1").Health)
	// A member that reports no regions (delivered by bootstrap) counts with its own health.
	members["db"] = member("db", nil)
	assert.Equal(t, openovav1alpha1.HealthHealthy, bundleHealth(bundle, members, "hel1").Health)
	delete(members, "db")
	assert.Equal(t, openovav1alpha1.HealthProgressing, bundleHealth(bundle, members, "hel1").Health, "a member not created yet")
}
