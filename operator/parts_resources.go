package operator

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/kube"
)

// partCluster is the cluster of one region, as a resource part reaches it: Client applies
// and deletes (its RESTMapper knows what the cluster serves), Reader reads live objects.
type partCluster struct {
	client.Client
	Reader client.Reader
}

// applyResourcePart server-side applies the objects of a resource part in cluster cl
// (namespaced objects without a namespace go to the component's namespace), records them
// in ps.Objects, deletes the objects the part applied before and no longer has, and sets
// the part's health from the objects' (kstatus).
func (r *ComponentReconciler) applyResourcePart(ctx context.Context, c *openovav1alpha1.Component, cl partCluster,
	part *openovav1alpha1.ComponentPart, ps *openovav1alpha1.PartStatus) error {
	var refs []openovav1alpha1.ObjectReference
	var notReady []string
	for i, raw := range part.Resources {
		u := &unstructured.Unstructured{}
		if err := json.Unmarshal(raw.Raw, &u.Object); err != nil {
			ps.Health, ps.Message = openovav1alpha1.HealthFailed, fmt.Sprintf("resources[%d]: %v", i, err)
			return nil
		}
		gvk := u.GroupVersionKind()
		mapping, err := cl.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
		if meta.IsNoMatchError(err) {
			ps.Health = openovav1alpha1.HealthProgressing
			ps.Message = fmt.Sprintf("%s is not served by the cluster (yet)", gvk.GroupVersion().WithKind(gvk.Kind))
			ps.Objects = mergeRefs(ps.Objects, refs)
			return nil
		}
		if err != nil {
			return err
		}
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace && u.GetNamespace() == "" {
			u.SetNamespace(c.Spec.TargetNamespace)
		}
		if mapping.Scope.Name() != meta.RESTScopeNameNamespace {
			u.SetNamespace("")
		}
		labels := u.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		for k, v := range fluxLabels(c) {
			labels[k] = v
		}
		labels[partLabel] = part.Name
		u.SetLabels(labels)
		ref := openovav1alpha1.ObjectReference{APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName()}
		refs = append(refs, ref)
		key := client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(gvk)
		// An object that already carries everything the part sets is not applied again: a
		// steady state (a region's component is looked at every probe interval) writes nothing.
		if err := cl.Reader.Get(ctx, key, live); err != nil || !objectUpToDate(u, live) {
			if err := kube.ApplyObject(ctx, cl.Client, FieldManager, u); err != nil {
				ps.Health = openovav1alpha1.HealthProgressing
				ps.Message = truncate(fmt.Sprintf("apply %s: %v", refString(ref), err), 1024)
				ps.Objects = mergeRefs(ps.Objects, refs)
				return nil
			}
			live = &unstructured.Unstructured{}
			live.SetGroupVersionKind(gvk)
			if err := cl.Reader.Get(ctx, key, live); err != nil {
				notReady = append(notReady, fmt.Sprintf("%s: %v", refString(ref), err))
				continue
			}
		}
		if why := notCurrent(ref, live); why != "" {
			notReady = append(notReady, why)
		}
	}
	// Objects the part applied before and no longer renders.
	var stale []openovav1alpha1.ObjectReference
	for _, old := range ps.Objects {
		if !containsRef(refs, old) {
			stale = append(stale, old)
		}
	}
	if err := deleteRefs(ctx, cl, stale); err != nil {
		return err
	}
	ps.Objects = refs
	if len(notReady) > 0 {
		ps.Health, ps.Message = openovav1alpha1.HealthProgressing, truncate(strings.Join(notReady, "; "), 1024)
		return nil
	}
	ps.Health, ps.Message = openovav1alpha1.HealthHealthy, fmt.Sprintf("%d objects applied and current", len(refs))
	return nil
}

