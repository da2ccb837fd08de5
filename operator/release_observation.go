package operator

import (
	"fmt"
	"strings"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	fluxmeta "github.com/fluxcd/pkg/apis/meta"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/kube"
)

// releaseObservation is what one HelmRelease says about the delivery of one chart at one
// chart version: a Component health value with the condition reason and message that go
// with it. Delivered is true only when Flux has observed the HelmRelease's current
// generation, reports it Ready, and the release it deployed is the desired chart version.
type releaseObservation struct {
	Health    string
	Reason    string
	Message   string
	Delivered bool
}

// observeHelmRelease judges hr against the chart version it should deliver. It knows
// nothing of components or parts: call it once per HelmRelease. The rules, in order:
//   - no HelmRelease yet, or one whose spec still names another chart version (an object
//     read before the apply that changed it): Progressing;
//   - Flux cannot get the chart for hr's generation (Ready=False with a source reason whose
//     observedGeneration is the current one; see observeSource): ChartNotFound, Degraded or
//     Failed, when the repository lacks the chart version; else Progressing with Flux's
//     message;
//   - Flux has not observed hr's generation yet: Progressing, whatever its conditions say
//     (they describe the previous spec);
//   - kstatus Failed (Flux stalled, install or upgrade failed): Degraded when a release of
//     this HelmRelease was deployed before, else Failed (reason InstallFailed);
//   - Ready=False: Progressing (DependencyNotReady when Flux waits for a dependency);
//   - the deployed release (status.history[0], and status.lastAttemptedRevision) is the
//     desired chart version, Ready=True or Unknown (Flux re-checking a release it
//     delivered at this generation): Healthy, Delivered;
//   - otherwise Progressing (Ready=True for another chart version, an install under way).
func observeHelmRelease(hr *helmv2.HelmRelease, chartVersion string) releaseObservation {
	progressing := func(reason, format string, args ...any) releaseObservation {
		return releaseObservation{Health: openovav1alpha1.HealthProgressing, Reason: reason, Message: fmt.Sprintf(format, args...)}
	}
	if hr == nil {
		return progressing(openovav1alpha1.ProgressingReason, "waiting for the HelmRelease")
	}
	if hr.Spec.Chart == nil || !sameChartVersion(hr.Spec.Chart.Spec.Version, chartVersion) {
		return progressing(openovav1alpha1.ProgressingReason, "HelmRelease %s not yet at chart version %s", hr.Name, chartVersion)
	}
	if obs, ok := observeSource(hr, chartVersion); ok {
		return obs
	}
	if hr.Status.ObservedGeneration != hr.Generation {
		return progressing(openovav1alpha1.ProgressingReason, "waiting for Flux to observe HelmRelease %s generation %d (observed %d)",
			hr.Name, hr.Generation, hr.Status.ObservedGeneration)
	}
	message := ""
	ready := meta.FindStatusCondition(hr.Status.Conditions, fluxmeta.ReadyCondition)
	if ready != nil {
		message = ready.Message
	}
	u, err := kube.ToUnstructured(hr)
	if err != nil {
		return releaseObservation{Health: openovav1alpha1.HealthUnknown, Reason: openovav1alpha1.ProgressingReason, Message: err.Error()}
	}
	res, err := status.Compute(u)
	if err != nil {
		return releaseObservation{Health: openovav1alpha1.HealthUnknown, Reason: openovav1alpha1.ProgressingReason, Message: err.Error()}
	}
	if message == "" {
		message = res.Message
	}
	latest := hr.Status.History.Latest()
	deployed := latest != nil && latest.Status == "deployed" && sameChartVersion(latest.ChartVersion, chartVersion) &&
		(hr.Status.LastAttemptedRevision == "" || sameChartVersion(hr.Status.LastAttemptedRevision, chartVersion))
	if res.Status == status.FailedStatus {
		if deployedBefore(hr) {
			return releaseObservation{Health: openovav1alpha1.HealthDegraded, Reason: openovav1alpha1.DegradedReason, Message: message}
		}
		return releaseObservation{Health: openovav1alpha1.HealthFailed, Reason: openovav1alpha1.InstallFailedReason, Message: message}
	}
	switch {
	case ready != nil && ready.Status == metav1.ConditionFalse:
		reason := openovav1alpha1.ProgressingReason
		if ready.Reason == fluxmeta.DependencyNotReadyReason {
			reason = openovav1alpha1.DependencyNotReadyReason
		}
		return progressing(reason, "%s", message)
	case deployed && ready != nil && ready.Status == metav1.ConditionTrue:
		return releaseObservation{Health: openovav1alpha1.HealthHealthy, Reason: openovav1alpha1.HealthyReason,
			Message: fmt.Sprintf("chart %s is deployed", chartVersion), Delivered: true}
	case deployed:
		// Flux re-checks a release it delivered at this generation (every interval, or when
		// the chart's artifact is refreshed): Ready goes Unknown while it runs. The desired
		// chart is what is deployed; a problem it finds shows as Ready=False or Stalled.
		return releaseObservation{Health: openovav1alpha1.HealthHealthy, Reason: openovav1alpha1.HealthyReason,
			Message: fmt.Sprintf("chart %s is deployed (Flux is re-checking it: %s)", chartVersion, message), Delivered: true}
	case ready != nil && ready.Status == metav1.ConditionTrue:
		what := "nothing"
		if latest != nil {
			what = fmt.Sprintf("chart %s (%s)", latest.ChartVersion, latest.Status)
		}
		if r := hr.Status.LastAttemptedRevision; r != "" && !sameChartVersion(r, chartVersion) {
			what += ", last attempted " + r
		}
		return progressing(openovav1alpha1.ProgressingReason, "HelmRelease %s has deployed %s, not yet chart %s", hr.Name, what, chartVersion)
	default:
		return progressing(openovav1alpha1.ProgressingReason, "%s", message)
	}
}

