package operator

import (
	"testing"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	fluxmeta "github.com/fluxcd/pkg/apis/meta"
	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// release builds a HelmRelease whose spec asks for chart specChart at generation gen, as
// helm-controller left it: observed at observed, with conditions and history (newest
// first, "chart:status").
type release struct {
	specChart     string
	gen, observed int64
	ready         metav1.ConditionStatus
	readyReason   string
	// readyMessage and readyGen are the Ready condition's message and observedGeneration
	// (defaults: "flux says REASON", observed).
	readyMessage  string
	readyGen      int64
	stalled       bool
	lastAttempted string
	history       [][2]string
}

func (r release) build() *helmv2.HelmRelease {
	hr := &helmv2.HelmRelease{
		TypeMeta:   metav1.TypeMeta{APIVersion: helmv2.GroupVersion.String(), Kind: helmv2.HelmReleaseKind},
		ObjectMeta: metav1.ObjectMeta{Name: "base", Namespace: "ns", Generation: r.gen},
		Spec: helmv2.HelmReleaseSpec{Chart: &helmv2.HelmChartTemplate{Spec: helmv2.HelmChartTemplateSpec{
			Chart: "app", Version: r.specChart, SourceRef: helmv2.CrossNamespaceObjectReference{Kind: "HelmRepository", Name: "charts"}}}},
	}
	hr.Status.ObservedGeneration = r.observed
	hr.Status.LastAttemptedRevision = r.lastAttempted
	for i, h := range r.history {
		hr.Status.History = append(hr.Status.History, &helmv2.Snapshot{Name: "base", Version: len(r.history) - i, ChartName: "app", ChartVersion: h[0], Status: h[1]})
	}
	if r.ready != "" {
		reason := r.readyReason
		if reason == "" {
			reason = helmv2.UpgradeSucceededReason
		}
		msg, gen := r.readyMessage, r.readyGen
		if msg == "" {
			msg = "flux says " + reason
		}
		if gen == 0 {
			gen = r.observed
		}
		meta.SetStatusCondition(&hr.Status.Conditions, metav1.Condition{Type: fluxmeta.ReadyCondition, Status: r.ready, Reason: reason,
			Message: msg, ObservedGeneration: gen})
	}
	if r.stalled {
		meta.SetStatusCondition(&hr.Status.Conditions, metav1.Condition{Type: fluxmeta.StalledCondition, Status: metav1.ConditionTrue,
			Reason: "RetriesExceeded", Message: "Failed to upgrade after 1 attempt(s)", ObservedGeneration: r.observed})
	}
	return hr
}

func TestObserveHelmRelease(t *testing.T) {
	deployed := func(chart string) [2]string { return [2]string{chart, "deployed"} }
	tests := []struct {
		name      string
		hr        *release
		want      string
		health    string
		reason    string
		message   string
		delivered bool
	}{
		{name: "no HelmRelease yet", want: "2.0.0", health: openovav1alpha1.HealthProgressing, reason: openovav1alpha1.ProgressingReason},
		{name: "a copy read before the apply still names the old chart", want: "2.0.0",
			hr:     &release{specChart: "1.0.0", gen: 1, observed: 1, ready: metav1.ConditionTrue, lastAttempted: "1.0.0", history: [][2]string{deployed("1.0.0")}},
			health: openovav1alpha1.HealthProgressing, reason: openovav1alpha1.ProgressingReason},
		{name: "Flux has not observed the new generation; Ready is the old one's", want: "2.0.0",
			hr:     &release{specChart: "2.0.0", gen: 2, observed: 1, ready: metav1.ConditionTrue, lastAttempted: "1.0.0", history: [][2]string{deployed("1.0.0")}},
			health: openovav1alpha1.HealthProgressing, reason: openovav1alpha1.ProgressingReason},
		{name: "observed and Ready, but the deployed release is the old chart", want: "2.0.0",
			hr:     &release{specChart: "2.0.0", gen: 2, observed: 2, ready: metav1.ConditionTrue, lastAttempted: "2.0.0", history: [][2]string{deployed("1.0.0")}},
			health: openovav1alpha1.HealthProgressing, reason: openovav1alpha1.ProgressingReason},
		{name: "observed and Ready, last attempt another chart", want: "2.0.0",
			hr:     &release{specChart: "2.0.0", gen: 2, observed: 2, ready: metav1.ConditionTrue, lastAttempted: "1.0.0", history: [][2]string{deployed("2.0.0")}},
			health: openovav1alpha1.HealthProgressing, reason: openovav1alpha1.ProgressingReason},
		{name: "the desired chart is deployed", want: "2.0.0",
			hr:     &release{specChart: "2.0.0", gen: 2, observed: 2, ready: metav1.ConditionTrue, lastAttempted: "2.0.0", history: [][2]string{deployed("2.0.0"), {"1.0.0", "superseded"}}},
			health: openovav1alpha1.HealthHealthy, reason: openovav1alpha1.HealthyReason, delivered: true},
		{name: "a chart version with build metadata", want: "2.0.0",
			hr:     &release{specChart: "2.0.0", gen: 1, observed: 1, ready: metav1.ConditionTrue, lastAttempted: "2.0.0+3f2a", history: [][2]string{deployed("2.0.0+3f2a")}},
			health: openovav1alpha1.HealthHealthy, reason: openovav1alpha1.HealthyReason, delivered: true},
		{name: "Flux re-checks a release it delivered at this generation", want: "2.0.0",
			hr:     &release{specChart: "2.0.0", gen: 2, observed: 2, ready: metav1.ConditionUnknown, readyReason: fluxmeta.ProgressingReason, lastAttempted: "2.0.0", history: [][2]string{deployed("2.0.0")}},
			health: openovav1alpha1.HealthHealthy, reason: openovav1alpha1.HealthyReason, delivered: true},
		{name: "Flux observed the new generation, the upgrade under way", want: "2.0.0",
			hr:     &release{specChart: "2.0.0", gen: 2, observed: 2, ready: metav1.ConditionUnknown, readyReason: fluxmeta.ProgressingReason, lastAttempted: "2.0.0", history: [][2]string{deployed("1.0.0")}},
			health: openovav1alpha1.HealthProgressing, reason: openovav1alpha1.ProgressingReason},
		{name: "installing", want: "1.0.0",
			hr:     &release{specChart: "1.0.0", gen: 1, observed: 1, ready: metav1.ConditionUnknown, readyReason: fluxmeta.ProgressingReason},
			health: openovav1alpha1.HealthProgressing, reason: openovav1alpha1.ProgressingReason},
		{name: "waiting for a dependency", want: "1.0.0",
			hr:     &release{specChart: "1.0.0", gen: 1, observed: 1, ready: metav1.ConditionFalse, readyReason: fluxmeta.DependencyNotReadyReason},
			health: openovav1alpha1.HealthProgressing, reason: openovav1alpha1.DependencyNotReadyReason},
		{name: "install failed, nothing ran before", want: "1.0.0",
			hr:     &release{specChart: "1.0.0", gen: 1, observed: 1, ready: metav1.ConditionFalse, readyReason: helmv2.InstallFailedReason, stalled: true, lastAttempted: "1.0.0", history: [][2]string{{"1.0.0", "failed"}}},
			health: openovav1alpha1.HealthFailed, reason: openovav1alpha1.InstallFailedReason},
		// helm-controller waits for the chart: Ready=False for generation 2, observedGeneration
		// still 1.
		{name: "upgrade to a chart version the repository lacks", want: "9.9.9",
			hr: &release{specChart: "9.9.9", gen: 2, observed: 1, ready: metav1.ConditionFalse, readyReason: "SourceNotReady", readyGen: 2,
				readyMessage:  "HelmChart 'ns/ns-base' is not ready: invalid chart reference: failed to get chart version for remote reference: no 'app' chart with version matching '9.9.9' found",
				lastAttempted: "1.0.0", history: [][2]string{deployed("1.0.0")}},
			health: openovav1alpha1.HealthDegraded, reason: openovav1alpha1.ChartNotFoundReason, message: "chart app 9.9.9 not found in HelmRepository ns/charts"},
		{name: "install of a chart version the repository lacks (Helm's index message)", want: "9.9.9",
			hr: &release{specChart: "9.9.9", gen: 1, observed: 0, ready: metav1.ConditionFalse, readyReason: helmv2.ArtifactFailedReason, readyGen: 1,
				readyMessage: "no chart version found for app-9.9.9"},
			health: openovav1alpha1.HealthFailed, reason: openovav1alpha1.ChartNotFoundReason, message: "no chart version found for app-9.9.9"},
		{name: "a chart the repository lacks altogether", want: "1.0.0",
			hr: &release{specChart: "1.0.0", gen: 1, observed: 0, ready: metav1.ConditionFalse, readyReason: "SourceNotReady", readyGen: 1,
				readyMessage: "HelmChart 'ns/ns-base' is not ready: invalid chart reference: failed to get chart version for remote reference: no chart name found"},
			health: openovav1alpha1.HealthFailed, reason: openovav1alpha1.ChartNotFoundReason, message: "chart app 1.0.0 not found"},
		{name: "another chart version than the one Helm's index lacks", want: "1.2.0",
			hr: &release{specChart: "1.2.0", gen: 2, observed: 1, ready: metav1.ConditionFalse, readyReason: helmv2.ArtifactFailedReason, readyGen: 2,
				readyMessage: "no chart version found for app-11.2.0", history: [][2]string{deployed("1.0.0")}},
			health: openovav1alpha1.HealthProgressing, reason: openovav1alpha1.ProgressingReason, message: "Flux is getting chart app 1.2.0"},
		{name: "the HelmChart still carries the failure of an earlier chart version", want: "1.2.0",
			hr: &release{specChart: "1.2.0", gen: 3, observed: 1, ready: metav1.ConditionFalse, readyReason: "SourceNotReady", readyGen: 3,
				readyMessage: "HelmChart 'ns/ns-base' is not ready: no 'app' chart with version matching '9.9.9' found",
				history:      [][2]string{deployed("1.0.0")}},
			health: openovav1alpha1.HealthProgressing, reason: openovav1alpha1.ProgressingReason, message: "Flux is getting chart app 1.2.0"},
		{name: "the HelmChart is not reconciled yet", want: "1.2.0",
			hr: &release{specChart: "1.2.0", gen: 2, observed: 1, ready: metav1.ConditionFalse, readyReason: "SourceNotReady", readyGen: 2,
				readyMessage: "HelmChart 'ns/ns-base' is not ready: latest generation of object has not been reconciled",
				history:      [][2]string{deployed("1.0.0")}},
			health: openovav1alpha1.HealthProgressing, reason: openovav1alpha1.ProgressingReason, message: "latest generation of object has not been reconciled"},
		{name: "a source failure of the previous generation is not this one's", want: "9.9.9",
			hr: &release{specChart: "9.9.9", gen: 3, observed: 1, ready: metav1.ConditionFalse, readyReason: "SourceNotReady", readyGen: 2,
				readyMessage: "HelmChart 'ns/ns-base' is not ready: no 'app' chart with version matching '9.9.9' found",
				history:      [][2]string{deployed("1.0.0")}},
			health: openovav1alpha1.HealthProgressing, reason: openovav1alpha1.ProgressingReason, message: "waiting for Flux to observe"},
		{name: "upgrade failed and rolled back", want: "2.0.0",
			hr:     &release{specChart: "2.0.0", gen: 2, observed: 2, ready: metav1.ConditionFalse, readyReason: helmv2.UpgradeFailedReason, stalled: true, lastAttempted: "2.0.0", history: [][2]string{deployed("1.0.0"), {"2.0.0", "failed"}, {"1.0.0", "superseded"}}},
			health: openovav1alpha1.HealthDegraded, reason: openovav1alpha1.DegradedReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hr *helmv2.HelmRelease
			if tt.hr != nil {
				hr = tt.hr.build()
			}
			got := observeHelmRelease(hr, tt.want)
			assert.Equal(t, tt.health, got.Health, got.Message)
			assert.Equal(t, tt.reason, got.Reason, got.Message)
			assert.Equal(t, tt.delivered, got.Delivered, got.Message)
			assert.NotEmpty(t, got.Message)
			assert.Contains(t, got.Message, tt.message)
		})
	}
}

