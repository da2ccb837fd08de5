package operator

import (
	"context"
	"fmt"
	"sync"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/source"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/delivery"
	"github.com/openova-io/core/internal/kube"
)

const (
	// Finalizer keeps a Component until its HelmRelease (and so the Helm release) is gone.
	Finalizer = openovav1alpha1.ComponentFinalizer
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
	// Regions probes remote regions' API servers (default: a RegionProber with the
	// default interval and timeout reading through APIReader).
	Regions *RegionProber

	mgr        ctrl.Manager
	controller controller.Controller
	// patchedFrom is, per Component UID, the resourceVersion its last status patch was
	// made on. A reconcile that finds the cache still at that version (another event, e.g.
	// the HelmRelease just created, came before the cache saw the patch) would judge the
	// status it already wrote as changed and patch again — a conflict, a requeue, a second
	// write per Component at scale — so it waits for the patch's own event instead.
	patchedFrom sync.Map
	watchOnce   sync.Mutex
	watching    bool
}

// +kubebuilder:rbac:groups=openova.io,resources=components,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=openova.io,resources=components/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=openova.io,resources=components/finalizers,verbs=update
// +kubebuilder:rbac:groups=helm.toolkit.fluxcd.io,resources=helmreleases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=helmrepositories,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets;daemonsets,verbs=get
// +kubebuilder:rbac:groups=core,resources=nodes,verbs=list
// Resource parts: the kinds the built-in catalog's resource parts apply, and no others
// (least privilege). A private catalog whose resource parts use other kinds grants them with
// a ClusterRole bound to the operator's ServiceAccount (docs/operator.md); until then the
// part reports the API server's forbidden error.
// +kubebuilder:rbac:groups=cert-manager.io,resources=clusterissuers,verbs=get;create;patch;delete
// +kubebuilder:rbac:groups=operator.knative.dev,resources=knativeservings,verbs=get;create;patch;delete
// +kubebuilder:rbac:groups=external-secrets.io,resources=clustersecretstores,verbs=get;create;patch;delete
// +kubebuilder:rbac:groups=core,resources=namespaces;services;configmaps,verbs=get;create;patch;delete
// +kubebuilder:rbac:groups=apps,resources=statefulsets,verbs=get;create;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// Remote regions: the kubeconfig Secrets, read one by name in the operator's namespace.
// +kubebuilder:rbac:groups=core,namespace=openova-system,resources=secrets,verbs=get

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
	if r.Regions == nil {
		r.Regions = &RegionProber{Reader: r.APIReader}
	}
	r.mgr = mgr
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &openovav1alpha1.Component{}, bundleMemberIndex, bundleMembers); err != nil {
		return err
	}
	c, err := ctrl.NewControllerManagedBy(mgr).
		Named("component").
		For(&openovav1alpha1.Component{}).
		Watches(&openovav1alpha1.Component{}, handler.EnqueueRequestsFromMapFunc(r.bundlesOf)).
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
	// Every reconcile looks for its Component's releases to prune: by index, not by
	// filtering every HelmRelease of the namespace.
	if err := r.mgr.GetFieldIndexer().IndexField(context.Background(), &helmv2.HelmRelease{}, componentReleaseIndex, componentOfRelease); err != nil {
		return false, fmt.Errorf("index HelmReleases: %w", err)
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
	if from, ok := r.patchedFrom.Load(c.UID); ok && from == c.ResourceVersion {
		return ctrl.Result{}, nil // the cache has not seen this reconciler's last patch yet
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

	switch c.Spec.Delivery {
	case openovav1alpha1.DeliveryBootstrap:
		return r.reconcileWorkloads(ctx, c)
	case openovav1alpha1.DeliveryBundle:
		return ctrl.Result{}, r.reconcileBundle(ctx, c)
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
	if len(c.Spec.Parts) > 0 {
		return r.reconcileParts(ctx, c)
	}
	if len(c.Spec.Regions) > 0 {
		return r.reconcileRegions(ctx, c)
	}
	if c.Spec.Chart == nil {
		r.setReadiness(c, componentHealth{Health: openovav1alpha1.HealthFailed, readiness: readiness{Stalled: true,
			Reason: openovav1alpha1.InstallFailedReason, Message: "spec.chart or spec.parts is required for helm delivery"}})
		return ctrl.Result{}, nil
	}

	hr, err := r.helmRelease(ctx, c, c.Name)
	if err != nil {
		return ctrl.Result{}, err
	}
	r.observeRelease(ctx, c, hr)
	target, wait, err := r.chooseTarget(c, hr, c.Spec.Chart.Version, c.Status.LastGoodChartVersion)
	if err != nil {
		setCondition(&c.Status.Conditions, c.Generation, openovav1alpha1.UpgradeScheduledCondition, metav1.ConditionFalse,
			openovav1alpha1.UpgradeScheduledReason, err.Error())
	}
	dependsOn, err := r.helmDependencies(ctx, c, nil)
	if err != nil {
		return ctrl.Result{}, err
	}
	rel := releaseSpec{Name: c.Name, Chart: *c.Spec.Chart, Values: c.Spec.Values, DependsOn: dependsOn}
	// The HelmRelease as the API server answered the apply: the cache may not have seen it.
	if hr, err = r.applyRelease(ctx, c, hr, rel, target); err != nil {
		return ctrl.Result{}, err
	}
	// What a multi-part version left behind goes once the single release is in place.
	if err := r.pruneParts(ctx, c, map[string]bool{c.Name: true}); err != nil {
		return ctrl.Result{}, err
	}
	c.Status.Regions = nil
	r.mirrorHealth(c, hr, target)
	return ctrl.Result{RequeueAfter: wait}, nil
}

// helmRelease returns the Component's HelmRelease called name from the cache, or nil.
func (r *ComponentReconciler) helmRelease(ctx context.Context, c *openovav1alpha1.Component, name string) (*helmv2.HelmRelease, error) {
	hr := &helmv2.HelmRelease{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: name}, hr); err != nil {
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
// how long until the wait ends. chart and lastGoodChart are the desired and last good chart
// versions (for a multi-part component, any non-empty marker: each part keeps its own).
func (r *ComponentReconciler) chooseTarget(c *openovav1alpha1.Component, hr *helmv2.HelmRelease, chart, lastGoodChart string) (deliveryTarget, time.Duration, error) {
	desired := deliveryTarget{Version: c.Spec.Version, ChartVersion: chart}
	st := &c.Status
	lastGood := deliveryTarget{Version: st.LastGoodVersion, ChartVersion: lastGoodChart}
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

// applyRelease server-side applies the HelmRepository of rel's chart (when missing) and
// rel's HelmRelease when it differs from hr, the one the cache holds, and returns the
// HelmRelease as it is now: the API server's answer to the apply, or hr when nothing needed
// applying.
func (r *ComponentReconciler) applyRelease(ctx context.Context, c *openovav1alpha1.Component, hr *helmv2.HelmRelease, rel releaseSpec, target deliveryTarget) (*helmv2.HelmRelease, error) {
	return r.applyReleaseWith(ctx, c, hr, rel, target, nil)
}

// applyReleaseWith is applyRelease with mutate (when not nil) changing the desired
// HelmRelease before it is compared and applied (a region's kubeConfig).
func (r *ComponentReconciler) applyReleaseWith(ctx context.Context, c *openovav1alpha1.Component, hr *helmv2.HelmRelease, rel releaseSpec, target deliveryTarget,
	mutate func(*helmv2.HelmRelease)) (*helmv2.HelmRelease, error) {
	repo := desiredHelmRepository(c.Namespace, rel.Chart.Repository)
	var current sourcev1.HelmRepository
	err := r.Get(ctx, client.ObjectKeyFromObject(repo), &current)
	switch {
	case apierrors.IsNotFound(err):
		if err := kube.ApplyObject(ctx, r.Client, FieldManager, repo); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	}
	desired, err := desiredHelmRelease(c, rel, target)
	if err != nil {
		return nil, err
	}
	if mutate != nil {
		mutate(desired)
	}
	if hr != nil && helmReleaseUpToDate(hr, desired) {
		return hr, nil
	}
	if err := kube.ApplyObject(ctx, r.Client, FieldManager, desired); err != nil {
		return nil, err
	}
	return desired, nil
}

// helmDependencies returns the HelmReleases of c's dependencies to wait for in region reg
// (nil on a one-region platform): a single-part dependency's release, the last chart
// part's release of a multi-part one (it waits for the parts before it), each the one of
// that region (regionReleaseName). A dependency not placed in reg (placement primary, for
// a standby) has no release there and is not waited for; bootstrap components and bundles
// have no HelmRelease to depend on.
func (r *ComponentReconciler) helmDependencies(ctx context.Context, c *openovav1alpha1.Component, reg *openovav1alpha1.ComponentRegion) ([]string, error) {
	var getErr error
	region := ""
	if reg != nil {
		region = reg.Name
	}
	out := delivery.ReleaseDependenciesIn(c, region, func(name string) *openovav1alpha1.Component {
		var dep openovav1alpha1.Component
		if err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: name}, &dep); err != nil {
			if !apierrors.IsNotFound(err) && getErr == nil {
				getErr = err
			}
			return nil
		}
		return &dep
	})
	if getErr != nil {
		return nil, getErr
	}
	if reg != nil {
		for i := range out {
			out[i] = regionReleaseName(out[i], *reg)
		}
	}
	return out, nil
}

// finalize removes what the Component delivered — the objects of its resource parts, then
// its HelmReleases (Flux uninstalls the releases) — and, when no other Component uses them,
// its HelmRepositories; then lets the Component go.
func (r *ComponentReconciler) finalize(ctx context.Context, c *openovav1alpha1.Component) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(c, Finalizer) {
		return ctrl.Result{}, nil
	}
	if c.Spec.Delivery == openovav1alpha1.DeliveryHelm || c.Spec.Delivery == "" {
		installed, err := r.ensureFluxWatch()
		if err != nil {
			return ctrl.Result{}, err
		}
		if installed {
			objectsLeft, err := r.deletePartObjects(ctx, c)
			if err != nil {
				return ctrl.Result{}, err
			}
			if objectsLeft {
				// A region with the resource parts' objects is unreachable: try again once
				// it may be back.
				return ctrl.Result{RequeueAfter: r.prober().Interval}, nil
			}
			left, err := r.deleteReleases(ctx, c, nil)
			if err != nil {
				return ctrl.Result{}, err
			}
			if left > 0 {
				return ctrl.Result{RequeueAfter: uninstallRecheck}, nil
			}
			if err := r.pruneRepositories(ctx, c); err != nil {
				return ctrl.Result{}, err
			}
		}
	}
	patch := client.MergeFrom(c.DeepCopy())
	controllerutil.RemoveFinalizer(c, Finalizer)
	r.patchedFrom.Delete(c.UID)
	return ctrl.Result{}, client.IgnoreNotFound(r.Patch(ctx, c, patch))
}

// repositories returns the chart repositories a Component's spec uses.
func repositories(c *openovav1alpha1.Component) map[string]bool {
	out := map[string]bool{}
	if c.Spec.Chart != nil {
		out[c.Spec.Chart.Repository] = true
	}
	for _, p := range c.Spec.Parts {
		if p.Chart != nil {
			out[p.Chart.Repository] = true
		}
	}
	return out
}

// pruneRepositories deletes c's HelmRepositories that no other live Component uses.
func (r *ComponentReconciler) pruneRepositories(ctx context.Context, c *openovav1alpha1.Component) error {
	mine := repositories(c)
	if len(mine) == 0 {
		return nil
	}
	var list openovav1alpha1.ComponentList
	if err := r.List(ctx, &list, client.InNamespace(c.Namespace)); err != nil {
		return err
	}
	for _, other := range list.Items {
		if other.Name != c.Name && other.DeletionTimestamp.IsZero() {
			for repo := range repositories(&other) {
				delete(mine, repo)
			}
		}
	}
	for url := range mine {
		repo := &sourcev1.HelmRepository{ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: repositoryName(url)}}
		if err := r.Delete(ctx, repo); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete HelmRepository %s: %w", repo.Name, err)
		}
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

// prober returns the region prober, made on first use when none was set.
func (r *ComponentReconciler) prober() *RegionProber {
	r.watchOnce.Lock()
	defer r.watchOnce.Unlock()
	if r.Regions == nil {
		r.Regions = &RegionProber{Reader: r.APIReader}
	}
	r.Regions.mu.Lock()
	r.Regions.defaults()
	r.Regions.mu.Unlock()
	return r.Regions
}
