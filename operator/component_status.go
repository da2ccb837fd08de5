package operator

import (
	"context"
	"fmt"
	"strings"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	fluxmeta "github.com/fluxcd/pkg/apis/meta"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/kube"
)

// observeRelease reads what Flux did with the HelmRelease and records it: the deployed and
// last good version when the release is in sync and Ready; a failed upgrade that Flux
// rolled back (UpgradeFailed, failedVersion, a Warning event on the Component and its
// Platform). A new desired version or a new retry annotation clears a failed version.
func (r *ComponentReconciler) observeRelease(ctx context.Context, c *openovav1alpha1.Component, hr *helmv2.HelmRelease) {
	st := &c.Status
	if st.FailedVersion != "" && st.FailedVersion != c.Spec.Version {
		st.FailedVersion = ""
		meta.RemoveStatusCondition(&st.Conditions, openovav1alpha1.UpgradeFailedCondition)
	}
	// The HelmRelease remembers a failed version and why, should the Component's status
	// have missed it (a status write that lost a conflict after the release was pinned).
	if hr != nil && st.FailedVersion == "" && hr.Annotations[failedAnnotation] == c.Spec.Version &&
		hr.Annotations[versionAnnotation] == st.LastGoodVersion {
		st.FailedVersion = c.Spec.Version
		msg := hr.Annotations[failedMessageAnnotation]
		if msg == "" {
			msg = fmt.Sprintf("upgrade of %s from %s to %s failed and was rolled back to %s", c.Name, st.LastGoodVersion, st.FailedVersion, st.LastGoodVersion)
		}
		setCondition(&st.Conditions, c.Generation, openovav1alpha1.UpgradeFailedCondition, metav1.ConditionTrue, openovav1alpha1.UpgradeRolledBackReason, msg)
	}
	if retry := c.Annotations[openovav1alpha1.RetryAnnotation]; retry != "" && retry != st.LastHandledRetry {
		st.LastHandledRetry = retry
		if st.FailedVersion != "" {
			notify(ctx, r.Events, c, corev1.EventTypeNormal, openovav1alpha1.ProgressingReason, "retrying the upgrade to %s", st.FailedVersion)
			st.FailedVersion = ""
			meta.RemoveStatusCondition(&st.Conditions, openovav1alpha1.UpgradeFailedCondition)
		}
	}
	if hr == nil || hr.Status.ObservedGeneration != hr.Generation {
		return
	}
	hrVersion := hr.Annotations[versionAnnotation]
	chartVersion := hr.Spec.Chart.Spec.Version
	latest := hr.Status.History.Latest()
	if meta.IsStatusConditionTrue(hr.Status.Conditions, fluxmeta.ReadyCondition) && latest != nil &&
		latest.ChartVersion == chartVersion && latest.Status == "deployed" {
		if st.Version != hrVersion {
			notify(ctx, r.Events, c, corev1.EventTypeNormal, openovav1alpha1.HealthyReason, "%s %s is deployed", c.Name, hrVersion)
		}
		st.Version, st.LastGoodVersion, st.LastGoodChartVersion = hrVersion, hrVersion, chartVersion
		return
	}
	remediated := meta.FindStatusCondition(hr.Status.Conditions, helmv2.RemediatedCondition)
	if remediated == nil || remediated.Status != metav1.ConditionTrue || remediated.Reason != helmv2.RollbackSucceededReason ||
		hrVersion != c.Spec.Version || hrVersion == st.FailedVersion || st.LastGoodVersion == "" || hrVersion == st.LastGoodVersion ||
		hr.Status.LastAttemptedRevision != chartVersion {
		return
	}
	why := remediated.Message
	if released := meta.FindStatusCondition(hr.Status.Conditions, helmv2.ReleasedCondition); released != nil && released.Status == metav1.ConditionFalse {
		why = released.Message
	}
	st.FailedVersion = hrVersion
	st.Version = st.LastGoodVersion
	msg := fmt.Sprintf("upgrade of %s from %s to %s failed and was rolled back to %s: %s", c.Name, st.LastGoodVersion, hrVersion, st.LastGoodVersion, why)
	setCondition(&st.Conditions, c.Generation, openovav1alpha1.UpgradeFailedCondition, metav1.ConditionTrue, openovav1alpha1.UpgradeRolledBackReason, msg)
	notify(ctx, r.Events, c, corev1.EventTypeWarning, openovav1alpha1.UpgradeRolledBackReason, "%s", msg)
	if p := r.platformOf(ctx, c); p != nil {
		notify(ctx, r.Events, p, corev1.EventTypeWarning, openovav1alpha1.UpgradeRolledBackReason, "%s", msg)
	}
}

