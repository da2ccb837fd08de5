package plugin

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
	"github.com/openova-io/core/catalog"
)

// toInstalled returns spec.components as the resolver's installed set.
func toInstalled(entries []openovav1alpha1.PlatformComponent) []catalog.Installed {
	out := make([]catalog.Installed, 0, len(entries))
	for _, e := range entries {
		out = append(out, catalog.Installed{Name: e.Name, Version: e.Version, Reason: e.Reason})
	}
	return out
}

// desiredEntries returns spec.components after a plan: the entries of after (the plan
// applied to the installed set, in its order), each keeping what the CLI does not change
// (enabled, values). An entry whose version changes gets schedule as its notBefore when one
// is given (a scheduled upgrade), and loses an earlier notBefore otherwise; new entries are
// installed right away.
func desiredEntries(live []openovav1alpha1.PlatformComponent, after []catalog.Installed, schedule *metav1.Time) []openovav1alpha1.PlatformComponent {
	byName := make(map[string]openovav1alpha1.PlatformComponent, len(live))
	for _, e := range live {
		byName[e.Name] = e
	}
	out := make([]openovav1alpha1.PlatformComponent, 0, len(after))
	for _, a := range after {
		e, had := byName[a.Name]
		if !had {
			out = append(out, openovav1alpha1.PlatformComponent{Name: a.Name, Version: a.Version, Reason: a.Reason})
			continue
		}
		e = *e.DeepCopy()
		if e.Version != a.Version {
			e.NotBefore = nil
			if schedule != nil {
				e.NotBefore = schedule.DeepCopy()
			}
		}
		e.Version, e.Reason = a.Version, a.Reason
		out = append(out, e)
	}
	return out
}

// entryDiff says which fields the CLI writes differ between a live entry and a desired one.
type entryDiff struct{ added, version, reason, notBefore bool }

func (d entryDiff) any() bool { return d.added || d.version || d.reason || d.notBefore }

func diffEntry(live *openovav1alpha1.PlatformComponent, desired openovav1alpha1.PlatformComponent) entryDiff {
	if live == nil {
		return entryDiff{added: true}
	}
	return entryDiff{
		version:   live.Version != desired.Version,
		reason:    live.Reason != desired.Reason,
		notBefore: !timeEqual(live.NotBefore, desired.NotBefore),
	}
}

func timeEqual(a, b *metav1.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Unix() == b.Unix()
}

// componentsChanged reports whether desired differs from live in anything the CLI writes:
// entries added or removed, versions, reasons, notBefore.
func componentsChanged(live, desired []openovav1alpha1.PlatformComponent) bool {
	if len(live) != len(desired) {
		return true
	}
	byName := entriesByName(live)
	for _, d := range desired {
		if diffEntry(byName[d.Name], d).any() {
			return true
		}
	}
	return false
}

func entriesByName(entries []openovav1alpha1.PlatformComponent) map[string]*openovav1alpha1.PlatformComponent {
	out := make(map[string]*openovav1alpha1.PlatformComponent, len(entries))
	for i := range entries {
		out[entries[i].Name] = &entries[i]
	}
	return out
}

// buildApply returns the server-side apply of live that makes spec.components desired:
// everything the CLI's field manager owns on live, with spec.components holding the entries
// the CLI owns or changes. Entries owned only by other managers and left unchanged are not
// sent, so they stay as they are; fields of an entry are sent when the CLI owns them or
// changes them. metadata.resourceVersion makes the write fail if live is stale.
func buildApply(live *openovav1alpha1.Platform, desired []openovav1alpha1.PlatformComponent) (*unstructured.Unstructured, error) {
	owned, err := ownedFields(live.ManagedFields, FieldManager)
	if err != nil {
		return nil, err
	}
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
	if err != nil {
		return nil, err
	}
	base, _ := extract(raw, owned).(map[string]any)
	if base == nil {
		base = map[string]any{}
	}
	base["apiVersion"] = openovav1alpha1.GroupVersion.String()
	base["kind"] = "Platform"
	meta, _ := base["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	meta["name"], meta["namespace"], meta["resourceVersion"] = live.Name, live.Namespace, live.ResourceVersion
	base["metadata"] = meta
	spec, _ := base["spec"].(map[string]any)
	if spec == nil {
		spec = map[string]any{}
	}
	base["spec"] = spec

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
		l := liveEntries[d.Name]
		fields, owns := ownedEntries[d.Name]
		diff := diffEntry(l, d)
		if !owns && !diff.any() {
			continue // someone else's entry, unchanged: leave it to them
		}
		m := ownedList[d.Name]
		if m == nil {
			m = map[string]any{}
		}
		m["name"] = d.Name
		if diff.added || diff.version || slices.Contains(fields, "version") {
			m["version"] = d.Version
		}
		if diff.added || diff.reason || slices.Contains(fields, "reason") {
			if d.Reason != "" {
				m["reason"] = d.Reason
			} else {
				delete(m, "reason")
			}
		}
		if diff.notBefore || slices.Contains(fields, "notBefore") {
			if d.NotBefore != nil {
				m["notBefore"] = d.NotBefore.UTC().Format(time.RFC3339)
			} else {
				delete(m, "notBefore")
			}
		}
		list = append(list, m)
	}
	spec["components"] = list
	return &unstructured.Unstructured{Object: base}, nil
}

