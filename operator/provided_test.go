package operator

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// TestProvidedComponentIsWatchedNotDelivered: an entry the cluster provides (k3s installs
// Cilium at boot on hetzner) gets no HelmRelease; its health is its workloads', and its
// version the entry's once they run.
func TestProvidedComponentIsWatchedNotDelivered(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	require.NoError(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "base-system"}}))
	require.NoError(t, k8s.Create(ctx, newPlatform(ns, entry{Name: "base", Version: "1.0.0",
		Provided: &openovav1alpha1.ProvidedComponent{By: "k3s", Workloads: []openovav1alpha1.WorkloadRef{{Kind: "Deployment", Name: "base-agent"}}}})))
	c := waitComponent(t, ns, "base", "waiting for its workloads", func(c *openovav1alpha1.Component) bool {
		cond := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition)
		return cond != nil && cond.Reason == openovav1alpha1.WorkloadNotReadyReason
	})
	assert.Equal(t, openovav1alpha1.DeliveryBootstrap, c.Spec.Delivery)
	assert.Equal(t, "k3s", c.Spec.ProvidedBy)
	assert.Nil(t, c.Spec.Chart, "nothing to install")
	assert.Contains(t, meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition).Message, "base-agent not found")
	availableDeployment(t, "base-system", "base-agent")
	c = waitComponent(t, ns, "base", "healthy", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy
	})
	assert.Equal(t, "1.0.0", c.Status.Version)
	assert.Contains(t, meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition).Message, "installed by k3s")
	_, err := getRelease(ns, "base")
	assert.True(t, apierrors.IsNotFound(err), "no HelmRelease for a provided component")
	waitPlatform(t, ns, "ready", func(p *openovav1alpha1.Platform) bool { return p.Status.Phase == openovav1alpha1.PhaseReady })
}

// TestProvidedByTheCloudsCNI: with nothing to watch (CCE's or OKE's own CNI stands in for
// Cilium) the component is healthy when every node is Ready, claims no version, and still
// makes the Platform Ready; a node that is not Ready degrades it.
func TestProvidedByTheCloudsCNI(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	require.NoError(t, k8s.Create(ctx, newPlatform(ns, entry{Name: "base", Version: "1.0.0",
		Provided: &openovav1alpha1.ProvidedComponent{By: "cce"}})))
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "provided-" + ns}}
	require.NoError(t, k8s.Create(ctx, node))
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), node) })
	setReady := func(status corev1.ConditionStatus, msg string) {
		node.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status, Reason: "KubeletReady", Message: msg,
			LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}
		require.NoError(t, k8s.Status().Update(ctx, node))
	}
	setReady(corev1.ConditionTrue, "kubelet is posting ready status")
	c := waitComponent(t, ns, "base", "healthy", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy
	})
	assert.Empty(t, c.Status.Version, "no version claimed for what the operator cannot see")
	assert.Contains(t, meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition).Message, "cce provides it")
	waitPlatform(t, ns, "ready", func(p *openovav1alpha1.Platform) bool { return p.Status.Phase == openovav1alpha1.PhaseReady })

	setReady(corev1.ConditionFalse, "container runtime network not ready: NetworkReady=false")
	c = waitComponent(t, ns, "base", "degraded", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthDegraded
	})
	assert.Contains(t, meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition).Message, "NetworkReady=false")
}
