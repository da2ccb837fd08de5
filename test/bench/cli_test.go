// Package bench measures kubectl openova against plain kubectl on the same cluster: status
// and components of a platform with 1,000 installed components (OPENOVA_BENCH_COMPONENTS
// changes that) versus kubectl get components.openova.io (wall time and API requests per
// command), the plugin's start-up time, and install --dry-run against a generated catalog
// of 5,000 components. Run with make bench, or:
//
//	go test -run '^$' -bench . ./test/bench/
//
// Each benchmark reports, per command: ms (mean wall time), requests (API requests, counted
// by a proxy in front of the API server) and the ratio of the plugin's time to kubectl get's.
package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/internal/synthcatalog"
	"github.com/openova-io/core/test/apiproxy"
	"github.com/openova-io/core/test/cluster"
)

// installed is the number of components of the benchmark's platform.
var installed = componentsFromEnv(1000)

func componentsFromEnv(def int) int {
	if n, err := strconv.Atoi(os.Getenv("OPENOVA_BENCH_COMPONENTS")); err == nil && n > 0 {
		return n
	}
	return def
}

const kubectlPath = "/usr/bin/kubectl"

var (
	setupOnce sync.Once
	setupErr  error
	env       *cluster.Envtest
	proxy     *apiproxy.Proxy
	dir       string
	direct    string // kubeconfig straight to the API server
	counted   string // kubeconfig through the counting proxy
	catalog   string
	big       string // the generated catalog of 5,000 components
	binDir    string
)

// bigNamespace holds the empty Platform install --dry-run plans against the big catalog.
const bigNamespace = "openova-scale"

func TestMain(m *testing.M) {
	code := m.Run()
	if proxy != nil {
		proxy.Close()
	}
	if env != nil {
		_ = env.Stop()
	}
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	os.Exit(code)
}

// setup starts an API server with the CRDs, a Platform with 1,000 installed and healthy
// components (spec, status and the Component objects, as the operator leaves them), a
// catalog of those components, the plugin binary and a counting proxy.
func setup(b *testing.B) {
	b.Helper()
	setupOnce.Do(func() { setupErr = doSetup() })
	if setupErr != nil {
		b.Fatal(setupErr)
	}
}

func doSetup() error {
	if _, err := os.Stat(kubectlPath); err != nil {
		return fmt.Errorf("the benchmark compares with kubectl at %s: %w", kubectlPath, err)
	}
	var err error
	if binDir, err = cluster.Build(); err != nil {
		return err
	}
	if dir, err = os.MkdirTemp("", "openova-bench-"); err != nil {
		return err
	}
	if env, err = cluster.StartEnvtest(cluster.EnvtestOptions{}); err != nil {
		return err
	}
	if direct, err = writeKubeconfig(filepath.Join(dir, "kubeconfig"), env.Config); err != nil {
		return err
	}
	if proxy, err = apiproxy.Start(env.Config); err != nil {
		return err
	}
	if counted, err = proxy.WriteKubeconfig(dir); err != nil {
		return err
	}
	catalog = filepath.Join(dir, "catalog.yaml")
	if err := os.WriteFile(catalog, []byte(generateCatalog()), 0o644); err != nil {
		return err
	}
	big = filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, synthcatalog.YAML(5000, 10, 1), 0o644); err != nil {
		return err
	}
	c, err := client.New(env.Config, client.Options{Scheme: cluster.Scheme()})
	if err != nil {
		return err
	}
	if err := populate(context.Background(), c); err != nil {
		return err
	}
	// Warm kubectl's discovery cache, as on any machine that has used kubectl before.
	for _, kc := range []string{direct, counted} {
		if _, err := runCmd(kc, kubectlPath, "get", "components.openova.io", "-n", openovav1alpha1.DefaultNamespace); err != nil {
			return err
		}
	}
	return nil
}

func componentName(i int) string { return fmt.Sprintf("comp-%04d", i) }

