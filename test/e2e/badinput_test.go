package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/plugin"
	"github.com/openova-io/core/test/cluster"
)

// TestBadInput: every command refuses bad input with exit code 2, through kubectl, and
// writes nothing.
func TestBadInput(t *testing.T) {
	p, err := getPlatform(context.Background())
	require.NoError(t, err)
	malformed := filepath.Join(t.TempDir(), "catalog.yaml")
	require.NoError(t, os.WriteFile(malformed, []byte("apiVersion: catalog.openova.io/v1alpha1\nkind: Component\nname: x\nversions: [{version: not-semver}]\n"), 0o644))
	for _, args := range [][]string{
		{"install", "nosuch"},
		{"install", "kserve@7.7.7"},
		{"install", "kserve", "--catalog", malformed},
		{"uninstall", "nosuch"},
		{"uninstall", "kserve", "--catalog", malformed},
		{"upgrade", "grafana", "--to", "banana"},
		{"upgrade", "--catalog", malformed},
		{"components", "--catalog", malformed},
		{"components", "-o", "wide"},
		{"status", "--bogus"},
		{"check", "extra-arg"},
		{"no-such-command"},
	} {
		r := openova(t, args...)
		assert.Equal(t, plugin.ExitInvalidInput, r.code, "%v: %s", args, r)
		assert.True(t, strings.HasPrefix(r.stderr, "Error: "), "%v: %s", args, r.stderr)
	}
	after, err := getPlatform(context.Background())
	require.NoError(t, err)
	assert.Equal(t, p.Generation, after.Generation, "bad input writes nothing")
}

// TestUnreachableAPIServer: an API server that accepts connections and never answers makes
// every command fail within --request-timeout, with exit code 1.
func TestUnreachableAPIServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	go func() {
		var held []net.Conn // every connection stays open and silent
		defer func() {
			for _, c := range held {
				_ = c.Close()
			}
		}()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, conn)
		}
	}()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(kubeconfig, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: silent, cluster: {server: "https://%s", insecure-skip-tls-verify: true}}]
users: [{name: silent, user: {token: x}}]
contexts: [{name: silent, context: {cluster: silent, user: silent}}]
current-context: silent
`, l.Addr())), 0o600))
	for _, args := range [][]string{{"status"}, {"components"}, {"install", "vllm", "--yes"}, {"uninstall", "vllm", "--yes"}, {"upgrade"}, {"check"}} {
		r := runWith(t, kubeconfig, append(args, "--request-timeout", "2s")...)
		assert.Equal(t, plugin.ExitFailure, r.code, "%v: %s", args, r)
		assert.Less(t, r.took, 6*time.Second, "%v fails within --request-timeout", args)
		if args[0] == "check" {
			assert.Contains(t, r.stdout, "✗ cannot reach the API server at https://"+l.Addr().String())
		} else {
			assert.Contains(t, r.stderr, "Error: cannot reach the Kubernetes API server", "%v", args)
		}
	}
}

// TestMissingCRDs: on a cluster without the openova CRDs, commands say so and point at
// kubectl openova check, which names what is missing.
func TestMissingCRDs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bare := cluster.KwokT(t, ctx, cluster.KwokOptions{NoCRDs: true})
	for _, args := range [][]string{{"status"}, {"components"}, {"install", "vllm", "--yes"}, {"uninstall", "vllm"}, {"upgrade"}} {
		r := runWith(t, bare.Kubeconfig, args...)
		assert.Equal(t, plugin.ExitFailure, r.code, "%v: %s", args, r)
		assert.Contains(t, r.stderr, "Error: the openova CRDs are not installed in this cluster", "%v", args)
		assert.Contains(t, r.stderr, "run kubectl openova check", "%v", args)
	}
	r := runWith(t, bare.Kubeconfig, "check")
	assert.Equal(t, plugin.ExitFailure, r.code, r)
	assert.Contains(t, r.stdout, "✗ platforms.openova.io is not installed")
	assert.Contains(t, r.stdout, "✗ Deployment openova-system/openova-operator not found")
	assert.Contains(t, r.stdout, "✗ Flux CRDs missing")
}

// TestVersionAndHelp: the plugin as kubectl runs it.
func TestVersionAndHelp(t *testing.T) {
	r := openova(t, "version")
	require.Equal(t, plugin.ExitOK, r.code, r)
	assert.True(t, strings.HasPrefix(r.stdout, "kubectl-openova "+cluster.TestVersion+" "), r.stdout)
	r = openova(t, "--help")
	require.Equal(t, plugin.ExitOK, r.code, r)
	for _, cmd := range []string{"components", "install", "uninstall", "upgrade", "status", "check", "version", "completion"} {
		assert.Contains(t, r.stdout, "\n  "+cmd+" ")
	}
	assert.Contains(t, r.stdout, "kubectl openova [command]")
}
