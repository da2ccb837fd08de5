package bootstrap

import (
	"bytes"
	"context"
	"testing"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	fluxmeta "github.com/fluxcd/pkg/apis/meta"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openova-io/core/test/cluster"
)

// TestAwaitReleasesGone: before a removed region's credential Secret goes, bootstrap waits
// for the HelmReleases that use it to be deleted (helm-controller uninstalls through it);
// when nothing deletes them (no operator), it says so once the wait ends and returns, so
// the Secret is deleted anyway. A release of another Secret is not waited for.
func TestAwaitReleasesGone(t *testing.T) {
	env, err := cluster.StartEnvtest(cluster.EnvtestOptions{FluxCRDs: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	scheme := cluster.Scheme()
	require.NoError(t, helmv2.AddToScheme(scheme))
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	require.NoError(t, err)
	ctx := context.Background()
	release := func(name, secret string) *helmv2.HelmRelease {
		hr := &helmv2.HelmRelease{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
			Spec: helmv2.HelmReleaseSpec{Interval: metav1.Duration{Duration: time.Minute},
				Chart:      &helmv2.HelmChartTemplate{Spec: helmv2.HelmChartTemplateSpec{Chart: "app", SourceRef: helmv2.CrossNamespaceObjectReference{Kind: "HelmRepository", Name: "r"}}},
				KubeConfig: &fluxmeta.KubeConfigReference{SecretRef: &fluxmeta.SecretKeyReference{Name: secret, Key: "value"}}}}
		require.NoError(t, c.Create(ctx, hr))
		return hr
	}
	release("other-hel2", "acme-hel2-kubeconfig")
	k := &Kubernetes{WaitTimeout: 3 * time.Second}

	// Nothing deletes it: the wait ends with a warning.
	stays := release("grafana-hel1", "acme-hel1-kubeconfig")
	var out bytes.Buffer
	k.awaitReleasesGone(ctx, &out, c, "default", "acme-hel1-kubeconfig")
	assert.Contains(t, out.String(), "waiting up to 3s for the operator to delete 1 releases that use Secret default/acme-hel1-kubeconfig")
	assert.Contains(t, out.String(), "releases [grafana-hel1] still use Secret default/acme-hel1-kubeconfig; deleting it anyway")

	// Deleted while bootstrap waits (as the operator does): no warning.
	go func() {
		time.Sleep(time.Second)
		_ = c.Delete(ctx, stays)
	}()
	out.Reset()
	k.WaitTimeout = time.Minute
	k.awaitReleasesGone(ctx, &out, c, "default", "acme-hel1-kubeconfig")
	assert.Contains(t, out.String(), "waiting up to 1m0s")
	assert.NotContains(t, out.String(), "deleting it anyway")

	// No release uses it: no wait at all (the other Secret's release is not counted).
	out.Reset()
	k.awaitReleasesGone(ctx, &out, c, "default", "acme-hel1-kubeconfig")
	assert.Empty(t, out.String())
}
