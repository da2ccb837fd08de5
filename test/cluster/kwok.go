package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/manifests"
)

// KwokWorkRoot is the folder every test kwok cluster lives under (KWOK_WORKDIR of kwokctl),
// so that make test can remove clusters a crashed test left behind.
func KwokWorkRoot() string {
	if d := os.Getenv("OPENOVA_KWOK_ROOT"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "openova-kwok")
}

// KwokOptions configures StartKwok.
type KwokOptions struct {
	// Name of the cluster; a unique one is made up when empty.
	Name string
	// Nodes is the number of fake nodes (default 1).
	Nodes int
	// NoCRDs skips installing the openova and Flux CRDs.
	NoCRDs bool
	// Flux starts source-controller and helm-controller as local processes.
	Flux bool
	// AuditPolicy, when set, enables the apiserver's audit log with this policy file.
	AuditPolicy string
}

// Kwok is a running kwok cluster with binary runtime.
type Kwok struct {
	Name       string
	Kubeconfig string
	Config     *rest.Config
	Client     client.Client
	// LogDir holds the logs of the processes this package started.
	LogDir string

	workDir string
	bin     string
	procs   []*Process
	// SourceAddr is the address source-controller serves artifacts on, when Flux runs.
	SourceAddr string
}

var clusterSeq atomic.Int64

// kwokctlConfig makes every component of the cluster listen on loopback only (kwokctl's
// default is 0.0.0.0), and the API server authenticate and authorize (RBAC) every request,
// so the operator and Flux run with what their ServiceAccounts are granted. It sets etcd's
// peer port (%d): kwokctl would pick the first unused one counting down from 32767, the
// same port for two clusters created at once, and one etcd would not start.
const kwokctlConfig = `apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  bindAddress: 127.0.0.1
  securePort: true
  kubeAuthorization: true
  etcdPeerPort: %d
`

