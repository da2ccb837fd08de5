// Package container runs the operator's image as it ships (make image) in a real container
// runtime (rootful podman with runc) against a local API server, under its ServiceAccount's
// token mounted where the kubelet mounts it, with the Deployment's arguments and security
// context.
package container

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// containersConf makes podman work on machines like CI's: runc (crun cannot run on the
// hybrid cgroup layout), cgroupfs (no systemd), and ulimits below the machine's hard limits
// (podman's defaults exceed them). CONTAINERS_CONF points at it, so /etc stays untouched.
const containersConf = `[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`

// podman runs podman with its own storage under dir, so tests never touch (or collide in)
// the machine's image store.
type podman struct {
	dir string
	env []string
}

func newPodman(dir string) (*podman, error) {
	if _, err := exec.LookPath("podman"); err != nil {
		return nil, fmt.Errorf("podman not found: make test installs it (hack/debian-packages.sh podman runc): %w", err)
	}
	if _, err := exec.LookPath("runc"); err != nil {
		return nil, fmt.Errorf("runc not found: make test installs it (hack/debian-packages.sh podman runc): %w", err)
	}
	conf := filepath.Join(dir, "containers.conf")
	if err := os.WriteFile(conf, []byte(containersConf), 0o644); err != nil {
		return nil, err
	}
	return &podman{dir: dir, env: append(os.Environ(), "CONTAINERS_CONF="+conf)}, nil
}

// run runs podman with args and returns its standard output.
func (p *podman) run(ctx context.Context, args ...string) (string, error) {
	all := append([]string{
		"--root", filepath.Join(p.dir, "storage"),
		"--runroot", filepath.Join(p.dir, "run"),
		"--tmpdir", filepath.Join(p.dir, "tmp"),
		// vfs: the image is small, and overlay cannot stack on every machine's /tmp.
		"--storage-driver", "vfs",
	}, args...)
	cmd := exec.CommandContext(ctx, "podman", all...)
	cmd.Env = p.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("podman %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}
