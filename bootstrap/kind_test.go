package bootstrap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kind/pkg/apis/config/defaults"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
)

// fakeKind is a KindDriver that keeps its clusters in memory; kubeconfig returns each
// cluster's kubeconfig (default: one naming a loopback server, as kind writes it).
type fakeKind struct {
	mu         sync.Mutex
	runtime    string
	image      bool
	pullErr    error
	pulls      int
	clusters   map[string]*v1alpha4.Cluster
	created    []string
	deleted    []string
	kubeconfig func(name string) string
}

func newFakeKind() *fakeKind {
	return &fakeKind{runtime: "podman", image: true, clusters: map[string]*v1alpha4.Cluster{}}
}

func (f *fakeKind) factory(io.Writer) (KindDriver, error) { return f, nil }
func (f *fakeKind) Runtime() string                       { return f.runtime }

func (f *fakeKind) ImagePresent(_ context.Context, image string) (bool, error) {
	if image != KindNodeImage {
		return false, errors.New("unexpected image " + image)
	}
	return f.image, nil
}

func (f *fakeKind) PullImage(context.Context, string) error {
	f.pulls++
	if f.pullErr != nil {
		return f.pullErr
	}
	f.image = true
	return nil
}

func (f *fakeKind) List() ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	for n := range f.clusters {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

func (f *fakeKind) Create(name string, cfg *v1alpha4.Cluster, kubeconfigPath string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.image {
		return errors.New("no node image")
	}
	if name != cfg.Name {
		return errors.New("name and config disagree")
	}
	f.clusters[name] = cfg
	f.created = append(f.created, name)
	return os.WriteFile(kubeconfigPath, []byte(f.kubeconfigOf(name)), 0o600)
}

func (f *fakeKind) kubeconfigOf(name string) string {
	if f.kubeconfig != nil {
		return f.kubeconfig(name)
	}
	return testKubeconfig("kind-"+name, fmt.Sprintf("https://127.0.0.1:%d", 40001+slices.Index(f.created, name)))
}

func (f *fakeKind) KubeConfig(name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.clusters[name]; !ok {
		return "", errors.New("unknown cluster " + name)
	}
	return f.kubeconfigOf(name), nil
}

func (f *fakeKind) InternalServer(name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.clusters[name]; !ok {
		return "", errors.New("unknown cluster " + name)
	}
	return "https://" + name + "-control-plane:6443", nil
}

func (f *fakeKind) Delete(name, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.clusters, name)
	f.deleted = append(f.deleted, name)
	return nil
}

func kindConfig(t *testing.T, regions ...Region) *Config {
	cfg := testConfig(t, ProviderKind)
	if len(regions) > 0 {
		cfg.Regions = regions
	}
	return cfg
}

var twoKindRegions = []Region{{Name: "dev", Role: RolePrimary}, {Name: "dr", Role: RoleStandby}}

func TestKindClusterConfig(t *testing.T) {
	assert.Equal(t, defaults.Image, KindNodeImage, "the node image is the kind release's default")
	assert.Regexp(t, `^kindest/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$`, KindNodeImage, "pinned by digest")
	assert.Equal(t, strings.TrimPrefix(strings.Split(strings.Split(defaults.Image, "@")[0], ":")[1], "v"), KindKubernetesVersion())
	assert.NotEmpty(t, KindVersion)

	for _, tc := range []struct {
		count   int
		workers int
	}{{1, 0}, {3, 2}} {
		cfg := kindConfig(t, twoKindRegions...)
		cfg.Nodes.Count = tc.count
		var names []string
		for _, r := range cfg.Regions {
			c := KindClusterConfig(cfg, r)
			names = append(names, c.Name)
			assert.Equal(t, "kind.x-k8s.io/v1alpha4", c.APIVersion)
			assert.Equal(t, "Cluster", c.Kind)
			assert.Equal(t, "127.0.0.1", c.Networking.APIServerAddress, "API server on loopback only")
			assert.Zero(t, c.Networking.APIServerPort, "a port picked per cluster, so two regions never collide")
			require.Len(t, c.Nodes, tc.count)
			assert.Equal(t, v1alpha4.ControlPlaneRole, c.Nodes[0].Role)
			for i, n := range c.Nodes {
				assert.Equal(t, KindNodeImage, n.Image)
				if i > 0 {
					assert.Equal(t, v1alpha4.WorkerRole, n.Role)
				}
			}
		}
		assert.Equal(t, []string{"acme-dev", "acme-dr"}, names, "one cluster per region, <organization>-<region>")
	}
}

