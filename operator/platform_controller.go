package operator

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
)

const (
	defaultCheckInterval = 6 * time.Hour
	// catalogRetry is how long to wait before loading an unavailable catalog again.
	catalogRetry = time.Minute
)

// PlatformReconciler expands a Platform into Components and reports their health.
type PlatformReconciler struct {
	client.Client
	Catalogs *Catalogs
	Events   events.EventRecorder
	Now      func() time.Time

	mu     sync.Mutex
	checks map[client.ObjectKey]upgradeCheck
}

// +kubebuilder:rbac:groups=openova.io,resources=platforms,verbs=get;list;watch
// +kubebuilder:rbac:groups=openova.io,resources=platforms/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=openova.io,resources=components,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=openova.io,resources=components/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// SetupWithManager registers the reconciler: it watches Platforms and the Components they own.
func (r *PlatformReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("platform").
		For(&openovav1alpha1.Platform{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Owns(&openovav1alpha1.Component{}).
		Complete(r)
}

// Reconcile brings the Components of a Platform in line with spec.components and
// summarises their health in the Platform's status.
func (r *PlatformReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	p := &openovav1alpha1.Platform{}
	if err := r.Get(ctx, req.NamespacedName, p); err != nil {
		if apierrors.IsNotFound(err) {
			r.mu.Lock()
			delete(r.checks, req.NamespacedName)
			r.mu.Unlock()
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !p.DeletionTimestamp.IsZero() {
		// Owner references take the Components (and through their finalizers the Flux
		// objects) with the Platform.
		return ctrl.Result{}, nil
	}
	before := p.DeepCopy()
	owned, err := r.ownedComponents(ctx, p)
	if err != nil {
		return ctrl.Result{}, err
	}
	var blocked *metav1.Condition
	defer func() {
		r.summarize(ctx, p, owned, blocked)
		if err := r.patchStatus(ctx, before, p); err != nil && retErr == nil {
			result, retErr = requeueOnConflict(err)
		}
	}()

	cat, due, err := r.loadCatalog(ctx, p)
	if err != nil {
		blocked = &metav1.Condition{Reason: openovav1alpha1.CatalogUnavailableReason, Message: err.Error()}
		return ctrl.Result{RequeueAfter: catalogRetry}, nil
	}
	set, cond := validateComponents(p, cat)
	if cond != nil {
		blocked = cond
		return ctrl.Result{}, nil
	}
	if cond, err := r.applyComponents(ctx, p, cat, set, owned); err != nil || cond != nil {
		blocked = cond
		return ctrl.Result{}, err
	}
	if err := r.pruneComponents(ctx, p, owned); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.checkUpdates(ctx, p, cat, set, owned); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: due}, nil
}

// loadCatalog loads the catalog the Platform names, reloading it from its source when an
// update check is due (checkInterval passed, or a new refresh annotation). It records the
// check in status.lastUpdateCheck and returns the time until the next one.
func (r *PlatformReconciler) loadCatalog(ctx context.Context, p *openovav1alpha1.Platform) (*catalog.Catalog, time.Duration, error) {
	interval := defaultCheckInterval
	if p.Spec.Updates != nil && p.Spec.Updates.CheckInterval != nil && p.Spec.Updates.CheckInterval.Duration > 0 {
		interval = p.Spec.Updates.CheckInterval.Duration
	}
	now := r.Now()
	refresh := p.Annotations[openovav1alpha1.RefreshAnnotation]
	last := p.Status.LastUpdateCheck
	due := last == nil || now.Sub(last.Time) >= interval || refresh != p.Status.LastHandledRefresh
	source := ""
	if p.Spec.Catalog != nil {
		source = p.Spec.Catalog.URL
	}
	cat, err := r.Catalogs.Get(ctx, source, due)
	if err != nil {
		return nil, 0, fmt.Errorf("load catalog %s: %w", describeSource(source, r.Catalogs.Default), err)
	}
	if due {
		p.Status.LastUpdateCheck = &metav1.Time{Time: now}
		p.Status.LastHandledRefresh = refresh
		return cat, interval, nil
	}
	return cat, last.Add(interval).Sub(now), nil
}

func describeSource(source, def string) string {
	switch {
	case source != "":
		return fmt.Sprintf("%q", source)
	case def != "":
		return fmt.Sprintf("%q (the operator's default)", def)
	default:
		return "(built in)"
	}
}

// validateComponents checks every enabled entry against the catalog: the component and
// version exist and the set satisfies every constraint. A Platform that fails is not
// delivered; the returned condition says which entry is wrong.
func validateComponents(p *openovav1alpha1.Platform, cat *catalog.Catalog) ([]catalog.Installed, *metav1.Condition) {
	var set []catalog.Installed
	for i, e := range p.Spec.Components {
		if !e.IsEnabled() {
			continue
		}
		comp, ok := cat.Component(e.Name)
		if !ok {
			return nil, &metav1.Condition{Reason: openovav1alpha1.UnknownComponentReason,
				Message: fmt.Sprintf("spec.components[%d]: component %q is not in the catalog", i, e.Name)}
		}
		if _, ok := comp.Version(e.Version); !ok {
			known := make([]string, 0, len(comp.Versions))
			for _, v := range comp.Versions {
				known = append(known, v.Version)
			}
			return nil, &metav1.Condition{Reason: openovav1alpha1.UnknownVersionReason,
				Message: fmt.Sprintf("spec.components[%d]: %s has no version %s in the catalog (known: %v)", i, e.Name, e.Version, known)}
		}
		set = append(set, catalog.Installed{Name: e.Name, Version: e.Version, Reason: e.Reason})
	}
	if err := catalog.Verify(cat, set); err != nil {
		return nil, &metav1.Condition{Reason: openovav1alpha1.ConstraintViolationReason,
			Message: fmt.Sprintf("spec.components breaks the catalog's constraints (resolve changes with kubectl openova): %v", err)}
	}
	return set, nil
}

// ownedComponents lists the Components labelled as this Platform's, by name. They are the
// cache's own objects, not copies (a Platform of a thousand components would otherwise copy
// them all on every reconcile): copy one before changing it.
func (r *PlatformReconciler) ownedComponents(ctx context.Context, p *openovav1alpha1.Platform) (map[string]*openovav1alpha1.Component, error) {
	var list openovav1alpha1.ComponentList
	if err := r.List(ctx, &list, client.InNamespace(p.Namespace), client.MatchingLabels{openovav1alpha1.PlatformLabel: p.Name},
		client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	out := make(map[string]*openovav1alpha1.Component, len(list.Items))
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out, nil
}

// applyComponents server-side applies a Component for every enabled entry whose spec is not
// already as desired (so a steady state writes nothing). A Component of that name owned by
// another Platform is left alone and reported.
func (r *PlatformReconciler) applyComponents(ctx context.Context, p *openovav1alpha1.Platform, cat *catalog.Catalog, set []catalog.Installed, owned map[string]*openovav1alpha1.Component) (*metav1.Condition, error) {
	inSet := make(map[string]bool, len(set))
	for _, s := range set {
		inSet[s.Name] = true
	}
	comps, err := catalog.PlatformComponents(cat, p.Spec.Organization.Domain, set)
	if err != nil {
		return &metav1.Condition{Reason: openovav1alpha1.InvalidValuesReason, Message: err.Error()}, nil
	}
	for _, e := range p.Spec.Components {
		if !e.IsEnabled() {
			continue
		}
		desired, err := desiredComponent(p, cat, e, inSet)
		if err != nil {
			return &metav1.Condition{Reason: openovav1alpha1.UnknownVersionReason, Message: err.Error()}, nil
		}
		if err := renderDelivery(p, cat, e, comps, desired); err != nil {
			return &metav1.Condition{Reason: openovav1alpha1.InvalidValuesReason, Message: err.Error()}, nil
		}
		current, ok := owned[e.Name]
		if !ok {
			var other openovav1alpha1.Component
			err := r.Get(ctx, client.ObjectKey{Namespace: p.Namespace, Name: e.Name}, &other)
			if err == nil {
				return &metav1.Condition{Reason: openovav1alpha1.ComponentConflictReason,
					Message: fmt.Sprintf("component %s already belongs to platform %q", e.Name, other.Labels[openovav1alpha1.PlatformLabel])}, nil
			}
			if !apierrors.IsNotFound(err) {
				return nil, err
			}
		} else if componentUpToDate(current, desired) {
			continue
		}
		if err := applyObject(ctx, r.Client, desired); err != nil {
			return nil, fmt.Errorf("apply component %s: %w", e.Name, err)
		}
	}
	return nil, nil
}

// desiredComponent fills a Component for entry e from the catalog.
func desiredComponent(p *openovav1alpha1.Platform, cat *catalog.Catalog, e openovav1alpha1.PlatformComponent, inSet map[string]bool) (*openovav1alpha1.Component, error) {
	comp, _ := cat.Component(e.Name)
	v, _ := comp.Version(e.Version)
	deps := map[string]bool{}
	for _, req := range v.Requires {
		deps[req.Name] = true
	}
	for _, opt := range v.Optional {
		if inSet[opt.Name] {
			deps[opt.Name] = true
		}
	}
	depList := make([]string, 0, len(deps))
	for d := range deps {
		depList = append(depList, d)
	}
	sort.Strings(depList)
	endpoints, err := comp.RenderEndpoints(p.Spec.Organization.Domain)
	if err != nil {
		return nil, fmt.Errorf("endpoints of %s: %w", e.Name, err)
	}
	c := &openovav1alpha1.Component{
		TypeMeta: metav1.TypeMeta{APIVersion: openovav1alpha1.GroupVersion.String(), Kind: "Component"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      e.Name,
			Namespace: p.Namespace,
			Labels:    map[string]string{openovav1alpha1.PlatformLabel: p.Name},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(p,
				openovav1alpha1.GroupVersion.WithKind("Platform"))},
		},
		Spec: openovav1alpha1.ComponentSpec{
			Version:         e.Version,
			Category:        openovav1alpha1.Category(comp.Category),
			Delivery:        openovav1alpha1.Delivery(comp.Delivery),
			TargetNamespace: comp.Namespace,
			Dependencies:    depList,
			Values:          e.Values,
			NotBefore:       e.NotBefore,
			Endpoints:       endpoints,
		},
	}
	if c.Spec.Delivery == "" {
		c.Spec.Delivery = openovav1alpha1.DeliveryHelm
	}
	if c.Spec.Delivery == openovav1alpha1.DeliveryHelm {
		c.Spec.Chart = &openovav1alpha1.ChartRef{Repository: comp.Chart.Repository, Name: comp.Chart.Name, Version: v.ChartVersion}
	}
	for _, w := range comp.Workloads {
		c.Spec.Workloads = append(c.Spec.Workloads, openovav1alpha1.WorkloadRef{Kind: w.Kind, Name: w.Name})
	}
	if comp.Upgrade.Timeout > 0 {
		c.Spec.UpgradeTimeout = &metav1.Duration{Duration: comp.Upgrade.Timeout}
	}
	if p.Spec.Updates != nil && p.Spec.Updates.MaintenanceWindow != nil {
		c.Spec.MaintenanceWindow = p.Spec.Updates.MaintenanceWindow.DeepCopy()
	}
	return c, nil
}

// componentUpToDate reports whether current already carries desired's spec, labels and
// owner. Values are compared as JSON (the API server re-serialises them); the rest field by
// field, without serialising: it runs for every component on every Platform reconcile.
func componentUpToDate(current, desired *openovav1alpha1.Component) bool {
	for k, v := range desired.Labels {
		if current.Labels[k] != v {
			return false
		}
	}
	if !metav1.IsControlledBy(current, &metav1.ObjectMeta{UID: desired.OwnerReferences[0].UID}) {
		return false
	}
	cur, want := current.Spec, desired.Spec
	if (cur.Values == nil) != (want.Values == nil) || cur.Values != nil && !jsonEqual(cur.Values, want.Values) {
		return false
	}
	cur.Values, want.Values = nil, nil
	if len(cur.Parts) != len(want.Parts) || len(want.Parts) > 0 && !jsonEqual(cur.Parts, want.Parts) {
		return false
	}
	cur.Parts, want.Parts = nil, nil
	return equality.Semantic.DeepEqual(cur, want)
}

func jsonEqual(a, b any) bool {
	var x, y any
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	if json.Unmarshal(ja, &x) != nil || json.Unmarshal(jb, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// pruneComponents deletes the Platform's Components whose entry was removed or disabled.
// Their finalizer removes the Flux objects first.
func (r *PlatformReconciler) pruneComponents(ctx context.Context, p *openovav1alpha1.Platform, owned map[string]*openovav1alpha1.Component) error {
	enabled := map[string]bool{}
	for _, e := range p.Spec.Components {
		if e.IsEnabled() {
			enabled[e.Name] = true
		}
	}
	for name, c := range owned {
		if enabled[name] || !c.DeletionTimestamp.IsZero() || !metav1.IsControlledBy(c, p) {
			continue
		}
		if err := r.Delete(ctx, c); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete component %s: %w", name, err)
		}
		notify(ctx, r.Events, p, corev1.EventTypeNormal, openovav1alpha1.ReconciledReason, "removing component %s", name)
	}
	return nil
}

// checkUpdates sets status.availableUpgrade on every Component: the newest version of the
// loaded catalog that every installed dependent still accepts. Only differing Components are
// patched. The Platform is the only writer of that field.
func (r *PlatformReconciler) checkUpdates(ctx context.Context, p *openovav1alpha1.Platform, cat *catalog.Catalog, set []catalog.Installed, owned map[string]*openovav1alpha1.Component) error {
	upgrades, err := r.availableUpgrades(p, cat, set)
	if err != nil {
		return err
	}
	for _, s := range set {
		c, ok := owned[s.Name]
		if !ok || !c.DeletionTimestamp.IsZero() {
			continue
		}
		want := upgrades[s.Name]
		if reflect.DeepEqual(want, c.Status.AvailableUpgrade) {
			continue
		}
		patch := client.MergeFrom(c)
		c = c.DeepCopy()
		c.Status.AvailableUpgrade = want
		if err := r.Status().Patch(ctx, c, patch); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("record available upgrade of %s: %w", s.Name, err)
		}
		owned[s.Name] = c
	}
	return nil
}

// upgradeCheck is the last upgrade check of a Platform: the catalog and spec it was made
// for, and its result. Most reconciles come from Component status changes; they reuse it
// instead of resolving every component against the catalog again.
type upgradeCheck struct {
	catalog    *catalog.Catalog
	generation int64
	result     map[string]*openovav1alpha1.AvailableUpgrade
}

// availableUpgrades returns, per component of set, the newest version the catalog allows
// given every installed dependent's constraints, or nil.
func (r *PlatformReconciler) availableUpgrades(p *openovav1alpha1.Platform, cat *catalog.Catalog, set []catalog.Installed) (map[string]*openovav1alpha1.AvailableUpgrade, error) {
	key := client.ObjectKeyFromObject(p)
	r.mu.Lock()
	last, ok := r.checks[key]
	r.mu.Unlock()
	if ok && last.catalog == cat && last.generation == p.Generation {
		return last.result, nil
	}
	result := make(map[string]*openovav1alpha1.AvailableUpgrade, len(set))
	for _, s := range set {
		v, err := catalog.AvailableUpgrade(cat, set, s.Name)
		if err != nil {
			return nil, fmt.Errorf("upgrade check of %s: %w", s.Name, err)
		}
		if v != nil {
			result[s.Name] = &openovav1alpha1.AvailableUpgrade{Version: v.Version, Changelog: truncate(v.Changelog, 4096)}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.checks == nil {
		r.checks = map[client.ObjectKey]upgradeCheck{}
	}
	r.checks[key] = upgradeCheck{catalog: cat, generation: p.Generation, result: result}
	return result, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// applyObject server-side applies a typed object with the operator's field manager.
func applyObject(ctx context.Context, c client.Client, obj client.Object) error {
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return err
	}
	u := &unstructured.Unstructured{Object: raw}
	unstructured.RemoveNestedField(u.Object, "status")
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	return c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldManager), client.ForceOwnership)
}

// requeueOnConflict turns a conflict (the object changed since it was read) into a quiet
// requeue: the next reconcile starts from the newer object.
func requeueOnConflict(err error) (ctrl.Result, error) {
	if apierrors.IsConflict(err) {
		return ctrl.Result{RequeueAfter: 100 * time.Millisecond}, nil
	}
	return ctrl.Result{}, err
}

// setCondition sets a condition, keeping its transition time when the status is unchanged.
func setCondition(conds *[]metav1.Condition, generation int64, t string, status metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(conds, metav1.Condition{Type: t, Status: status, Reason: reason, Message: truncate(msg, 32768), ObservedGeneration: generation})
}
