// Package day0 drives kubectl openova bootstrap end to end with the real terraform binary
// and the local provider (a kwok cluster on this machine): bootstrap, an interrupted run
// that resumes, --dry-run, destroy, and bad input.
package day0

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/cluster"
)

func plugin(t *testing.T) string {
	t.Helper()
	dir, err := cluster.Build()
	require.NoError(t, err)
	return filepath.Join(dir, "kubectl-openova")
}

func binDir(t *testing.T) string {
	t.Helper()
	dir, err := cluster.BinDir("kwokctl", "kwok", "kube-apiserver", "etcd")
	require.NoError(t, err)
	return dir
}

func writeConfig(t *testing.T, org string, extra string) (path, workDir string) {
	t.Helper()
	dir := t.TempDir()
	workDir = filepath.Join(dir, "work")
	path = filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`apiVersion: bootstrap.openova.io/v1alpha1
kind: BootstrapConfig
organization: {name: %s, domain: %s.example.com}
provider: local
regions: [{name: dev, role: primary}]
nodes: {count: 2}
workDir: %s
%s`, org, org, workDir, extra)
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o644))
	return path, workDir
}

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, plugin(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func clusterClient(t *testing.T, workDir string) client.Client {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(workDir, "kubeconfig-dev.yaml"))
	require.NoError(t, err)
	c, err := client.New(cfg, client.Options{Scheme: cluster.Scheme()})
	require.NoError(t, err)
	return c
}

// TestBootstrapInterruptResumeDestroy: SIGINT during terraform apply stops gracefully; the
// next run resumes and completes the platform; a further run is a no-op; destroy removes
// the cluster.
func TestBootstrapInterruptResumeDestroy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs terraform and kwok")
	}
	cfg, workDir := writeConfig(t, "acme", "components: {install: [{name: keycloak}]}\n")
	args := []string{"bootstrap", "-f", cfg, "--bin-dir", binDir(t), "--yes"}

	// First run: interrupted while terraform applies.
	cmd := exec.Command(plugin(t), args...)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var seen bytes.Buffer
	sc := bufio.NewScanner(stderr)
	interrupted := false
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
		if !interrupted && strings.Contains(sc.Text(), "terraform_data.cluster[\"dev\"]: Creating...") {
			require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
			interrupted = true
		}
	}
	_, _ = io.Copy(io.Discard, stderr)
	err = cmd.Wait()
	require.True(t, interrupted, "never saw terraform apply start:\n%s", seen.String())
	require.Error(t, err, "the interrupted run fails:\n%s", seen.String())
	assert.Contains(t, seen.String(), "asking Terraform to stop gracefully")
	var cp struct {
		Complete bool `json:"complete"`
	}
	data, err := os.ReadFile(filepath.Join(workDir, "checkpoint.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &cp))
	assert.False(t, cp.Complete)

	// Second run: resumes and completes.
	res := run(t, nil, args...)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "resuming the bootstrap of acme")
	assert.Contains(t, res.stderr, "https://keycloak.acme.example.com", "the report names the service URLs")

	ctx := context.Background()
	c := clusterClient(t, workDir)
	var nodes corev1.NodeList
	require.NoError(t, c.List(ctx, &nodes))
	assert.Len(t, nodes.Items, 2)
	for _, name := range []string{"platforms.openova.io", "components.openova.io", "helmreleases.helm.toolkit.fluxcd.io"} {
		var crd apiextensionsv1.CustomResourceDefinition
		require.NoError(t, c.Get(ctx, client.ObjectKey{Name: name}, &crd), name)
	}
	var op appsv1.Deployment
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "openova-system", Name: "openova-operator"}, &op))
	assert.Equal(t, "ghcr.io/openova-io/openova-operator:"+cluster.TestVersion, op.Spec.Template.Spec.Containers[0].Image,
		"bootstrap installs the operator version the plugin was built as")
	var flux appsv1.Deployment
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "flux-system", Name: "helm-controller"}, &flux))
	var p openovav1alpha1.Platform
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "openova-system", Name: "acme"}, &p))
	assert.Equal(t, "acme.example.com", p.Spec.Organization.Domain)
	assert.Equal(t, openovav1alpha1.RegionPrimary, p.Spec.Regions[0].Role)
	names := map[string]string{}
	for _, e := range p.Spec.Components {
		names[e.Name] = e.Reason
	}
	for _, m := range []string{"cilium", "flux", "cert-manager", "external-secrets", "grafana", "backstage", "keycloak"} {
		assert.Contains(t, names, m)
	}

	// Third run: a no-op that reports.
	res = run(t, nil, args...)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "bootstrapped already")

	// A component added on day 2 survives a bootstrap run again with a changed
	// configuration (every phase runs, the Platform is left as it is).
	p.Spec.Components = append(p.Spec.Components, openovav1alpha1.PlatformComponent{Name: "vault", Version: "1.18.4"})
	require.NoError(t, c.Update(ctx, &p))
	changed := strings.Replace(readFile(t, cfg), "nodes: {count: 2}", "nodes: {count: 3}", 1)
	require.NoError(t, os.WriteFile(cfg, []byte(changed), 0o644))
	res = run(t, nil, args...)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "exists already")
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(&p), &p))
	assert.Equal(t, "vault", p.Spec.Components[len(p.Spec.Components)-1].Name)
	require.NoError(t, c.List(ctx, &nodes))
	assert.Len(t, nodes.Items, 3, "terraform applied the new node count")

	// Destroy removes the cluster.
	res = run(t, nil, "bootstrap", "destroy", "-f", cfg, "--bin-dir", binDir(t), "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	_, err = os.Stat(filepath.Join(workDir, "kubeconfig-dev.yaml"))
	assert.True(t, os.IsNotExist(err), "kubeconfig removed")
	assert.Error(t, c.List(ctx, &nodes), "the API server is gone")
}

