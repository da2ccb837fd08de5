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

	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/chartserver"
	"github.com/openova-io/core/test/cluster"
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
	env, err := cluster.StartPlatform(ctx, cluster.PlatformOptions{Catalog: "cli", Home: "openova-e2e-home-"})
	if err != nil {
		return fail(err)
	}
	defer func() { env.Stop(code != 0) }()
	kw, k8s, binDir, homeDir, charts, catalogURL = env.Kwok, env.Client, env.BinDir, env.HomeDir, env.Charts, env.CatalogURL
	return m.Run()
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

func getPlatform(ctx context.Context) (*openovav1alpha1.Platform, error) {
	return cluster.GetPlatform(ctx, k8s)
}
