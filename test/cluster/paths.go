// Package cluster starts the local clusters tests run against: an envtest control plane with
// the project CRDs, and a kwok cluster (real apiserver, controller-manager, scheduler and
// fake nodes) with the Flux CRDs and, optionally, real source-controller and helm-controller
// processes. Everything listens on free loopback ports and is torn down at the end; logs are
// kept when a test fails.
package cluster

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
)

// RepoRoot returns the root of the repository (the folder holding go.mod).
func RepoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the source of package cluster")
	}
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above " + filepath.Dir(file))
		}
		dir = parent
	}
}

// BinDir returns the folder of the local cluster's binaries: $OPENOVA_BIN_DIR, else bin/ at
// the repository root. It fails with a hint when a required binary is missing.
func BinDir(required ...string) (string, error) {
	dir := os.Getenv("OPENOVA_BIN_DIR")
	if dir == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "bin")
	}
	for _, name := range required {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return "", fmt.Errorf("%s not found in %s: run make tools", name, dir)
		}
	}
	return dir, nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago, for a server that a
// test starts later (kwokctl, the operator's probes). It is taken below the kernel's
// ephemeral range (ip_local_port_range), at random: a port from that range (what
// listening on port 0 gives) can be taken in the meantime by any client connection of the
// tests running in parallel — a kwok controller failed to bind its port that way and its
// cluster's nodes never became ready.
func FreePort() (int, error) {
	lo, hi := 20000, ephemeralStart()
	for range 64 {
		if hi <= lo {
			break
		}
		port := lo + rand.IntN(hi-lo)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		_ = l.Close()
		return port, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ephemeralStart is the first port of the kernel's ephemeral range (32768 when it cannot
// be read, Linux's default).
func ephemeralStart() int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	var first, last int
	if _, err := fmt.Sscan(string(data), &first, &last); err != nil || first <= 0 {
		return 32768
	}
	return first
}
