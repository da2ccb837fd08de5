package operator

import (
	"context"
	"encoding/json"
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

// mirrorHealth sets health, Ready, Progressing, Reconciling and Stalled from the HelmRelease
// delivering target (see observeHelmRelease). hr must be the object as the API server
// holds it after this reconcile's apply, not an older copy. The Component is Ready only
// when the release delivers its desired version; held on its last good version (a failed
// upgrade, or one waiting for its window) it stays Healthy but not Ready.
func (r *ComponentReconciler) mirrorHealth(c *openovav1alpha1.Component, hr *helmv2.HelmRelease, target deliveryTarget) {
	if c.Status.LastGoodVersion != "" {
		c.Status.Endpoints = c.Spec.Endpoints
	}
	obs := observeHelmRelease(hr, target.ChartVersion)
	r.setReadiness(c, componentReadiness(c, obs, target))
}

// componentReadiness turns the observation of the release delivering target into the
// Component's health and readiness.
func componentReadiness(c *openovav1alpha1.Component, obs releaseObservation, target deliveryTarget) componentHealth {
	switch {
	case obs.Delivered && target.Version == c.Spec.Version:
		return componentHealth{Health: openovav1alpha1.HealthHealthy, readiness: readiness{Ready: true, Reason: openovav1alpha1.HealthyReason,
			Message: fmt.Sprintf("%s %s is deployed and healthy", c.Name, target.Version)}}
	case obs.Delivered && target.Failed != "":
		msg := fmt.Sprintf("the upgrade to %s failed and was rolled back; %s runs", target.Failed, target.Version)
		if cond := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition); cond != nil && cond.Message != "" {
			msg = cond.Message
		}
		return componentHealth{Health: openovav1alpha1.HealthHealthy, readiness: readiness{Stalled: true, Reason: openovav1alpha1.UpgradeRolledBackReason, Message: msg}}
	case obs.Delivered:
		msg := fmt.Sprintf("%s runs, the upgrade to %s waits", target.Version, c.Spec.Version)
		if cond := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.UpgradeScheduledCondition); cond != nil && cond.Message != "" {
			msg = cond.Message
		}
		return componentHealth{Health: openovav1alpha1.HealthHealthy, readiness: readiness{Reason: openovav1alpha1.UpgradeScheduledReason, Message: msg}}
	case obs.Health == openovav1alpha1.HealthDegraded || obs.Health == openovav1alpha1.HealthFailed:
		return componentHealth{Health: obs.Health, readiness: readiness{Stalled: true, Reason: obs.Reason, Message: obs.Message}}
	default:
		return componentHealth{Health: obs.Health, readiness: readiness{Reason: obs.Reason, Message: obs.Message}}
	}
}

// componentHealth is a Component's health value with its readiness.
type componentHealth struct {
	Health string
	readiness
}

// setHealth sets health with the matching conditions: Ready when Healthy, Reconciling
// otherwise (a bootstrap-delivered component, or one that cannot be delivered yet).
func (r *ComponentReconciler) setHealth(c *openovav1alpha1.Component, health, reason, message string) {
	r.setReadiness(c, componentHealth{Health: health, readiness: readiness{Ready: health == openovav1alpha1.HealthHealthy, Reason: reason, Message: message}})
}

// setReadiness sets health, Ready, Reconciling, Stalled and Progressing (True while the
// component is Progressing).
func (r *ComponentReconciler) setReadiness(c *openovav1alpha1.Component, h componentHealth) {
	c.Status.Health = h.Health
	setReadiness(&c.Status.Conditions, c.Generation, h.readiness)
	if h.Health == openovav1alpha1.HealthProgressing {
		setCondition(&c.Status.Conditions, c.Generation, openovav1alpha1.ProgressingCondition, metav1.ConditionTrue, h.Reason, h.Message)
	} else {
		meta.RemoveStatusCondition(&c.Status.Conditions, openovav1alpha1.ProgressingCondition)
	}
}

