// Package install renders and installs what the openova operator needs in a cluster: the
// CRDs, its RBAC and its Deployment, with the image of the version the plugin was built
// as. The same objects are what make release writes to openova-operator.yaml.
package install

import (
	"context"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/manifests"
)

const (
	// Image is the operator's image repository.
	Image = "ghcr.io/openova-io/openova-operator"
	// FieldManager is the field manager of everything installed here.
	FieldManager = "kubectl-openova"
	// Namespace is where the operator runs.
	Namespace = openovav1alpha1.DefaultNamespace
	// DeploymentName is the operator's Deployment.
	DeploymentName = "openova-operator"
)

// ImageTag returns the image tag of a plugin version: the version itself ("v1.2.3");
// development builds ("dev", or a git describe with a dirty suffix) use "latest".
func ImageTag(version string) string {
	if version == "" || version == "dev" || strings.Contains(version, "dirty") {
		return "latest"
	}
	return version
}

// OperatorObjects returns the CRDs, RBAC, namespace, service account and Deployment of the
// operator, the Deployment's image set to Image:ImageTag(version), in apply order.
func OperatorObjects(version string) ([]*unstructured.Unstructured, error) {
	crds, err := kube.ReadFS(manifests.CRDs, "crd/bases")
	if err != nil {
		return nil, err
	}
	rbac, err := kube.ReadFS(manifests.Operator, "rbac")
	if err != nil {
		return nil, err
	}
	op, err := kube.ReadFS(manifests.Operator, "operator")
	if err != nil {
		return nil, err
	}
	objs := append(append(crds, rbac...), op...)
	// Namespaces first, then everything else in file order.
	ordered := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			ordered = append(ordered, o)
		}
	}
	image := Image + ":" + ImageTag(version)
	found := false
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			continue
		}
		if o.GetKind() == "Deployment" && o.GetName() == DeploymentName {
			containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
			for i := range containers {
				c := containers[i].(map[string]any)
				if strings.HasPrefix(fmt.Sprint(c["image"]), Image+":") || c["image"] == Image {
					c["image"] = image
					found = true
				}
			}
			if err := unstructured.SetNestedSlice(o.Object, containers, "spec", "template", "spec", "containers"); err != nil {
				return nil, err
			}
		}
		ordered = append(ordered, o)
	}
	if !found {
		return nil, fmt.Errorf("the operator Deployment in manifests/operator has no %s container", Image)
	}
	return ordered, nil
}

// RenderYAML writes objects as one multi-document YAML stream.
func RenderYAML(objs []*unstructured.Unstructured) ([]byte, error) {
	var b strings.Builder
	for i, o := range objs {
		data, err := yaml.Marshal(o.Object)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(data)
	}
	return []byte(b.String()), nil
}

// Operator server-side applies the operator's objects, waits until its CRDs are established
// and, unless skipDeployment, until its Deployment is available (kstatus Current).
func Operator(ctx context.Context, c client.Client, version string, timeout time.Duration, skipDeployment bool) error {
	objs, err := OperatorObjects(version)
	if err != nil {
		return err
	}
	return applyAndWait(ctx, c, objs, timeout, skipDeployment)
}

// applyAndWait server-side applies objs, waits until their CRDs are established and,
// unless skipDeployments, until their Deployments are available.
func applyAndWait(ctx context.Context, c client.Client, objs []*unstructured.Unstructured, timeout time.Duration, skipDeployments bool) error {
	if err := kube.Apply(ctx, c, FieldManager, objs...); err != nil {
		return err
	}
	if err := kube.WaitForCRDs(ctx, c, objs, timeout); err != nil {
		return err
	}
	if skipDeployments {
		return nil
	}
	for _, o := range objs {
		if o.GetKind() == "Deployment" {
			if err := WaitAvailable(ctx, c, o.GetNamespace(), o.GetName(), timeout); err != nil {
				return err
			}
		}
	}
	return nil
}

// WaitAvailable waits until the Deployment is rolled out and available (kstatus Current).
func WaitAvailable(ctx context.Context, c client.Client, namespace, name string, timeout time.Duration) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		d := &appsv1.Deployment{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, d); err != nil {
			last = err.Error()
			return false, client.IgnoreNotFound(err)
		}
		u, err := kube.ToUnstructured(d)
		if err != nil {
			return false, err
		}
		u.SetAPIVersion("apps/v1")
		u.SetKind("Deployment")
		res, err := status.Compute(u)
		if err != nil {
			return false, err
		}
		last = res.Message
		return res.Status == status.CurrentStatus, nil
	})
	if err != nil {
		return fmt.Errorf("deployment %s/%s not available: %s: %w", namespace, name, last, err)
	}
	return nil
}
