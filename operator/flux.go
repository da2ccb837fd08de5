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
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
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
func fluxLabels(c *openovav1alpha1.Component) map[string]any {
	labels := map[string]any{
		managedByLabel:                 managedByValue,
		openovav1alpha1.ComponentLabel: c.Name,
	}
	if p := c.Labels[openovav1alpha1.PlatformLabel]; p != "" {
		labels[openovav1alpha1.PlatformLabel] = p
	}
	return labels
}

// desiredHelmRepository is the HelmRepository serving c's chart.
func desiredHelmRepository(c *openovav1alpha1.Component) *unstructured.Unstructured {
	spec := map[string]any{
		"url":      c.Spec.Chart.Repository,
		"interval": repositoryInterval.String(),
	}
	if strings.HasPrefix(c.Spec.Chart.Repository, "oci://") {
		spec["type"] = sourcev1.HelmRepositoryTypeOCI
	}
	labels := map[string]any{managedByLabel: managedByValue}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": helmRepositoryGVK.GroupVersion().String(),
		"kind":       helmRepositoryGVK.Kind,
		"metadata": map[string]any{
			"name":      repositoryName(c.Spec.Chart.Repository),
			"namespace": c.Namespace,
			"labels":    labels,
		},
		"spec": spec,
	}}
}

// desiredHelmRelease is the HelmRelease delivering c at target (the desired version, or the
// last good one while an upgrade waits or has failed). dependsOn lists the HelmReleases of
// c's helm-delivered dependencies.
func desiredHelmRelease(c *openovav1alpha1.Component, target deliveryTarget, dependsOn []string) (*unstructured.Unstructured, error) {
	timeout := defaultUpgradeTimeout
	if c.Spec.UpgradeTimeout != nil && c.Spec.UpgradeTimeout.Duration > 0 {
		timeout = c.Spec.UpgradeTimeout.Duration
	}
	spec := map[string]any{
		"interval":         releaseInterval.String(),
		"releaseName":      c.Name,
		"targetNamespace":  c.Spec.TargetNamespace,
		"storageNamespace": c.Spec.TargetNamespace,
		"chart": map[string]any{"spec": map[string]any{
			"chart":   c.Spec.Chart.Name,
			"version": target.ChartVersion,
			"sourceRef": map[string]any{
				"kind": sourcev1.HelmRepositoryKind,
				"name": repositoryName(c.Spec.Chart.Repository),
			},
			"interval": repositoryInterval.String(),
		}},
		"install": map[string]any{
			"createNamespace": true,
			"timeout":         timeout.String(),
		},
		"upgrade": map[string]any{
			"timeout": timeout.String(),
			"remediation": map[string]any{
				"retries":              int64(0),
				"strategy":             string(helmv2.RollbackRemediationStrategy),
				"remediateLastFailure": true,
			},
		},
	}
	if len(dependsOn) > 0 {
		deps := make([]any, 0, len(dependsOn))
		for _, d := range dependsOn {
			deps = append(deps, map[string]any{"name": d})
		}
		spec["dependsOn"] = deps
	}
	if c.Spec.Values != nil && len(c.Spec.Values.Raw) > 0 {
		var values map[string]any
		if err := json.Unmarshal(c.Spec.Values.Raw, &values); err != nil {
			return nil, fmt.Errorf("spec.values: %w", err)
		}
		if len(values) > 0 {
			spec["values"] = values
		}
	}
	annotations := map[string]any{versionAnnotation: target.Version}
	if target.Failed != "" {
		annotations[failedAnnotation] = target.Failed
		annotations[failedMessageAnnotation] = truncate(target.FailedMessage, 1024)
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": helmReleaseGVK.GroupVersion().String(),
		"kind":       helmReleaseGVK.Kind,
		"metadata": map[string]any{
			"name":        c.Name,
			"namespace":   c.Namespace,
			"labels":      fluxLabels(c),
			"annotations": annotations,
			"ownerReferences": []any{map[string]any{
				"apiVersion":         openovav1alpha1.GroupVersion.String(),
				"kind":               "Component",
				"name":               c.Name,
				"uid":                string(c.UID),
				"controller":         true,
				"blockOwnerDeletion": true,
			}},
		},
		"spec": spec,
	}}, nil
}

// fluxGroupKinds are the Flux kinds the operator needs.
var fluxGroupKinds = []schema.GroupVersionKind{helmReleaseGVK, helmRepositoryGVK}
