package operator

import (
	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	fluxmeta "github.com/fluxcd/pkg/apis/meta"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/kube"
)

// releaseObservation is what one HelmRelease says about the part it delivers.
type releaseObservation struct {
	// Health is Healthy only when Flux has seen the current spec, Ready is True and the
	// latest release deployed the desired chart version.
	Health  string
	Message string
	// Deployed: the desired chart version is deployed and Ready.
	Deployed bool
	// RolledBack: Flux rolled a failed upgrade back.
	RolledBack bool
}

// observeHelmRelease reads hr against the chart version it should run. It is pure: the
// parts of a multi-part component each go through it.
func observeHelmRelease(hr *helmv2.HelmRelease, chartVersion string) releaseObservation {
	if hr == nil {
		return releaseObservation{Health: openovav1alpha1.HealthProgressing, Message: "waiting for the HelmRelease"}
	}
	msg := ""
	if ready := meta.FindStatusCondition(hr.Status.Conditions, fluxmeta.ReadyCondition); ready != nil {
		msg = ready.Message
	}
	if hr.Status.ObservedGeneration != hr.Generation {
		return releaseObservation{Health: openovav1alpha1.HealthProgressing, Message: "Flux has not yet reconciled the current spec"}
	}
	obs := releaseObservation{Message: msg}
	if rem := meta.FindStatusCondition(hr.Status.Conditions, helmv2.RemediatedCondition); rem != nil &&
		rem.Status == metav1.ConditionTrue && rem.Reason == helmv2.RollbackSucceededReason {
		obs.RolledBack = true
		if released := meta.FindStatusCondition(hr.Status.Conditions, helmv2.ReleasedCondition); released != nil && released.Status == metav1.ConditionFalse {
			obs.Message = released.Message
		} else {
			obs.Message = rem.Message
		}
	}
	latest := hr.Status.History.Latest()
	if meta.IsStatusConditionTrue(hr.Status.Conditions, fluxmeta.ReadyCondition) && latest != nil &&
		latest.ChartVersion == chartVersion && latest.Status == "deployed" {
		obs.Health, obs.Deployed = openovav1alpha1.HealthHealthy, true
		obs.Message = "chart " + latest.ChartName + " " + chartVersion + " is deployed"
		return obs
	}
	u, err := kube.ToUnstructured(hr)
	if err != nil {
		obs.Health, obs.Message = openovav1alpha1.HealthUnknown, err.Error()
		return obs
	}
	res, err := status.Compute(u)
	switch {
	case err != nil:
		obs.Health, obs.Message = openovav1alpha1.HealthUnknown, err.Error()
	case res.Status == status.FailedStatus || obs.RolledBack:
		obs.Health = openovav1alpha1.HealthFailed
	case res.Status == status.CurrentStatus:
		// Ready, but not (yet) at the desired chart version.
		obs.Health = openovav1alpha1.HealthProgressing
	default:
		obs.Health = openovav1alpha1.HealthProgressing
	}
	if obs.Message == "" {
		obs.Message = res.Message
	}
	return obs
}
