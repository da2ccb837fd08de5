package operator

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// comp is a Component as the Platform reconciler sees it in its cache.
type comp struct {
	spec, running string
	gen, observed int64
	health        string
	ready         metav1.ConditionStatus
	reason        string
	upgradeFailed bool
	stalled       bool
}

func (c comp) build(name string) *openovav1alpha1.Component {
	out := &openovav1alpha1.Component{
		ObjectMeta: metav1.ObjectMeta{Name: name, Generation: c.gen},
		Spec:       openovav1alpha1.ComponentSpec{Version: c.spec},
		Status:     openovav1alpha1.ComponentStatus{Version: c.running, Health: c.health, ObservedGeneration: c.observed},
	}
	if c.ready != "" {
		reason := c.reason
		if reason == "" {
			reason = openovav1alpha1.HealthyReason
		}
		meta.SetStatusCondition(&out.Status.Conditions, metav1.Condition{Type: openovav1alpha1.ReadyCondition, Status: c.ready, Reason: reason, Message: "component says " + reason})
	}
	if c.upgradeFailed {
		meta.SetStatusCondition(&out.Status.Conditions, metav1.Condition{Type: openovav1alpha1.UpgradeFailedCondition, Status: metav1.ConditionTrue,
			Reason: openovav1alpha1.UpgradeRolledBackReason, Message: "upgrade rolled back"})
	}
	if c.stalled {
		meta.SetStatusCondition(&out.Status.Conditions, metav1.Condition{Type: openovav1alpha1.StalledCondition, Status: metav1.ConditionTrue, Reason: c.reason, Message: "stalled"})
	}
	return out
}

