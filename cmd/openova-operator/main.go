// Command openova-operator reconciles openova.io Platforms and Components into Flux
// HelmReleases. See package operator.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/debug"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/internal/version"
	"github.com/openova-io/core/operator"
)

func main() {
	f, fs := newFlags()
	_ = fs.Parse(os.Args[1:])
	opts := f.options()

	if f.showVersion {
		v := version.Get()
		fmt.Printf("openova-operator %s (commit %s, %s, %s)\n", v.Version, v.Commit, v.GoVersion, v.Platform)
		return
	}
	// Collect garbage at half the default heap growth unless told otherwise: the operator's
	// live heap is small and its memory is what the cluster pays for (≈ 60 MiB resident at
	// 1,000 Components; make bench measures it).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&f.zap)))
	log := ctrl.Log.WithName("setup")
	log.Info("starting openova-operator", "version", version.Version, "commit", version.Commit)

	cfg, err := ctrl.GetConfig()
	if err != nil {
		log.Error(err, "no Kubernetes configuration")
		os.Exit(1)
	}
	mgr, err := operator.NewManager(cfg, opts)
	if err != nil {
		log.Error(err, "cannot set up the operator")
		os.Exit(1)
	}
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "operator stopped")
		os.Exit(1)
	}
}

// flags are the operator's command line (the Deployment in manifests/operator passes some of
// them; a test checks they exist and agree with its ports).
type flags struct {
	opts        operator.Options
	qps         float64
	showVersion bool
	zap         zap.Options
}

func newFlags() (*flags, *flag.FlagSet) {
	f := &flags{}
	opts := &f.opts
	fs := flag.NewFlagSet("openova-operator", flag.ExitOnError)
	fs.StringVar(&opts.MetricsAddr, "metrics-bind-address", ":8080", "address of the metrics endpoint (0 disables it)")
	fs.StringVar(&opts.ProbeAddr, "health-probe-bind-address", ":8081", "address of the /healthz and /readyz endpoints (0 disables them)")
	fs.StringVar(&opts.PprofAddr, "pprof-bind-address", "", "address of Go's /debug/pprof endpoints (default: off)")
	fs.BoolVar(&opts.LeaderElection, "leader-elect", true, "elect a leader so only one replica reconciles")
	fs.StringVar(&opts.LeaderElectionNamespace, "leader-election-namespace", "", "namespace of the leader-election lease (default: the pod's namespace)")
	fs.DurationVar(&opts.LeaseDuration, "leader-elect-lease-duration", 0, "leader-election lease duration (default 15s)")
	fs.DurationVar(&opts.RenewDeadline, "leader-elect-renew-deadline", 0, "leader-election renew deadline (default 10s)")
	fs.DurationVar(&opts.RetryPeriod, "leader-elect-retry-period", 0, "leader-election retry period (default 2s)")
	fs.StringVar(&opts.WatchNamespace, "watch-namespace", "", "only reconcile Platforms in this namespace (default: all)")
	fs.StringVar(&opts.Catalog, "catalog", "", "default catalog (file or http(s) URL) for Platforms that name none (default: built in)")
	fs.Float64Var(&f.qps, "kube-api-qps", float64(kube.DefaultQPS), "requests per second to the API server")
	fs.IntVar(&opts.Burst, "kube-api-burst", kube.DefaultBurst, "burst of requests to the API server")
	fs.IntVar(&opts.Concurrency, "concurrency", 4, "Components reconciled at once")
	fs.DurationVar(&opts.RegionProbeInterval, "region-probe-interval", operator.DefaultRegionProbeInterval, "how often a standby region's API server is probed")
	fs.DurationVar(&opts.RegionTimeout, "region-timeout", operator.DefaultRegionTimeout, "how long one probe of a standby region's API server may take")
	fs.BoolVar(&f.showVersion, "version", false, "print the version and exit")
	f.zap.BindFlags(fs)
	return f, fs
}

// options are the parsed flags' operator options.
func (f *flags) options() operator.Options {
	opts := f.opts
	opts.QPS = float32(f.qps)
	return opts
}
