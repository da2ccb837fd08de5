package bootstrap

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/test/cluster"
)

// TestRunKindKubernetesPhases hands the kind clusters' kubeconfigs to the real Kubernetes
// phases: the fake kind driver answers with kubeconfigs (context kind-<cluster>, as kind
// names them) of a real API server (envtest), and Run installs Flux and the operator in
// the primary, nothing in the standby, and creates the Platform in the primary with the
// standby's kubeconfig Secret, as for every provider — the Secret's server being the
// standby's address on kind's network, where the primary's pods reach it.
func TestRunKindKubernetesPhases(t *testing.T) {
	env, err := cluster.StartEnvtest(cluster.EnvtestOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	admin := filepath.Join(t.TempDir(), "admin.yaml")
	require.NoError(t, env.WriteKubeconfig(admin))
	kind := newFakeKind()
	kind.kubeconfig = func(name string) string {
		kc, err := clientcmd.LoadFromFile(admin)
		require.NoError(t, err)
		ctx := kc.Contexts[kc.CurrentContext]
		kc.Contexts = map[string]*clientcmdapi.Context{"kind-" + name: ctx}
		kc.CurrentContext = "kind-" + name
		data, err := clientcmd.Write(*kc)
		require.NoError(t, err)
		return string(data)
	}

	cat, err := catalog.Builtin()
	require.NoError(t, err)
	cfg := kindConfig(t, twoKindRegions...)
	set, err := ComponentSet(cat, cfg)
	require.NoError(t, err)
	var out bytes.Buffer
	_, err = Run(context.Background(), Options{Config: cfg, NewKind: kind.factory, Out: &out,
		Kubernetes: &Kubernetes{Catalog: cat, Components: set, OperatorVersion: "v0.0.0-kindtest", SkipWait: true,
			WaitTimeout: time.Minute, APIWaitTimeout: 30 * time.Second}})
	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "==> region dev: installing Flux and the openova operator")
	assert.Contains(t, out.String(), "==> region dr (standby): nothing to install there")

	c, err := client.New(env.Config, client.Options{Scheme: scheme()})
	require.NoError(t, err)
	ctx := context.Background()
	p := &openovav1alpha1.Platform{}
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: openovav1alpha1.DefaultNamespace, Name: "acme"}, p))
	assert.Equal(t, []openovav1alpha1.Region{
		{Name: "dev", Role: openovav1alpha1.RegionRole(RolePrimary), Context: "kind-acme-dev"},
		{Name: "dr", Role: openovav1alpha1.RegionRole(RoleStandby), Context: "kind-acme-dr", KubeConfig: &openovav1alpha1.KubeConfigReference{
			SecretRef: openovav1alpha1.SecretKeyReference{Name: "acme-dr-kubeconfig", Key: "value"}}},
	}, p.Spec.Regions)
	var secret corev1.Secret
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: openovav1alpha1.DefaultNamespace, Name: "acme-dr-kubeconfig"}, &secret))
	remote, err := clientcmd.Load(secret.Data["value"])
	require.NoError(t, err)
	require.Len(t, remote.Clusters, 1)
	for _, cl := range remote.Clusters {
		assert.Equal(t, "https://acme-dr-control-plane:6443", cl.Server, "the primary's pods reach the standby on kind's network")
	}
	assert.Len(t, p.Spec.Components, len(set))
	for _, e := range p.Spec.Components {
		assert.Nil(t, e.Provided, "a kind cluster brings no catalog component itself: %s", e.Name)
	}
	require.NoError(t, c.Get(ctx, client.ObjectKey{Name: "helmreleases.helm.toolkit.fluxcd.io"}, &apiextensionsv1.CustomResourceDefinition{}))
	var deployments appsv1.DeploymentList
	require.NoError(t, c.List(ctx, &deployments))
	var names []string
	for _, d := range deployments.Items {
		names = append(names, d.Name)
	}
	assert.Contains(t, names, "helm-controller")
	assert.Contains(t, names, "openova-operator")
	for _, r := range twoKindRegions {
		data, err := os.ReadFile(KubeconfigPath(cfg.WorkDir, r.Name))
		require.NoError(t, err)
		assert.Contains(t, string(data), "current-context: kind-acme-"+r.Name)
	}
}
