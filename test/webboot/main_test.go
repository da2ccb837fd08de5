// Package webboot drives kubectl openova bootstrap --web end to end: the built plugin
// serves the wizard, Debian's headless Chromium fills every step (with bad input first),
// and Create runs the real terraform binary with the local provider (a kwok cluster on
// this machine). OPENOVA_SCREENSHOTS=DIR writes a PNG of each step into DIR (make
// screenshots).
package webboot

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/test/browser"
	"github.com/openova-io/core/test/cluster"
)

const org = "webboot"

var browse *browser.Browser

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("skipping the bootstrap wizard's browser journey in -short mode")
		os.Exit(0)
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if err := browser.EnsureChromium(); err != nil {
		fmt.Fprintln(os.Stderr, "webboot setup:", err)
		return 1
	}
	var err error
	if browse, err = browser.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "webboot setup:", err)
		return 1
	}
	defer browse.Close()
	return m.Run()
}

// wizard is a running kubectl openova bootstrap --web.
type wizard struct {
	plugin, binDir string
	// home is HOME (and OPENOVA_HOME's parent): the work directory is home/.openova/<org>.
	home    string
	proc    *cluster.Process
	url     string // with the token
	base    string // http://127.0.0.1:PORT
	workDir string
}

var urlLine = regexp.MustCompile(`Bootstrap wizard: (http://127\.0\.0\.1:\d+)/\?token=\S+`)

// startWizard runs kubectl-openova bootstrap --web --no-browser in a home of its own and
// reads its URL; at the end it stops it (Ctrl-C) and destroys what the bootstrap created.
func startWizard(t *testing.T) *wizard {
	t.Helper()
	dir, err := cluster.Build()
	require.NoError(t, err)
	w := &wizard{plugin: filepath.Join(dir, "kubectl-openova"), home: t.TempDir()}
	w.workDir = filepath.Join(w.home, ".openova", org)
	w.binDir, err = cluster.BinDir("kwokctl", "kwok", "kube-apiserver", "etcd")
	require.NoError(t, err)
	env := []string{"HOME=" + w.home, "OPENOVA_HOME=" + filepath.Join(w.home, ".openova"), "DISPLAY=", "WAYLAND_DISPLAY="}
	w.proc, err = cluster.StartProcess("wizard", t.TempDir(), w.plugin,
		[]string{"bootstrap", "--web", "--no-browser", "--bin-dir", w.binDir, "--wait-timeout", "2m"}, env)
	require.NoError(t, err)
	t.Cleanup(func() { w.stop(t) })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := w.proc.WaitLog(ctx, urlLine)
	require.NoError(t, err)
	w.url, w.base = strings.TrimSpace(m[0][len("Bootstrap wizard: "):]), m[1]
	return w
}

// stop interrupts the wizard as Ctrl-C does and destroys the clusters it created.
func (w *wizard) stop(t *testing.T) {
	_ = w.proc.Signal(syscall.SIGINT)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.proc.Wait(ctx); err != nil {
		_ = w.proc.Stop(5 * time.Second)
	}
	if _, err := os.Stat(filepath.Join(w.workDir, "config.yaml")); err != nil {
		return
	}
	cmd := exec.Command(w.plugin, "bootstrap", "destroy", "-f", filepath.Join(w.workDir, "config.yaml"), "--bin-dir", w.binDir, "--yes")
	cmd.Env = append(os.Environ(), "HOME="+w.home)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("destroy: %v\n%s", err, out)
	}
}

// log is what the wizard printed (stdout and stderr).
func (w *wizard) log(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(w.proc.LogPath)
	require.NoError(t, err)
	return string(data)
}
