// Package dashboard holds the browser journeys of kubectl openova dashboard: the built
// binary run through the real kubectl against a kwok cluster with the real Flux controllers
// and the operator (local processes), driven in Debian's headless Chromium with chromedp.
// OPENOVA_SCREENSHOTS=DIR writes a PNG of each page into DIR (make screenshots).
package dashboard

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/browser"
	"github.com/openova-io/core/test/cluster"
)

const kubectlPath = "/usr/bin/kubectl"

// The cluster, the dashboard and the browser every test of the package shares.
var (
	kw         *cluster.Kwok
	k8s        client.Client
	binDir     string
	homeDir    string
	kubeconfig string // the test cluster's kubeconfig plus the canary credentials
	catalogURL string
	dashURL    string // with the token
	dashAddr   string // host:port
	browse     *browser.Browser
	// canaries are strings that must never reach the browser: a token in the kubeconfig,
	// the client key the dashboard authenticates with, and a Secret's value.
	canaries []string
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("skipping the dashboard's browser journeys in -short mode")
		os.Exit(0)
	}
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() == "^$" {
		os.Exit(m.Run()) // benchmarks only (make bench): no journey, no cluster
	}
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) (code int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "dashboard setup:", err)
		return 1
	}
	if err := browser.EnsureChromium(); err != nil {
		return fail(err)
	}
	env, err := cluster.StartPlatform(ctx, cluster.PlatformOptions{Catalog: "cli", Home: "openova-dashboard-home-"})
	if err != nil {
		return fail(err)
	}
	defer func() { env.Stop(code != 0) }()
	kw, k8s, binDir, homeDir, catalogURL = env.Kwok, env.Client, env.BinDir, env.HomeDir, env.CatalogURL
	if kubeconfig, err = canaryKubeconfig(ctx); err != nil {
		return fail(err)
	}
	stop, err := startDashboard()
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err := stop(); err != nil {
			fmt.Fprintln(os.Stderr, "kubectl openova dashboard did not stop cleanly:", err)
			code = 1
		}
	}()
	if browse, err = browser.Start(); err != nil {
		return fail(err)
	}
	defer browse.Close()
	return m.Run()
}

func getPlatform(ctx context.Context) (*openovav1alpha1.Platform, error) {
	return cluster.GetPlatform(ctx, k8s)
}

// canaryKubeconfig writes the cluster's kubeconfig with a second user holding a canary
// token (a credential the dashboard must never show), and a Secret with a canary value in
// the Platform's namespace; it records the canaries and the client key in use.
func canaryKubeconfig(ctx context.Context) (string, error) {
	cfg, err := clientcmd.LoadFromFile(kw.Kubeconfig)
	if err != nil {
		return "", err
	}
	token := "canary-token-" + fmt.Sprint(time.Now().UnixNano())
	for _, auth := range cfg.AuthInfos {
		if key := strings.TrimSpace(string(auth.ClientKeyData)); len(key) > 100 {
			canaries = append(canaries, key[40:100]) // a line of the private key
		}
		if auth.Token != "" {
			canaries = append(canaries, auth.Token)
		}
	}
	cfg.AuthInfos["canary"] = &clientcmdapi.AuthInfo{Token: token}
	canaries = append(canaries, token)
	secretValue := "canary-secret-" + fmt.Sprint(time.Now().UnixNano())
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "canary", Namespace: openovav1alpha1.DefaultNamespace},
		StringData: map[string]string{"password": secretValue}}
	if err := k8s.Create(ctx, s); err != nil {
		return "", err
	}
	canaries = append(canaries, secretValue)
	path := filepath.Join(homeDir, "kubeconfig")
	return path, clientcmd.WriteToFile(*cfg, path)
}

// pluginEnv is the environment of kubectl: the built kubectl-openova on PATH, the canary
// kubeconfig, a home of its own, no desktop (so no browser is opened).
func pluginEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "PATH", "KUBECONFIG", "HOME", "NO_COLOR", "TERM", "DISPLAY", "WAYLAND_DISPLAY":
		default:
			env = append(env, kv)
		}
	}
	return append(env, "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+kubeconfig, "HOME="+homeDir)
}

var urlLine = regexp.MustCompile(`Dashboard of platform acme: (http://(127\.0\.0\.1:\d+)/\?token=\S+)`)

// startDashboard runs kubectl openova dashboard --no-browser and reads its URL from stderr.
func startDashboard() (stop func() error, err error) {
	cmd := exec.Command(kubectlPath, "openova", "dashboard", "--no-browser")
	cmd.Env = pluginEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	var logBuf syncBuffer
	cmd.Stdout = &logBuf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan []string, 1)
	done := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(&logBuf, line)
			if m := urlLine.FindStringSubmatch(line); m != nil {
				found <- m
			}
		}
		done <- cmd.Wait() // after the last read of stderr
	}()
	// stop is Ctrl-C: the dashboard must stop at once, cleanly (exit status 0), its
	// listener closed.
	stop = func() error {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("after Ctrl-C: %w\n%s", err, logBuf.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			killed := <-done
			return fmt.Errorf("still running 10 s after Ctrl-C (killed: %w):\n%s", killed, logBuf.String())
		}
		if !strings.Contains(logBuf.String(), "Dashboard stopped.") {
			return fmt.Errorf("no \"Dashboard stopped.\":\n%s", logBuf.String())
		}
		if dashAddr != "" {
			if c, err := net.DialTimeout("tcp", dashAddr, time.Second); err == nil {
				_ = c.Close()
				return fmt.Errorf("%s still accepts connections after the dashboard stopped", dashAddr)
			}
		}
		return nil
	}
	select {
	case m := <-found:
		dashURL, dashAddr = m[1], m[2]
		return stop, nil
	case <-time.After(90 * time.Second):
		_ = stop()
		return nil, fmt.Errorf("kubectl openova dashboard printed no URL:\n%s", logBuf.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// result is what a CLI command did.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// openova runs kubectl openova ARGS through the real kubectl, without a terminal.
func openova(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectlPath, append([]string{"openova"}, args...)...)
	cmd.Env = pluginEnv()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
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
