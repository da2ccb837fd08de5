package kube

import "k8s.io/client-go/rest"

// Client rate limits of the operator and the CLI towards the API server (client-go's own
// defaults, 5 and 10, are too low for a platform of many components).
const (
	DefaultQPS   float32 = 50
	DefaultBurst int     = 100
)

// WithRateLimits returns a copy of cfg with qps and burst, DefaultQPS and DefaultBurst
// where they are 0.
func WithRateLimits(cfg *rest.Config, qps float32, burst int) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = DefaultQPS, DefaultBurst
	if qps > 0 {
		cfg.QPS = qps
	}
	if burst > 0 {
		cfg.Burst = burst
	}
	return cfg
}
