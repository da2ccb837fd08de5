package dashboard

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// Watch keeps the Platform and its Components up to date from ONE watch per resource type
// (a controller-runtime informer each), however many browser tabs are open: pages render
// from its cache, and every change is announced to the subscribers (the server-sent event
// streams). Nothing polls the API server.
type Watch struct {
	cache     cache.Cache
	namespace string
	platform  string

	changes Notifier
}

// WatchOptions configure NewWatch.
type WatchOptions struct {
	// Config is the connection to the cluster (the user's kubeconfig).
	Config *rest.Config
	// Namespace and Platform name the Platform to watch; its Components live beside it.
	Namespace string
	Platform  string
}

// Scheme is the scheme of the dashboard's watch: the Kubernetes built-ins and openova.io.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = openovav1alpha1.AddToScheme(s)
	return s
}

// restMapper maps the two openova.io kinds without asking the API server (no discovery).
func restMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	gv := openovav1alpha1.GroupVersion
	for _, kind := range []string{"Platform", "Component"} {
		plural := gv.WithResource(map[string]string{"Platform": "platforms", "Component": "components"}[kind])
		m.AddSpecific(gv.WithKind(kind), plural, plural, meta.RESTScopeNamespace)
		m.AddSpecific(gv.WithKind(kind+"List"), plural, plural, meta.RESTScopeNamespace)
	}
	return m
}

// NewWatch prepares the watch of one Platform (by name, a field selector) and the
// Components of its namespace. Start runs it.
func NewWatch(opts WatchOptions) (*Watch, error) {
	c, err := cache.New(opts.Config, cache.Options{
		Scheme:            Scheme(),
		Mapper:            restMapper(),
		DefaultNamespaces: map[string]cache.Config{opts.Namespace: {}},
		ByObject: map[client.Object]cache.ByObject{
			&openovav1alpha1.Platform{}:  {Field: fields.OneTermEqualSelector("metadata.name", opts.Platform)},
			&openovav1alpha1.Component{}: {Label: labels.SelectorFromSet(labels.Set{openovav1alpha1.PlatformLabel: opts.Platform})},
		},
		ReaderFailOnMissingInformer: true,
	})
	if err != nil {
		return nil, fmt.Errorf("watch platform %s: %w", opts.Platform, err)
	}
	return &Watch{cache: c, namespace: opts.Namespace, platform: opts.Platform}, nil
}

// Start opens the two watches and returns once both have listed, or ctx ends (or timeout
// passes). The watches run until ctx ends.
func (w *Watch) Start(ctx context.Context, timeout time.Duration) error {
	for _, obj := range []client.Object{&openovav1alpha1.Platform{}, &openovav1alpha1.Component{}} {
		inf, err := w.cache.GetInformer(ctx, obj, cache.BlockUntilSynced(false))
		if err != nil {
			return fmt.Errorf("watch %T: %w", obj, err)
		}
		handler := toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { w.changes.Changed() },
			UpdateFunc: func(any, any) { w.changes.Changed() },
			DeleteFunc: func(any) { w.changes.Changed() },
		}
		if _, err := inf.AddEventHandler(handler); err != nil {
			return err
		}
	}
	go func() { _ = w.cache.Start(ctx) }()
	syncCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if !w.cache.WaitForCacheSync(syncCtx) {
		return fmt.Errorf("the watch of platform %s in namespace %s did not start within %s: is the cluster reachable and are the openova CRDs installed (kubectl openova check)?", w.platform, w.namespace, timeout)
	}
	return nil
}

// Notifier announces every change the watch sees (after its cache has it).
func (w *Watch) Notifier() *Notifier { return &w.changes }

// Revision counts the changes seen so far.
func (w *Watch) Revision() uint64 { return w.changes.Revision() }

// State is the watched objects at one moment.
type State struct {
	// Platform is the Platform; Components are its Component objects (label
	// openova.io/platform), by name.
	Platform   *openovav1alpha1.Platform
	Components map[string]*openovav1alpha1.Component
	Revision   uint64
}

// Snapshot reads the Platform and its Components from the watch's cache (no request to
// the API server). The objects are copies. A Platform that is gone is an error.
func (w *Watch) Snapshot(ctx context.Context) (*State, error) {
	st := &State{Components: map[string]*openovav1alpha1.Component{}, Revision: w.changes.Revision()}
	p := &openovav1alpha1.Platform{}
	if err := w.cache.Get(ctx, client.ObjectKey{Namespace: w.namespace, Name: w.platform}, p); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("platform %s is not in namespace %s (any more)", w.platform, w.namespace)
		}
		return nil, err
	}
	st.Platform = p
	var list openovav1alpha1.ComponentList
	if err := w.cache.List(ctx, &list, client.InNamespace(w.namespace)); err != nil {
		return nil, err
	}
	for i := range list.Items {
		st.Components[list.Items[i].Name] = &list.Items[i]
	}
	return st, nil
}