// TestBootstrapDryRunChangesNothing: --dry-run prints Terraform's plan and creates nothing.
func TestBootstrapDryRunChangesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs terraform")
	}
	cfg, workDir := writeConfig(t, "dryrun", "")
	res := run(t, nil, "bootstrap", "-f", cfg, "--bin-dir", binDir(t), "--dry-run")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "terraform_data.cluster[\"dev\"] will be created")
	_, err := os.Stat(filepath.Join(workDir, "kubeconfig-dev.yaml"))
	assert.True(t, os.IsNotExist(err), "no cluster")
	_, err = os.Stat(filepath.Join(workDir, "terraform", "kwok", "clusters", "dryrun-dev"))
	assert.True(t, os.IsNotExist(err), "kwokctl created nothing")
}

// TestCheckPre: kubectl openova check --pre --config checks terraform, credentials and the
// configuration without a cluster.
func TestCheckPre(t *testing.T) {
	good, _ := writeConfig(t, "pre", "")
	res := run(t, nil, "check", "--pre", "--config", good, "--bin-dir", binDir(t), "-o", "json")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, `"passed": true`)
	assert.Contains(t, res.stdout, "pre-flight terraform")

	res = run(t, []string{"PATH=" + t.TempDir()}, "check", "--pre", "--config", good, "--bin-dir", binDir(t))
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stdout, "terraform")

	hetzner := filepath.Join(t.TempDir(), "hetzner.yaml")
	require.NoError(t, os.WriteFile(hetzner, []byte(strings.NewReplacer("provider: local", "provider: hetzner", "name: dev", "name: fsn1").Replace(readFile(t, good))+
		"sshKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a@b\n"), 0o644))
	res = run(t, []string{"HCLOUD_TOKEN="}, "check", "--pre", "--config", hetzner)
	assert.Equal(t, 1, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stdout, "HCLOUD_TOKEN")

	res = run(t, nil, "check", "--pre")
	assert.Equal(t, 2, res.code)
	assert.Contains(t, res.stderr, "--pre needs --config")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

func TestBootstrapBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "unreadable.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("organization: ["), 0o644))
	noTerraform := t.TempDir()
	good, _ := writeConfig(t, "bad", "")
	tests := []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"unknown provider", nil, []string{"--provider", "azure", "--organization", "a", "--domain", "a.example.com", "--region", "x"}, 2, "provider"},
		{"two primary regions", nil, []string{"--provider", "local", "--organization", "a", "--domain", "a.example.com", "--region", "x:primary", "--region", "y:primary"}, 2, "regions"},
		{"three regions", nil, []string{"--provider", "local", "--organization", "a", "--domain", "a.example.com", "--region", "x", "--region", "y:standby", "--region", "z:standby"}, 2, "regions"},
		{"bad domain", nil, []string{"--provider", "local", "--organization", "a", "--domain", "not_a_domain", "--region", "x"}, 2, "organization.domain"},
		{"missing credentials", []string{"HCLOUD_TOKEN="}, []string{"--provider", "hetzner", "--organization", "a", "--domain", "a.example.com", "--region", "fsn1", "--ssh-key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a@b"}, 2, "HCLOUD_TOKEN"},
		{"unreadable config", nil, []string{"-f", bad}, 2, "unreadable.yaml"},
		{"missing config", nil, []string{"-f", filepath.Join(t.TempDir(), "nope.yaml")}, 2, "nope.yaml"},
		{"unknown component", nil, []string{"-f", good, "--install", "nosuchthing"}, 2, "nosuchthing"},
		{"terraform missing", []string{"PATH=" + noTerraform}, []string{"-f", good}, 2, "terraform"},
		{"no tty, no --yes", nil, []string{"-f", good}, 2, "pass --yes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"bootstrap"}, tt.args...), "--bin-dir", binDir(t))
			if tt.name != "no tty, no --yes" {
				args = append(args, "--yes")
			}
			res := run(t, tt.env, args...)
			assert.Equal(t, tt.code, res.code, "stderr: %s", res.stderr)
			assert.Contains(t, res.stderr, tt.want)
			assert.Equal(t, 1, strings.Count(res.stderr, "Error:"), "one error line: %s", res.stderr)
		})
	}
}