// mirrorHealth sets health, Ready and Progressing from the HelmRelease, computed with kstatus
// (Flux's conditions follow its conventions): Current → Healthy, InProgress → Progressing,
// Failed → Degraded when a good version ran before, else Failed.
func (r *ComponentReconciler) mirrorHealth(c *openovav1alpha1.Component, hr *helmv2.HelmRelease, target deliveryTarget) {
	st := &c.Status
	if st.LastGoodVersion != "" {
		st.Endpoints = c.Spec.Endpoints
	}
	if hr == nil {
		r.setHealth(c, openovav1alpha1.HealthProgressing, openovav1alpha1.ProgressingReason, "waiting for the HelmRelease")
		return
	}
	u, err := kube.ToUnstructured(hr)
	if err != nil {
		r.setHealth(c, openovav1alpha1.HealthUnknown, openovav1alpha1.ProgressingReason, err.Error())
		return
	}
	res, err := status.Compute(u)
	if err != nil {
		r.setHealth(c, openovav1alpha1.HealthUnknown, openovav1alpha1.ProgressingReason, err.Error())
		return
	}
	message := res.Message
	if ready := meta.FindStatusCondition(hr.Status.Conditions, fluxmeta.ReadyCondition); ready != nil && ready.Message != "" {
		message = ready.Message
	}
	switch res.Status {
	case status.CurrentStatus:
		r.setHealth(c, openovav1alpha1.HealthHealthy, openovav1alpha1.HealthyReason, fmt.Sprintf("%s %s is deployed and healthy", c.Name, target.Version))
	case status.FailedStatus:
		if st.LastGoodVersion != "" {
			r.setHealth(c, openovav1alpha1.HealthDegraded, openovav1alpha1.DegradedReason, message)
		} else {
			r.setHealth(c, openovav1alpha1.HealthFailed, openovav1alpha1.InstallFailedReason, message)
		}
	case status.InProgressStatus, status.TerminatingStatus:
		reason := openovav1alpha1.ProgressingReason
		if ready := meta.FindStatusCondition(hr.Status.Conditions, fluxmeta.ReadyCondition); ready != nil && ready.Reason == fluxmeta.DependencyNotReadyReason {
			reason = openovav1alpha1.DependencyNotReadyReason
		}
		r.setHealth(c, openovav1alpha1.HealthProgressing, reason, message)
	default:
		r.setHealth(c, openovav1alpha1.HealthUnknown, openovav1alpha1.ProgressingReason, message)
	}
}

// setHealth sets health with the matching Ready and Progressing conditions.
func (r *ComponentReconciler) setHealth(c *openovav1alpha1.Component, health, reason, message string) {
	c.Status.Health = health
	ready := metav1.ConditionFalse
	if health == openovav1alpha1.HealthHealthy {
		ready = metav1.ConditionTrue
	}
	setCondition(&c.Status.Conditions, c.Generation, openovav1alpha1.ReadyCondition, ready, reason, message)
	if health == openovav1alpha1.HealthProgressing {
		setCondition(&c.Status.Conditions, c.Generation, openovav1alpha1.ProgressingCondition, metav1.ConditionTrue, reason, message)
	} else {
		meta.RemoveStatusCondition(&c.Status.Conditions, openovav1alpha1.ProgressingCondition)
	}
}

// reconcileWorkloads reports the health of a bootstrap-delivered component from its
// workloads (kstatus), read directly from the API server every WorkloadInterval: the operator
// does not cache Deployments cluster-wide for the few it watches.
func (r *ComponentReconciler) reconcileWorkloads(ctx context.Context, c *openovav1alpha1.Component) (ctrl.Result, error) {
	if len(c.Spec.Workloads) == 0 {
		r.setHealth(c, openovav1alpha1.HealthUnknown, openovav1alpha1.WorkloadNotReadyReason, "no workloads to watch")
		return ctrl.Result{}, nil
	}
	var notReady []string
	for _, w := range c.Spec.Workloads {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("apps/v1")
		u.SetKind(w.Kind)
		err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: c.Spec.TargetNamespace, Name: w.Name}, u)
		if apierrors.IsNotFound(err) {
			notReady = append(notReady, fmt.Sprintf("%s %s/%s not found", w.Kind, c.Spec.TargetNamespace, w.Name))
			continue
		}
		if err != nil {
			return ctrl.Result{}, err
		}
		res, err := status.Compute(u)
		if err != nil {
			return ctrl.Result{}, err
		}
		if res.Status != status.CurrentStatus {
			notReady = append(notReady, fmt.Sprintf("%s %s/%s: %s", w.Kind, c.Spec.TargetNamespace, w.Name, res.Message))
		}
	}
	if len(notReady) > 0 {
		health := openovav1alpha1.HealthProgressing
		if c.Status.LastGoodVersion != "" {
			health = openovav1alpha1.HealthDegraded
		}
		r.setHealth(c, health, openovav1alpha1.WorkloadNotReadyReason, strings.Join(notReady, "; "))
		return ctrl.Result{RequeueAfter: r.WorkloadInterval}, nil
	}
	c.Status.Version, c.Status.LastGoodVersion = c.Spec.Version, c.Spec.Version
	c.Status.Endpoints = c.Spec.Endpoints
	r.setHealth(c, openovav1alpha1.HealthHealthy, openovav1alpha1.HealthyReason,
		fmt.Sprintf("%s %s is running (installed by bootstrap)", c.Name, c.Spec.Version))
	return ctrl.Result{RequeueAfter: r.WorkloadInterval}, nil
}

// patchStatus writes the Component's status when it differs from before's (ignoring
// lastReconciled), stamping observedGeneration and lastReconciled. It never sends
// availableUpgrade, which the Platform reconciler owns.
func (r *ComponentReconciler) patchStatus(ctx context.Context, before, c *openovav1alpha1.Component) error {
	c.Status.ObservedGeneration = c.Generation
	c.Status.LastReconciled = before.Status.LastReconciled
	c.Status.AvailableUpgrade = before.Status.AvailableUpgrade
	if equality.Semantic.DeepEqual(before.Status, c.Status) {
		return nil
	}
	c.Status.LastReconciled = &metav1.Time{Time: r.Now()}
	return client.IgnoreNotFound(r.Status().Patch(ctx, c, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})))
}
