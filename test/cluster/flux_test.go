package cluster_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openova-io/core/test/chartserver"
	"github.com/openova-io/core/test/cluster"
)

// TestFluxDeliversAndRollsBack proves the ground the operator builds on: on a kwok cluster
// with the real Flux controllers, a HelmRelease of a test chart installs and its Deployment
// becomes Available; an upgrade to the version whose pods cannot schedule fails and Flux
// rolls it back.
func TestFluxDeliversAndRollsBack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kwok cluster and Flux")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	k := cluster.KwokT(t, ctx, cluster.KwokOptions{Nodes: 2, Flux: true})

	charts, err := chartserver.Default()
	require.NoError(t, err)
	repo, err := chartserver.Serve(charts...)
	require.NoError(t, err)
	t.Cleanup(repo.Close)

	c := k.Client
	require.NoError(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "flux-test"}}))
	// The API server authorizes (RBAC): a ServiceAccount nobody bound gets nothing, so the
	// controllers' own tokens prove their bindings.
	require.NoError(t, c.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "nobody", Namespace: "flux-test"}}))
	nobody, err := cluster.ServiceAccountConfig(ctx, k.Config, "flux-test", "nobody")
	require.NoError(t, err)
	nc, err := client.New(nobody, client.Options{})
	require.NoError(t, err)
	err = nc.List(ctx, &corev1.PodList{}, client.InNamespace("flux-test"))
	require.True(t, apierrors.IsForbidden(err), "an unbound ServiceAccount is refused, got %v", err)
	hr := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
		"metadata": map[string]any{"name": "test", "namespace": "flux-test"},
		"spec":     map[string]any{"url": repo.URL, "interval": "1m"},
	}}
	require.NoError(t, c.Create(ctx, hr))
	release := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
		"metadata": map[string]any{"name": "demo", "namespace": "flux-test"},
		"spec": map[string]any{
			"interval": "1m",
			"chart": map[string]any{"spec": map[string]any{
				"chart": "app", "version": "1.0.0",
				"sourceRef": map[string]any{"kind": "HelmRepository", "name": "test"},
			}},
			"upgrade": map[string]any{
				"timeout":     "20s",
				"remediation": map[string]any{"retries": int64(0), "strategy": "rollback", "remediateLastFailure": true},
			},
		},
	}}
	require.NoError(t, c.Create(ctx, release))

	waitCondition(t, ctx, c, "demo", "Ready", "True", 2*time.Minute)
	waitDeployment(t, ctx, c, "demo", "1.0", 2*time.Minute)

	// Nothing listens beyond loopback: the control plane, kwok and Flux.
	listeners, err := k.Listeners()
	require.NoError(t, err)
	for _, name := range []string{"kube-apiserver", "etcd", "kwok-controller", "source-controller", "helm-controller"} {
		require.NotEmpty(t, listeners[name], "no listening socket found for %s (%v)", name, listeners)
	}
	for name, addrs := range listeners {
		for _, a := range addrs {
			assert.True(t, cluster.IsLoopback(a), "%s listens on %s", name, a)
		}
	}

	// Upgrade to the chart version whose pods cannot schedule.
	require.NoError(t, c.Get(ctx, types.NamespacedName{Namespace: "flux-test", Name: "demo"}, release))
	require.NoError(t, unstructured.SetNestedField(release.Object, "2.0.0", "spec", "chart", "spec", "version"))
	require.NoError(t, c.Update(ctx, release))
	waitCondition(t, ctx, c, "demo", "Remediated", "True", 2*time.Minute)
	waitDeployment(t, ctx, c, "demo", "1.0", time.Minute)
}

func waitCondition(t *testing.T, ctx context.Context, c client.Client, name, condType, status string, timeout time.Duration) {
	t.Helper()
	cluster.Eventually(t, timeout, 500*time.Millisecond, fmt.Sprintf("HelmRelease %s %s=%s", name, condType, status), func() (bool, string) {
		hr := cluster.Unstructured("helm.toolkit.fluxcd.io/v2", "HelmRelease")
		if err := c.Get(ctx, types.NamespacedName{Namespace: "flux-test", Name: name}, hr); err != nil {
			return false, err.Error()
		}
		conds, _, _ := unstructured.NestedSlice(hr.Object, "status", "conditions")
		for _, raw := range conds {
			cond, _ := raw.(map[string]any)
			if cond["type"] == condType && cond["status"] == status {
				return true, ""
			}
		}
		return false, fmt.Sprint(conds)
	})
}

func waitDeployment(t *testing.T, ctx context.Context, c client.Client, name, appVersion string, timeout time.Duration) {
	t.Helper()
	cluster.Eventually(t, timeout, 500*time.Millisecond, fmt.Sprintf("Deployment %s Available at %s", name, appVersion), func() (bool, string) {
		var d appsv1.Deployment
		if err := c.Get(ctx, types.NamespacedName{Namespace: "flux-test", Name: name}, &d); err != nil {
			return false, err.Error()
		}
		return d.Spec.Template.Labels["app.kubernetes.io/version"] == appVersion &&
				d.Status.ObservedGeneration == d.Generation &&
				d.Status.UpdatedReplicas == *d.Spec.Replicas &&
				d.Status.AvailableReplicas == *d.Spec.Replicas,
			fmt.Sprintf("version %s, %d/%d available, nodeSelector %v", d.Spec.Template.Labels["app.kubernetes.io/version"],
				d.Status.AvailableReplicas, *d.Spec.Replicas, d.Spec.Template.Spec.NodeSelector)
	})
}
