package operator

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	fluxmeta "github.com/fluxcd/pkg/apis/meta"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// kubectlWait runs `kubectl wait --for=condition=Ready` on an object in the background; the
// channel gets its error (nil when Ready was seen) when it ends.
func kubectlWait(t *testing.T, ns, object string, timeout time.Duration) <-chan error {
	t.Helper()
	path, err := exec.LookPath("kubectl")
	require.NoError(t, err, "the journey needs kubectl")
	ctx, cancel := context.WithTimeout(context.Background(), timeout+10*time.Second)
	cmd := exec.CommandContext(ctx, path, "--kubeconfig", kubeconfigFile, "-n", ns, "wait", "--for=condition=Ready", object, "--timeout="+timeout.String())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() {
		defer cancel()
		err := cmd.Wait()
		t.Logf("kubectl wait %s: %s", object, out.String())
		done <- err
	}()
	return done
}

// stillWaiting asserts that kubectl wait has not returned within d.
func stillWaiting(t *testing.T, done <-chan error, d time.Duration, why string) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("kubectl wait returned (%v) %s", err, why)
	case <-time.After(d):
	}
}

// Ready means delivered: after a version change neither the Platform nor the Component is
// Ready (for kubectl wait, kstatus or a reader of status) until Flux has deployed the new
// chart version.
func TestReadyMeansDelivered(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	require.NoError(t, k8s.Create(ctx, newPlatform(ns, entry{Name: "base", Version: "1.0.0"}, entry{Name: "middle", Version: "0.1.0"})))
	deployAll(t, ns, waitRelease(t, ns, "base", "1.0.0").Name, waitRelease(t, ns, "middle", "0.1.0").Name)
	waitPlatform(t, ns, "ready at 1.0.0", func(p *openovav1alpha1.Platform) bool {
		return meta.IsStatusConditionTrue(p.Status.Conditions, openovav1alpha1.ReadyCondition)
	})
	require.NoError(t, <-kubectlWait(t, ns, "platform/acme", 10*time.Second), "kubectl wait sees a delivered Platform Ready")

	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Version = "1.1.0" })
	platformWait := kubectlWait(t, ns, "platform/acme", time.Minute)
	componentWait := kubectlWait(t, ns, "component/base", time.Minute)

	hr := waitRelease(t, ns, "base", "1.1.0")
	p := waitPlatform(t, ns, "the change observed", func(p *openovav1alpha1.Platform) bool {
		c := mustComponent(t, ns, "base")
		return p.Status.ObservedGeneration == p.Generation && c.Status.ObservedGeneration == c.Generation && c.Spec.Version == "1.1.0"
	})
	ready := meta.FindStatusCondition(p.Status.Conditions, openovav1alpha1.ReadyCondition)
	assert.Equal(t, metav1.ConditionFalse, ready.Status, "%+v", ready)
	assert.Less(t, p.Status.HealthPercent, int32(100))
	assert.True(t, meta.IsStatusConditionTrue(p.Status.Conditions, openovav1alpha1.ReconcilingCondition))
	c := mustComponent(t, ns, "base")
	assert.Equal(t, "1.0.0", c.Status.Version)
	assert.False(t, meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.ReadyCondition))
	stillWaiting(t, platformWait, 2*time.Second, "while the HelmRelease is not even observed by Flux")

	// Flux observes the new generation but has not deployed the new chart yet.
	writeFluxStatus(t, hr, func(hr *helmv2.HelmRelease) {
		hr.Status.ObservedGeneration = hr.Generation
		hr.Status.LastAttemptedRevision = "1.1.0"
		meta.SetStatusCondition(&hr.Status.Conditions, metav1.Condition{Type: fluxmeta.ReadyCondition, Status: metav1.ConditionUnknown,
			Reason: fluxmeta.ProgressingReason, Message: "Fulfilling prerequisites", ObservedGeneration: hr.Generation})
		meta.SetStatusCondition(&hr.Status.Conditions, metav1.Condition{Type: fluxmeta.ReconcilingCondition, Status: metav1.ConditionTrue,
			Reason: fluxmeta.ProgressingReason, Message: "Fulfilling prerequisites", ObservedGeneration: hr.Generation})
	})
	waitComponent(t, ns, "base", "progressing on Flux's word", func(c *openovav1alpha1.Component) bool {
		cond := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition)
		return cond != nil && strings.Contains(cond.Message, "Fulfilling prerequisites")
	})
	stillWaiting(t, platformWait, 2*time.Second, "while Flux is upgrading")
	stillWaiting(t, componentWait, 100*time.Millisecond, "while Flux is upgrading")

	deployed := time.Now()
	playFluxDeployed(t, mustRelease(t, ns, "base"))
	select {
	case err := <-platformWait:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("kubectl wait did not see the Platform Ready after the upgrade was delivered")
	}
	require.NoError(t, <-componentWait)
	t.Logf("Ready %s after the release was deployed", time.Since(deployed).Round(time.Millisecond))
	c = mustComponent(t, ns, "base")
	assert.Equal(t, "1.1.0", c.Status.Version)
	assert.Nil(t, meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReconcilingCondition))
	p = getPlatform(t, ns)
	assert.Equal(t, int32(100), p.Status.HealthPercent)
	assert.Equal(t, "1.1.0", p.Status.Components[0].Version)
	assert.True(t, p.Status.Components[0].Ready)
}