func TestSummarize(t *testing.T) {
	healthyAt := func(v string, gen int64) comp {
		return comp{spec: v, running: v, gen: gen, observed: gen, health: openovav1alpha1.HealthHealthy, ready: metav1.ConditionTrue}
	}
	tests := []struct {
		name     string
		entries  []entry
		comps    map[string]comp
		out      platformOutcome
		ready    metav1.ConditionStatus
		reason   string
		phase    string
		percent  int32
		stalled  bool
		notReady []string // entries whose summary is not ready
		alerts   int
	}{
		{name: "every component delivered at its entry's version",
			entries: []entry{{Name: "a", Version: "1.0.0"}, {Name: "b", Version: "2.0.0"}},
			comps:   map[string]comp{"a": healthyAt("1.0.0", 1), "b": healthyAt("2.0.0", 3)},
			ready:   metav1.ConditionTrue, reason: openovav1alpha1.HealthyReason, phase: openovav1alpha1.PhaseReady, percent: 100},
		{name: "desired 2.0.0, the Component (not yet updated) healthy at 1.0.0",
			entries: []entry{{Name: "a", Version: "2.0.0"}},
			comps:   map[string]comp{"a": healthyAt("1.0.0", 1)},
			ready:   metav1.ConditionFalse, reason: openovav1alpha1.ProgressingReason, phase: openovav1alpha1.PhaseProgressing, percent: 0, notReady: []string{"a"}},
		{name: "the Component asks for 2.0.0, its status still describes generation 1",
			entries: []entry{{Name: "a", Version: "2.0.0"}},
			comps: map[string]comp{"a": {spec: "2.0.0", running: "1.0.0", gen: 2, observed: 1, health: openovav1alpha1.HealthHealthy,
				ready: metav1.ConditionTrue}},
			ready: metav1.ConditionFalse, reason: openovav1alpha1.ProgressingReason, phase: openovav1alpha1.PhaseProgressing, percent: 0, notReady: []string{"a"}},
		{name: "observed, Ready, but still running 1.0.0",
			entries: []entry{{Name: "a", Version: "2.0.0"}},
			comps: map[string]comp{"a": {spec: "2.0.0", running: "1.0.0", gen: 2, observed: 2, health: openovav1alpha1.HealthHealthy,
				ready: metav1.ConditionTrue}},
			ready: metav1.ConditionFalse, reason: openovav1alpha1.ProgressingReason, phase: openovav1alpha1.PhaseProgressing, percent: 0, notReady: []string{"a"}},
		{name: "one component upgrading, one delivered",
			entries: []entry{{Name: "a", Version: "1.0.0"}, {Name: "b", Version: "2.0.0"}},
			comps: map[string]comp{"a": healthyAt("1.0.0", 1), "b": {spec: "2.0.0", running: "1.0.0", gen: 2, observed: 2,
				health: openovav1alpha1.HealthProgressing, ready: metav1.ConditionFalse, reason: openovav1alpha1.ProgressingReason}},
			ready: metav1.ConditionFalse, reason: openovav1alpha1.ProgressingReason, phase: openovav1alpha1.PhaseProgressing, percent: 50, notReady: []string{"b"}},
		{name: "an entry without its Component yet",
			entries: []entry{{Name: "a", Version: "1.0.0"}},
			ready:   metav1.ConditionFalse, reason: openovav1alpha1.ProgressingReason, phase: openovav1alpha1.PhaseProgressing, percent: 0, notReady: []string{"a"}},
		{name: "an upgrade rolled back: healthy on the last good version, not Ready, Stalled",
			entries: []entry{{Name: "a", Version: "2.0.0"}},
			comps: map[string]comp{"a": {spec: "2.0.0", running: "1.0.0", gen: 2, observed: 2, health: openovav1alpha1.HealthHealthy,
				ready: metav1.ConditionFalse, reason: openovav1alpha1.UpgradeRolledBackReason, upgradeFailed: true, stalled: true}},
			ready: metav1.ConditionFalse, reason: openovav1alpha1.UpgradeRolledBackReason, phase: openovav1alpha1.PhaseDegraded, percent: 100,
			stalled: true, notReady: []string{"a"}, alerts: 1},
		{name: "an upgrade waiting for its window",
			entries: []entry{{Name: "a", Version: "2.0.0"}},
			comps: map[string]comp{"a": {spec: "2.0.0", running: "1.0.0", gen: 2, observed: 2, health: openovav1alpha1.HealthHealthy,
				ready: metav1.ConditionFalse, reason: openovav1alpha1.UpgradeScheduledReason}},
			ready: metav1.ConditionFalse, reason: openovav1alpha1.UpgradeScheduledReason, phase: openovav1alpha1.PhaseProgressing, percent: 100, notReady: []string{"a"}},
		{name: "a degraded component",
			entries: []entry{{Name: "a", Version: "1.0.0"}, {Name: "b", Version: "1.0.0"}},
			comps: map[string]comp{"a": healthyAt("1.0.0", 1), "b": {spec: "1.0.0", running: "1.0.0", gen: 1, observed: 1,
				health: openovav1alpha1.HealthDegraded, ready: metav1.ConditionFalse, reason: openovav1alpha1.DegradedReason, stalled: true}},
			ready: metav1.ConditionFalse, reason: openovav1alpha1.DegradedReason, phase: openovav1alpha1.PhaseDegraded, percent: 50,
			stalled: true, notReady: []string{"b"}, alerts: 1},
		{name: "an entry the catalog lacks; the other delivered",
			entries: []entry{{Name: "a", Version: "1.0.0"}, {Name: "b", Version: "9.9.9"}},
			comps:   map[string]comp{"a": healthyAt("1.0.0", 1), "b": healthyAt("1.0.0", 1)},
			out: platformOutcome{problems: map[string]entryProblem{"b": {Reason: openovav1alpha1.UnknownVersionReason,
				Message: "spec.components[1]: b has no version 9.9.9 in the catalog"}}},
			ready: metav1.ConditionFalse, reason: openovav1alpha1.UnknownVersionReason, phase: openovav1alpha1.PhaseFailed, percent: 50,
			stalled: true, notReady: []string{"b"}, alerts: 1},
		{name: "an entry whose values do not render: Stalled like every entry problem",
			entries: []entry{{Name: "a", Version: "1.0.0"}},
			comps:   map[string]comp{"a": healthyAt("1.0.0", 1)},
			out: platformOutcome{problems: map[string]entryProblem{"a": {Reason: openovav1alpha1.InvalidValuesReason,
				Message: "spec.components[0]: a: values do not render"}}},
			ready: metav1.ConditionFalse, reason: openovav1alpha1.InvalidValuesReason, phase: openovav1alpha1.PhaseFailed, percent: 0,
			stalled: true, notReady: []string{"a"}, alerts: 1},
		{name: "the whole Platform blocked",
			entries: []entry{{Name: "a", Version: "1.0.0"}},
			comps:   map[string]comp{"a": healthyAt("1.0.0", 1)},
			out:     platformOutcome{blocked: &metav1.Condition{Reason: openovav1alpha1.ConstraintViolationReason, Message: "a requires b"}},
			ready:   metav1.ConditionFalse, reason: openovav1alpha1.ConstraintViolationReason, phase: openovav1alpha1.PhaseFailed, percent: 100,
			stalled: true, alerts: 1},
		{name: "no components", ready: metav1.ConditionTrue, reason: openovav1alpha1.HealthyReason, phase: openovav1alpha1.PhaseReady, percent: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlatform("ns", tt.entries...)
			p.Generation = 4
			owned := map[string]*openovav1alpha1.Component{}
			for name, c := range tt.comps {
				owned[name] = c.build(name)
			}
			(&PlatformReconciler{Now: time.Now}).summarize(context.Background(), p, owned, tt.out)
			st := p.Status
			ready := meta.FindStatusCondition(st.Conditions, openovav1alpha1.ReadyCondition)
			if assert.NotNil(t, ready) {
				assert.Equal(t, tt.ready, ready.Status, ready.Message)
				assert.Equal(t, tt.reason, ready.Reason, ready.Message)
				assert.Equal(t, int64(4), ready.ObservedGeneration)
			}
			assert.Equal(t, tt.phase, st.Phase)
			assert.Equal(t, tt.percent, st.HealthPercent)
			assert.Equal(t, int32(len(tt.entries)), st.ComponentCount)
			assert.Len(t, st.Alerts, tt.alerts, "%+v", st.Alerts)
			assert.Equal(t, tt.stalled, meta.IsStatusConditionTrue(st.Conditions, openovav1alpha1.StalledCondition), "Stalled")
			assert.Equal(t, tt.ready != metav1.ConditionTrue && !tt.stalled,
				meta.IsStatusConditionTrue(st.Conditions, openovav1alpha1.ReconcilingCondition), "Reconciling")
			var notReady []string
			for _, s := range st.Components {
				if !s.Ready {
					notReady = append(notReady, s.Name)
					assert.NotEmpty(t, s.Reason, "a summary that is not ready says why")
					assert.NotEmpty(t, s.Message)
				} else {
					assert.Empty(t, s.Reason)
				}
			}
			assert.Equal(t, tt.notReady, notReady)
			if prob, ok := tt.out.problems["b"]; ok {
				assert.Equal(t, prob.Reason, st.Components[1].Reason)
				assert.Equal(t, "b", st.Alerts[0].Component)
				assert.Equal(t, prob.Reason, st.Alerts[0].Reason)
			}
		})
	}
}
