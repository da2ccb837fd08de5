package bootstrap

import (
	"context"
	"fmt"
	"io"
	"strings"
)

func (r *runner) report(ctx context.Context) error {
	if r.opts.Hooks.Report != nil {
		return r.opts.Hooks.Report(ctx, r.out, r.cfg, r.outputs)
	}
	return DefaultReport(r.out, r.cfg, r.outputs)
}

// DefaultReport prints where the clusters are and what to do next.
func DefaultReport(w io.Writer, cfg *Config, out *Outputs) error {
	fmt.Fprintf(w, "Platform %s (%s) on provider %s:\n", cfg.Organization.Name, cfg.Organization.Domain, cfg.Provider)
	if out == nil {
		return nil
	}
	for _, c := range out.Clusters {
		fmt.Fprintf(w, "  region %s (%s): cluster %s, API %s", c.Region, c.Role, c.Name, c.APIEndpoint)
		if c.LoadBalancerAddress != "" {
			fmt.Fprintf(w, ", load balancer %s", c.LoadBalancerAddress)
		}
		fmt.Fprintf(w, "\n    kubeconfig %s (context %s)\n", c.Kubeconfig, c.Context)
	}
	if p := out.Primary(); p != nil {
		fmt.Fprintf(w, "Next:\n  export KUBECONFIG=%s\n  kubectl openova status\n", p.Kubeconfig)
	}
	return nil
}

// report prints DefaultReport, then the service URLs of the component set and the next
// steps.
func (k *Kubernetes) report(_ context.Context, w io.Writer, cfg *Config, out *Outputs) error {
	if err := DefaultReport(w, cfg, out); err != nil {
		return err
	}
	var links []string
	for _, s := range k.Components {
		comp, ok := k.Catalog.Component(s.Name)
		if !ok {
			continue
		}
		eps, err := comp.RenderEndpoints(cfg.Organization.Domain)
		if err != nil {
			continue
		}
		for _, e := range eps {
			links = append(links, fmt.Sprintf("  %-20s %s", comp.DisplayName, e))
		}
	}
	if len(links) > 0 {
		fmt.Fprintf(w, "Service URLs (once the components are healthy):\n%s\n", strings.Join(links, "\n"))
	}
	fmt.Fprintf(w, "And then:\n  kubectl openova components --all\n  kubectl openova install ai-hub --with neo4j\n")
	return nil
}
