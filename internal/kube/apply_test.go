package kube_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/test/cluster"
)

// ApplyObject answers with the object as the API server holds it after the apply: a typed
// object gets its new generation without a read (which a cache could answer from before
// the write).
func TestApplyObjectReturnsTheServersObject(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an API server")
	}
	env, err := cluster.StartEnvtest(cluster.EnvtestOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(env.Config, client.Options{Scheme: cluster.Scheme()})
	require.NoError(t, err)
	ctx := context.Background()

	p := &openovav1alpha1.Platform{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: "default"},
		Spec: openovav1alpha1.PlatformSpec{
			Organization: openovav1alpha1.Organization{Name: "acme", Domain: "acme.example.com"},
			Components:   []openovav1alpha1.PlatformComponent{{Name: "base", Version: "1.0.0"}},
		},
	}
	require.NoError(t, kube.ApplyObject(ctx, c, "test", p), "apiVersion and kind come from the scheme")
	assert.NotEmpty(t, p.UID)
	assert.Equal(t, int64(1), p.Generation)

	p = p.DeepCopy()
	p.Spec.Components[0].Version = "1.1.0"
	p.Status.Phase = "Ready" // not sent: status is a subresource
	require.NoError(t, kube.ApplyObject(ctx, c, "test", p))
	assert.Equal(t, int64(2), p.Generation, "the answer carries the new generation")
	assert.Empty(t, p.Status.Phase)

	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "cm", "namespace": "default"},
		"data":     map[string]any{"a": "1"},
	}}
	require.NoError(t, kube.ApplyObject(ctx, c, "test", u))
	assert.NotEmpty(t, u.GetUID())

	// Another manager's field is taken over (forced ownership).
	other := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "cm", "namespace": "default"},
		"data":     map[string]any{"a": "2"},
	}}
	require.NoError(t, kube.Apply(ctx, c, "other", other))
	assert.Empty(t, other.GetUID(), "Apply leaves its objects as they were")
	data, _, _ := unstructured.NestedString(func() map[string]any {
		got := u.DeepCopy()
		require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(got), got))
		return got.Object
	}(), "data", "a")
	assert.Equal(t, "2", data)

	// Without force, another manager's field is a conflict; a dry run stores nothing; a
	// stale resourceVersion is a conflict.
	mine := u.DeepCopy()
	unstructured.RemoveNestedField(mine.Object, "status")
	require.NoError(t, unstructured.SetNestedField(mine.Object, "3", "data", "a"))
	err = kube.ApplyObject(ctx, c, "test", mine.DeepCopy(), kube.WithoutForce())
	require.Error(t, err)
	assert.True(t, apierrors.IsConflict(err), "%v", err)
	p2 := p.DeepCopy()
	p2.Spec.Components[0].Version = "1.2.0"
	require.NoError(t, kube.ApplyObject(ctx, c, "test", p2, kube.WithDryRun()))
	assert.Equal(t, "1.2.0", p2.Spec.Components[0].Version)
	stored := &openovav1alpha1.Platform{}
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(p), stored))
	assert.Equal(t, "1.1.0", stored.Spec.Components[0].Version, "a dry run stores nothing")
	stale := p.DeepCopy()
	stale.ResourceVersion = "1"
	err = kube.ApplyObject(ctx, c, "test", stale, kube.WithResourceVersion())
	require.Error(t, err)
	assert.True(t, apierrors.IsConflict(err), "%v", err)
}
