package kube

import "k8s.io/client-go/rest"

// Client rate limits of the operator and the CLI towards the API server (client-go's own
// defaults, 5 and 10, are too low for a platform of many components). A thousand
// Components take three writes each to deliver (the Component, its HelmRelease, its
// status): at 100 a second that is 30 s, at 50 a minute. The API server's priority and
// fairness still protects it from the operator.
const (
	DefaultQPS   float32 = 100
	DefaultBurst int     = 200
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
