package operator

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/manifests"
	"github.com/openova-io/core/test/cluster"
)

// Without the Flux CRDs the operator starts, reports FluxNotInstalled without a hot loop,
// and delivers as soon as Flux is installed.
func TestFluxNotInstalled(t *testing.T) {
	env, err := cluster.StartEnvtest(cluster.EnvtestOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	scheme, err := Scheme()
	require.NoError(t, err)
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	require.NoError(t, err)
	// As every operator envtest: the ServiceAccount's token and exactly the RBAC of manifests/.
	opCfg, err := cluster.OperatorConfig(context.Background(), env.Config)
	require.NoError(t, err)
	mgr, err := NewManager(opCfg, Options{MetricsAddr: "0", ProbeAddr: "0", Catalog: catalogFile, SkipNameValidation: true})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done, "the manager ran without error")
	})

	p := newPlatform("default", entry{Name: "base", Version: "1.0.0"})
	require.NoError(t, c.Create(ctx, p))
	var comp openovav1alpha1.Component
	cluster.Eventually(t, 20*time.Second, 50*time.Millisecond, "FluxNotInstalled", func() (bool, string) {
		if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "base"}, &comp); err != nil {
			return false, err.Error()
		}
		cond := meta.FindStatusCondition(comp.Status.Conditions, openovav1alpha1.ReadyCondition)
		return cond != nil && cond.Reason == openovav1alpha1.FluxNotInstalledReason && comp.Status.AvailableUpgrade != nil, comp.Status.Health
	})
	assert.Contains(t, meta.FindStatusCondition(comp.Status.Conditions, openovav1alpha1.ReadyCondition).Message, "kubectl openova check")
	rv := comp.ResourceVersion
	time.Sleep(2 * time.Second)
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "base"}, &comp))
	assert.Equal(t, rv, comp.ResourceVersion, "no writes while waiting for Flux")
	select {
	case err := <-done:
		t.Fatalf("the operator stopped: %v", err)
	default:
	}

	// Flux arrives; the next reconcile (here forced by an annotation) starts delivering.
	objs, err := kube.ReadFS(manifests.FluxCRDs, "flux/crds")
	require.NoError(t, err)
	crdClient, err := client.New(env.Config, client.Options{Scheme: cluster.Scheme()})
	require.NoError(t, err)
	require.NoError(t, kube.Apply(ctx, crdClient, "test", objs...))
	require.NoError(t, kube.WaitForCRDs(ctx, crdClient, objs, time.Minute))
	comp.Annotations = map[string]string{"test/poke": "1"}
	require.NoError(t, c.Update(ctx, &comp))
	cluster.Eventually(t, 20*time.Second, 100*time.Millisecond, "HelmRelease created", func() (bool, string) {
		hr := cluster.Unstructured("helm.toolkit.fluxcd.io/v2", "HelmRelease")
		err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "base"}, hr)
		return err == nil, errString(err)
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
