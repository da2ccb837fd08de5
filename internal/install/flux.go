package install

import (
	"context"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/manifests"
)

// FluxNamespace is where bootstrap installs Flux.
const FluxNamespace = openovav1alpha1.FluxNamespace

// FluxObjects returns the Flux CRDs and the source- and helm-controller of the pinned Flux
// version.
func FluxObjects() ([]*unstructured.Unstructured, error) {
	objs, err := kube.ReadFS(manifests.FluxCRDs, "flux/crds")
	if err != nil {
		return nil, err
	}
	data, err := manifests.FluxCRDs.ReadFile("flux/controllers.yaml")
	if err != nil {
		return nil, err
	}
	controllers, err := kube.DecodeYAML(data)
	if err != nil {
		return nil, err
	}
	return append(controllers[:1:1], append(objs, controllers[1:]...)...), nil
}

// Flux server-side applies Flux and waits until its CRDs are established and, unless
// skipDeployments, its controllers are available.
func Flux(ctx context.Context, c client.Client, timeout time.Duration, skipDeployments bool) error {
	objs, err := FluxObjects()
	if err != nil {
		return err
	}
	return applyAndWait(ctx, c, objs, timeout, skipDeployments)
}