// generateCatalog writes a catalog of the benchmark's components: categories mixed, two
// versions each, every fifth depending on the one before.
func generateCatalog() string {
	var b strings.Builder
	for i := range installed {
		category := "a-la-carte"
		switch {
		case i < 6:
			category = "mandatory"
		case i >= installed-4:
			category = "meta-platform"
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		fmt.Fprintf(&b, `apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: %[1]s
displayName: Component %[2]d
category: %[3]s
description: Benchmark component %[2]d.
namespace: %[1]s
chart: {repository: "https://charts.example.test", name: %[1]s}
endpoints: ["https://%[1]s.{{ .Domain }}"]
versions:
- {version: 1.1.0, chartVersion: 1.1.0, changelog: "1.1"}
- version: 1.0.0
  chartVersion: 1.0.0
  changelog: "1.0"
`, componentName(i), i, category)
		if i%5 == 4 {
			fmt.Fprintf(&b, "  requires: [{name: %s, constraint: \">=1.0.0\"}]\n", componentName(i-1))
		}
	}
	return b.String()
}

// populate creates the Platform (spec as the CLI writes it, status as the operator does)
// and its Components, and an empty Platform for install --dry-run.
func populate(ctx context.Context, c client.Client) error {
	ns := openovav1alpha1.DefaultNamespace
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return err
	}
	var entries []any
	var summary []openovav1alpha1.ComponentSummary
	for i := range installed {
		name := componentName(i)
		entries = append(entries, map[string]any{"name": name, "version": "1.0.0"})
		summary = append(summary, openovav1alpha1.ComponentSummary{Name: name, Version: "1.0.0", DesiredVersion: "1.0.0",
			Health: openovav1alpha1.HealthHealthy, AvailableUpgrade: "1.1.0", Endpoints: []string{"https://" + name + ".acme.example.com"}})
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": openovav1alpha1.GroupVersion.String(), "kind": "Platform",
		"metadata": map[string]any{"name": "acme", "namespace": ns},
		"spec": map[string]any{
			"organization": map[string]any{"name": "acme", "domain": "acme.example.com"},
			"components":   entries,
		},
	}}
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(install.FieldManager)); err != nil {
		return err
	}
	p := &openovav1alpha1.Platform{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme"}, p); err != nil {
		return err
	}
	now := metav1.Now()
	p.Status = openovav1alpha1.PlatformStatus{Phase: openovav1alpha1.PhaseReady, ObservedGeneration: p.Generation,
		ComponentCount: int32(installed), HealthPercent: 100, UpgradesAvailable: int32(installed), Components: summary, LastUpdateCheck: &now}
	if err := c.Status().Update(ctx, p); err != nil {
		return err
	}
	for i := range installed {
		name := componentName(i)
		comp := &openovav1alpha1.Component{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{openovav1alpha1.PlatformLabel: "acme"}},
			Spec: openovav1alpha1.ComponentSpec{Version: "1.0.0", Category: openovav1alpha1.CategoryALaCarte, TargetNamespace: name,
				Chart: &openovav1alpha1.ChartRef{Repository: "https://charts.example.test", Name: name, Version: "1.0.0"}},
		}
		if err := c.Create(ctx, comp); err != nil {
			return err
		}
		comp.Status = openovav1alpha1.ComponentStatus{Health: openovav1alpha1.HealthHealthy, Version: "1.0.0", LastGoodVersion: "1.0.0",
			AvailableUpgrade: &openovav1alpha1.AvailableUpgrade{Version: "1.1.0", Changelog: "1.1"}}
		if err := c.Status().Update(ctx, comp); err != nil {
			return err
		}
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: bigNamespace}}); err != nil {
		return err
	}
	empty := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": openovav1alpha1.GroupVersion.String(), "kind": "Platform",
		"metadata": map[string]any{"name": "big", "namespace": bigNamespace},
		"spec":     map[string]any{"organization": map[string]any{"name": "big", "domain": "big.example.com"}},
	}}
	return c.Apply(ctx, client.ApplyConfigurationFromUnstructured(empty), client.FieldOwner(install.FieldManager))
}