// reconcileWorkloads reports the health of a bootstrap-delivered component from its
// workloads (kstatus), read directly from the API server every WorkloadInterval: the operator
// does not cache Deployments cluster-wide for the few it watches.
func (r *ComponentReconciler) reconcileWorkloads(ctx context.Context, c *openovav1alpha1.Component) (ctrl.Result, error) {
	if watchesNodes(c) {
		return r.reconcileNodes(ctx, c)
	}
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
	by := "bootstrap"
	if c.Spec.ProvidedBy != "" {
		by = c.Spec.ProvidedBy
	}
	r.setHealth(c, openovav1alpha1.HealthHealthy, openovav1alpha1.HealthyReason,
		fmt.Sprintf("%s %s is running (installed by %s)", c.Name, c.Spec.Version, by))
	return ctrl.Result{RequeueAfter: r.WorkloadInterval}, nil
}

// watchesNodes reports whether c is a component the cluster provides with no workloads to
// watch: its health is the nodes', and it claims no version.
func watchesNodes(c *openovav1alpha1.Component) bool {
	return c.Spec.ProvidedBy != "" && len(c.Spec.Workloads) == 0
}

// reconcileNodes reports the health of a component the cluster provides with nothing to
// watch (the cloud's own CNI standing in for Cilium): Healthy when every node is Ready,
// which the kubelet reports only once the node's network plugin is ready. No version is
// claimed: the operator cannot see one.
func (r *ComponentReconciler) reconcileNodes(ctx context.Context, c *openovav1alpha1.Component) (ctrl.Result, error) {
	var nodes corev1.NodeList
	if err := r.APIReader.List(ctx, &nodes); err != nil {
		return ctrl.Result{}, err
	}
	var notReady []string
	for _, n := range nodes.Items {
		why := "no Ready condition"
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				why = ""
				if cond.Status != corev1.ConditionTrue {
					why = "not Ready: " + cond.Message
				}
			}
		}
		if why != "" {
			notReady = append(notReady, "node "+n.Name+" "+why)
		}
	}
	c.Status.Version = ""
	switch {
	case len(nodes.Items) == 0:
		r.setHealth(c, openovav1alpha1.HealthProgressing, openovav1alpha1.WorkloadNotReadyReason,
			fmt.Sprintf("%s is provided by %s; the cluster has no nodes yet", c.Name, c.Spec.ProvidedBy))
	case len(notReady) > 0:
		r.setHealth(c, openovav1alpha1.HealthDegraded, openovav1alpha1.WorkloadNotReadyReason,
			fmt.Sprintf("%s is provided by %s: %s", c.Name, c.Spec.ProvidedBy, strings.Join(notReady, "; ")))
	default:
		r.setHealth(c, openovav1alpha1.HealthHealthy, openovav1alpha1.HealthyReason,
			fmt.Sprintf("not installed by the operator: %s provides it, and every node's network is ready (%d nodes Ready)", c.Spec.ProvidedBy, len(nodes.Items)))
	}
	return ctrl.Result{RequeueAfter: r.WorkloadInterval}, nil
}

// patchStatus writes the Component's status when it differs from before's (ignoring
// lastReconciled), stamping lastReconciled, and observedGeneration only when the reconcile
// succeeded (Flux's discipline). It copies the Platform reconciler's upgrade check from
// the AvailableUpgradeAnnotation into status.availableUpgrade: this reconciler is the
// only writer of Component status.
func (r *ComponentReconciler) patchStatus(ctx context.Context, before, c *openovav1alpha1.Component, succeeded bool) error {
	if succeeded {
		c.Status.ObservedGeneration = c.Generation
	} else {
		c.Status.ObservedGeneration = before.Status.ObservedGeneration
	}
	c.Status.LastReconciled = before.Status.LastReconciled
	c.Status.AvailableUpgrade = availableUpgrade(c)
	if equality.Semantic.DeepEqual(before.Status, c.Status) {
		return nil
	}
	c.Status.LastReconciled = &metav1.Time{Time: r.Now()}
	if err := r.Status().Patch(ctx, c, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return client.IgnoreNotFound(err)
	}
	r.patchedFrom.Store(c.UID, before.ResourceVersion)
	return nil
}

// availableUpgrade reads the AvailableUpgradeAnnotation; nil when absent or unreadable.
func availableUpgrade(c *openovav1alpha1.Component) *openovav1alpha1.AvailableUpgrade {
	raw := c.Annotations[openovav1alpha1.AvailableUpgradeAnnotation]
	if raw == "" {
		return nil
	}
	var u openovav1alpha1.AvailableUpgrade
	if err := json.Unmarshal([]byte(raw), &u); err != nil || u.Version == "" {
		return nil
	}
	u.Changelog = truncate(u.Changelog, 4096)
	return &u
}
