// Package e2e holds the end-to-end journeys of kubectl openova: the built binary, run as a
// kubectl plugin through the real kubectl, against a kwok cluster with the real Flux
// controllers and the operator (as a local process), installing test charts served on
// loopback from the test catalog test/catalogs/cli.yaml.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/test/chartserver"
	"github.com/openova-io/core/test/cluster"
	"github.com/openova-io/core/test/testcatalog"
)

// kubectlPath is the real kubectl the journeys run the plugin through.
const kubectlPath = "/usr/bin/kubectl"

// The cluster every test of the package shares: one kwok cluster with Flux, the operator,
// the chart repository and the Platform "acme" in openova-system.
var (
	kw         *cluster.Kwok
	k8s        client.Client
	binDir     string
	homeDir    string
	charts     *chartserver.Server
	catalogURL string
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("skipping the end-to-end journeys in -short mode")
		os.Exit(0)
	}
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) (code int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		return 1
	}
	if _, err := os.Stat(kubectlPath); err != nil {
		return fail(fmt.Errorf("the journeys need kubectl at %s: %w", kubectlPath, err))
	}
	var err error
	if binDir, err = cluster.Build(); err != nil {
		return fail(err)
	}
	if homeDir, err = os.MkdirTemp("", "openova-e2e-home-"); err != nil {
		return fail(err)
	}
	defer os.RemoveAll(homeDir)
	chartList, err := chartserver.Default()
	if err != nil {
		return fail(err)
	}
	if charts, err = chartserver.Serve(chartList...); err != nil {
		return fail(err)
	}
	defer charts.Close()
	cat, err := testcatalog.Render("cli", charts.URL)
	if err != nil {
		return fail(err)
	}
	charts.SetFile("catalog.yaml", cat)
	catalogURL = charts.URL + "/catalog.yaml"

	if kw, err = cluster.StartKwok(ctx, cluster.KwokOptions{Nodes: 2, Flux: true}); err != nil {
		return fail(err)
	}
	defer func() {
		if err := kw.Stop(code != 0); err != nil {
			fmt.Fprintln(os.Stderr, "stop kwok cluster:", err)
		}
	}()
	k8s = kw.Client
	// The operator's Deployment as bootstrap installs it (kwok runs its pod as a fake, so
	// check sees it available), and the operator itself as a local process.
	if err := install.Operator(ctx, k8s, cluster.TestVersion, 2*time.Minute, false); err != nil {
		return fail(fmt.Errorf("install the operator manifests: %w", err))
	}
	if err := fakeFluxDeployments(ctx); err != nil {
		return fail(err)
	}
	if _, err := kw.StartOperator(ctx, "openova-operator", "--leader-elect=false"); err != nil {
		return fail(err)
	}
	if err := createPlatform(ctx); err != nil {
		return fail(err)
	}
	if err := waitReady(ctx, 3*time.Minute); err != nil {
		return fail(fmt.Errorf("platform acme with grafana: %w", err))
	}
	return m.Run()
}

// fakeFluxDeployments creates Deployments named like Flux's controllers in flux-system, as
// a real installation has them (the real controllers run as local processes here).
func fakeFluxDeployments(ctx context.Context) error {
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "flux-system"}}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	for _, name := range []string{"source-controller", "helm-controller"} {
		one := int32(1)
		labels := map[string]string{"app": name}
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "flux-system"},
			Spec: appsv1.DeploymentSpec{
				Replicas: &one,
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "manager", Image: "ghcr.io/fluxcd/" + name}}},
				},
			},
		}
		if err := k8s.Create(ctx, d); err != nil {
			return err
		}
	}
	return install.WaitAvailable(ctx, k8s, "flux-system", "helm-controller", time.Minute)
}

// createPlatform creates the Platform acme the way bootstrap does: a server-side apply as
// kubectl-openova, with the mandatory grafana and the test catalog.
func createPlatform(ctx context.Context) error {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": openovav1alpha1.GroupVersion.String(), "kind": "Platform",
		"metadata": map[string]any{"name": "acme", "namespace": openovav1alpha1.DefaultNamespace},
		"spec": map[string]any{
			"organization": map[string]any{"name": "acme", "domain": "acme.example.com"},
			"catalog":      map[string]any{"url": catalogURL},
			"components":   []any{map[string]any{"name": "grafana", "version": "0.1.0"}},
		},
	}}
	return k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(install.FieldManager))
}

func getPlatform(ctx context.Context) (*openovav1alpha1.Platform, error) {
	p := &openovav1alpha1.Platform{}
	return p, k8s.Get(ctx, client.ObjectKey{Namespace: openovav1alpha1.DefaultNamespace, Name: "acme"}, p)
}

// waitReady waits until the Platform is Ready with no alert and its status is current.
func waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		p, err := getPlatform(ctx)
		if err == nil && p.Status.Phase == openovav1alpha1.PhaseReady && p.Status.ObservedGeneration == p.Generation && len(p.Status.Alerts) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return err
			}
			return fmt.Errorf("not Ready after %s: %+v", timeout, p.Status)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// result is what a command did.
type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %s\n--- stdout:\n%s--- stderr:\n%s", r.code, r.took.Round(time.Millisecond), r.stdout, r.stderr)
}

// pluginEnv is the environment of kubectl: the built kubectl-openova on PATH, the test
// cluster's kubeconfig, a home of its own, no colour settings of the machine.
func pluginEnv(kubeconfig string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "PATH", "KUBECONFIG", "HOME", "NO_COLOR", "TERM":
		default:
			env = append(env, kv)
		}
	}
	return append(env, "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+kubeconfig, "HOME="+homeDir)
}

// openova runs kubectl openova ARGS through the real kubectl, without a terminal.
func openova(t *testing.T, args ...string) result {
	t.Helper()
	return runWith(t, kw.Kubeconfig, args...)
}

// runWith runs kubectl openova ARGS with kubeconfig (stdin is empty: not a terminal).
func runWith(t *testing.T, kubeconfig string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectlPath, append([]string{"openova"}, args...)...)
	cmd.Env = pluginEnv(kubeconfig)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String(), took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("kubectl openova %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("$ kubectl openova %s\n%s", strings.Join(args, " "), r)
	return r
}

// eventually retries f until it returns true or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s", what, timeout)
		}
		time.Sleep(time.Second)
	}
}

// specNames lists spec.components as name@version.
func specNames(t *testing.T) []string {
	t.Helper()
	p, err := getPlatform(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(p.Spec.Components))
	for _, e := range p.Spec.Components {
		out = append(out, e.Name+"@"+e.Version)
	}
	return out
}
