package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
)

// Scheme is the scheme of the CLI's clients: Kubernetes built-ins, CRDs and openova.io.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = apiextensionsv1.AddToScheme(s)
	_ = openovav1alpha1.AddToScheme(s)
	return s
}

// RESTConfig returns the connection configuration from kubectl's flags (--kubeconfig,
// --context, --request-timeout, …).
func (g *GlobalOptions) RESTConfig() (*rest.Config, error) {
	cfg, err := g.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, WithCode(ExitFailure, fmt.Errorf("kubeconfig: %w", err))
	}
	cfg.UserAgent = "kubectl-openova"
	cfg.QPS, cfg.Burst = 50, 100
	return cfg, nil
}

// Client returns a client of the cluster. It makes no request: API discovery is deferred
// to the first use of a kind.
func (g *GlobalOptions) Client() (client.Client, error) {
	cfg, err := g.RESTConfig()
	if err != nil {
		return nil, err
	}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, WithCode(ExitFailure, err)
	}
	dynamic, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return nil, WithCode(ExitFailure, err)
	}
	// The openova kinds are known without asking; other kinds are discovered on first use.
	mapper := meta.FirstHitRESTMapper{MultiRESTMapper: meta.MultiRESTMapper{openovaMapper(), dynamic}}
	c, err := client.New(cfg, client.Options{Scheme: Scheme(), HTTPClient: httpClient, Mapper: mapper})
	if err != nil {
		return nil, WithCode(ExitFailure, err)
	}
	return c, nil
}

// openovaMapper maps the openova.io kinds without asking the API server, so a command
// costs no discovery requests.
func openovaMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	gv := openovav1alpha1.GroupVersion
	m.AddSpecific(gv.WithKind("Platform"), gv.WithResource("platforms"), gv.WithResource("platform"), meta.RESTScopeNamespace)
	m.AddSpecific(gv.WithKind("PlatformList"), gv.WithResource("platforms"), gv.WithResource("platform"), meta.RESTScopeNamespace)
	m.AddSpecific(gv.WithKind("Component"), gv.WithResource("components"), gv.WithResource("component"), meta.RESTScopeNamespace)
	m.AddSpecific(gv.WithKind("ComponentList"), gv.WithResource("components"), gv.WithResource("component"), meta.RESTScopeNamespace)
	return m
}

// Namespace returns -n, openova-system by default (not the kubeconfig context's namespace:
// Platforms live in openova-system).
func (g *GlobalOptions) Namespace() string {
	if g.ConfigFlags.Namespace != nil && *g.ConfigFlags.Namespace != "" {
		return *g.ConfigFlags.Namespace
	}
	return openovav1alpha1.DefaultNamespace
}

// LoadCatalog loads --catalog, or the built-in catalog. A catalog that does not load is
// invalid input.
func (g *GlobalOptions) LoadCatalog(ctx context.Context) (*catalog.Catalog, error) {
	var (
		c   *catalog.Catalog
		err error
	)
	if g.Catalog == "" {
		c, err = catalog.Builtin()
	} else {
		c, err = catalog.Load(ctx, g.Catalog)
	}
	if err != nil {
		return nil, WithCode(ExitInvalidInput, err)
	}
	return c, nil
}

// FindPlatform returns --platform, or the only Platform in the namespace. No Platform, or
// several without --platform, is an error that says what to do.
func (g *GlobalOptions) FindPlatform(ctx context.Context, c client.Client) (*openovav1alpha1.Platform, error) {
	ns := g.Namespace()
	if g.Platform != "" {
		p := &openovav1alpha1.Platform{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: g.Platform}, p); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, Errorf(ExitInvalidInput, "platform %q not found in namespace %s", g.Platform, ns)
			}
			return nil, ClusterError(err)
		}
		return p, nil
	}
	var list openovav1alpha1.PlatformList
	if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, ClusterError(err)
	}
	switch len(list.Items) {
	case 0:
		return nil, Errorf(ExitFailure, "no Platform in namespace %s: create one with kubectl openova bootstrap, or pick another namespace with -n", ns)
	case 1:
		return &list.Items[0], nil
	default:
		names := make([]string, 0, len(list.Items))
		for _, p := range list.Items {
			names = append(names, p.Name)
		}
		return nil, Errorf(ExitInvalidInput, "%d Platforms in namespace %s (%s): choose one with --platform", len(names), ns, strings.Join(names, ", "))
	}
}

// ClusterError explains an error talking to the cluster: missing CRDs point at
// kubectl openova check.
func ClusterError(err error) error {
	if err == nil {
		return nil
	}
	if meta.IsNoMatchError(err) || apierrors.IsNotFound(err) && strings.Contains(err.Error(), "the server could not find the requested resource") {
		return Errorf(ExitFailure, "the openova CRDs are not installed in this cluster (%v): run kubectl openova check", err)
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		return err
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return Errorf(ExitFailure, "cannot reach the Kubernetes API server: %v (check the kubeconfig context; --request-timeout bounds each request)", err)
	}
	return WithCode(ExitFailure, err)
}

// IsTerminal reports whether w is a terminal (colour, spinners and prompts only then).
func IsTerminal(w any) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Color reports whether output to w may use colour: a terminal, and neither --no-color nor
// NO_COLOR.
func (g *GlobalOptions) Color(w io.Writer) bool {
	return !g.NoColor && os.Getenv("NO_COLOR") == "" && IsTerminal(w)
}
