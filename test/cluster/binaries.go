package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// Build compiles the project's commands (kubectl-openova, openova-operator) once per test
// process into a temporary folder and returns it, so tests always run the code under test.
// The version is set to "v0.0.0-test".
func Build() (string, error) {
	buildOnce.Do(func() {
		root, err := RepoRoot()
		if err != nil {
			buildErr = err
			return
		}
		buildDir, err = os.MkdirTemp("", "openova-bin-")
		if err != nil {
			buildErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", buildDir+string(filepath.Separator),
			"-ldflags", "-X github.com/openova-io/core/internal/version.Version="+TestVersion,
			"./cmd/kubectl-openova", "./cmd/openova-operator")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/...: %w\n%s", err, out)
		}
	})
	return buildDir, buildErr
}

// TestVersion is the version Build stamps into the binaries.
const TestVersion = "v0.0.0-test"

// StartOperator runs the openova-operator binary against the cluster as a local process
// (its in-cluster Deployment cannot run containers on kwok nodes), on free loopback ports,
// with leader election in openova-system. It runs with the token of the operator's
// ServiceAccount and the RBAC of manifests/ (OperatorKubeconfig). args are appended to the
// defaults.
func (k *Kwok) StartOperator(ctx context.Context, name string, args ...string) (*Process, error) {
	kubeconfig, err := k.OperatorKubeconfig(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := Build()
	if err != nil {
		return nil, err
	}
	p, err := StartOperator(filepath.Join(dir, "openova-operator"), kubeconfig, k.LogDir, name, args...)
	if err != nil {
		return nil, err
	}
	k.procs = append(k.procs, p)
	return p, nil
}

// OperatorKubeconfig installs the operator's RBAC from manifests/ (InstallOperatorRBAC) and
// returns the path of a kubeconfig with a token of its ServiceAccount, written once per
// cluster.
func (k *Kwok) OperatorKubeconfig(ctx context.Context) (string, error) {
	path := filepath.Join(k.LogDir, "operator.kubeconfig")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	cfg, err := OperatorConfig(ctx, k.Config)
	if err != nil {
		return "", err
	}
	return path, WriteTokenKubeconfig(cfg, path)
}

// StartOperator runs the operator binary against the cluster of kubeconfig as a local
// process named name, leader election in openova-system (which must exist), logging to
// logDir; args are appended to the defaults. Its metrics and health probes listen on
// loopback ports the kernel picks as it binds them (port 0): a port found free beforehand
// can be taken by another test's process before the operator binds it.
func StartOperator(binary, kubeconfig, logDir, name string, args ...string) (*Process, error) {
	all := append([]string{
		"--metrics-bind-address=127.0.0.1:0",
		"--health-probe-bind-address=127.0.0.1:0",
		"--leader-election-namespace=openova-system",
	}, args...)
	return StartProcess(name, logDir, binary, all, []string{"KUBECONFIG=" + kubeconfig})
}
