package operator

import (
	"context"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/delivery"
	"github.com/openova-io/core/internal/kube"
)

// lacksEntry reports whether an enabled entry names a component or version cat lacks.
func lacksEntry(p *openovav1alpha1.Platform, cat *catalog.Catalog) bool {
	for _, e := range p.Spec.Components {
		if !e.IsEnabled() {
			continue
		}
		comp, ok := cat.Component(e.Name)
		if !ok {
			return true
		}
		if _, ok := comp.Version(e.Version); !ok {
			return true
		}
	}
	return false
}

// checkEntries checks every enabled entry against the catalog: the component and its
// version exist. It returns the entries that pass, in spec order, and a problem for each
// one that does not (by name); a problem stops only its own entry.
func checkEntries(p *openovav1alpha1.Platform, cat *catalog.Catalog) ([]openovav1alpha1.PlatformComponent, map[string]entryProblem) {
	var ok []openovav1alpha1.PlatformComponent
	problems := map[string]entryProblem{}
	where := ""
	if src := cat.Source(); src != "" && src != catalog.BuiltinSource {
		where = " " + src
	}
	for i, e := range p.Spec.Components {
		if !e.IsEnabled() {
			continue
		}
		comp, found := cat.Component(e.Name)
		if !found {
			problems[e.Name] = entryProblem{Reason: openovav1alpha1.UnknownComponentReason,
				Message: fmt.Sprintf("spec.components[%d]: component %q is not in the catalog%s", i, e.Name, where)}
			continue
		}
		if _, found := comp.Version(e.Version); !found {
			known := make([]string, 0, len(comp.Versions))
			for _, v := range comp.Versions {
				known = append(known, v.Version)
			}
			problems[e.Name] = entryProblem{Reason: openovav1alpha1.UnknownVersionReason,
				Message: fmt.Sprintf("spec.components[%d]: %s has no version %s in the catalog%s (known: %v)", i, e.Name, e.Version, where, known)}
			continue
		}
		ok = append(ok, e)
	}
	return ok, problems
}

// deliveredSet is the set the constraints are checked on: the entries that passed at
// their spec versions, and an entry with a problem at the version its Component already
// runs (what stays in the cluster), when it has one the catalog knows.
func deliveredSet(entries []openovav1alpha1.PlatformComponent, problems map[string]entryProblem, owned map[string]*openovav1alpha1.Component, cat *catalog.Catalog) []catalog.Installed {
	set := make([]catalog.Installed, 0, len(entries)+len(problems))
	for _, e := range entries {
		set = append(set, catalog.Installed{Name: e.Name, Version: e.Version, Reason: e.Reason})
	}
	names := make([]string, 0, len(problems))
	for name := range problems {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c, ok := owned[name]
		if !ok {
			continue
		}
		if comp, ok := cat.Component(name); ok {
			if _, ok := comp.Version(c.Spec.Version); ok {
				set = append(set, catalog.Installed{Name: name, Version: c.Spec.Version})
			}
		}
	}
	return set
}

// applyComponents server-side applies a Component for every entry whose Component is not
// already as desired (so a steady state writes nothing). An entry whose Component cannot
// be built, or whose name a Component of another Platform holds, gets a problem in
// problems; the other entries are applied.
func (r *PlatformReconciler) applyComponents(ctx context.Context, p *openovav1alpha1.Platform, cat *catalog.Catalog, entries []openovav1alpha1.PlatformComponent,
	set []catalog.Installed, upgrades map[string]*openovav1alpha1.AvailableUpgrade, owned map[string]*openovav1alpha1.Component, problems map[string]entryProblem) error {
	inSet := make(map[string]bool, len(set))
	for _, s := range set {
		inSet[s.Name] = true
	}
	// Templates that reach a component whose endpoints do not render fail per entry below.
	comps, _ := catalog.PlatformComponents(cat, p.Spec.Organization.Domain, set)
	for _, e := range entries {
		desired, err := delivery.Component(p, cat, e, inSet, upgrades[e.Name])
		if err != nil {
			problems[e.Name] = entryProblem{Reason: openovav1alpha1.InvalidEntryReason, Message: err.Error()}
			continue
		}
		if err := delivery.Render(p, cat, e, comps, desired); err != nil {
			problems[e.Name] = entryProblem{Reason: openovav1alpha1.InvalidValuesReason, Message: err.Error()}
			continue
		}
		delivery.Provided(e, desired)
		current, ok := owned[e.Name]
		if !ok {
			var other openovav1alpha1.Component
			err := r.Get(ctx, client.ObjectKey{Namespace: p.Namespace, Name: e.Name}, &other)
			if err == nil {
				problems[e.Name] = entryProblem{Reason: openovav1alpha1.ComponentConflictReason,
					Message: fmt.Sprintf("component %s already belongs to platform %q", e.Name, other.Labels[openovav1alpha1.PlatformLabel])}
				continue
			}
			if !apierrors.IsNotFound(err) {
				return err
			}
		} else if !current.DeletionTimestamp.IsZero() || componentUpToDate(current, desired) {
			// A Component still being deleted (its entry was disabled and enabled again) is
			// created anew once it is gone: its deletion requeues this Platform.
			continue
		}
		if err := kube.ApplyObject(ctx, r.Client, FieldManager, desired); err != nil {
			return err
		}
		owned[e.Name] = desired
	}
	return nil
}

// componentUpToDate reports whether current already carries desired's spec, labels,
// available-upgrade annotation and owner. Values are compared as JSON (the API server
// re-serialises them); the rest field by field, without serialising: it runs for every
// component on every Platform reconcile.
func componentUpToDate(current, desired *openovav1alpha1.Component) bool {
	for k, v := range desired.Labels {
		if current.Labels[k] != v {
			return false
		}
	}
	if current.Annotations[openovav1alpha1.AvailableUpgradeAnnotation] != desired.Annotations[openovav1alpha1.AvailableUpgradeAnnotation] {
		return false
	}
	if !metav1.IsControlledBy(current, &metav1.ObjectMeta{UID: desired.OwnerReferences[0].UID}) {
		return false
	}
	cur, want := current.Spec, desired.Spec
	if (cur.Values == nil) != (want.Values == nil) || cur.Values != nil && !kube.JSONEqual(cur.Values, want.Values) {
		return false
	}
	cur.Values, want.Values = nil, nil
	if len(cur.Parts) != len(want.Parts) || len(want.Parts) > 0 && !kube.JSONEqual(cur.Parts, want.Parts) {
		return false
	}
	cur.Parts, want.Parts = nil, nil
	return equality.Semantic.DeepEqual(cur, want)
}
