package operator

import (
	"context"
	"fmt"
	"sync"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/source"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/kube"
)

const (
	// Finalizer keeps a Component until its HelmRelease (and so the Helm release) is gone.
	Finalizer = "openova.io/finalizer"
	// fluxRecheck is how long to wait before looking for the Flux CRDs again.
	fluxRecheck = 2 * time.Minute
	// defaultWorkloadInterval is how often the workloads of bootstrap-delivered components
	// are read.
	defaultWorkloadInterval = 30 * time.Second
	// uninstallRecheck is how often a deleting Component checks whether its release is gone.
	uninstallRecheck = 2 * time.Second
)

// ComponentReconciler delivers a Component as a Flux HelmRepository and HelmRelease and
// mirrors the release's state into the Component's status.
type ComponentReconciler struct {
	client.Client
	// APIReader reads objects the operator does not cache (the workloads of
	// bootstrap-delivered components).
	APIReader client.Reader
	Events    events.EventRecorder
	Now       func() time.Time
	// WorkloadInterval is how often the workloads of bootstrap-delivered components are
	// read (default 30s).
	WorkloadInterval time.Duration
	// Concurrency is how many Components are reconciled at once (default 4).
	Concurrency int

	mgr        ctrl.Manager
	controller controller.Controller
	watchOnce  sync.Mutex
	watching   bool
}

// +kubebuilder:rbac:groups=openova.io,resources=components,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=openova.io,resources=components/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=openova.io,resources=components/finalizers,verbs=update
// +kubebuilder:rbac:groups=helm.toolkit.fluxcd.io,resources=helmreleases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=helmrepositories,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets;daemonsets,verbs=get
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// SetupWithManager registers the reconciler. The HelmRelease watch is added once the Flux
// CRDs exist, so the operator starts (and reports FluxNotInstalled) without them.
func (r *ComponentReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.WorkloadInterval <= 0 {
		r.WorkloadInterval = defaultWorkloadInterval
	}
	if r.Concurrency <= 0 {
		r.Concurrency = 4
	}
	r.mgr = mgr
	c, err := ctrl.NewControllerManagedBy(mgr).
		Named("component").
		For(&openovav1alpha1.Component{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Concurrency}).
		Build(r)
	if err != nil {
		return err
	}
	r.controller = c
	return nil
}

// ensureFluxWatch reports whether the Flux CRDs are installed and, the first time they are,
// starts watching the HelmReleases the operator owns.
func (r *ComponentReconciler) ensureFluxWatch() (bool, error) {
	r.watchOnce.Lock()
	defer r.watchOnce.Unlock()
	if r.watching {
		return true, nil
	}
	for _, gvk := range fluxGroupKinds {
		if _, err := r.mgr.GetRESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			if meta.IsNoMatchError(err) {
				return false, nil
			}
			return false, err
		}
	}
	err := r.controller.Watch(source.Kind(r.mgr.GetCache(), &helmv2.HelmRelease{},
		handler.TypedEnqueueRequestForOwner[*helmv2.HelmRelease](r.mgr.GetScheme(), r.mgr.GetRESTMapper(),
			&openovav1alpha1.Component{}, handler.OnlyControllerOwner())))
	if err != nil {
		return false, fmt.Errorf("watch HelmReleases: %w", err)
	}
	r.watching = true
	return true, nil
}

