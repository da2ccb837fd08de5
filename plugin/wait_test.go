package plugin

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// scripted is a client.Reader whose List returns one scripted list per call (the last one
// from then on): the operator's progress, poll by poll. Get returns platform (a Platform
// the operator has not reported on when nil).
type scripted struct {
	client.Reader
	polls    [][]openovav1alpha1.Component
	n        int
	platform *openovav1alpha1.Platform
}

func (s *scripted) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	p := s.platform
	if p == nil {
		p = &openovav1alpha1.Platform{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace}}
	}
	p.DeepCopyInto(obj.(*openovav1alpha1.Platform))
	return nil
}

func (s *scripted) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	items := s.polls[min(s.n, len(s.polls)-1)]
	s.n++
	list.(*openovav1alpha1.ComponentList).Items = items
	return nil
}

func component(name, specVersion, version, health, reason, message string) openovav1alpha1.Component {
	c := openovav1alpha1.Component{
		ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 1},
		Spec:       openovav1alpha1.ComponentSpec{Version: specVersion},
		Status:     openovav1alpha1.ComponentStatus{Version: version, Health: health, ObservedGeneration: 1},
	}
	if reason != "" {
		c.Status.Conditions = []metav1.Condition{{Type: openovav1alpha1.ReadyCondition, Reason: reason, Message: message,
			Status: metav1.ConditionFalse}}
	}
	return c
}

func TestWaitProgressGolden(t *testing.T) {
	plan := &catalog.Plan{Steps: []catalog.Step{
		{Action: catalog.ActionInstall, Component: "kserve", To: "1.0.0"},
		{Action: catalog.ActionKeep, Component: "grafana", From: "0.1.0", To: "0.1.0"},
		{Action: catalog.ActionInstall, Component: "ai-hub", To: "1.0.0"},
		{Action: catalog.ActionRemove, Component: "feast", From: "0.1.0"},
	}}
	grafana := component("grafana", "0.1.0", "0.1.0", "Healthy", "", "")
	feast := component("feast", "0.1.0", "0.1.0", "Healthy", "", "")
	polls := [][]openovav1alpha1.Component{
		{grafana, feast},
		{grafana, feast, component("kserve", "1.0.0", "", "Progressing", "Progressing", "installing"),
			component("ai-hub", "1.0.0", "", "Progressing", "DependencyNotReady", "dependency kserve is not ready")},
		{grafana, component("kserve", "1.0.0", "1.0.0", "Healthy", "", ""),
			component("ai-hub", "1.0.0", "", "Progressing", "Progressing", "installing")},
		{grafana, component("kserve", "1.0.0", "1.0.0", "Healthy", "", ""), component("ai-hub", "1.0.0", "1.0.0", "Healthy", "", "")},
	}
	clock := func() time.Time { return refTime }
	var out bytes.Buffer
	w := &waiter{Client: &scripted{polls: polls}, Namespace: "openova-system", Platform: "acme", Out: &out, Interval: time.Millisecond, Now: clock}
	require.NoError(t, w.wait(context.Background(), lifecycle.Targets(plan), time.Minute))
	golden(t, "wait-install.golden", out.Bytes())

	// A failed upgrade ends the wait with exit code 4 and the operator's message.
	failed := component("neo4j", "2.0.0", "1.0.0", "Healthy", "", "")
	failed.Status.FailedVersion = "2.0.0"
	failed.Status.Conditions = []metav1.Condition{{Type: openovav1alpha1.UpgradeFailedCondition, Status: metav1.ConditionTrue,
		Reason: openovav1alpha1.UpgradeRolledBackReason, Message: "upgrade of neo4j from 1.0.0 to 2.0.0 failed and was rolled back to 1.0.0: context deadline exceeded"}}
	out.Reset()
	w = &waiter{Client: &scripted{polls: [][]openovav1alpha1.Component{{component("neo4j", "2.0.0", "1.0.0", "Progressing", "Progressing", "upgrading")}, {failed}}},
		Out: &out, Interval: time.Millisecond, Now: clock}
	err := w.wait(context.Background(), []lifecycle.Target{{Name: "neo4j", Version: "2.0.0"}}, time.Minute)
	require.Error(t, err)
	assert.Equal(t, ExitUnhealthy, ExitCode(err))
	assert.Equal(t, "upgrade of neo4j from 1.0.0 to 2.0.0 failed and was rolled back to 1.0.0: context deadline exceeded", err.Error())
	golden(t, "wait-failed-upgrade.golden", out.Bytes())

	// A timeout says what is still pending.
	out.Reset()
	w = &waiter{Client: &scripted{polls: [][]openovav1alpha1.Component{{component("vllm", "0.2.0", "0.1.0", "Progressing", "Progressing", "upgrading")}}},
		Out: &out, Interval: time.Millisecond, Now: clock}
	err = w.wait(context.Background(), []lifecycle.Target{{Name: "vllm", Version: "0.2.0"}}, 20*time.Millisecond)
	assert.Equal(t, ExitUnhealthy, ExitCode(err))
	assert.Equal(t, "timed out after 20ms waiting for vllm (Progressing)", err.Error())

	// On a terminal, a spinner line below the progress lines.
	out.Reset()
	w = &waiter{Client: &scripted{polls: polls[2:]}, Out: &out, TTY: true, Interval: 250 * time.Millisecond, Now: clock}
	require.NoError(t, w.wait(context.Background(), []lifecycle.Target{{Name: "ai-hub", Version: "1.0.0"}}, time.Minute))
	assert.Contains(t, out.String(), "\r\x1b[K⠋ waiting for ai-hub (Progressing)")
	assert.Contains(t, out.String(), "\r\x1b[K✔ ai-hub 1.0.0 is Healthy\n")
}

