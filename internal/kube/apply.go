// Package kube holds small Kubernetes helpers shared by the operator, the CLI, bootstrap
// and tests: decoding multi-document YAML, the one server-side apply (ApplyObject, Apply),
// JSON equality of API values, client rate defaults, and waiting for CRDs to be
// established.
package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// DecodeYAML splits a multi-document YAML stream into objects, skipping empty documents.
func DecodeYAML(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for i := 0; ; i++ {
		var raw map[string]any
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if len(raw) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: raw}
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			return nil, fmt.Errorf("document %d: apiVersion and kind are required", i+1)
		}
		objs = append(objs, u)
	}
}

// ReadFS decodes every *.yaml file of fsys under dir, in name order, except
// kustomization.yaml.
func ReadFS(fsys fs.FS, dir string) ([]*unstructured.Unstructured, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() && e.Name() != "kustomization.yaml" && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var objs []*unstructured.Unstructured
	for _, n := range names {
		data, err := fs.ReadFile(fsys, path.Join(dir, n))
		if err != nil {
			return nil, err
		}
		docs, err := DecodeYAML(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		objs = append(objs, docs...)
	}
	return objs, nil
}

// Apply server-side applies every object with the given field manager, forcing ownership of
// the fields it sets (the manifests are the source of truth for them). The objects are not
// changed.
func Apply(ctx context.Context, c client.Client, fieldManager string, objs ...*unstructured.Unstructured) error {
	for _, o := range objs {
		if err := ApplyObject(ctx, c, fieldManager, o.DeepCopy()); err != nil {
			return err
		}
	}
	return nil
}

// ApplyOption changes how ApplyObject applies.
type ApplyOption func(*applyOptions)

type applyOptions struct {
	noForce, dryRun, keepResourceVersion bool
}

// WithoutForce leaves the fields other field managers own to them: applying a different
// value fails with a conflict instead of taking the field over.
func WithoutForce() ApplyOption { return func(o *applyOptions) { o.noForce = true } }

// WithDryRun makes the API server answer with what it would store, storing nothing.
func WithDryRun() ApplyOption { return func(o *applyOptions) { o.dryRun = true } }

// WithResourceVersion sends the object's resourceVersion, so the apply fails with a
// conflict when the object changed since it was read (optimistic locking).
func WithResourceVersion() ApplyOption { return func(o *applyOptions) { o.keepResourceVersion = true } }

// ApplyObject is the repository's one server-side apply: it applies obj (a typed object or
// an *unstructured.Unstructured) with fieldManager, forcing ownership of the fields it sets
// unless told otherwise, and fills obj with what the API server answered — the object as it
// is now, with its new generation and its current status — so a caller never judges the
// object from a cache that has not seen its own write yet. A typed object is sent without
// status and creationTimestamp; its apiVersion and kind come from the client's scheme when
// unset. resourceVersion and managedFields are not sent (see WithResourceVersion).
func ApplyObject(ctx context.Context, c client.Client, fieldManager string, obj client.Object, opts ...ApplyOption) error {
	var o applyOptions
	for _, opt := range opts {
		opt(&o)
	}
	u, isUnstructured := obj.(*unstructured.Unstructured)
	if !isUnstructured {
		raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			return fmt.Errorf("apply %T %s: %w", obj, obj.GetName(), err)
		}
		u = &unstructured.Unstructured{Object: raw}
		unstructured.RemoveNestedField(u.Object, "status")
		unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			gvk, err := c.GroupVersionKindFor(obj)
			if err != nil {
				return fmt.Errorf("apply %T %s: %w", obj, obj.GetName(), err)
			}
			u.SetGroupVersionKind(gvk)
		}
	}
	if !o.keepResourceVersion {
		u.SetResourceVersion("")
	}
	u.SetManagedFields(nil)
	kind, name := u.GetKind(), objectName(u)
	applyOpts := []client.ApplyOption{client.FieldOwner(fieldManager)}
	if !o.noForce {
		applyOpts = append(applyOpts, client.ForceOwnership)
	}
	if o.dryRun {
		applyOpts = append(applyOpts, client.DryRunAll)
	}
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), applyOpts...); err != nil {
		return fmt.Errorf("apply %s %s: %w", kind, name, err)
	}
	if isUnstructured {
		return nil
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj); err != nil {
		return fmt.Errorf("apply %s %s: read the answer: %w", kind, name, err)
	}
	return nil
}

// WaitForCRDs waits until every CRD among objs is Established, or the timeout passes.
func WaitForCRDs(ctx context.Context, c client.Client, objs []*unstructured.Unstructured, timeout time.Duration) error {
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" {
			continue
		}
		name := o.GetName()
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
			var crd apiextensionsv1.CustomResourceDefinition
			if err := c.Get(ctx, types.NamespacedName{Name: name}, &crd); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			for _, cond := range crd.Status.Conditions {
				if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("CRD %s not established: %w", name, err)
		}
	}
	return nil
}

// CRDs converts the CustomResourceDefinitions among objs to typed objects.
func CRDs(objs []*unstructured.Unstructured) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" {
			continue
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, crd); err != nil {
			return nil, fmt.Errorf("CRD %s: %w", o.GetName(), err)
		}
		out = append(out, crd)
	}
	return out, nil
}

func objectName(o *unstructured.Unstructured) string {
	if ns := o.GetNamespace(); ns != "" {
		return ns + "/" + o.GetName()
	}
	return o.GetName()
}

// ToUnstructured converts a typed object.
func ToUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: raw}, nil
}
