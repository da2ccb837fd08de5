package lifecycle

import (
	"testing"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

func TestPlatformFailure(t *testing.T) {
	platform := func(observed int64, phase, reason string, comps ...openovav1alpha1.ComponentSummary) *openovav1alpha1.Platform {
		p := &openovav1alpha1.Platform{ObjectMeta: metav1.ObjectMeta{Name: "acme", Generation: 7}}
		p.Status.ObservedGeneration = observed
		p.Status.Phase = phase
		p.Status.Components = comps
		p.Status.Conditions = []metav1.Condition{{Type: openovav1alpha1.ReadyCondition, Status: metav1.ConditionFalse, Reason: reason, Message: "why"}}
		return p
	}
	rolledBack := openovav1alpha1.ComponentSummary{Name: "neo4j", Reason: openovav1alpha1.UpgradeRolledBackReason, Message: "rolled back"}
	unknown := openovav1alpha1.ComponentSummary{Name: "vllm", Reason: openovav1alpha1.UnknownVersionReason, Message: "no version 9.9.9"}
	langserve := []Target{{Name: "langserve", Remove: true}}
	vllm := []Target{{Name: "vllm", Version: "9.9.9"}}

	for _, tc := range []struct {
		name    string
		p       *openovav1alpha1.Platform
		targets []Target
		want    string // the error's message; empty: no failure
	}{
		{"another component's rolled-back upgrade does not stop a removal",
			platform(7, openovav1alpha1.PhaseDegraded, openovav1alpha1.UpgradeRolledBackReason, rolledBack), langserve, ""},
		{"a target's own entry problem stops it",
			platform(7, openovav1alpha1.PhaseFailed, openovav1alpha1.UnknownVersionReason, unknown), vllm,
			"platform acme cannot deliver vllm (UnknownVersion): no version 9.9.9"},
		{"another entry's problem does not stop the targets",
			platform(7, openovav1alpha1.PhaseFailed, openovav1alpha1.UnknownVersionReason, unknown), langserve, ""},
		{"a problem of the whole platform stops every target",
			platform(7, openovav1alpha1.PhaseFailed, openovav1alpha1.CatalogUnavailableReason), langserve,
			"platform acme cannot be delivered (CatalogUnavailable): why"},
		{"a status of an older generation says nothing",
			platform(6, openovav1alpha1.PhaseFailed, openovav1alpha1.CatalogUnavailableReason, unknown), vllm, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := PlatformFailure(tc.p, 7, tc.targets)
			if tc.want == "" {
				assert.Nil(t, got)
				return
			}
			if assert.NotNil(t, got) {
				assert.Equal(t, tc.want, got.Message)
			}
		})
	}
}

// TestEvaluateNeverCallsTheTargetHealthyEarly: while the old version still runs, its health
// is never shown next to the target version (the progress line "base 1.4.0: Healthy").
func TestEvaluateNeverCallsTheTargetHealthyEarly(t *testing.T) {
	comp := func(specVersion, statusVersion, health string) *openovav1alpha1.Component {
		c := &openovav1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Name: "base", Generation: 2}}
		c.Spec.Version = specVersion
		c.Status.Version, c.Status.Health, c.Status.ObservedGeneration = statusVersion, health, 2
		return c
	}
	target := Target{Name: "base", Version: "1.4.0"}
	for _, tc := range []struct {
		name  string
		comp  *openovav1alpha1.Component
		done  bool
		state string
	}{
		{name: "old version healthy", comp: comp("1.4.0", "1.0.0", openovav1alpha1.HealthHealthy), state: "1.0.0 runs (Healthy), 1.4.0 not deployed yet"},
		{name: "nothing deployed yet", comp: comp("1.4.0", "", openovav1alpha1.HealthHealthy), state: "an earlier version runs (Healthy), 1.4.0 not deployed yet"},
		{name: "progressing", comp: comp("1.4.0", "1.0.0", openovav1alpha1.HealthProgressing), state: openovav1alpha1.HealthProgressing},
		{name: "target healthy", comp: comp("1.4.0", "1.4.0", openovav1alpha1.HealthHealthy), done: true, state: "Healthy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Evaluate(target, tc.comp)
			assert.Equal(t, tc.done, s.Done)
			assert.Nil(t, s.Failed)
			assert.Equal(t, tc.state, s.State)
		})
	}
}
