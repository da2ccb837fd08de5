package operator

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
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

	mu      sync.Mutex
	checks  map[client.ObjectKey]upgradeCheck
	reloads map[client.ObjectKey]missReload
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
// summarises their health in the Platform's status. Steps, in order: list the Platform's
// Components; prune those whose entry is gone (whatever else is wrong); load the catalog,
// reloading it when the spec names something the loaded copy lacks; check every entry
// against it (a problem stops that entry only); check the set's constraints (a violation
// stops every apply, not the pruning); compute available upgrades; apply the Components.
func (r *PlatformReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	p := &openovav1alpha1.Platform{}
	if err := r.Get(ctx, req.NamespacedName, p); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.NamespacedName)
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
	var out platformOutcome
	defer func() {
		r.summarize(ctx, p, owned, out)
		if err := r.patchStatus(ctx, before, p, retErr == nil && !out.failed); err != nil && retErr == nil {
			result, retErr = requeueOnConflict(err)
		}
	}()

	if err := r.pruneComponents(ctx, p, owned); err != nil {
		return ctrl.Result{}, err
	}
	cat, due, err := r.catalogFor(ctx, p)
	if err != nil {
		out.blocked = &metav1.Condition{Reason: openovav1alpha1.CatalogUnavailableReason, Message: err.Error()}
		out.failed = true
		return ctrl.Result{RequeueAfter: catalogRetry}, nil
	}
	entries, problems := checkEntries(p, cat)
	out.problems = problems
	if len(problems) > 0 {
		// The catalog may still gain what is missing (a release published after this
		// reload): look again soon.
		due = min(due, catalogRetry)
	}
	set := deliveredSet(entries, problems, owned, cat)
	if err := catalog.Verify(cat, set); err != nil {
		out.blocked = &metav1.Condition{Reason: openovav1alpha1.ConstraintViolationReason,
			Message: fmt.Sprintf("spec.components breaks the catalog's constraints (resolve changes with kubectl openova): %v", err)}
		return ctrl.Result{RequeueAfter: due}, nil
	}
	upgrades, err := r.availableUpgrades(p, cat, set)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := r.applyComponents(ctx, p, cat, entries, set, upgrades, owned, problems); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: due}, nil
}

// catalogFor loads the Platform's catalog (see loadCatalog) and, when an enabled entry
// names a component or version the loaded copy lacks, reloads it once per Platform
// generation (and again after catalogRetry) unless loadCatalog just did: a release
// published after the copy was loaded is picked up without waiting for the next update
// check. The reload is a conditional GET, so an unchanged catalog costs a 304. A failed
// reload keeps the copy.
func (r *PlatformReconciler) catalogFor(ctx context.Context, p *openovav1alpha1.Platform) (*catalog.Catalog, time.Duration, error) {
	load, err := r.loadCatalog(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	if !lacksEntry(p, load.catalog) || !r.reloadDue(p) || load.reloaded {
		return load.catalog, load.untilCheck, nil
	}
	fresh, err := r.Catalogs.Get(ctx, catalogSource(p), true)
	if err != nil {
		log.FromContext(ctx).Info("reload of the catalog for a missing entry failed; keeping the loaded copy", "error", err.Error())
		return load.catalog, load.untilCheck, nil
	}
	return fresh, load.untilCheck, nil
}

// reloadDue reports whether a reload for a missing entry may happen now (once per
// generation, then every catalogRetry), and records it.
func (r *PlatformReconciler) reloadDue(p *openovav1alpha1.Platform) bool {
	key := client.ObjectKeyFromObject(p)
	now := r.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if last, ok := r.reloads[key]; ok && last.generation == p.Generation && now.Sub(last.at) < catalogRetry {
		return false
	}
	if r.reloads == nil {
		r.reloads = map[client.ObjectKey]missReload{}
	}
	r.reloads[key] = missReload{generation: p.Generation, at: now}
	return true
}

// missReload is when the catalog was last reloaded because a Platform named something it
// lacked.
type missReload struct {
	generation int64
	at         time.Time
}

// forget drops what the reconciler remembers of a deleted Platform.
func (r *PlatformReconciler) forget(key client.ObjectKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.checks, key)
	delete(r.reloads, key)
}

func catalogSource(p *openovav1alpha1.Platform) string {
	if p.Spec.Catalog != nil {
		return p.Spec.Catalog.URL
	}
	return ""
}

// catalogLoad is a loaded catalog, whether it was just reloaded from its source, and the
// time until the next update check.
type catalogLoad struct {
	catalog    *catalog.Catalog
	reloaded   bool
	untilCheck time.Duration
}

// loadCatalog loads the catalog the Platform names, reloading it from its source when an
// update check is due: checkInterval passed, a new refresh annotation, or a spec the
// operator has not reconciled yet (observedGeneration behind generation: the entries the
// check judges changed, so it judges them against the catalog as it is now, not against a
// copy read before a catalog release — status would claim "no upgrades" for a check older
// than the spec). It records the check in status.lastUpdateCheck. A check on a spec change
// that cannot reach the catalog keeps the loaded copy (the scheduled ones report
// CatalogUnavailable).
func (r *PlatformReconciler) loadCatalog(ctx context.Context, p *openovav1alpha1.Platform) (catalogLoad, error) {
	interval := defaultCheckInterval
	if p.Spec.Updates != nil && p.Spec.Updates.CheckInterval != nil && p.Spec.Updates.CheckInterval.Duration > 0 {
		interval = p.Spec.Updates.CheckInterval.Duration
	}
	now := r.Now()
	refresh := p.Annotations[openovav1alpha1.RefreshAnnotation]
	last := p.Status.LastUpdateCheck
	scheduled := last == nil || now.Sub(last.Time) >= interval || refresh != p.Status.LastHandledRefresh
	due := scheduled || p.Status.ObservedGeneration != p.Generation
	source := catalogSource(p)
	cat, err := r.Catalogs.Get(ctx, source, due)
	if err != nil && !scheduled {
		// A spec change is not held up by the catalog's host: it is delivered from the copy,
		// and the check waits for the next one.
		if kept, keptErr := r.Catalogs.Get(ctx, source, false); keptErr == nil {
			log.FromContext(ctx).Info("update check on a spec change failed; keeping the loaded catalog", "error", err.Error())
			return catalogLoad{catalog: kept, untilCheck: last.Add(interval).Sub(now)}, nil
		}
	}
	if err != nil {
		return catalogLoad{}, fmt.Errorf("load catalog %s: %w", describeSource(source, r.Catalogs.Default), err)
	}
	if due {
		p.Status.LastUpdateCheck = &metav1.Time{Time: now}
		p.Status.LastHandledRefresh = refresh
		return catalogLoad{catalog: cat, reloaded: true, untilCheck: interval}, nil
	}
	return catalogLoad{catalog: cat, untilCheck: last.Add(interval).Sub(now)}, nil
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
	upgrades, err := catalog.AvailableUpgrades(cat, set) // every component in one pass
	if err != nil {
		return nil, fmt.Errorf("upgrade check of %w", err) // the error names the component
	}
	result := make(map[string]*openovav1alpha1.AvailableUpgrade, len(upgrades))
	for name, v := range upgrades {
		result[name] = &openovav1alpha1.AvailableUpgrade{Version: v.Version, Changelog: truncate(v.Changelog, 4096)}
	}
	for _, e := range p.Spec.Components {
		if e.Provided != nil {
			delete(result, e.Name) // the cluster upgrades what it provides
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
