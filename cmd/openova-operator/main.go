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

	"github.com/openova-io/core/internal/version"
	"github.com/openova-io/core/operator"
)

func main() {
	var opts operator.Options
	var showVersion bool
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
	var qps float64
	fs.Float64Var(&qps, "kube-api-qps", 50, "requests per second to the API server")
	fs.IntVar(&opts.Burst, "kube-api-burst", 100, "burst of requests to the API server")
	fs.IntVar(&opts.Concurrency, "concurrency", 4, "Components reconciled at once")
	fs.BoolVar(&showVersion, "version", false, "print the version and exit")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	_ = fs.Parse(os.Args[1:])
	opts.QPS = float32(qps)

	if showVersion {
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
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
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