// Reconcile delivers one Component. Steps, in order: finalizer; deletion (uninstall);
// bootstrap-delivered components (watch workloads); Flux present; observe the release;
// choose the version to deliver; apply the Flux objects; mirror health.
func (r *ComponentReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	c := &openovav1alpha1.Component{}
	if err := r.Get(ctx, req.NamespacedName, c); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !c.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, c)
	}
	if !controllerutil.ContainsFinalizer(c, Finalizer) {
		patch := client.MergeFrom(c.DeepCopy())
		controllerutil.AddFinalizer(c, Finalizer)
		return ctrl.Result{}, r.Patch(ctx, c, patch)
	}
	before := c.DeepCopy()
	defer func() {
		if err := r.patchStatus(ctx, before, c, retErr == nil); err != nil && retErr == nil {
			result, retErr = requeueOnConflict(err)
		}
	}()

	if c.Spec.Delivery == openovav1alpha1.DeliveryBootstrap {
		return r.reconcileWorkloads(ctx, c)
	}
	installed, err := r.ensureFluxWatch()
	if err != nil {
		return ctrl.Result{}, err
	}
	if !installed {
		r.setHealth(c, openovav1alpha1.HealthUnknown, openovav1alpha1.FluxNotInstalledReason,
			"the Flux CRDs (HelmRelease, HelmRepository) are not installed; run kubectl openova check")
		return ctrl.Result{RequeueAfter: fluxRecheck}, nil
	}
	if c.Spec.Chart == nil {
		r.setReadiness(c, componentHealth{Health: openovav1alpha1.HealthFailed, readiness: readiness{Stalled: true,
			Reason: openovav1alpha1.InstallFailedReason, Message: "spec.chart is required for helm delivery"}})
		return ctrl.Result{}, nil
	}

	hr, err := r.helmRelease(ctx, c)
	if err != nil {
		return ctrl.Result{}, err
	}
	r.observeRelease(ctx, c, hr)
	target, wait, err := r.chooseTarget(c, hr)
	if err != nil {
		setCondition(&c.Status.Conditions, c.Generation, openovav1alpha1.UpgradeScheduledCondition, metav1.ConditionFalse,
			openovav1alpha1.UpgradeScheduledReason, err.Error())
	}
	// The HelmRelease as the API server answered the apply: the cache may not have seen it.
	if hr, err = r.applyFlux(ctx, c, hr, target); err != nil {
		return ctrl.Result{}, err
	}
	r.mirrorHealth(c, hr, target)
	return ctrl.Result{RequeueAfter: wait}, nil
}

// deliveryTarget is what the HelmRelease should deliver.
type deliveryTarget struct {
	Version      string
	ChartVersion string
	// Failed is the desired version that failed, recorded on the HelmRelease while it is
	// held on the last good version.
	Failed string
	// FailedMessage says why, recorded with it.
	FailedMessage string
}

// helmRelease returns the Component's HelmRelease from the cache, or nil.
func (r *ComponentReconciler) helmRelease(ctx context.Context, c *openovav1alpha1.Component) (*helmv2.HelmRelease, error) {
	hr := &helmv2.HelmRelease{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.Name}, hr); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	if !metav1.IsControlledBy(hr, c) {
		return nil, fmt.Errorf("HelmRelease %s/%s exists and is not owned by this Component", hr.Namespace, hr.Name)
	}
	return hr, nil
}