func TestKindValidation(t *testing.T) {
	cfg := kindConfig(t)
	cfg.KubernetesVersion = "1.30"
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "provider kind runs Kubernetes "+KindKubernetesVersion())
	for _, ok := range []string{"", KindKubernetesVersion(), KindKubernetesVersion()[:strings.LastIndex(KindKubernetesVersion(), ".")]} {
		cfg.KubernetesVersion = ok
		assert.NoError(t, cfg.Validate(), ok)
	}
	assert.Contains(t, Providers, ProviderKind, "the wizards offer kind")
	assert.Contains(t, ProviderDescription(ProviderKind), "Podman")
}

func TestDetectKindRuntime(t *testing.T) {
	noDocker(t)
	onPath := func(names ...string) func(string) (string, error) {
		return func(n string) (string, error) {
			if slices.Contains(names, n) {
				return "/usr/bin/" + n, nil
			}
			return "", errors.New("not found")
		}
	}
	ok := func(string, ...string) error { return nil }
	failing := func(string, ...string) error { return errors.New("exit 1") }

	rt, err := detectKindRuntime(onPath("podman"), ok)
	require.NoError(t, err)
	assert.Equal(t, "podman", rt)

	// A docker CLI without an engine (as on this machine) does not count.
	rt, err = detectKindRuntime(onPath("docker", "podman"), func(name string, _ ...string) error {
		if strings.HasSuffix(name, "docker") {
			return errors.New("Cannot connect to the Docker daemon")
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, "podman", rt)

	_, err = detectKindRuntime(onPath("podman"), failing)
	require.ErrorIs(t, err, ErrNoContainerRuntime)

	t.Setenv(KindRuntimeEnv, "docker")
	_, err = detectKindRuntime(onPath("podman"), ok)
	assert.ErrorContains(t, err, "KIND_EXPERIMENTAL_PROVIDER=docker but docker is not on PATH")
	t.Setenv(KindRuntimeEnv, "lxc")
	_, err = detectKindRuntime(onPath("podman"), ok)
	assert.ErrorContains(t, err, `"lxc" is not docker, podman or nerdctl`)
}

func TestPodmanImageRef(t *testing.T) {
	d := &kindDriver{runtime: "podman"}
	digest := "sha256:" + strings.Repeat("a", 64)
	assert.Equal(t, "docker.io/kindest/node@"+digest, d.ref("kindest/node:v1.37.0@"+digest))
	assert.Equal(t, "docker.io/library/busybox:1", d.ref("busybox:1"))
	assert.Equal(t, "localhost:5000/node@"+digest, d.ref("localhost:5000/node:v1@"+digest))
	assert.Equal(t, "kindest/node:v1", (&kindDriver{runtime: "docker"}).ref("kindest/node:v1"))
}

// noDocker hides any Docker engine of the machine.
func noDocker(t *testing.T) {
	t.Helper()
	t.Setenv("DOCKER_HOST", "")
	t.Setenv(KindRuntimeEnv, "")
	old := dockerSocket
	dockerSocket = filepath.Join(t.TempDir(), "docker.sock")
	t.Cleanup(func() { dockerSocket = old })
}

// TestRunKind runs every phase with a fake kind: two regions make two clusters, their
// kubeconfigs reach the Kubernetes phases as every provider's outputs do, a second run
// creates nothing, and destroy deletes both.
func TestRunKind(t *testing.T) {
	kind := newFakeKind()
	hooks := &hookRecorder{fail: map[Phase]error{}}
	cfg := kindConfig(t, twoKindRegions...)
	var out bytes.Buffer
	opts := Options{Config: cfg, NewKind: kind.factory, Hooks: hooks.hooks(), Out: &out,
		NewTerraform: func(string, ExecOptions) (Terraform, error) { return nil, errors.New("kind runs no Terraform") }}

	res, err := Run(context.Background(), opts)
	require.NoError(t, err, out.String())
	assert.Equal(t, []string{"acme-dev", "acme-dr"}, kind.created)
	assert.Equal(t, "127.0.0.1", kind.clusters["acme-dr"].Networking.APIServerAddress)
	assert.Zero(t, kind.pulls, "the image was there")
	states := map[Phase]PhaseState{}
	for _, p := range res.Phases {
		states[p.Name] = p.State
	}
	assert.Equal(t, map[Phase]PhaseState{PhaseValidate: PhaseDone, PhasePrepare: PhaseSkipped, PhaseInit: PhaseSkipped,
		PhasePlan: PhaseDone, PhaseApply: PhaseDone, PhaseOutputs: PhaseDone, PhaseInstallOperator: PhaseDone,
		PhaseCreatePlatform: PhaseDone, PhaseReport: PhaseDone}, states)

	require.Equal(t, 1, hooks.installs)
	require.Len(t, hooks.outputs.Clusters, 2)
	for i, r := range twoKindRegions {
		c := hooks.outputs.Clusters[i]
		assert.Equal(t, r.Name, c.Region)
		assert.Equal(t, r.Role, c.Role)
		assert.Equal(t, "acme-"+r.Name, c.Name)
		assert.Equal(t, "kind-acme-"+r.Name, c.Context)
		assert.Equal(t, KubeconfigPath(cfg.WorkDir, r.Name), c.Kubeconfig)
		assert.Regexp(t, `^https://127\.0\.0\.1:4000[12]$`, c.APIEndpoint)
		info, err := os.Stat(c.Kubeconfig)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	}
	assert.Contains(t, out.String(), "kind "+KindVersion+" with podman")
	assert.Contains(t, out.String(), "+ kind cluster acme-dr (region dr, standby): 3 node(s) of "+KindNodeImage)

	// A second run reports only; a changed configuration runs again and creates nothing new.
	_, err = Run(context.Background(), opts)
	require.NoError(t, err)
	cfg.Nodes.Count = 1
	_, err = Run(context.Background(), opts)
	require.NoError(t, err)
	assert.Equal(t, []string{"acme-dev", "acme-dr"}, kind.created, "existing clusters are kept")

	out.Reset()
	require.NoError(t, Destroy(context.Background(), opts))
	assert.ElementsMatch(t, []string{"acme-dev", "acme-dr"}, kind.deleted)
	assert.Empty(t, kind.clusters)
	for _, r := range twoKindRegions {
		assert.NoFileExists(t, KubeconfigPath(cfg.WorkDir, r.Name))
	}
	assert.NoFileExists(t, CheckpointPath(cfg.WorkDir))
	assert.Contains(t, out.String(), "deleting kind cluster acme-dr (region dr)")
}

func TestRunKindDryRun(t *testing.T) {
	kind := newFakeKind()
	kind.image = false
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{Config: kindConfig(t, twoKindRegions...), NewKind: kind.factory, DryRun: true, Out: &out})
	require.NoError(t, err)
	require.NotNil(t, res.Plan)
	assert.True(t, res.Plan.Changes)
	assert.Contains(t, res.Plan.Text, "+ kind cluster acme-dev (region dev, primary): 3 node(s) of "+KindNodeImage+", API server on 127.0.0.1")
	assert.Contains(t, res.Plan.Text, "+ kind cluster acme-dr (region dr, standby)")
	assert.Empty(t, kind.created)
	assert.Zero(t, kind.pulls, "a dry run pulls nothing")
	assert.Contains(t, out.String(), "the node image is not in podman's image store yet")
}

func TestRunKindPullFails(t *testing.T) {
	kind := newFakeKind()
	kind.image = false
	kind.pullErr = errors.New("dial tcp: lookup registry-1.docker.io: no such host")
	hooks := &hookRecorder{fail: map[Phase]error{}}
	_, err := Run(context.Background(), Options{Config: kindConfig(t), NewKind: kind.factory, Hooks: hooks.hooks()})
	var perr *PhaseError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, PhaseValidate, perr.Phase)
	assert.Contains(t, err.Error(), "the node image "+KindNodeImage+" (the default of kind "+KindVersion+") is not in podman's image store")
	assert.Contains(t, err.Error(), "no such host")
	assert.Equal(t, 1, kind.pulls)
	assert.Empty(t, kind.created)
	assert.Zero(t, hooks.installs)

	// Pulled on the next try: the run goes on.
	kind.pullErr = nil
	_, err = Run(context.Background(), Options{Config: kindConfig(t), NewKind: kind.factory, Hooks: hooks.hooks()})
	require.NoError(t, err)
	assert.Equal(t, []string{"acme-fsn1"}, kind.created)
}

func TestRunKindWithoutRuntime(t *testing.T) {
	noDocker(t)
	t.Setenv("PATH", t.TempDir())
	_, err := Run(context.Background(), Options{Config: kindConfig(t)})
	require.ErrorIs(t, err, ErrNoContainerRuntime)
	assert.Contains(t, err.Error(), "provider kind needs Docker or Podman")

	checks := checksByName(Preflight(context.Background(), kindConfig(t), PreflightOptions{}))
	assert.False(t, checks["kind"].OK)
	assert.Contains(t, checks["kind"].Message, "needs Docker or Podman")
}