// TestWaitEndsOnATerminalProblem: --wait ends at once, exit 4, with the reason and message
// the operator reports, instead of waiting out its timeout: the README demo's case (the
// Platform Failed with UnknownVersion while the Component stays at its old version), and a
// Component that is Stalled.
func TestWaitEndsOnATerminalProblem(t *testing.T) {
	failedPlatform := &openovav1alpha1.Platform{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: "openova-system", Generation: 7},
		Status: openovav1alpha1.PlatformStatus{Phase: openovav1alpha1.PhaseFailed, ObservedGeneration: 7,
			Components: []openovav1alpha1.ComponentSummary{{Name: "grafana", Reason: openovav1alpha1.UnknownVersionReason,
				Message: "grafana has no version 11.4.0 in the catalog (known: [11.3.0 11.2.0])"}},
			Conditions: []metav1.Condition{{Type: openovav1alpha1.ReadyCondition, Status: metav1.ConditionFalse, Reason: openovav1alpha1.UnknownVersionReason,
				Message: "grafana has no version 11.4.0 in the catalog (known: [11.3.0 11.2.0])"}}},
	}
	olderStatus := failedPlatform.DeepCopy()
	olderStatus.Status.ObservedGeneration = 6
	stalled := component("grafana", "11.4.0", "11.3.0", "Degraded", "", "")
	stalled.Status.Conditions = []metav1.Condition{{Type: "Stalled", Status: metav1.ConditionTrue, Reason: "InstallFailed",
		Message: "Helm install failed for release monitoring/grafana: chart not found"}}
	tests := []struct {
		name     string
		platform *openovav1alpha1.Platform
		comp     openovav1alpha1.Component
		reason   string
		message  string
	}{
		{"platform failed for the written generation", failedPlatform, component("grafana", "11.3.0", "11.3.0", "Healthy", "", ""),
			openovav1alpha1.UnknownVersionReason, "platform acme cannot deliver grafana (UnknownVersion): grafana has no version 11.4.0 in the catalog (known: [11.3.0 11.2.0])"},
		{"component stalled", nil, stalled, "InstallFailed", "Helm install failed for release monitoring/grafana: chart not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			w := &waiter{Client: &scripted{polls: [][]openovav1alpha1.Component{{tt.comp}}, platform: tt.platform},
				Namespace: "openova-system", Platform: "acme", Generation: 7, Out: &out, Interval: time.Millisecond}
			err := w.wait(context.Background(), []lifecycle.Target{{Name: "grafana", Version: "11.4.0"}}, 2*time.Second)
			require.Error(t, err)
			assert.Equal(t, ExitUnhealthy, ExitCode(err))
			var unhealthy *lifecycle.UnhealthyError
			require.ErrorAs(t, err, &unhealthy)
			assert.False(t, unhealthy.Timeout, "ends at once, not at the timeout")
			assert.Equal(t, tt.reason, unhealthy.Reason)
			assert.Equal(t, tt.message, err.Error())
		})
	}

	// A Failed status about an older generation does not end the wait: the operator has
	// not seen the change yet.
	w := &waiter{Client: &scripted{polls: [][]openovav1alpha1.Component{{component("grafana", "11.3.0", "11.3.0", "Healthy", "", "")}}, platform: olderStatus},
		Namespace: "openova-system", Platform: "acme", Generation: 7, Out: &bytes.Buffer{}, Interval: time.Millisecond}
	err := w.wait(context.Background(), []lifecycle.Target{{Name: "grafana", Version: "11.4.0"}}, 50*time.Millisecond)
	var unhealthy *lifecycle.UnhealthyError
	require.ErrorAs(t, err, &unhealthy)
	assert.True(t, unhealthy.Timeout)
}
