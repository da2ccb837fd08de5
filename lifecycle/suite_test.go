package lifecycle

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/cluster"
)

// The tests that write Platforms share one envtest control plane (kube-apiserver and etcd
// with the openova CRDs, no operator), started by the first test that needs it.
var (
	envOnce sync.Once
	envErr  error
	env     *cluster.Envtest
	k8s     client.Client
)

func TestMain(m *testing.M) {
	code := m.Run()
	if env != nil {
		_ = env.Stop()
	}
	os.Exit(code)
}

func scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = openovav1alpha1.AddToScheme(s)
	return s
}

// startEnv starts the shared control plane, or skips the test in -short mode.
func startEnv(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts an API server")
	}
	envOnce.Do(func() {
		env, envErr = cluster.StartEnvtest(cluster.EnvtestOptions{})
		if envErr != nil {
			return
		}
		k8s, envErr = client.New(env.Config, client.Options{Scheme: scheme()})
	})
	require.NoError(t, envErr)
}

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("t%d", rand.Uint32())
	require.NoError(t, k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}))
	return name
}

// applyPlatform server-side applies a Platform named acme in ns as manager, with the
// given entries (maps as a user would write them in YAML).
func applyPlatform(t *testing.T, ns, manager string, entries ...map[string]any) *openovav1alpha1.Platform {
	t.Helper()
	list := make([]any, 0, len(entries))
	for _, e := range entries {
		list = append(list, e)
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": openovav1alpha1.GroupVersion.String(), "kind": "Platform",
		"metadata": map[string]any{"name": "acme", "namespace": ns},
		"spec": map[string]any{
			"organization": map[string]any{"name": "acme", "domain": "acme.example.com"},
			"components":   list,
		},
	}}
	require.NoError(t, k8s.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(manager), client.ForceOwnership))
	return getPlatform(t, ns)
}

func getPlatform(t *testing.T, ns string) *openovav1alpha1.Platform {
	t.Helper()
	p := &openovav1alpha1.Platform{}
	require.NoError(t, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "acme"}, p))
	return p
}

// names lists the entries of spec.components as "name@version".
func names(p *openovav1alpha1.Platform) []string {
	out := make([]string, 0, len(p.Spec.Components))
	for _, e := range p.Spec.Components {
		out = append(out, e.Name+"@"+e.Version)
	}
	return out
}

func entry(name, version, reason string) openovav1alpha1.PlatformComponent {
	return openovav1alpha1.PlatformComponent{Name: name, Version: version, Reason: reason}
}

// refTime is "now" in tests.
var refTime = time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
