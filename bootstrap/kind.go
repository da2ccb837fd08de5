package bootstrap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"sigs.k8s.io/kind/pkg/apis/config/defaults"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/kind/pkg/cluster"
	kindversion "sigs.k8s.io/kind/pkg/cmd/kind/version"
	kindlog "sigs.k8s.io/kind/pkg/log"
)

// KindNodeImage is the node image every kind cluster runs: the default image of the kind
// release built in (KindVersion), pinned by digest, so the Kubernetes version of a kind
// platform is the one that release was tested with.
const KindNodeImage = defaults.Image

// KindVersion is the version of the kind library built in (sigs.k8s.io/kind).
var KindVersion = kindversion.Version()

// KindRuntimeEnv picks kind's container runtime (docker, podman or nerdctl) as the kind CLI
// does; unset, a reachable Docker engine is used, else Podman.
const KindRuntimeEnv = "KIND_EXPERIMENTAL_PROVIDER"

// kindWaitForReady bounds how long a new cluster's control plane may take to be Ready.
const kindWaitForReady = 3 * time.Minute

// ErrNoContainerRuntime means the kind provider cannot run here.
var ErrNoContainerRuntime = errors.New("provider kind needs Docker or Podman and found neither " +
	"(no Docker engine: DOCKER_HOST unset, no /var/run/docker.sock, `docker info` failed; no `podman` on PATH); " +
	"use provider local (kwok, no containers needed) or existing (adopt a cluster from a kubeconfig)")

// KindDriver is what the kind provider needs of kind and of the container runtime under
// it. The real one (NewKindDriver) calls sigs.k8s.io/kind/pkg/cluster; tests use a fake.
type KindDriver interface {
	// Runtime names the container runtime: docker, podman or nerdctl.
	Runtime() string
	// ImagePresent reports whether the runtime's image store holds image.
	ImagePresent(ctx context.Context, image string) (bool, error)
	// PullImage pulls image into the runtime's image store.
	PullImage(ctx context.Context, image string) error
	// List returns the names of the kind clusters that exist.
	List() ([]string, error)
	// Create creates a cluster from cfg and writes its kubeconfig to kubeconfigPath.
	Create(name string, cfg *v1alpha4.Cluster, kubeconfigPath string) error
	// KubeConfig returns the cluster's kubeconfig for use from this machine.
	KubeConfig(name string) (string, error)
	// InternalServer returns the cluster's API server URL on kind's container network
	// (https://<name>-control-plane:6443): where another kind cluster's pods reach it.
	InternalServer(name string) (string, error)
	// Delete deletes the cluster and its context from kubeconfigPath.
	Delete(name, kubeconfigPath string) error
}

// KindClusterName is the kind cluster of a region: <organization>-<region>. Its
// kubeconfig context is kind-<name>.
func KindClusterName(organization, region string) string {
	return organization + "-" + region
}

// KindClusterConfig is the kind cluster of one region: nodes.count nodes (one control
// plane, the others workers), all on KindNodeImage, the API server on the loopback
// address at a port Docker picks (so two regions' clusters never collide).
func KindClusterConfig(cfg *Config, region Region) *v1alpha4.Cluster {
	c := &v1alpha4.Cluster{
		TypeMeta:   v1alpha4.TypeMeta{APIVersion: "kind.x-k8s.io/v1alpha4", Kind: "Cluster"},
		Name:       KindClusterName(cfg.Organization.Name, region.Name),
		Networking: v1alpha4.Networking{APIServerAddress: "127.0.0.1"},
		Nodes:      []v1alpha4.Node{{Role: v1alpha4.ControlPlaneRole, Image: KindNodeImage}},
	}
	for i := 1; i < cfg.Nodes.Count; i++ {
		c.Nodes = append(c.Nodes, v1alpha4.Node{Role: v1alpha4.WorkerRole, Image: KindNodeImage})
	}
	return c
}

// KindKubernetesVersion is the Kubernetes version of KindNodeImage (1.37.0).
func KindKubernetesVersion() string {
	tag := strings.SplitN(KindNodeImage, "@", 2)[0]
	if i := strings.LastIndex(tag, ":v"); i >= 0 {
		return tag[i+2:]
	}
	return ""
}

// kindDriver is the KindDriver of sigs.k8s.io/kind and the runtime's CLI.
type kindDriver struct {
	runtime  string
	provider *cluster.Provider
}

// NewKindDriver detects the container runtime (KindRuntimeEnv, else a reachable Docker
// engine, else podman, else nerdctl) and returns kind's cluster provider for it, logging
// to out.
func NewKindDriver(out io.Writer) (KindDriver, error) {
	runtime, err := detectKindRuntime(exec.LookPath, runQuiet)
	if err != nil {
		return nil, err
	}
	logger := cluster.ProviderWithLogger(kindLogger{w: out})
	var opt cluster.ProviderOption
	switch runtime {
	case "docker":
		opt = cluster.ProviderWithDocker()
	case "podman":
		opt = cluster.ProviderWithPodman()
	default:
		opt = cluster.ProviderWithNerdctl(runtime)
	}
	return &kindDriver{runtime: runtime, provider: cluster.NewProvider(logger, opt)}, nil
}

