// Package operator reconciles Platforms into Components and Components into Flux
// HelmRepositories and HelmReleases, reports health, checks for upgrades and records failed
// upgrades that Flux rolled back.
package operator

import (
	"fmt"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/kube"
)

// Options configure the operator.
type Options struct {
	// MetricsAddr is where Prometheus metrics are served ("0" turns them off).
	MetricsAddr string
	// ProbeAddr is where /healthz and /readyz are served ("0" turns them off).
	ProbeAddr string
	// PprofAddr serves Go's profiles (/debug/pprof) when set; off by default.
	PprofAddr string
	// LeaderElection makes only one replica reconcile at a time.
	LeaderElection bool
	// LeaderElectionNamespace holds the lease; the in-cluster namespace when empty.
	LeaderElectionNamespace string
	// LeaseDuration, RenewDeadline and RetryPeriod tune leader election (defaults when 0).
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// WatchNamespace restricts the operator to one namespace; all when empty.
	WatchNamespace string
	// WorkloadInterval is how often the workloads of bootstrap-delivered components are
	// read (default 30s).
	WorkloadInterval time.Duration
	// QPS and Burst limit the operator's requests to the API server (defaults
	// kube.DefaultQPS and kube.DefaultBurst).
	QPS   float32
	Burst int
	// Concurrency is how many Components are reconciled at once (default 4).
	Concurrency int
	// RegionProbeInterval is how often a remote region's API server is probed (default 30s).
	RegionProbeInterval time.Duration
	// RegionTimeout bounds one probe of a remote region (default 5s).
	RegionTimeout time.Duration
	// SkipNameValidation allows several managers in one process (tests).
	SkipNameValidation bool
	// Catalog is the default catalog source (file or URL) for Platforms that name none;
	// the built-in catalog when empty.
	Catalog string
}

// Scheme returns the scheme the operator works with.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme, openovav1alpha1.AddToScheme, helmv2.AddToScheme, sourcev1.AddToScheme,
	} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// NewManager builds a controller-runtime manager with both reconcilers registered. Its cache
// keeps only the Flux objects the operator manages, without managed fields, to stay small.
func NewManager(cfg *rest.Config, opts Options) (ctrl.Manager, error) {
	scheme, err := Scheme()
	if err != nil {
		return nil, err
	}
	cacheOpts := cache.Options{DefaultTransform: cache.TransformStripManagedFields()}
	// The cache sees only the Flux objects the operator manages. Filtering needs the Flux
	// CRDs at start; when Flux arrives later its objects are cached unfiltered.
	if fluxServed(cfg) {
		managed := labels.SelectorFromSet(labels.Set{managedByLabel: managedByValue})
		cacheOpts.ByObject = map[client.Object]cache.ByObject{
			&helmv2.HelmRelease{}:      {Label: managed},
			&sourcev1.HelmRepository{}: {Label: managed},
		}
	}
	if opts.WatchNamespace != "" {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{opts.WatchNamespace: {}}
	}
	mgrOpts := ctrl.Options{
		Scheme:                        scheme,
		Cache:                         cacheOpts,
		Metrics:                       metricsserver.Options{BindAddress: opts.MetricsAddr},
		HealthProbeBindAddress:        opts.ProbeAddr,
		PprofBindAddress:              opts.PprofAddr,
		LeaderElection:                opts.LeaderElection,
		LeaderElectionID:              "openova-operator.openova.io",
		LeaderElectionNamespace:       opts.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
	}
	if opts.SkipNameValidation {
		skip := true
		mgrOpts.Controller.SkipNameValidation = &skip
	}
	if opts.LeaseDuration > 0 {
		mgrOpts.LeaseDuration = &opts.LeaseDuration
	}
	if opts.RenewDeadline > 0 {
		mgrOpts.RenewDeadline = &opts.RenewDeadline
	}
	if opts.RetryPeriod > 0 {
		mgrOpts.RetryPeriod = &opts.RetryPeriod
	}
	cfg = kube.WithRateLimits(cfg, opts.QPS, opts.Burst)
	mgr, err := ctrl.NewManager(cfg, mgrOpts)
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}
	catalogs := &Catalogs{Default: opts.Catalog}
	if err := (&PlatformReconciler{
		Client:   mgr.GetClient(),
		Catalogs: catalogs,
		Events:   mgr.GetEventRecorder("openova-operator"),
	}).SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("set up platform controller: %w", err)
	}
	if err := (&ComponentReconciler{
		Client:           mgr.GetClient(),
		APIReader:        mgr.GetAPIReader(),
		Events:           mgr.GetEventRecorder("openova-operator"),
		WorkloadInterval: opts.WorkloadInterval,
		Concurrency:      opts.Concurrency,
		Regions:          &RegionProber{Reader: mgr.GetAPIReader(), Interval: opts.RegionProbeInterval, Timeout: opts.RegionTimeout},
	}).SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("set up component controller: %w", err)
	}
	if opts.ProbeAddr != "0" {
		if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
			return nil, err
		}
		if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
			return nil, err
		}
	}
	return mgr, nil
}

// fluxServed reports whether the API server serves the Flux APIs the operator uses.
func fluxServed(cfg *rest.Config) bool {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return false
	}
	for _, gvk := range fluxGroupKinds {
		list, err := dc.ServerResourcesForGroupVersion(gvk.GroupVersion().String())
		if err != nil {
			return false
		}
		found := false
		for _, r := range list.APIResources {
			found = found || r.Kind == gvk.Kind
		}
		if !found {
			return false
		}
	}
	return true
}
