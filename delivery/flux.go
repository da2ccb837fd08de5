package delivery

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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

const (
	// ManagedByLabel marks the Flux objects the operator owns; its cache sees only those.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedByValue is its value.
	ManagedByValue = "openova-operator"
	// VersionAnnotation on a HelmRelease records the component version it delivers.
	VersionAnnotation = "openova.io/version"
	// FailedAnnotation on a HelmRelease records a desired version whose upgrade failed
	// while the release is held on the last good version; the operator reads it back so a
	// stale view of the Component never retries that version.
	FailedAnnotation = "openova.io/failed-version"
	// FailedMessageAnnotation keeps why that version failed, for the same reason.
	FailedMessageAnnotation = "openova.io/failed-message"
	// PartLabel on a HelmRelease or applied object names the part of the component it
	// delivers.
	PartLabel = "openova.io/part"
	// RegionLabel on a HelmRelease names the region it delivers to (two-region platforms).
	RegionLabel = "openova.io/region"
	// ReleaseInterval is how often Flux re-checks a release for drift.
	ReleaseInterval = 10 * time.Minute
	// RepositoryInterval is how often Flux re-reads a chart repository's index.
	RepositoryInterval = 10 * time.Minute
	// DefaultUpgradeTimeout bounds an install or upgrade unless the catalog says otherwise.
	DefaultUpgradeTimeout = 5 * time.Minute
)

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// RepositoryName derives a stable HelmRepository name from a chart repository URL: the host,
// readable, plus a hash of the whole URL so two paths on one host do not collide.
func RepositoryName(repo string) string {
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

// FluxLabels are the labels of every Flux object delivering component c.
func FluxLabels(c *openovav1alpha1.Component) map[string]string {
	labels := map[string]string{
		ManagedByLabel:                 ManagedByValue,
		openovav1alpha1.ComponentLabel: c.Name,
	}
	if p := c.Labels[openovav1alpha1.PlatformLabel]; p != "" {
		labels[openovav1alpha1.PlatformLabel] = p
	}
	return labels
}

// HelmRepository is the HelmRepository serving the chart repository repo.
func HelmRepository(namespace, repo string) *sourcev1.HelmRepository {
	hr := &sourcev1.HelmRepository{
		TypeMeta: metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: sourcev1.HelmRepositoryKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      RepositoryName(repo),
			Namespace: namespace,
			Labels:    map[string]string{ManagedByLabel: ManagedByValue},
		},
		Spec: sourcev1.HelmRepositorySpec{URL: repo, Interval: metav1.Duration{Duration: RepositoryInterval}},
	}
	if strings.HasPrefix(repo, "oci://") {
		hr.Spec.Type = sourcev1.HelmRepositoryTypeOCI
	}
	return hr
}

// Release is one HelmRelease of a Component: the whole component, or one chart part.
type Release struct {
	// Name of the HelmRelease and of the Helm release.
	Name string
	// Part is the part's name; empty for a single-part component.
	Part   string
	Chart  openovav1alpha1.ChartRef
	Values *runtime.RawExtension
	// DependsOn are the HelmReleases to wait for.
	DependsOn []string
}

// Target is what the HelmRelease should deliver.
type Target struct {
	Version      string
	ChartVersion string
	// Failed is the desired version that failed, recorded on the HelmRelease while it is
	// held on the last good version.
	Failed string
	// FailedMessage says why, recorded with it.
	FailedMessage string
}

// HelmRelease is the HelmRelease delivering rel of c at target (the desired version,
// or the last good one while an upgrade waits or has failed; target.ChartVersion overrides
// rel.Chart.Version).
func HelmRelease(c *openovav1alpha1.Component, rel Release, target Target) (*helmv2.HelmRelease, error) {
	timeout := DefaultUpgradeTimeout
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
			Labels:          FluxLabels(c),
			Annotations:     map[string]string{VersionAnnotation: target.Version},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(c, openovav1alpha1.GroupVersion.WithKind("Component"))},
		},
		Spec: helmv2.HelmReleaseSpec{
			Interval:         metav1.Duration{Duration: ReleaseInterval},
			ReleaseName:      rel.Name,
			TargetNamespace:  c.Spec.TargetNamespace,
			StorageNamespace: c.Spec.TargetNamespace,
			Chart: &helmv2.HelmChartTemplate{Spec: helmv2.HelmChartTemplateSpec{
				Chart:     rel.Chart.Name,
				Version:   chartVersion,
				SourceRef: helmv2.CrossNamespaceObjectReference{Kind: sourcev1.HelmRepositoryKind, Name: RepositoryName(rel.Chart.Repository)},
				Interval:  &metav1.Duration{Duration: RepositoryInterval},
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
		hr.Labels[PartLabel] = rel.Part
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
		hr.Annotations[FailedAnnotation] = target.Failed
		hr.Annotations[FailedMessageAnnotation] = truncate(target.FailedMessage, 1024)
	}
	return hr, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
