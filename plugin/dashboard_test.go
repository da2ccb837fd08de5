package plugin

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/test/cluster"
)

func TestDashboardFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"port too high", []string{"dashboard", "--port", "65536"}, "--port must be between 0 and 65535, not 65536"},
		{"negative port", []string{"dashboard", "--port", "-1"}, "--port must be between 0 and 65535, not -1"},
		{"host name", []string{"dashboard", "--address", "example.com"}, `--address must be an IP address (such as 127.0.0.1), not "example.com"`},
		{"not an address", []string{"dashboard", "--address", "127.0.0.300"}, "--address must be an IP address"},
		{"an argument", []string{"dashboard", "acme"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.args...)
			assert.Equal(t, ExitInvalidInput, code, errOut)
			assert.Contains(t, errOut, tt.msg)
			assert.NotContains(t, errOut+out, "Dashboard of platform", "nothing served")
		})
	}
}

// The warning is decided from the address listened on. A test binds loopback addresses
// only, so the addresses off loopback are checked without listening on them.
func TestDashboardOffLoopbackWarning(t *testing.T) {
	for _, ip := range []string{"0.0.0.0", "192.0.2.10", "::", "fd00::2"} {
		w := offLoopbackWarning(&net.TCPAddr{IP: net.ParseIP(ip), Port: 8080}, "acme")
		assert.Contains(t, w, "Warning: the dashboard listens on "+net.JoinHostPort(ip, "8080")+", which other machines may reach", ip)
		assert.Contains(t, w, "acts on platform acme with your credentials", ip)
	}
	for _, ip := range []string{"127.0.0.1", "127.0.0.2", "::1"} {
		assert.Empty(t, offLoopbackWarning(&net.TCPAddr{IP: net.ParseIP(ip), Port: 8080}, "acme"), ip)
	}
}

var dashboardURL = regexp.MustCompile(`Dashboard of platform acme: (http://([0-9.]+:\d+)/\?token=\S+)`)

// TestDashboardStopsOnInterrupt runs the built kubectl-openova dashboard as a process: it
// serves on loopback (no warning), and SIGINT with an event stream open stops it at once
// with exit status 0, the stream ended and the port closed.
func TestDashboardStopsOnInterrupt(t *testing.T) {
	startEnv(t)
	ns := newNamespace(t)
	applyPlatform(t, ns, map[string]any{"name": "grafana", "version": "0.1.0"})
	bin, err := cluster.Build()
	require.NoError(t, err)
	cmd := exec.Command(filepath.Join(bin, "kubectl-openova"), "dashboard", "--no-browser", "--kubeconfig", kubeconfig, "--catalog", catalogCLI, "-n", ns)
	cmd.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=", "HOME="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	lines := make(chan string, 100)
	var errOut strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	var url, addr string
	for deadline := time.After(2 * time.Minute); url == ""; {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "kubectl openova dashboard ended without serving:\n%s", errOut.String())
			errOut.WriteString(l + "\n")
			if m := dashboardURL.FindStringSubmatch(l); m != nil {
				url, addr = m[1], m[2]
			}
		case <-deadline:
			t.Fatalf("no URL printed within 2 minutes:\n%s", errOut.String())
		}
	}
	assert.NotContains(t, errOut.String(), "Warning", "loopback: no warning")
	host, _, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host)

	// A tab follows the event stream when Ctrl-C comes.
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	hc := &http.Client{Jar: jar}
	resp, err := hc.Get(url)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	events, err := hc.Get("http://" + addr + "/events")
	require.NoError(t, err)
	defer events.Body.Close()
	stream := bufio.NewReader(events.Body)
	first, err := stream.ReadString('\n')
	require.NoError(t, err)
	require.Contains(t, first, "retry:")
	streamEnded := make(chan error, 1)
	go func() {
		for {
			if _, err := stream.ReadString('\n'); err != nil {
				streamEnded <- err
				return
			}
		}
	}()

	interrupted := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	for l := range lines {
		errOut.WriteString(l + "\n")
	}
	select {
	case err := <-exited:
		took := time.Since(interrupted)
		require.NoError(t, err, "exit status after SIGINT:\n%s", errOut.String())
		assert.Less(t, took, 5*time.Second, "stops at once")
		t.Logf("stopped %s after SIGINT", took.Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10 s after SIGINT:\n%s", errOut.String())
	}
	assert.Contains(t, errOut.String(), "Dashboard stopped.")
	select {
	case err := <-streamEnded:
		t.Logf("the event stream ended: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("the event stream is still open after the dashboard stopped")
	}
	_, err = net.DialTimeout("tcp", addr, time.Second)
	require.Error(t, err, "the listener is closed")
	assert.Empty(t, stdout.String(), "nothing on stdout")
}