// StartKwok creates a kwok cluster (binary runtime: real kube-apiserver, etcd,
// controller-manager, scheduler and kwok controller from BinDir) with opts.Nodes fake nodes,
// installs the CRDs and, when asked, starts Flux's controllers.
func StartKwok(ctx context.Context, opts KwokOptions) (k *Kwok, err error) {
	bin, err := BinDir("kwokctl", "kwok", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")
	if err != nil {
		return nil, err
	}
	if opts.Name == "" {
		opts.Name = fmt.Sprintf("t%d-%d", os.Getpid(), clusterSeq.Add(1))
	}
	if opts.Nodes <= 0 {
		opts.Nodes = 1
	}
	root := KwokWorkRoot()
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	logDir, err := os.MkdirTemp("", "openova-"+opts.Name+"-logs-")
	if err != nil {
		return nil, err
	}
	k = &Kwok{
		Name:       opts.Name,
		Kubeconfig: filepath.Join(logDir, "kubeconfig"),
		LogDir:     logDir,
		workDir:    root,
		bin:        bin,
	}
	defer func() {
		if err != nil {
			_ = k.Stop(true)
		}
	}()
	ports := make([]int, 6)
	for i := range ports {
		if ports[i], err = FreePort(); err != nil {
			return nil, err
		}
	}
	config := filepath.Join(logDir, "kwokctl.yaml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf(kwokctlConfig, ports[5])), 0o644); err != nil {
		return nil, err
	}
	args := []string{"--config", config, "create", "cluster", "--name", opts.Name, "--runtime", "binary",
		"--kube-apiserver-port", strconv.Itoa(ports[0]),
		"--etcd-port", strconv.Itoa(ports[1]),
		"--kube-controller-manager-port", strconv.Itoa(ports[2]),
		"--kube-scheduler-port", strconv.Itoa(ports[3]),
		"--controller-port", strconv.Itoa(ports[4]),
		"--kubeconfig", k.Kubeconfig,
		"--kube-apiserver-binary", filepath.Join(bin, "kube-apiserver"),
		"--kube-controller-manager-binary", filepath.Join(bin, "kube-controller-manager"),
		"--kube-scheduler-binary", filepath.Join(bin, "kube-scheduler"),
		"--etcd-binary", filepath.Join(bin, "etcd"),
		"--kwok-controller-binary", filepath.Join(bin, "kwok"),
		"--wait", "60s",
	}
	if opts.AuditPolicy != "" {
		args = append(args, "--kube-audit-policy", opts.AuditPolicy)
	}
	if err := k.kwokctl(ctx, args...); err != nil {
		return k, err
	}
	if err := k.kwokctl(ctx, "scale", "node", "--name", opts.Name, "--replicas", strconv.Itoa(opts.Nodes)); err != nil {
		return k, err
	}
	k.Config, err = clientcmd.BuildConfigFromFlags("", k.Kubeconfig)
	if err != nil {
		return k, fmt.Errorf("load kubeconfig of %s: %w", opts.Name, err)
	}
	k.Config.QPS, k.Config.Burst = 100, 200
	k.Client, err = client.New(k.Config, client.Options{Scheme: Scheme()})
	if err != nil {
		return k, err
	}
	if !opts.NoCRDs {
		if err := k.InstallCRDs(ctx); err != nil {
			return k, err
		}
	}
	if err := k.waitForNodes(ctx, opts.Nodes); err != nil {
		return k, err
	}
	if opts.Flux {
		if err := k.StartFlux(ctx); err != nil {
			return k, err
		}
	}
	return k, nil
}

// InstallCRDs server-side applies the openova and Flux CRDs and waits until they are established.
func (k *Kwok) InstallCRDs(ctx context.Context) error {
	objs, err := kube.ReadFS(manifests.CRDs, "crd/bases")
	if err != nil {
		return err
	}
	flux, err := kube.ReadFS(manifests.FluxCRDs, "flux/crds")
	if err != nil {
		return err
	}
	objs = append(objs, flux...)
	if err := kube.Apply(ctx, k.Client, "openova-test", objs...); err != nil {
		return err
	}
	return kube.WaitForCRDs(ctx, k.Client, objs, time.Minute)
}

func (k *Kwok) waitForNodes(ctx context.Context, n int) error {
	deadline := time.Now().Add(time.Minute)
	for {
		var nodes corev1.NodeList
		if err := k.Client.List(ctx, &nodes); err == nil {
			ready := 0
			for _, node := range nodes.Items {
				for _, c := range node.Status.Conditions {
					if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
						ready++
					}
				}
			}
			if ready >= n {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kwok cluster %s: %d nodes not ready after a minute", k.Name, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// StartFlux starts source-controller and helm-controller as local processes against the
// cluster, on free loopback ports. source-controller serves artifacts on SourceAddr.
// Each runs with a token of its own ServiceAccount and the RBAC bootstrap installs
// (FluxKubeconfigs).
func (k *Kwok) StartFlux(ctx context.Context) error {
	source, helm, err := k.FluxKubeconfigs(ctx)
	if err != nil {
		return err
	}
	procs, addr, err := StartFluxAs(source, helm, k.LogDir)
	k.procs = append(k.procs, procs...)
	k.SourceAddr = addr
	return err
}

// StartFlux starts Flux's source-controller and helm-controller from BinDir as local
// processes against the cluster of kubeconfig, on free loopback ports, logging to logDir.
// It returns the processes and the address source-controller serves artifacts on.
func StartFlux(kubeconfig, logDir string) ([]*Process, string, error) {
	return StartFluxAs(kubeconfig, kubeconfig, logDir)
}

// StartFluxAs is StartFlux with a kubeconfig for each controller.
func StartFluxAs(sourceKubeconfig, helmKubeconfig, logDir string) ([]*Process, string, error) {
	bin, err := BinDir("source-controller", "helm-controller")
	if err != nil {
		return nil, "", err
	}
	// The storage address is advertised, so it is chosen beforehand; metrics and health
	// listen on ports the kernel picks as they bind (a port found free beforehand can be
	// taken meanwhile, e.g. as the source port of a connection).
	port, err := FreePort()
	if err != nil {
		return nil, "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	storage := filepath.Join(logDir, "source-storage")
	if err := os.MkdirAll(storage, 0o755); err != nil {
		return nil, "", err
	}
	env := func(kubeconfig string) []string {
		return []string{"KUBECONFIG=" + kubeconfig, "RUNTIME_NAMESPACE=flux-system"}
	}
	src, err := StartProcess("source-controller", logDir, filepath.Join(bin, "source-controller"), []string{
		"--storage-path=" + storage,
		"--storage-addr=" + addr,
		"--storage-adv-addr=" + addr,
		"--enable-leader-election=false",
		"--metrics-addr=127.0.0.1:0",
		"--health-addr=127.0.0.1:0",
		"--log-encoding=console",
		"--requeue-dependency=2s",
	}, env(sourceKubeconfig))
	if err != nil {
		return nil, "", err
	}
	helm, err := StartProcess("helm-controller", logDir, filepath.Join(bin, "helm-controller"), []string{
		"--enable-leader-election=false",
		"--metrics-addr=127.0.0.1:0",
		"--health-addr=127.0.0.1:0",
		"--log-encoding=console",
		"--requeue-dependency=2s",
	}, env(helmKubeconfig))
	if err != nil {
		_ = src.Stop(5 * time.Second)
		return nil, "", err
	}
	return []*Process{src, helm}, addr, nil
}

// Processes returns the processes this cluster started (Flux controllers), for tests that
// want to stop or inspect them.
func (k *Kwok) Processes() []*Process { return k.procs }

// Stop stops the Flux controllers and deletes the cluster. The logs stay in LogDir when
// keepLogs is set (a failed test); otherwise they are removed.
func (k *Kwok) Stop(keepLogs bool) error {
	for _, p := range k.procs {
		_ = p.Stop(10 * time.Second)
	}
	k.procs = nil
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if keepLogs {
		k.copyComponentLogs()
	}
	err := k.kwokctl(ctx, "delete", "cluster", "--name", k.Name, "--kubeconfig", k.Kubeconfig)
	if keepLogs {
		fmt.Fprintf(os.Stderr, "kwok cluster %s: logs kept in %s\n", k.Name, k.LogDir)
	} else {
		_ = os.RemoveAll(k.LogDir)
	}
	return err
}

// copyComponentLogs copies the control plane's logs (kept by kwokctl in its work dir) next to
// the Flux logs before the cluster is deleted.
func (k *Kwok) copyComponentLogs() {
	dir := filepath.Join(k.workDir, "clusters", k.Name, "logs")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil {
			_ = os.WriteFile(filepath.Join(k.LogDir, e.Name()), data, 0o644)
		}
	}
}

func (k *Kwok) kwokctl(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(k.bin, "kwokctl"), args...)
	cmd.Env = append(os.Environ(), "KWOK_WORKDIR="+k.workDir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kwokctl %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return nil
}

// Scheme returns a scheme with the Kubernetes built-ins and apiextensions; tests add more.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range schemeAdders {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// Unstructured returns an empty object of the given kind, for reading Flux objects without
// their Go types.
func Unstructured(apiVersion, kind string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	return u
}
