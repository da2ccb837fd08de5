package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// APIWaitOptions bound WaitForAPIServers.
type APIWaitOptions struct {
	// Timeout is how long to wait for every region's API server; 0 is DefaultAPIWaitTimeout.
	Timeout time.Duration
	// Interval is the pause between two attempts; 0 is 5 seconds.
	Interval time.Duration
	// RequestTimeout bounds one attempt; 0 is 10 seconds.
	RequestTimeout time.Duration
}

// DefaultAPIWaitTimeout is how long WaitForAPIServers waits by default: a cloud control
// plane answers minutes after Terraform finished (k3s installs itself from cloud-init on
// Hetzner; CCE and OKE publish their endpoint before the API server behind it is ready).
const DefaultAPIWaitTimeout = 15 * time.Minute

// WaitForAPIServers waits until the Kubernetes API server of every cluster answers
// GET /readyz with 200 through the cluster's kubeconfig (its file and context), all
// regions in parallel. It returns nil once all answer, or, when the timeout passes or ctx
// ends, an error naming each region that did not answer, its API endpoint and the last
// error seen. Nothing should be installed before it returned nil: a first bootstrap run
// that applies Flux to an API server still starting fails.
func WaitForAPIServers(ctx context.Context, outputs *Outputs, opts APIWaitOptions) error {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultAPIWaitTimeout
	}
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Second
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 10 * time.Second
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	errs := make([]error, len(outputs.Clusters))
	var wg sync.WaitGroup
	for i, c := range outputs.Clusters {
		wg.Go(func() { errs[i] = waitForAPIServer(ctx, parent, c, opts) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// waitForAPIServer polls until ctx (the bounded wait) ends; parent tells a cancelled
// wait from one that timed out.
func waitForAPIServer(ctx, parent context.Context, c ClusterOutput, opts APIWaitOptions) error {
	client, err := readyzClient(c, opts.RequestTimeout)
	if err != nil {
		return fmt.Errorf("region %s: %w", c.Region, err)
	}
	start := time.Now()
	var last error
	for {
		err := probeReadyz(ctx, client)
		if err == nil {
			return nil
		}
		// An attempt cut short by the end of the wait says nothing about the server.
		if last == nil || ctx.Err() == nil {
			last = err
		}
		select {
		case <-ctx.Done():
			why := fmt.Sprintf("did not answer within %s", opts.Timeout)
			if parent.Err() != nil {
				why = fmt.Sprintf("was still not answering after %s when the wait was cancelled", time.Since(start).Round(time.Second))
			}
			return fmt.Errorf("region %s: the Kubernetes API server at %s %s; last error: %w", c.Region, c.APIEndpoint, why, last)
		case <-time.After(opts.Interval):
		}
	}
}

// readyzClient builds a REST client from the cluster's kubeconfig file and context.
func readyzClient(c ClusterOutput, timeout time.Duration) (rest.Interface, error) {
	loader := &clientcmd.ClientConfigLoadingRules{ExplicitPath: c.Kubeconfig}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loader, &clientcmd.ConfigOverrides{CurrentContext: c.Context}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s (context %q): %w", c.Kubeconfig, c.Context, err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = timeout
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", cfg.Host, err)
	}
	return dc.RESTClient(), nil
}

func probeReadyz(ctx context.Context, client rest.Interface) error {
	body, err := client.Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		if len(body) > 0 {
			return fmt.Errorf("%w: %s", err, truncate(string(body), 200))
		}
		return err
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
