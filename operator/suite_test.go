package operator

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/openova-io/core/test/cluster"
)

// One envtest control plane (with the Flux CRDs, without Flux's controllers) and one
// operator for the package. The tests play Flux's part by writing HelmRelease status.
var (
	k8s               client.Client
	testCfg           *rest.Config
	auditLog          string
	testRepo          = "https://charts.example.test/stable"
	operatorUserAgent = "openova-operator-under-test"
	catalogFile       string
	// kubeconfigFile reaches the control plane as an administrator, for kubectl.
	kubeconfigFile string
)

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(logSink())))
	dir, err := os.MkdirTemp("", "openova-operator-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	auditLog = filepath.Join(dir, "audit.log")
	env, err := cluster.StartEnvtest(cluster.EnvtestOptions{FluxCRDs: true, AuditLog: auditLog})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	testCfg = env.Config
	kubeconfigFile = filepath.Join(dir, "kubeconfig")
	if err := env.WriteKubeconfig(kubeconfigFile); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	scheme, err := Scheme()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	k8s, err = client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	catalogFile, err = renderCatalog(dir, testRepo)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The operator runs with its ServiceAccount's token and exactly the RBAC of manifests/.
	cfg, err := cluster.OperatorConfig(context.Background(), env.Config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The test catalog's resource parts use test.openova.io kinds the shipped role leaves out.
	if err := cluster.GrantOperator(context.Background(), k8s, "openova-operator-test-kinds", cluster.TestKindsRule); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg.UserAgent = operatorUserAgent
	mgr, err := NewManager(cfg, Options{MetricsAddr: "0", ProbeAddr: "0", Catalog: catalogFile, WorkloadInterval: 300 * time.Millisecond,
		RegionProbeInterval: 500 * time.Millisecond, RegionTimeout: 2 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	code := m.Run()
	cancel()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		return 1
	}
	return code
}

// logSink sends the operator's log to a file the failing test can show (OPENOVA_TEST_LOG), or
// nowhere.
func logSink() *os.File {
	if p := os.Getenv("OPENOVA_TEST_LOG"); p != "" {
		if f, err := os.Create(p); err == nil {
			return f
		}
	}
	f, _ := os.Open(os.DevNull)
	return f
}

// operatorWrites counts the write requests the operator made since the audit log had n
// lines, and returns the new line count with a description of each write.
func operatorWrites(t *testing.T, from int) (writes []string, lines int) {
	t.Helper()
	f, err := os.Open(auditLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		lines++
		if lines <= from {
			continue
		}
		var ev struct {
			Verb       string `json:"verb"`
			UserAgent  string `json:"userAgent"`
			RequestURI string `json:"requestURI"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) == nil && strings.HasPrefix(ev.UserAgent, operatorUserAgent) &&
			!strings.Contains(ev.RequestURI, "/leases/") && !strings.Contains(ev.RequestURI, "/events") {
			writes = append(writes, ev.Verb+" "+ev.RequestURI)
		}
	}
	return writes, lines
}

func eventually(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	cluster.Eventually(t, 20*time.Second, 50*time.Millisecond, what, check)
}