// detectKindRuntime returns the container runtime kind should use.
func detectKindRuntime(lookPath func(string) (string, error), run func(name string, args ...string) error) (string, error) {
	if v := os.Getenv(KindRuntimeEnv); v != "" {
		switch v {
		case "docker", "podman", "nerdctl", "finch":
			if _, err := lookPath(v); err != nil {
				return "", fmt.Errorf("provider kind: %s=%s but %s is not on PATH", KindRuntimeEnv, v, v)
			}
			return v, nil
		}
		return "", fmt.Errorf("provider kind: %s=%q is not docker, podman or nerdctl", KindRuntimeEnv, v)
	}
	if detectDocker(lookPath, run) == nil {
		return "docker", nil
	}
	for _, rt := range []string{"podman", "nerdctl"} {
		if p, err := lookPath(rt); err == nil && run(p, "version") == nil {
			return rt, nil
		}
	}
	return "", ErrNoContainerRuntime
}

func (d *kindDriver) Runtime() string { return d.runtime }

func (d *kindDriver) ImagePresent(ctx context.Context, image string) (bool, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, d.runtime, "image", "inspect", d.ref(image))
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exit) && ctx.Err() == nil:
		// docker, podman and nerdctl all exit non-zero for an image they do not have.
		return false, nil
	}
	return false, fmt.Errorf("%s image inspect %s: %w: %s", d.runtime, image, err, lastLine(stderr.String()))
}

func (d *kindDriver) PullImage(ctx context.Context, image string) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, d.runtime, "pull", d.ref(image))
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if msg := lastLine(stderr.String()); msg != "" {
			return errors.New(msg)
		}
		return err
	}
	return nil
}

// ref is how the runtime names image. Podman resolves no short names here and keeps no
// tag next to a digest, so, as kind does for it, docker.io/kindest/node@sha256:… .
func (d *kindDriver) ref(image string) string {
	if d.runtime != "podman" {
		return image
	}
	if name, digest, ok := strings.Cut(image, "@sha256:"); ok {
		if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
			name = name[:i]
		}
		image = name + "@sha256:" + digest
	}
	if first, _, ok := strings.Cut(image, "/"); !ok || (!strings.ContainsAny(first, ".:") && first != "localhost") {
		if !ok {
			image = "library/" + image
		}
		image = "docker.io/" + image
	}
	return image
}

func (d *kindDriver) List() ([]string, error) { return d.provider.List() }

func (d *kindDriver) Create(name string, cfg *v1alpha4.Cluster, kubeconfigPath string) error {
	return d.provider.Create(name,
		cluster.CreateWithV1Alpha4Config(cfg),
		cluster.CreateWithKubeconfigPath(kubeconfigPath),
		cluster.CreateWithWaitForReady(kindWaitForReady),
		cluster.CreateWithDisplayUsage(false),
		cluster.CreateWithDisplaySalutation(false))
}

func (d *kindDriver) KubeConfig(name string) (string, error) {
	return d.provider.KubeConfig(name, false)
}

func (d *kindDriver) InternalServer(name string) (string, error) {
	data, err := d.provider.KubeConfig(name, true)
	if err != nil {
		return "", err
	}
	kc, err := parseKubeconfig([]byte(data))
	if err != nil {
		return "", err
	}
	server, _, ok := kc.server(kc.CurrentContext)
	if !ok || server == "" {
		return "", fmt.Errorf("the internal kubeconfig of kind cluster %s names no server", name)
	}
	return server, nil
}

func (d *kindDriver) Delete(name, kubeconfigPath string) error {
	return d.provider.Delete(name, kubeconfigPath)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// kindLogger prints kind's user-facing messages (verbosity 0, warnings, errors) to w.
type kindLogger struct{ w io.Writer }

func (l kindLogger) Warn(message string)              { fmt.Fprintln(l.w, "    kind: "+message) }
func (l kindLogger) Warnf(format string, args ...any) { l.Warn(fmt.Sprintf(format, args...)) }
func (l kindLogger) Error(message string)             { l.Warn(message) }
func (l kindLogger) Errorf(format string, args ...any) {
	l.Warn(fmt.Sprintf(format, args...))
}

func (l kindLogger) V(level kindlog.Level) kindlog.InfoLogger {
	return kindInfo{w: l.w, enabled: level <= 0}
}

type kindInfo struct {
	w       io.Writer
	enabled bool
}

func (i kindInfo) Info(message string) {
	if i.enabled {
		fmt.Fprintln(i.w, "    kind: "+strings.TrimSpace(message))
	}
}
func (i kindInfo) Infof(format string, args ...any) { i.Info(fmt.Sprintf(format, args...)) }
func (i kindInfo) Enabled() bool                    { return i.enabled }
