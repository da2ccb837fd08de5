package operator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/kube"
)

const (
	// FieldManager is the operator's server-side apply field manager.
	FieldManager = "openova-operator"
	// managedByLabel marks the Flux objects the operator owns; its cache sees only those.
	managedByLabel = "app.kubernetes.io/managed-by"
	managedByValue = "openova-operator"
	// versionAnnotation on a HelmRelease records the component version it delivers.
	versionAnnotation = "openova.io/version"
	// failedAnnotation on a HelmRelease records a desired version whose upgrade failed
	// while the release is held on the last good version; the operator reads it back so a
	// stale view of the Component never retries that version.
	failedAnnotation = "openova.io/failed-version"
	// failedMessageAnnotation keeps why that version failed, for the same reason.
	failedMessageAnnotation = "openova.io/failed-message"
	// partLabel on a HelmRelease or applied object names the part of the component it
	// delivers.
	partLabel = "openova.io/part"
	// regionLabel on a HelmRelease names the region it delivers to (two-region platforms).
	regionLabel = "openova.io/region"
	// releaseInterval is how often Flux re-checks a release for drift.
	releaseInterval = 10 * time.Minute
	// repositoryInterval is how often Flux re-reads a chart repository's index.
	repositoryInterval    = 10 * time.Minute
	defaultUpgradeTimeout = 5 * time.Minute
)

var (
	helmReleaseGVK    = helmv2.GroupVersion.WithKind(helmv2.HelmReleaseKind)
	helmRepositoryGVK = sourcev1.GroupVersion.WithKind(sourcev1.HelmRepositoryKind)
	nonName           = regexp.MustCompile(`[^a-z0-9]+`)
)

// repositoryName derives a stable HelmRepository name from a chart repository URL: the host,
// readable, plus a hash of the whole URL so two paths on one host do not collide.
func repositoryName(repo string) string {
	sum := sha256.Sum256([]byte(repo))
	host := repo
	if u, err := url.Parse(repo); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	base := strings.Trim(nonName.ReplaceAllString(strings.ToLower(host), "-"), "-")
	if len(base) > 48 {
		base = strings.Trim(base[:48], "-")
	}
	if base == "" {
		base = "charts"
	}
	return base + "-" + hex.EncodeToString(sum[:])[:8]
}

// fluxLabels are the labels of every Flux object delivering component c.
func fluxLabels(c *openovav1alpha1.Component) map[string]string {
	labels := map[string]string{
		managedByLabel:                 managedByValue,
		openovav1alpha1.ComponentLabel: c.Name,
	}
	if p := c.Labels[openovav1alpha1.PlatformLabel]; p != "" {
		labels[openovav1alpha1.PlatformLabel] = p
	}
	return labels
}

// desiredHelmRepository is the HelmRepository serving the chart repository repo.
func desiredHelmRepository(namespace, repo string) *sourcev1.HelmRepository {
	hr := &sourcev1.HelmRepository{
		TypeMeta: metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: sourcev1.HelmRepositoryKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      repositoryName(repo),
			Namespace: namespace,
			Labels:    map[string]string{managedByLabel: managedByValue},
		},
		Spec: sourcev1.HelmRepositorySpec{URL: repo, Interval: metav1.Duration{Duration: repositoryInterval}},
	}
	if strings.HasPrefix(repo, "oci://") {
		hr.Spec.Type = sourcev1.HelmRepositoryTypeOCI
	}
	return hr
}

// releaseSpec is one HelmRelease of a Component: the whole component, or one chart part.
type releaseSpec struct {
	// Name of the HelmRelease and of the Helm release.
	Name string
	// Part is the part's name; empty for a single-part component.
	Part   string
	Chart  openovav1alpha1.ChartRef
	Values *runtime.RawExtension
	// DependsOn are the HelmReleases to wait for.
	DependsOn []string
}

// desiredHelmRelease is the HelmRelease delivering rel of c at target (the desired version,
// or the last good one while an upgrade waits or has failed; target.ChartVersion overrides
// rel.Chart.Version).
func desiredHelmRelease(c *openovav1alpha1.Component, rel releaseSpec, target deliveryTarget) (*helmv2.HelmRelease, error) {
	timeout := defaultUpgradeTimeout
	if c.Spec.UpgradeTimeout != nil && c.Spec.UpgradeTimeout.Duration > 0 {
		timeout = c.Spec.UpgradeTimeout.Duration
	}
	chartVersion := rel.Chart.Version
	if target.ChartVersion != "" {
		chartVersion = target.ChartVersion
	}
	strategy := helmv2.RollbackRemediationStrategy
	remediateLast := true
	hr := &helmv2.HelmRelease{
		TypeMeta: metav1.TypeMeta{APIVersion: helmv2.GroupVersion.String(), Kind: helmv2.HelmReleaseKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:            rel.Name,
			Namespace:       c.Namespace,
			Labels:          fluxLabels(c),
			Annotations:     map[string]string{versionAnnotation: target.Version},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(c, openovav1alpha1.GroupVersion.WithKind("Component"))},
		},
		Spec: helmv2.HelmReleaseSpec{
			Interval:         metav1.Duration{Duration: releaseInterval},
			ReleaseName:      rel.Name,
			TargetNamespace:  c.Spec.TargetNamespace,
			StorageNamespace: c.Spec.TargetNamespace,
			Chart: &helmv2.HelmChartTemplate{Spec: helmv2.HelmChartTemplateSpec{
				Chart:     rel.Chart.Name,
				Version:   chartVersion,
				SourceRef: helmv2.CrossNamespaceObjectReference{Kind: sourcev1.HelmRepositoryKind, Name: repositoryName(rel.Chart.Repository)},
				Interval:  &metav1.Duration{Duration: repositoryInterval},
			}},
			Install: &helmv2.Install{CreateNamespace: true, Timeout: &metav1.Duration{Duration: timeout}},
			Upgrade: &helmv2.Upgrade{
				Timeout: &metav1.Duration{Duration: timeout},
				Remediation: &helmv2.UpgradeRemediation{
					Retries:              0,
					Strategy:             &strategy,
					RemediateLastFailure: &remediateLast,
				},
			},
		},
	}
	if rel.Part != "" {
		hr.Labels[partLabel] = rel.Part
	}
	for _, d := range rel.DependsOn {
		hr.Spec.DependsOn = append(hr.Spec.DependsOn, helmv2.DependencyReference{Name: d})
	}
	if rel.Values != nil && len(rel.Values.Raw) > 0 {
		var values map[string]any
		if err := json.Unmarshal(rel.Values.Raw, &values); err != nil {
			return nil, fmt.Errorf("values of %s: %w", rel.Name, err)
		}
		if len(values) > 0 {
			raw, err := json.Marshal(values)
			if err != nil {
				return nil, err
			}
			hr.Spec.Values = &apiextensionsv1.JSON{Raw: raw}
		}
	}
	if target.Failed != "" {
		hr.Annotations[failedAnnotation] = target.Failed
		hr.Annotations[failedMessageAnnotation] = truncate(target.FailedMessage, 1024)
	}
	return hr, nil
}

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