// Health mirroring: what the Component reports from its HelmRelease for the version it
// delivers (target) and the version it should run (spec.version).
func TestMirrorHealth(t *testing.T) {
	deployed := func(chart string) [][2]string { return [][2]string{{chart, "deployed"}} }
	tests := []struct {
		name        string
		specVersion string
		target      deliveryTarget
		conditions  []metav1.Condition
		hr          release
		health      string
		ready       metav1.ConditionStatus
		reason      string
		stalled     bool
	}{
		{name: "delivered at the desired version", specVersion: "2.0.0", target: deliveryTarget{Version: "2.0.0", ChartVersion: "2.0.0"},
			hr:     release{specChart: "2.0.0", gen: 2, observed: 2, ready: metav1.ConditionTrue, lastAttempted: "2.0.0", history: deployed("2.0.0")},
			health: openovav1alpha1.HealthHealthy, ready: metav1.ConditionTrue, reason: openovav1alpha1.HealthyReason},
		{name: "just upgraded, judged from a copy of the old HelmRelease", specVersion: "2.0.0", target: deliveryTarget{Version: "2.0.0", ChartVersion: "2.0.0"},
			hr:     release{specChart: "1.0.0", gen: 1, observed: 1, ready: metav1.ConditionTrue, lastAttempted: "1.0.0", history: deployed("1.0.0")},
			health: openovav1alpha1.HealthProgressing, ready: metav1.ConditionFalse, reason: openovav1alpha1.ProgressingReason},
		{name: "just upgraded, Flux has not observed it", specVersion: "2.0.0", target: deliveryTarget{Version: "2.0.0", ChartVersion: "2.0.0"},
			hr:     release{specChart: "2.0.0", gen: 2, observed: 1, ready: metav1.ConditionTrue, lastAttempted: "1.0.0", history: deployed("1.0.0")},
			health: openovav1alpha1.HealthProgressing, ready: metav1.ConditionFalse, reason: openovav1alpha1.ProgressingReason},
		{name: "held on the last good version after a rollback", specVersion: "2.0.0",
			target: deliveryTarget{Version: "1.0.0", ChartVersion: "1.0.0", Failed: "2.0.0"},
			conditions: []metav1.Condition{{Type: openovav1alpha1.UpgradeFailedCondition, Status: metav1.ConditionTrue,
				Reason: openovav1alpha1.UpgradeRolledBackReason, Message: "upgrade of base from 1.0.0 to 2.0.0 failed"}},
			hr:     release{specChart: "1.0.0", gen: 3, observed: 3, ready: metav1.ConditionTrue, lastAttempted: "1.0.0", history: deployed("1.0.0")},
			health: openovav1alpha1.HealthHealthy, ready: metav1.ConditionFalse, reason: openovav1alpha1.UpgradeRolledBackReason, stalled: true},
		{name: "held for the maintenance window", specVersion: "2.0.0", target: deliveryTarget{Version: "1.0.0", ChartVersion: "1.0.0"},
			hr:     release{specChart: "1.0.0", gen: 1, observed: 1, ready: metav1.ConditionTrue, lastAttempted: "1.0.0", history: deployed("1.0.0")},
			health: openovav1alpha1.HealthHealthy, ready: metav1.ConditionFalse, reason: openovav1alpha1.UpgradeScheduledReason},
		{name: "install failed", specVersion: "1.0.0", target: deliveryTarget{Version: "1.0.0", ChartVersion: "1.0.0"},
			hr:     release{specChart: "1.0.0", gen: 1, observed: 1, ready: metav1.ConditionFalse, readyReason: helmv2.InstallFailedReason, stalled: true, lastAttempted: "1.0.0", history: [][2]string{{"1.0.0", "failed"}}},
			health: openovav1alpha1.HealthFailed, ready: metav1.ConditionFalse, reason: openovav1alpha1.InstallFailedReason, stalled: true},
		{name: "upgraded to a chart version the repository lacks", specVersion: "2.0.0", target: deliveryTarget{Version: "2.0.0", ChartVersion: "2.0.0"},
			hr: release{specChart: "2.0.0", gen: 2, observed: 1, ready: metav1.ConditionFalse, readyReason: "SourceNotReady", readyGen: 2,
				readyMessage: "HelmChart 'ns/ns-base' is not ready: no 'app' chart with version matching '2.0.0' found", lastAttempted: "1.0.0", history: deployed("1.0.0")},
			health: openovav1alpha1.HealthDegraded, ready: metav1.ConditionFalse, reason: openovav1alpha1.ChartNotFoundReason, stalled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &openovav1alpha1.Component{
				ObjectMeta: metav1.ObjectMeta{Name: "base", Generation: 2},
				Spec:       openovav1alpha1.ComponentSpec{Version: tt.specVersion},
				Status:     openovav1alpha1.ComponentStatus{LastGoodVersion: "1.0.0", Conditions: tt.conditions},
			}
			(&ComponentReconciler{}).mirrorHealth(c, tt.hr.build(), tt.target)
			assert.Equal(t, tt.health, c.Status.Health)
			ready := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition)
			if assert.NotNil(t, ready) {
				assert.Equal(t, tt.ready, ready.Status, ready.Message)
				assert.Equal(t, tt.reason, ready.Reason, ready.Message)
			}
			assert.Equal(t, tt.stalled, meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.StalledCondition), "Stalled")
			assert.Equal(t, tt.ready != metav1.ConditionTrue && !tt.stalled,
				meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.ReconcilingCondition), "Reconciling")
		})
	}
}