// chooseTarget picks the version to deliver: spec.version, unless that version failed and
// no retry was asked for, or it is an upgrade that must wait for its not-before time or the
// maintenance window; then the last good version stays. Sets UpgradeScheduled and returns
// how long until the wait ends.
func (r *ComponentReconciler) chooseTarget(c *openovav1alpha1.Component, hr *helmv2.HelmRelease) (deliveryTarget, time.Duration, error) {
	desired := deliveryTarget{Version: c.Spec.Version, ChartVersion: c.Spec.Chart.Version}
	st := &c.Status
	lastGood := deliveryTarget{Version: st.LastGoodVersion, ChartVersion: st.LastGoodChartVersion}
	if st.FailedVersion != "" && st.FailedVersion == c.Spec.Version && lastGood.ChartVersion != "" {
		lastGood.Failed = st.FailedVersion
		if cond := meta.FindStatusCondition(st.Conditions, openovav1alpha1.UpgradeFailedCondition); cond != nil {
			lastGood.FailedMessage = cond.Message
		}
		return lastGood, 0, nil
	}
	upgrading := lastGood.Version != "" && lastGood.Version != desired.Version
	alreadyStarted := hr != nil && hr.Annotations[versionAnnotation] == desired.Version
	if !upgrading || alreadyStarted || lastGood.ChartVersion == "" {
		meta.RemoveStatusCondition(&st.Conditions, openovav1alpha1.UpgradeScheduledCondition)
		return desired, 0, nil
	}
	now := r.Now()
	var notBefore *time.Time
	if c.Spec.NotBefore != nil {
		notBefore = &c.Spec.NotBefore.Time
	}
	at, err := upgradeAllowedAt(now, notBefore, c.Spec.MaintenanceWindow)
	if err != nil {
		return lastGood, 0, err
	}
	if !at.After(now) {
		meta.RemoveStatusCondition(&st.Conditions, openovav1alpha1.UpgradeScheduledCondition)
		return desired, 0, nil
	}
	setCondition(&st.Conditions, c.Generation, openovav1alpha1.UpgradeScheduledCondition, metav1.ConditionTrue,
		openovav1alpha1.UpgradeScheduledReason,
		fmt.Sprintf("upgrade from %s to %s waits until %s", lastGood.Version, desired.Version, at.UTC().Format(time.RFC3339)))
	return lastGood, at.Sub(now) + time.Second, nil
}