// runCmd runs a command with kubeconfig, the plugin on PATH and a home of its own.
func runCmd(kubeconfig, name string, args ...string) (time.Duration, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "HOME="+dir,
		"PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	var exit *exec.ExitError
	if errors.As(err, &exit) || err != nil {
		return took, fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return took, nil
}

// measured is one command of a comparison.
type measured struct {
	label string
	bin   string
	args  []string
	total time.Duration
}

// compare runs each command b.N times, interleaved, and reports its mean wall time, the API
// requests one run makes, and each command's time relative to the last one (the baseline).
func compare(b *testing.B, cmds ...*measured) {
	setup(b)
	for _, m := range cmds {
		proxy.Reset()
		if _, err := runCmd(counted, m.bin, m.args...); err != nil {
			b.Fatal(err)
		}
		reqs := proxy.Requests()
		b.ReportMetric(float64(len(reqs)), m.label+"-requests")
		b.Logf("%s %s: %d API requests: %v", m.bin, strings.Join(m.args, " "), len(reqs), reqs)
	}
	b.ResetTimer()
	for range b.N {
		for _, m := range cmds {
			took, err := runCmd(direct, m.bin, m.args...)
			if err != nil {
				b.Fatal(err)
			}
			m.total += took
		}
	}
	b.StopTimer()
	base := cmds[len(cmds)-1]
	for _, m := range cmds {
		b.ReportMetric(float64(m.total.Microseconds())/1000/float64(b.N), m.label+"-ms")
		if m != base {
			b.ReportMetric(float64(m.total)/float64(base.total), m.label+"/kubectl")
		}
	}
}

func catalogArgs(args ...string) []string {
	return append(append([]string{"openova"}, args...), "--catalog", catalog)
}

// BenchmarkStatus: kubectl openova status vs kubectl get components.openova.io, 1,000
// components.
func BenchmarkStatus(b *testing.B) {
	compare(b,
		&measured{label: "openova", bin: kubectlPath, args: []string{"openova", "status"}},
		&measured{label: "plugin-binary", bin: filepath.Join(binDirOf(b), "kubectl-openova"), args: []string{"status"}},
		&measured{label: "kubectl", bin: kubectlPath, args: []string{"get", "components.openova.io", "-n", openovav1alpha1.DefaultNamespace}},
	)
}

// BenchmarkComponents: kubectl openova components vs kubectl get components.openova.io.
func BenchmarkComponents(b *testing.B) {
	compare(b,
		&measured{label: "openova", bin: kubectlPath, args: catalogArgs("components")},
		&measured{label: "plugin-binary", bin: filepath.Join(binDirOf(b), "kubectl-openova"), args: catalogArgs("components")[1:]},
		&measured{label: "kubectl", bin: kubectlPath, args: []string{"get", "components.openova.io", "-n", openovav1alpha1.DefaultNamespace}},
	)
}

// BenchmarkVersion: start-up time of the plugin (version makes no request), directly and
// through kubectl, against kubectl version --client.
func BenchmarkVersion(b *testing.B) {
	compare(b,
		&measured{label: "openova", bin: kubectlPath, args: []string{"openova", "version"}},
		&measured{label: "plugin-binary", bin: filepath.Join(binDirOf(b), "kubectl-openova"), args: []string{"version"}},
		&measured{label: "kubectl", bin: kubectlPath, args: []string{"version", "--client"}},
	)
}

func binDirOf(b *testing.B) string {
	setup(b)
	return binDir
}

func writeKubeconfig(path string, cfg *rest.Config) (string, error) {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["bench"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["bench"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["bench"] = &clientcmdapi.Context{Cluster: "bench", AuthInfo: "bench", Namespace: openovav1alpha1.DefaultNamespace}
	kc.CurrentContext = "bench"
	return path, clientcmd.WriteToFile(*kc, path)
}

// BenchmarkInstallDryRun: install --dry-run of c00000 (and the 700-odd components it needs)
// on an empty Platform, with the generated catalog of 5,000 components × 10 versions: load,
// resolve, plan and the API server's dry run, against kubectl version --client.
func BenchmarkInstallDryRun(b *testing.B) {
	compare(b,
		&measured{label: "install-dry-run-5000", bin: filepath.Join(binDirOf(b), "kubectl-openova"),
			args: []string{"install", "c00000", "--dry-run", "-n", bigNamespace, "--catalog", big}},
		&measured{label: "kubectl", bin: kubectlPath, args: []string{"version", "--client"}},
	)
}
