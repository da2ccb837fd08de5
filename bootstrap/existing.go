package bootstrap

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// existingKubeconfig is the file the existing provider adopts: kubeconfig from the
// configuration, else the first file in $KUBECONFIG, else ~/.kube/config.
func existingKubeconfig(cfg *Config) string {
	if cfg.Kubeconfig != "" {
		return expandHome(cfg.Kubeconfig)
	}
	if env := os.Getenv("KUBECONFIG"); env != "" {
		for _, p := range filepath.SplitList(env) {
			if p != "" {
				return p
			}
		}
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".kube", "config")
}

// adoptExisting returns the outputs of the existing provider: each region's context in
// the kubeconfig (the current context for a single primary region). Nothing is created.
func adoptExisting(cfg *Config) (*Outputs, error) {
	path := existingKubeconfig(cfg)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("provider existing: read kubeconfig %q: %w", path, err)
	}
	kc, err := parseKubeconfig(data)
	if err != nil {
		return nil, fmt.Errorf("provider existing: kubeconfig %q: %w", path, err)
	}
	out := &Outputs{}
	for i, r := range cfg.Regions {
		context := r.Context
		if context == "" {
			context = kc.CurrentContext
		}
		if context == "" {
			return nil, fmt.Errorf("provider existing: kubeconfig %q has no current context; set regions[%d].context", path, i)
		}
		server, cluster, ok := kc.server(context)
		if !ok {
			return nil, fmt.Errorf("provider existing: kubeconfig %q has no context %q (regions[%d].context)", path, context, i)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			abs = path
		}
		out.Clusters = append(out.Clusters, ClusterOutput{
			Region:      r.Name,
			Role:        r.Role,
			Name:        cluster,
			APIEndpoint: server,
			Kubeconfig:  abs,
			Context:     context,
		})
	}
	return out, nil
}

// dockerSocket is where a local Docker engine listens by default.
var dockerSocket = "/var/run/docker.sock"

// ErrNoDocker means no Docker engine looks reachable (kind then tries Podman).
var ErrNoDocker = errors.New("no Docker engine found (DOCKER_HOST is unset, no /var/run/docker.sock, `docker info` unavailable)")

// detectDocker returns nil when a Docker engine looks reachable.
func detectDocker(lookPath func(string) (string, error), run func(name string, args ...string) error) error {
	if host := os.Getenv("DOCKER_HOST"); host != "" {
		if sock, ok := strings.CutPrefix(host, "unix://"); ok {
			if _, err := os.Stat(sock); err != nil {
				return fmt.Errorf("%w; DOCKER_HOST=%s: %w", ErrNoDocker, host, err)
			}
		}
		return nil
	}
	if _, err := os.Stat(dockerSocket); err == nil {
		return nil
	}
	if docker, err := lookPath("docker"); err == nil {
		if run(docker, "info") == nil {
			return nil
		}
	}
	return ErrNoDocker
}