// deployedBefore reports whether a release of hr was deployed at some point (it runs, or
// ran before a later one).
func deployedBefore(hr *helmv2.HelmRelease) bool {
	for _, s := range hr.Status.History {
		if s != nil && (s.Status == "deployed" || s.Status == "superseded") {
			return true
		}
	}
	return false
}

// fluxSourceReasons are the Ready reasons helm-controller gives a HelmRelease whose chart it
// cannot get yet: SourceNotReady (its HelmChart is not ready, helm-controller v1.1 and
// later), HelmChartNotReady (the same before v1.1), ArtifactFailed (the HelmChart or its
// artifact cannot be read).
var fluxSourceReasons = map[string]bool{"SourceNotReady": true, "HelmChartNotReady": true, helmv2.ArtifactFailedReason: true}

// observeSource reports what hr says about its chart when Flux cannot get it: Ready=False
// with a source reason, set for hr's current generation (the condition's
// observedGeneration). helm-controller then leaves status.observedGeneration at the last
// generation it got through, so without this the wait would show as "Flux has not observed
// the HelmRelease" until a timeout. A chart version the repository lacks (Flux's message
// names it) is ChartNotFound: Degraded when a release of hr was deployed before (it still
// runs), else Failed, and Stalled (componentReadiness) — nothing changes until the
// repository publishes the version or the spec changes. Any other source problem (the
// HelmChart not reconciled yet, the repository unreachable) is Progressing with Flux's
// message: Flux retries it. ok is false when hr is not waiting for its source.
func observeSource(hr *helmv2.HelmRelease, chartVersion string) (obs releaseObservation, ok bool) {
	ready := meta.FindStatusCondition(hr.Status.Conditions, fluxmeta.ReadyCondition)
	if ready == nil || ready.Status != metav1.ConditionFalse || ready.ObservedGeneration != hr.Generation || !fluxSourceReasons[ready.Reason] {
		return releaseObservation{}, false
	}
	chart := hr.Spec.Chart.Spec
	ns := chart.SourceRef.Namespace
	if ns == "" {
		ns = hr.Namespace
	}
	from := fmt.Sprintf("%s %s/%s", chart.SourceRef.Kind, ns, chart.SourceRef.Name)
	if !chartNotFound(ready.Message, chartVersion) {
		return releaseObservation{Health: openovav1alpha1.HealthProgressing, Reason: openovav1alpha1.ProgressingReason,
			Message: fmt.Sprintf("Flux is getting chart %s %s from %s: %s", chart.Chart, chartVersion, from, ready.Message)}, true
	}
	obs = releaseObservation{Health: openovav1alpha1.HealthFailed, Reason: openovav1alpha1.ChartNotFoundReason,
		Message: fmt.Sprintf("chart %s %s not found in %s: %s", chart.Chart, chartVersion, from, ready.Message)}
	if deployedBefore(hr) {
		obs.Health = openovav1alpha1.HealthDegraded
	}
	return obs, true
}

// chartNotFound reports whether a source message of Flux says that the chart repository
// lacks the chart at version. source-controller says "no 'NAME' chart with version matching
// 'VERSION' found", Helm's repository index "no chart version found for NAME-VERSION": the
// message must name version (one left from an earlier chart version, which the HelmChart
// may still carry while it catches up, does not count). "no chart name found" (the
// repository has no such chart at all) names no version and counts.
func chartNotFound(message, version string) bool {
	switch {
	case strings.Contains(message, "no chart name found"):
		return true
	case strings.Contains(message, "chart with version matching"):
		return strings.Contains(message, "'"+version+"'")
	case strings.Contains(message, "no chart version found for"):
		return strings.HasSuffix(message, "-"+version) || strings.Contains(message, "-"+version+" ") || strings.Contains(message, "-"+version+":")
	}
	return false
}

// sameChartVersion reports whether a chart version Flux reports (which may carry build
// metadata or a digest, e.g. 1.2.0+abc or 1.2.0@sha256:…) is want.
func sameChartVersion(got, want string) bool {
	if got == want {
		return true
	}
	return want != "" && (strings.HasPrefix(got, want+"+") || strings.HasPrefix(got, want+"@"))
}
