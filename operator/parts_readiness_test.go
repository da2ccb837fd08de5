package operator

import (
	"testing"

	"github.com/stretchr/testify/assert"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// TestPartsReadiness: a multi-part component's health from its parts — a failed part stalls
// it (Degraded while a good version still runs, else Failed), as a failed single release
// does, so --wait ends with the failure; a part still on its way does not.
func TestPartsReadiness(t *testing.T) {
	part := func(name, health, msg string) openovav1alpha1.PartStatus {
		return openovav1alpha1.PartStatus{Name: name, Kind: openovav1alpha1.PartChart, Health: health, Message: msg}
	}
	for _, tc := range []struct {
		name     string
		lastGood string
		parts    []openovav1alpha1.PartStatus
		health   string
		ready    bool
		stalled  bool
		healthy  bool
		message  string
	}{
		{name: "every part healthy", parts: []openovav1alpha1.PartStatus{part("crd", openovav1alpha1.HealthHealthy, ""), part("app", openovav1alpha1.HealthHealthy, "")},
			health: openovav1alpha1.HealthHealthy, ready: true, healthy: true, message: "kserve 1.1.0 is deployed and healthy (2 parts)"},
		{name: "a part on its way", parts: []openovav1alpha1.PartStatus{part("crd", openovav1alpha1.HealthHealthy, ""), part("app", openovav1alpha1.HealthProgressing, "installing")},
			health: openovav1alpha1.HealthProgressing, message: "part app: installing"},
		{name: "chart not found on first install", parts: []openovav1alpha1.PartStatus{part("crd", openovav1alpha1.HealthFailed, "chart kserve-crd 1.1.0 not found")},
			health: openovav1alpha1.HealthFailed, stalled: true, message: "part crd: chart kserve-crd 1.1.0 not found"},
		{name: "chart not found on upgrade", lastGood: "1.0.0", parts: []openovav1alpha1.PartStatus{part("crd", openovav1alpha1.HealthHealthy, ""), part("app", openovav1alpha1.HealthDegraded, "chart kserve 1.1.0 not found")},
			health: openovav1alpha1.HealthDegraded, stalled: true, message: "part app: chart kserve 1.1.0 not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &openovav1alpha1.Component{}
			c.Name = "kserve"
			c.Spec.Version = "1.1.0"
			c.Status.LastGoodVersion = tc.lastGood
			h, healthy := partsReadiness(c, tc.parts, "1.1.0")
			assert.Equal(t, tc.health, h.Health)
			assert.Equal(t, tc.ready, h.Ready, "ready")
			assert.Equal(t, tc.stalled, h.Stalled, "stalled")
			assert.Equal(t, tc.healthy, healthy, "healthy")
			assert.Equal(t, tc.message, h.Message)
		})
	}
}
