package operator

import (
	"encoding/json"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/delivery"
	"github.com/openova-io/core/internal/kube"
)

const (
	// FieldManager is the operator's server-side apply field manager.
	FieldManager = "openova-operator"
	// The labels, annotations and intervals of the Flux objects (package delivery).
	managedByLabel          = delivery.ManagedByLabel
	managedByValue          = delivery.ManagedByValue
	versionAnnotation       = delivery.VersionAnnotation
	failedAnnotation        = delivery.FailedAnnotation
	failedMessageAnnotation = delivery.FailedMessageAnnotation
	partLabel               = delivery.PartLabel
	// regionLabel on a HelmRelease names the region it delivers to (two-region platforms).
	regionLabel = delivery.RegionLabel
)

// releaseSpec and deliveryTarget are delivery's Release and Target.
type (
	releaseSpec    = delivery.Release
	deliveryTarget = delivery.Target
)

func repositoryName(repo string) string { return delivery.RepositoryName(repo) }

func fluxLabels(c *openovav1alpha1.Component) map[string]string { return delivery.FluxLabels(c) }

func desiredHelmRepository(namespace, repo string) *sourcev1.HelmRepository {
	return delivery.HelmRepository(namespace, repo)
}

func desiredHelmRelease(c *openovav1alpha1.Component, rel releaseSpec, target deliveryTarget) (*helmv2.HelmRelease, error) {
	return delivery.HelmRelease(c, rel, target)
}

var (
	helmReleaseGVK    = helmv2.GroupVersion.WithKind(helmv2.HelmReleaseKind)
	helmRepositoryGVK = sourcev1.GroupVersion.WithKind(sourcev1.HelmRepositoryKind)
)

// helmReleaseUpToDate reports whether the HelmRelease already carries every field the
// operator sets: the spec compared typed with DeepDerivative (fields the operator leaves
// unset, which the API server or Flux may default, are ignored), values as JSON, and the
// optional fields the operator stopped setting (values, dependsOn) count as a difference.
func helmReleaseUpToDate(hr, desired *helmv2.HelmRelease) bool {
	want, have := desired.Spec.DeepCopy(), hr.Spec.DeepCopy()
	if (want.Values == nil) != (have.Values == nil) || want.Values != nil && !kube.JSONEqual(json.RawMessage(want.Values.Raw), json.RawMessage(have.Values.Raw)) {
		return false
	}
	if len(want.DependsOn) != len(have.DependsOn) {
		return false
	}
	want.Values, have.Values = nil, nil
	if !equality.Semantic.DeepDerivative(*want, *have) {
		return false
	}
	for k, v := range desired.Annotations {
		if hr.Annotations[k] != v {
			return false
		}
	}
	for _, a := range []string{failedAnnotation, failedMessageAnnotation} {
		if _, ok := desired.Annotations[a]; !ok && hr.Annotations[a] != "" {
			return false
		}
	}
	for k, v := range desired.Labels {
		if hr.Labels[k] != v {
			return false
		}
	}
	return metav1.IsControlledBy(hr, &metav1.ObjectMeta{UID: desired.OwnerReferences[0].UID})
}

// fluxGroupKinds are the Flux kinds the operator needs.
var fluxGroupKinds = []schema.GroupVersionKind{helmReleaseGVK, helmRepositoryGVK}
