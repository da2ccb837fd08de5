package plugin

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/lifecycle"
	"github.com/openova-io/core/test/cluster"
	"github.com/openova-io/core/test/testcatalog"
)

// The tests that write Platforms share one envtest control plane (kube-apiserver and etcd
// with the openova CRDs, no operator), started by the first test that needs it: the golden
// tests run without one.
var (
	envOnce    sync.Once
	envErr     error
	env        *cluster.Envtest
	envDir     string
	k8s        client.Client
	kubeconfig string
	catalogCLI string
)

func TestMain(m *testing.M) {
	// Golden tables are laid out for a terminal that draws East Asian ambiguous characters
	// (→) narrow, whatever the locale of the machine running the tests.
	twwidth.SetEastAsian(false)
	code := m.Run()
	if env != nil {
		_ = env.Stop()
	}
	if envDir != "" {
		_ = os.RemoveAll(envDir)
	}
	os.Exit(code)
}

// startEnv starts the shared control plane, or skips the test in -short mode.
func startEnv(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts an API server")
	}
	envOnce.Do(func() {
		envDir, envErr = os.MkdirTemp("", "openova-plugin-test-")
		if envErr != nil {
			return
		}
		env, envErr = cluster.StartEnvtest(cluster.EnvtestOptions{})
		if envErr != nil {
			return
		}
		if k8s, envErr = client.New(env.Config, client.Options{Scheme: Scheme()}); envErr != nil {
			return
		}
		if kubeconfig, envErr = writeKubeconfig(envDir, env.Config); envErr != nil {
			return
		}
		var data []byte
		if data, envErr = testcatalog.Render("cli", testRepo); envErr != nil {
			return
		}
		catalogCLI = filepath.Join(envDir, "cli.yaml")
		envErr = os.WriteFile(catalogCLI, data, 0o644)
	})
	require.NoError(t, envErr)
}

// writeKubeconfig writes a kubeconfig for cfg (an admin of the test control plane).
func writeKubeconfig(dir string, cfg *rest.Config) (string, error) {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["test"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "test"}
	kc.CurrentContext = "test"
	path := filepath.Join(dir, "kubeconfig")
	return path, clientcmd.WriteToFile(*kc, path)
}

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("t%d", rand.Uint32())
	require.NoError(t, k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}))
	return name
}

// applyPlatform server-side applies a Platform named acme in ns as the CLI does, with the
// given entries (maps as a user would write them in YAML).
func applyPlatform(t *testing.T, ns string, entries ...map[string]any) *openovav1alpha1.Platform {
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
	require.NoError(t, k8s.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(lifecycle.FieldManager), client.ForceOwnership))
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

// run executes kubectl openova with args against the test control plane (no terminal)
// and returns its exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	all := append([]string{"--kubeconfig", kubeconfig, "--catalog", catalogCLI}, args...)
	code := Execute(context.Background(), all, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

// createComponent creates the Component the operator would make for an entry of platform
// acme, with the status the operator would report: name Healthy (or health) at version.
func createComponent(t *testing.T, ns, name, version, health string) {
	t.Helper()
	ctx := context.Background()
	c := &openovav1alpha1.Component{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{openovav1alpha1.PlatformLabel: "acme"}},
		Spec: openovav1alpha1.ComponentSpec{Version: version, Category: "mandatory", TargetNamespace: name,
			Chart: &openovav1alpha1.ChartRef{Repository: "http://127.0.0.1:1/charts", Name: name, Version: version}},
	}
	require.NoError(t, k8s.Create(ctx, c))
	c.Status = openovav1alpha1.ComponentStatus{Version: version, Health: health, ObservedGeneration: c.Generation}
	require.NoError(t, k8s.Status().Update(ctx, c))
}