// checkResourcePart sets the health of a resource part that is held (its region waits for
// the standby, why) from the objects it applied before, without applying anything: Healthy
// when they are all current; a part that applied nothing yet waits.
func checkResourcePart(ctx context.Context, cl partCluster, ps *openovav1alpha1.PartStatus, why string) {
	if len(ps.Objects) == 0 {
		ps.Health, ps.Message = openovav1alpha1.HealthProgressing, truncate(why, 1024)
		return
	}
	var notReady []string
	for _, ref := range ps.Objects {
		live := &unstructured.Unstructured{}
		live.SetAPIVersion(ref.APIVersion)
		live.SetKind(ref.Kind)
		if err := cl.Reader.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, live); err != nil {
			notReady = append(notReady, fmt.Sprintf("%s: %v", refString(ref), err))
			continue
		}
		if why := notCurrent(ref, live); why != "" {
			notReady = append(notReady, why)
		}
	}
	if len(notReady) > 0 {
		ps.Health, ps.Message = openovav1alpha1.HealthProgressing, truncate(strings.Join(notReady, "; "), 1024)
		return
	}
	ps.Health = openovav1alpha1.HealthHealthy
	ps.Message = truncate(fmt.Sprintf("%d objects current, held as applied: %s", len(ps.Objects), why), 1024)
}

// notCurrent says why the live object of ref is not Current (kstatus), or "" when it is.
func notCurrent(ref openovav1alpha1.ObjectReference, live *unstructured.Unstructured) string {
	res, err := status.Compute(live)
	switch {
	case err != nil:
		return fmt.Sprintf("%s: %v", refString(ref), err)
	case res.Status != status.CurrentStatus:
		return fmt.Sprintf("%s: %s", refString(ref), res.Message)
	}
	return ""
}

// objectUpToDate reports whether live already has every field desired sets, with the
// same value (numbers compared as the API server's JSON decodes them).
func objectUpToDate(desired, live *unstructured.Unstructured) bool {
	raw, err := desired.MarshalJSON()
	if err != nil {
		return false
	}
	want := &unstructured.Unstructured{}
	if err := want.UnmarshalJSON(raw); err != nil {
		return false
	}
	return equality.Semantic.DeepDerivative(want.Object, live.Object)
}

// deleteObjects deletes the objects the given parts applied in cluster cl.
func deleteObjects(ctx context.Context, c *openovav1alpha1.Component, cl client.Writer, parts []openovav1alpha1.PartStatus) error {
	for _, ps := range parts {
		if err := deleteRefs(ctx, cl, ps.Objects); err != nil {
			return fmt.Errorf("prune part %s of %s: %w", ps.Name, c.Name, err)
		}
	}
	return nil
}

func deleteRefs(ctx context.Context, cl client.Writer, refs []openovav1alpha1.ObjectReference) error {
	for _, ref := range refs {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion(ref.APIVersion)
		u.SetKind(ref.Kind)
		u.SetNamespace(ref.Namespace)
		u.SetName(ref.Name)
		err := cl.Delete(ctx, u, client.PropagationPolicy("Background"))
		if err != nil && !apierrors.IsNotFound(err) && !meta.IsNoMatchError(err) {
			return fmt.Errorf("delete %s: %w", refString(ref), err)
		}
	}
	return nil
}

func refString(ref openovav1alpha1.ObjectReference) string {
	if ref.Namespace == "" {
		return ref.Kind + " " + ref.Name
	}
	return ref.Kind + " " + ref.Namespace + "/" + ref.Name
}

func containsRef(refs []openovav1alpha1.ObjectReference, ref openovav1alpha1.ObjectReference) bool {
	for _, r := range refs {
		if r == ref {
			return true
		}
	}
	return false
}

// mergeRefs keeps every object applied before along with the new ones, so a part stopped
// half-way still prunes everything it applied.
func mergeRefs(old, add []openovav1alpha1.ObjectReference) []openovav1alpha1.ObjectReference {
	out := append([]openovav1alpha1.ObjectReference(nil), old...)
	for _, ref := range add {
		if !containsRef(out, ref) {
			out = append(out, ref)
		}
	}
	return out
}