// applyFlux server-side applies the HelmRepository and the HelmRelease when they differ
// from what the cache holds, and returns the HelmRelease as it is now: the API server's
// answer to the apply, or hr when nothing needed applying.
func (r *ComponentReconciler) applyFlux(ctx context.Context, c *openovav1alpha1.Component, hr *helmv2.HelmRelease, target deliveryTarget) (*helmv2.HelmRelease, error) {
	repo := desiredHelmRepository(c)
	var current sourcev1.HelmRepository
	err := r.Get(ctx, client.ObjectKey{Namespace: repo.GetNamespace(), Name: repo.GetName()}, &current)
	switch {
	case apierrors.IsNotFound(err):
		if err := kube.ApplyObject(ctx, r.Client, FieldManager, repo); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	}

	dependsOn, err := r.helmDependencies(ctx, c)
	if err != nil {
		return nil, err
	}
	desired, err := desiredHelmRelease(c, target, dependsOn)
	if err != nil {
		return nil, err
	}
	if hr != nil && helmReleaseUpToDate(hr, desired) {
		return hr, nil
	}
	if err := kube.ApplyObject(ctx, r.Client, FieldManager, desired); err != nil {
		return nil, err
	}
	applied := &helmv2.HelmRelease{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(desired.Object, applied); err != nil {
		return nil, fmt.Errorf("read the applied HelmRelease %s: %w", c.Name, err)
	}
	return applied, nil
}

// helmDependencies returns the dependencies of c that are delivered by Helm (bootstrap
// components have no HelmRelease to depend on).
func (r *ComponentReconciler) helmDependencies(ctx context.Context, c *openovav1alpha1.Component) ([]string, error) {
	var out []string
	for _, d := range c.Spec.Dependencies {
		var dep openovav1alpha1.Component
		err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: d}, &dep)
		if err == nil && dep.Spec.Delivery == openovav1alpha1.DeliveryBootstrap {
			continue
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// helmReleaseUpToDate reports whether the HelmRelease already carries every field the
// operator sets. The desired object goes through the Flux type first, so zero values Flux
// omits compare equal; fields the API server defaulted are ignored; optional fields the
// operator stopped setting (values, dependsOn) count as a difference.
func helmReleaseUpToDate(hr *helmv2.HelmRelease, desired *unstructured.Unstructured) bool {
	var typed helmv2.HelmRelease
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(desired.Object, &typed); err != nil {
		return false
	}
	want, err1 := kube.ToUnstructured(&typed)
	current, err2 := kube.ToUnstructured(hr)
	if err1 != nil || err2 != nil {
		return false
	}
	wantSpec, _, _ := unstructured.NestedMap(want.Object, "spec")
	currentSpec, _, _ := unstructured.NestedMap(current.Object, "spec")
	if !kube.JSONSubset(wantSpec, currentSpec) {
		return false
	}
	for _, optional := range []string{"values", "dependsOn"} {
		if _, ok := wantSpec[optional]; !ok && currentSpec[optional] != nil {
			return false
		}
	}
	for k, v := range desired.GetAnnotations() {
		if hr.Annotations[k] != v {
			return false
		}
	}
	for _, a := range []string{failedAnnotation, failedMessageAnnotation} {
		if _, ok := desired.GetAnnotations()[a]; !ok && hr.Annotations[a] != "" {
			return false
		}
	}
	for k, v := range desired.GetLabels() {
		if hr.Labels[k] != v {
			return false
		}
	}
	return true
}

// finalize removes the HelmRelease (Flux uninstalls the release) and, when no other
// Component uses it, the HelmRepository; then lets the Component go.
func (r *ComponentReconciler) finalize(ctx context.Context, c *openovav1alpha1.Component) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(c, Finalizer) {
		return ctrl.Result{}, nil
	}
	if c.Spec.Delivery != openovav1alpha1.DeliveryBootstrap && c.Spec.Chart != nil {
		installed, err := r.ensureFluxWatch()
		if err != nil {
			return ctrl.Result{}, err
		}
		if installed {
			hr := &helmv2.HelmRelease{}
			err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.Name}, hr)
			if err == nil {
				if hr.DeletionTimestamp.IsZero() {
					if err := r.Delete(ctx, hr); client.IgnoreNotFound(err) != nil {
						return ctrl.Result{}, fmt.Errorf("delete HelmRelease %s: %w", c.Name, err)
					}
					notify(ctx, r.Events, c, corev1.EventTypeNormal, openovav1alpha1.ReconciledReason, "uninstalling %s", c.Name)
				}
				return ctrl.Result{RequeueAfter: uninstallRecheck}, nil
			}
			if !apierrors.IsNotFound(err) {
				return ctrl.Result{}, err
			}
			if err := r.pruneRepository(ctx, c); err != nil {
				return ctrl.Result{}, err
			}
		}
	}
	patch := client.MergeFrom(c.DeepCopy())
	controllerutil.RemoveFinalizer(c, Finalizer)
	return ctrl.Result{}, client.IgnoreNotFound(r.Patch(ctx, c, patch))
}

// pruneRepository deletes c's HelmRepository unless another live Component uses it.
func (r *ComponentReconciler) pruneRepository(ctx context.Context, c *openovav1alpha1.Component) error {
	var list openovav1alpha1.ComponentList
	if err := r.List(ctx, &list, client.InNamespace(c.Namespace)); err != nil {
		return err
	}
	for _, other := range list.Items {
		if other.Name != c.Name && other.DeletionTimestamp.IsZero() && other.Spec.Chart != nil &&
			other.Spec.Chart.Repository == c.Spec.Chart.Repository {
			return nil
		}
	}
	repo := &sourcev1.HelmRepository{ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: repositoryName(c.Spec.Chart.Repository)}}
	if err := r.Delete(ctx, repo); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete HelmRepository %s: %w", repo.Name, err)
	}
	return nil
}

// platformOf returns the Platform a Component belongs to, or nil.
func (r *ComponentReconciler) platformOf(ctx context.Context, c *openovav1alpha1.Component) *openovav1alpha1.Platform {
	name := c.Labels[openovav1alpha1.PlatformLabel]
	if name == "" {
		return nil
	}
	p := &openovav1alpha1.Platform{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: name}, p); err != nil {
		log.FromContext(ctx).V(1).Info("platform of component not found", "platform", name, "error", err)
		return nil
	}
	return p
}
