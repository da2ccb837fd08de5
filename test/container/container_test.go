package container

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/operator"
	"github.com/openova-io/core/test/cluster"
)

const saMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"

func TestImageRuns(t *testing.T) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	dir := t.TempDir()
	pm, err := newPodman(dir)
	require.NoError(t, err)

	// The image as make image builds it, tagged with a modified tree's version.
	tarball, built := buildImage(ctx, t, dir)
	t.Logf("make image: %s", built.Round(time.Second))
	info, err := os.Stat(tarball)
	require.NoError(t, err)
	t.Logf("image tarball: %.1f MiB", float64(info.Size())/(1<<20))
	loaded, err := pm.run(ctx, "load", "-q", "-i", tarball)
	require.NoError(t, err)
	// A build of a modified tree is also tagged with what its bootstrap installs (latest).
	image := install.Image + ":" + imageVersion
	require.Contains(t, loaded, image)
	require.Equal(t, "latest", install.ImageTag(imageVersion))
	require.Contains(t, loaded, install.Image+":latest", "the tag bootstrap installs for a modified tree's build")
	size, err := pm.run(ctx, "image", "inspect", "--format", "{{.Size}}", image)
	require.NoError(t, err)
	t.Logf("image size (uncompressed): %s bytes", size)

	env, err := cluster.StartEnvtest(cluster.EnvtestOptions{FluxCRDs: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	scheme, err := operator.Scheme()
	require.NoError(t, err)
	admin, err := client.New(env.Config, client.Options{Scheme: scheme})
	require.NoError(t, err)

	// What the kubelet mounts: the ServiceAccount's token, the cluster's CA, the namespace.
	cfg, err := cluster.OperatorConfig(ctx, env.Config)
	require.NoError(t, err)
	sa := filepath.Join(dir, "serviceaccount")
	require.NoError(t, os.Mkdir(sa, 0o755))
	for name, data := range map[string][]byte{"token": []byte(cfg.BearerToken), "ca.crt": cfg.CAData, "namespace": []byte(cluster.OperatorNamespace)} {
		require.NoError(t, os.WriteFile(filepath.Join(sa, name), data, 0o644))
	}
	apiHost, apiPort, err := hostPort(env.Config.Host)
	require.NoError(t, err)

	d := operatorDeployment(t)
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	grace := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
	// --network host shares the test's loopback, where the API server listens; the two
	// listeners move to free ports there (the ports themselves are checked against the
	// Deployment's by cmd/openova-operator's tests).
	metricsPort, err := cluster.FreePort()
	require.NoError(t, err)
	probePort, err := cluster.FreePort()
	require.NoError(t, err)
	args := []string{"run", "-d", "--name", fmt.Sprintf("openova-operator-%d", os.Getpid()),
		"--network", "host",
		"--read-only", "--read-only-tmpfs=false",
		"--cap-drop", "ALL", "--security-opt", "no-new-privileges",
		"--memory", strconv.FormatInt(c.Resources.Limits.Memory().Value(), 10),
		"--volume", sa + ":" + saMountPath + ":ro",
		"--env", "KUBERNETES_SERVICE_HOST=" + apiHost,
		"--env", "KUBERNETES_SERVICE_PORT=" + apiPort,
		image}
	for _, a := range c.Args {
		switch {
		case strings.HasPrefix(a, "--metrics-bind-address="):
			a = fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metricsPort)
		case strings.HasPrefix(a, "--health-probe-bind-address="):
			a = fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", probePort)
		}
		args = append(args, a)
	}
	id, err := pm.run(ctx, args...)
	require.NoError(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := pm.run(context.Background(), "logs", id)
			t.Logf("container log:\n%s", out)
		}
		_, _ = pm.run(context.Background(), "rm", "-f", "-t", "0", id)
	})

	// It answers the Deployment's probes.
	for _, probe := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
		url := fmt.Sprintf("http://127.0.0.1:%d%s", probePort, probe.HTTPGet.Path)
		cluster.Eventually(t, time.Minute, 200*time.Millisecond, url, func() (bool, string) {
			return httpOK(ctx, url)
		})
	}

	// It runs as the non-root user 65532 on a read-only root file system.
	pid, err := pm.run(ctx, "inspect", "--format", "{{.State.Pid}}", id)
	require.NoError(t, err)
	uid, gid := processIDs(t, pid)
	assert.Equal(t, "65532", uid, "real, effective, saved and file system user")
	assert.Equal(t, "65532", gid)
	assert.Equal(t, "ro", rootMount(t, pid), "the root file system is read-only")

	// It wins the election, with the namespace of its mounted ServiceAccount.
	lease := &coordinationv1.Lease{}
	cluster.Eventually(t, time.Minute, 200*time.Millisecond, "the operator holds the lease", func() (bool, string) {
		err := admin.Get(ctx, client.ObjectKey{Namespace: cluster.OperatorNamespace, Name: "openova-operator.openova.io"}, lease)
		if err != nil {
			return false, err.Error()
		}
		return lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != "", fmt.Sprint(lease.Spec.HolderIdentity)
	})

	// It reconciles a Platform of the built-in catalog into HelmReleases.
	name, version, chart, err := cluster.StandaloneComponent()
	require.NoError(t, err)
	require.NoError(t, admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "acme"}}))
	require.NoError(t, admin.Create(ctx, &openovav1alpha1.Platform{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: "acme"},
		Spec: openovav1alpha1.PlatformSpec{
			Organization: openovav1alpha1.Organization{Name: "acme", Domain: "acme.example.com"},
			Components:   []openovav1alpha1.PlatformComponent{{Name: name, Version: version}},
		},
	}))
	cluster.Eventually(t, time.Minute, 200*time.Millisecond, "a HelmRelease of "+name, func() (bool, string) {
		var hrs helmv2.HelmReleaseList
		if err := admin.List(ctx, &hrs, client.InNamespace("acme")); err != nil {
			return false, err.Error()
		}
		for _, hr := range hrs.Items {
			if hr.Spec.Chart != nil && hr.Spec.Chart.Spec.Chart == chart {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d HelmReleases", len(hrs.Items))
	})

	// SIGTERM (podman stop, as the kubelet stops a pod): a clean exit within the grace
	// period, the lease released for the next replica.
	stopped := time.Now()
	_, err = pm.run(ctx, "stop", "--time", strconv.Itoa(int(grace/time.Second)), id)
	require.NoError(t, err)
	took := time.Since(stopped)
	t.Logf("stopped by SIGTERM in %s (grace period %s)", took.Round(10*time.Millisecond), grace)
	code, err := pm.run(ctx, "inspect", "--format", "{{.State.ExitCode}}", id)
	require.NoError(t, err)
	assert.Equal(t, "0", code, "a clean exit, not the SIGKILL after the grace period")
	assert.Less(t, took, grace)
	require.NoError(t, admin.Get(ctx, client.ObjectKeyFromObject(lease), lease))
	assert.True(t, lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "", "lease released on SIGTERM")
	t.Logf("container test: %s in all", time.Since(start).Round(time.Second))
}

// imageVersion is the version the test builds the image as: a git describe of a modified tree.
const imageVersion = cluster.TestVersion + "-dirty"

// buildImage runs make image for this machine's platform into dir and returns the tarball
// and how long the build took.
func buildImage(ctx context.Context, t *testing.T, dir string) (string, time.Duration) {
	t.Helper()
	root, err := cluster.RepoRoot()
	require.NoError(t, err)
	bin, err := cluster.BinDir("ko")
	require.NoError(t, err)
	start := time.Now()
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", root, "image",
		"BIN="+bin, "IMAGE_DIR="+filepath.Join(dir, "image"), "VERSION="+imageVersion)
	// A make test above must not hand its job server or flags down.
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "MAKEFLAGS=") && !strings.HasPrefix(e, "MFLAGS=") && !strings.HasPrefix(e, "MAKELEVEL=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "make image:\n%s", out)
	return filepath.Join(dir, "image", "openova-operator.tar"), time.Since(start)
}

