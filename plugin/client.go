package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/lifecycle"
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
	cfg = kube.WithRateLimits(cfg, 0, 0)
	cfg.UserAgent = "kubectl-openova"
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

// selector is the Platform and catalog the flags select.
func (g *GlobalOptions) selector() lifecycle.Selector {
	return lifecycle.Selector{Namespace: g.Namespace(), Platform: g.Platform, Catalog: g.Catalog}
}

// readView is the one loader of status and components: the selected Platform and its
// Components, and with withCatalog the catalog it resolves against.
func (g *GlobalOptions) readView(ctx context.Context, withCatalog bool) (*lifecycle.View, error) {
	c, err := g.Client()
	if err != nil {
		return nil, err
	}
	return lifecycle.Read(ctx, c, g.selector(), lifecycle.ReadOptions{Catalog: withCatalog})
}

// LoadCatalog loads --catalog, or the built-in catalog. A catalog that does not load is
// invalid input.
func (g *GlobalOptions) LoadCatalog(ctx context.Context) (*catalog.Catalog, error) {
	return lifecycle.LoadCatalog(ctx, g.Catalog)
}

// FindPlatform returns --platform, or the only Platform in the namespace.
func (g *GlobalOptions) FindPlatform(ctx context.Context, c client.Client) (*openovav1alpha1.Platform, error) {
	return lifecycle.FindPlatform(ctx, c, g.selector())
}

// ClusterError explains an error talking to the cluster (lifecycle.ClusterError); an
// error that carries its exit code already passes unchanged.
func ClusterError(err error) error {
	var exit *ExitError
	if errors.As(err, &exit) {
		return err
	}
	return lifecycle.ClusterError(err)
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
