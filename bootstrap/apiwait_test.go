package bootstrap

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/test/cluster"
)

// TestWaitForAPIServers runs the wait against a real API server (envtest), a server that
// answers only after a few attempts and a dead address on loopback.
func TestWaitForAPIServers(t *testing.T) {
	env, err := cluster.StartEnvtest(cluster.EnvtestOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	dir := t.TempDir()
	live := filepath.Join(dir, "live.yaml")
	require.NoError(t, env.WriteKubeconfig(live))
	liveCluster := ClusterOutput{Region: "fsn1", Role: RolePrimary, APIEndpoint: env.Config.Host, Kubeconfig: live}

	// A server that is still starting: /readyz answers 503 twice, then 200.
	var attempts atomic.Int32
	starting := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		if attempts.Add(1) <= 2 {
			http.Error(w, "[-]etcd failed: not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(starting.Close)
	startingCluster := ClusterOutput{Region: "hel1", Role: RoleStandby, APIEndpoint: starting.URL,
		Kubeconfig: writeTestKubeconfig(t, dir, "starting", starting.URL, starting.Certificate().Raw)}

	// Nothing listens on this port: it was free a moment ago.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadURL := "https://" + l.Addr().String()
	require.NoError(t, l.Close())
	deadCluster := ClusterOutput{Region: "nbg1", Role: RoleStandby, APIEndpoint: deadURL,
		Kubeconfig: writeTestKubeconfig(t, dir, "dead", deadURL, starting.Certificate().Raw)}

	opts := APIWaitOptions{Timeout: 3 * time.Second, Interval: 100 * time.Millisecond, RequestTimeout: time.Second}

	t.Run("answering", func(t *testing.T) {
		start := time.Now()
		require.NoError(t, WaitForAPIServers(context.Background(), &Outputs{Clusters: []ClusterOutput{liveCluster}}, opts))
		assert.Less(t, time.Since(start), opts.Timeout)
	})

	t.Run("starting", func(t *testing.T) {
		require.NoError(t, WaitForAPIServers(context.Background(), &Outputs{Clusters: []ClusterOutput{liveCluster, startingCluster}}, opts))
		assert.Equal(t, int32(3), attempts.Load(), "two 503s, then ok")
	})

	t.Run("dead", func(t *testing.T) {
		start := time.Now()
		err := WaitForAPIServers(context.Background(), &Outputs{Clusters: []ClusterOutput{liveCluster, deadCluster}}, opts)
		require.Error(t, err)
		assert.GreaterOrEqual(t, time.Since(start), opts.Timeout)
		assert.Contains(t, err.Error(), "region nbg1: the Kubernetes API server at "+deadURL+" did not answer within 3s; last error:")
		assert.Contains(t, err.Error(), "connection refused")
		assert.NotContains(t, err.Error(), "fsn1", "the live region answered")
	})

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		err := WaitForAPIServers(ctx, &Outputs{Clusters: []ClusterOutput{deadCluster}}, opts)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "region nbg1: the Kubernetes API server at "+deadURL+" was still not answering after")
	})

	t.Run("bad kubeconfig", func(t *testing.T) {
		missing := ClusterOutput{Region: "ash", Kubeconfig: filepath.Join(dir, "missing.yaml")}
		err := WaitForAPIServers(context.Background(), &Outputs{Clusters: []ClusterOutput{missing}}, opts)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "region ash: load kubeconfig")
	})
}

func writeTestKubeconfig(t *testing.T, dir, name, server string, caDER []byte) string {
	t.Helper()
	ca := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	path := filepath.Join(dir, name+".yaml")
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: %[2]s
    certificate-authority-data: %[3]s
users:
- name: %[1]s
  user:
    token: test
contexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: %[1]s
current-context: %[1]s
`, name, server, ca)
	require.NoError(t, os.WriteFile(path, []byte(kubeconfig), 0o600))
	return path
}