func operatorDeployment(t *testing.T) *appsv1.Deployment {
	t.Helper()
	objs, err := install.OperatorObjects(cluster.TestVersion)
	require.NoError(t, err)
	for _, o := range objs {
		if o.GetKind() == "Deployment" && o.GetName() == install.DeploymentName {
			d := &appsv1.Deployment{}
			require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, d))
			require.Len(t, d.Spec.Template.Spec.Containers, 1)
			return d
		}
	}
	t.Fatal("no operator Deployment")
	return nil
}

func httpOK(ctx context.Context, url string) (bool, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err.Error()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK, resp.Status
}

// processIDs returns the user and group of process pid when every one of its four IDs
// (real, effective, saved, file system) is the same, else all four.
func processIDs(t *testing.T, pid string) (uid, gid string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("/proc", pid, "status"))
	require.NoError(t, err)
	same := func(fields []string) string {
		for _, f := range fields[1:] {
			if f != fields[0] {
				return strings.Join(fields, " ")
			}
		}
		return fields[0]
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Uid:"); ok {
			uid = same(strings.Fields(v))
		}
		if v, ok := strings.CutPrefix(line, "Gid:"); ok {
			gid = same(strings.Fields(v))
		}
	}
	return uid, gid
}

// rootMount returns "ro" or "rw": how process pid's root file system is mounted.
func rootMount(t *testing.T, pid string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("/proc", pid, "mountinfo"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options ...
		fields := strings.Fields(sc.Text())
		if len(fields) > 5 && fields[4] == "/" {
			for _, o := range strings.Split(fields[5], ",") {
				if o == "ro" || o == "rw" {
					return o
				}
			}
		}
	}
	require.NoError(t, sc.Err())
	t.Fatal("no root mount in mountinfo")
	return ""
}

// hostPort splits an API server URL (https://127.0.0.1:6443) into host and port.
func hostPort(url string) (host, port string, err error) {
	rest, ok := strings.CutPrefix(url, "https://")
	if !ok {
		return "", "", fmt.Errorf("API server %q is not https", url)
	}
	host, port, ok = strings.Cut(strings.TrimSuffix(rest, "/"), ":")
	if !ok {
		return "", "", fmt.Errorf("API server %q has no port", url)
	}
	return host, port, nil
}
