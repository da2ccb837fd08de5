package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/kube"
)

// ApplyOptions are the options of Apply.
type ApplyOptions struct {
	// DryRun asks the API server to validate the write without persisting it.
	DryRun bool
	// Force takes over fields another field manager owns (--force-conflicts).
	Force bool
}

// Apply makes desired the Platform's spec.components with ONE server-side apply (field
// manager kubectl-openova) that carries live's resourceVersion, so a Platform written by
// someone else in between makes the write fail with a *ChangedError instead of being
// overwritten. A write that only lost the race to a status update (spec.components
// unchanged) is retried from the fresh object. It returns the Platform as the API server
// stored (or, with DryRun, would store) it.
func Apply(ctx context.Context, c client.Client, live *openovav1alpha1.Platform, desired []openovav1alpha1.PlatformComponent, opts ApplyOptions) (*openovav1alpha1.Platform, error) {
	return writePlatform(ctx, c, live, opts, platformWrite{
		build: func(live *openovav1alpha1.Platform) (*unstructured.Unstructured, error) {
			if err := removalBlockers(live, desired); err != nil {
				return nil, err
			}
			return buildApply(live, desired)
		},
		same: func(fresh, live *openovav1alpha1.Platform) bool {
			return equality.Semantic.DeepEqual(fresh.Spec.Components, live.Spec.Components)
		},
		verify: func(got *openovav1alpha1.Platform) error { return verifyWrite(got, desired) },
	})
}

// platformWrite is one kind of write of the Platform by writePlatform: build makes the
// apply from the Platform as read, same tells whether a fresh read left what the write is
// about as it was (a conflict with such a write, a status update, is retried), verify
// checks the stored Platform.
type platformWrite struct {
	// field names what the write is about in a *ChangedError ("" for spec.components).
	field  string
	build  func(live *openovav1alpha1.Platform) (*unstructured.Unstructured, error)
	same   func(fresh, live *openovav1alpha1.Platform) bool
	verify func(got *openovav1alpha1.Platform) error
}

// writePlatform makes w's ONE server-side apply (field manager kubectl-openova, live's
// resourceVersion): a write of someone else in between that changed what w is about is a
// *ChangedError, fields another manager owns a *ConflictError (unless opts.Force).
func writePlatform(ctx context.Context, c client.Client, live *openovav1alpha1.Platform, opts ApplyOptions, w platformWrite) (*openovav1alpha1.Platform, error) {
	const attempts = 4
	for attempt := 1; ; attempt++ {
		u, err := w.build(live)
		if err != nil {
			return nil, err
		}
		applyOpts := []kube.ApplyOption{kube.WithResourceVersion()}
		if !opts.Force {
			applyOpts = append(applyOpts, kube.WithoutForce())
		}
		if opts.DryRun {
			applyOpts = append(applyOpts, kube.WithDryRun())
		}
		err = kube.ApplyObject(ctx, c, FieldManager, u, applyOpts...)
		if err == nil {
			out := &openovav1alpha1.Platform{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, out); err != nil {
				return nil, fmt.Errorf("read the written platform: %w", err)
			}
			return out, w.verify(out)
		}
		if conflicts := fieldConflicts(err); conflicts != nil {
			return nil, &ConflictError{Err: fmt.Errorf("fields of platform %s are managed by someone else: %s; change them where they are managed (e.g. in Git)",
				live.Name, strings.Join(conflicts, "; ")), CLIHint: "or pass --force-conflicts to take them over"}
		}
		if !apierrors.IsConflict(err) {
			return nil, ClusterError(err)
		}
		fresh := &openovav1alpha1.Platform{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(live), fresh); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, &ChangedError{Platform: live.Name, Deleted: true}
			}
			return nil, ClusterError(err)
		}
		if attempt == attempts || !w.same(fresh, live) {
			return nil, &ChangedError{Platform: live.Name, Field: w.field}
		}
		live = fresh
	}
}

// buildApply returns the server-side apply of live that makes spec.components desired:
// everything the CLI's field manager owns on live, with spec.components holding the entries
// the CLI owns or changes. Entries owned only by other managers and left unchanged are not
// sent, so they stay as they are; fields of an entry are sent when the CLI owns them or
// changes them. metadata.resourceVersion makes the write fail if live is stale.
func buildApply(live *openovav1alpha1.Platform, desired []openovav1alpha1.PlatformComponent) (*unstructured.Unstructured, error) {
	base, owned, err := ownedApply(live)
	if err != nil {
		return nil, err
	}
	spec := childMap(base, "spec")

	ownedList := map[string]map[string]any{}
	if list, ok := spec["components"].([]any); ok {
		for _, item := range list {
			if m, ok := item.(map[string]any); ok {
				name, _ := m["name"].(string)
				ownedList[name] = m
			}
		}
	}
	ownedEntries := componentEntries(owned)
	liveEntries := entriesByName(live.Spec.Components)
	list := make([]any, 0, len(desired))
	for _, d := range desired {
		fields, owns := ownedEntries[d.Name]
		diff := diffEntry(liveEntries[d.Name], d)
		if !owns && !diff.any() {
			continue // someone else's entry, unchanged: leave it to them
		}
		m := ownedList[d.Name]
		if m == nil {
			m = map[string]any{}
		}
		applyEntry(m, d, diff, fields)
		list = append(list, m)
	}
	spec["components"] = list
	return &unstructured.Unstructured{Object: base}, nil
}