// removalBlockers returns an error naming the entries desired drops that another field
// manager also owns: server-side apply would keep them, so the CLI refuses up front.
func removalBlockers(live *openovav1alpha1.Platform, desired []openovav1alpha1.PlatformComponent) error {
	others, err := otherManagers(live.ManagedFields, FieldManager)
	if err != nil {
		return WithCode(ExitFailure, err)
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
	return Errorf(ExitFailure, "cannot remove %s from platform %s: another field manager also owns the entry in spec.components, so a server-side apply would keep it; remove it where it is managed (e.g. in Git), or with kubectl edit platform %s -n %s",
		strings.Join(blocked, ", "), live.Name, live.Name, live.Namespace)
}

// writeOptions are the options of writeComponents.
type writeOptions struct {
	// DryRun asks the API server to validate the write without persisting it.
	DryRun bool
	// Force takes over fields another field manager owns (--force-conflicts).
	Force bool
}

// errPlatformChanged is returned when the Platform's spec.components changed between the
// read the plan was made from and the write.
func errPlatformChanged(p *openovav1alpha1.Platform) error {
	return Errorf(ExitFailure, "the platform %s changed since it was read (another client wrote spec.components); nothing was written: run the command again to see the new plan", p.Name)
}

// writeComponents makes desired the Platform's spec.components with one server-side apply
// (field manager kubectl-openova) that carries live's resourceVersion, so a Platform written
// by someone else in between makes the write fail instead of being overwritten. A write
// that only lost the race to a status update (spec.components unchanged) is retried from
// the fresh object. It returns the Platform as the API server stored (or, with DryRun,
// would store) it.
func writeComponents(ctx context.Context, c client.Client, live *openovav1alpha1.Platform, desired []openovav1alpha1.PlatformComponent, opts writeOptions) (*openovav1alpha1.Platform, error) {
	const attempts = 4
	for attempt := 1; ; attempt++ {
		if err := removalBlockers(live, desired); err != nil {
			return nil, err
		}
		u, err := buildApply(live, desired)
		if err != nil {
			return nil, WithCode(ExitFailure, err)
		}
		applyOpts := []client.ApplyOption{client.FieldOwner(FieldManager)}
		if opts.Force {
			applyOpts = append(applyOpts, client.ForceOwnership)
		}
		if opts.DryRun {
			applyOpts = append(applyOpts, client.DryRunAll)
		}
		err = c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), applyOpts...)
		if err == nil {
			out := &openovav1alpha1.Platform{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, out); err != nil {
				return nil, WithCode(ExitFailure, fmt.Errorf("read the written platform: %w", err))
			}
			return out, verifyWrite(out, desired)
		}
		if conflicts := fieldConflicts(err); conflicts != nil {
			return nil, Errorf(ExitFailure, "fields of platform %s are managed by someone else: %s; change them where they are managed (e.g. in Git), or pass --force-conflicts to take them over",
				live.Name, strings.Join(conflicts, "; "))
		}
		if !apierrors.IsConflict(err) {
			return nil, ClusterError(err)
		}
		fresh := &openovav1alpha1.Platform{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(live), fresh); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, Errorf(ExitFailure, "the platform %s was deleted since it was read", live.Name)
			}
			return nil, ClusterError(err)
		}
		if attempt == attempts || !equality.Semantic.DeepEqual(fresh.Spec.Components, live.Spec.Components) {
			return nil, errPlatformChanged(live)
		}
		live = fresh
	}
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
		return Errorf(ExitFailure, "platform %s was written, but its spec.components differs from the plan: %s (another field manager owns those entries; see kubectl get platform %s -n %s --show-managed-fields -o yaml)",
			got.Name, strings.Join(problems, "; "), got.Name, got.Namespace)
	}
	return nil
}