// ownedApply is the apply that leaves live as it is: everything the CLI's field manager owns
// on live (owned), with live's resourceVersion (the write fails if live is stale).
func ownedApply(live *openovav1alpha1.Platform) (map[string]any, fieldSet, error) {
	owned, err := ownedFields(live.ManagedFields, FieldManager)
	if err != nil {
		return nil, nil, err
	}
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
	if err != nil {
		return nil, nil, err
	}
	base, _ := extract(raw, owned).(map[string]any)
	if base == nil {
		base = map[string]any{}
	}
	base["apiVersion"] = openovav1alpha1.GroupVersion.String()
	base["kind"] = "Platform"
	meta := childMap(base, "metadata")
	meta["name"], meta["namespace"], meta["resourceVersion"] = live.Name, live.Namespace, live.ResourceVersion
	return base, owned, nil
}

// childMap returns m[key] as a map, putting an empty one there when it is missing.
func childMap(m map[string]any, key string) map[string]any {
	child, _ := m[key].(map[string]any)
	if child == nil {
		child = map[string]any{}
	}
	m[key] = child
	return child
}

// applyEntry sets the fields of d the apply sends in m: those that change, and those the
// CLI owns already (leaving them out would remove them).
func applyEntry(m map[string]any, d openovav1alpha1.PlatformComponent, diff entryDiff, owned []string) {
	m["name"] = d.Name
	if diff.added || diff.version || slices.Contains(owned, "version") {
		m["version"] = d.Version
	}
	if diff.added || diff.reason || slices.Contains(owned, "reason") {
		if d.Reason != "" {
			m["reason"] = d.Reason
		} else {
			delete(m, "reason")
		}
	}
	if diff.notBefore || slices.Contains(owned, "notBefore") {
		if d.NotBefore != nil {
			m["notBefore"] = d.NotBefore.UTC().Format(time.RFC3339)
		} else {
			delete(m, "notBefore")
		}
	}
}

// removalBlockers returns an error naming the entries desired drops that another field
// manager also owns: server-side apply would keep them, so the CLI refuses up front.
func removalBlockers(live *openovav1alpha1.Platform, desired []openovav1alpha1.PlatformComponent) error {
	others, err := otherManagers(live.ManagedFields, FieldManager)
	if err != nil {
		return err
	}
	keep := entriesByName(desired)
	var blocked []string
	for _, e := range live.Spec.Components {
		if keep[e.Name] == nil && len(others[e.Name]) > 0 {
			blocked = append(blocked, fmt.Sprintf("%s (managed by %s)", e.Name, strings.Join(others[e.Name], ", ")))
		}
	}
	if len(blocked) == 0 {
		return nil
	}
	return &ConflictError{Err: fmt.Errorf("cannot remove %s from platform %s: another field manager also owns the entry in spec.components, so a server-side apply would keep it; remove it where it is managed (e.g. in Git), or with kubectl edit platform %s -n %s",
		strings.Join(blocked, ", "), live.Name, live.Name, live.Namespace)}
}

// fieldConflicts returns the server-side apply conflicts in err ("conflict with "gitops":
// .spec.components[name="grafana"].version"), or nil.
func fieldConflicts(err error) []string {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || !apierrors.IsConflict(err) {
		return nil
	}
	details := status.Status().Details
	if details == nil {
		return nil
	}
	var out []string
	for _, cause := range details.Causes {
		if cause.Type == metav1.CauseTypeFieldManagerConflict {
			out = append(out, cause.Field+": "+cause.Message)
		}
	}
	return out
}

// verifyWrite checks that the written Platform holds every desired entry at its version
// and none of the removed ones: fields another manager owns can make an apply fall short.
func verifyWrite(got *openovav1alpha1.Platform, desired []openovav1alpha1.PlatformComponent) error {
	have := entriesByName(got.Spec.Components)
	want := entriesByName(desired)
	var problems []string
	for _, d := range desired {
		switch h := have[d.Name]; {
		case h == nil:
			problems = append(problems, d.Name+" is missing")
		case h.Version != d.Version:
			problems = append(problems, fmt.Sprintf("%s is at %s, not %s", d.Name, h.Version, d.Version))
		}
	}
	for _, h := range got.Spec.Components {
		if want[h.Name] == nil {
			problems = append(problems, h.Name+" is still there")
		}
	}
	if len(problems) > 0 {
		return &ConflictError{Err: fmt.Errorf("platform %s was written, but its spec.components differs from the plan: %s (another field manager owns those entries; see kubectl get platform %s -n %s --show-managed-fields -o yaml)",
			got.Name, strings.Join(problems, "; "), got.Name, got.Namespace)}
	}
	return nil
}
