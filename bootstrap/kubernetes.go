package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/lifecycle"
)

// regionNames lists regions as "fsn1 (primary), hel1 (standby)".
func regionNames(regions []openovav1alpha1.Region) string {
	parts := make([]string, 0, len(regions))
	for _, r := range regions {
		parts = append(parts, fmt.Sprintf("%s (%s)", r.Name, r.Role))
	}
	return strings.Join(parts, ", ")
}

// Kubernetes is what the phases after the clusters exist need: the catalog and the
// platform's first component set, and how to install Flux and the operator. With it, Run
// installs Flux and the operator in the primary region (a standby gets neither), stores a
// standby's credential and creates the Platform in the primary, and reports the service URLs (Hooks, when set, replace those phases; tests use them).
type Kubernetes struct {
	// Catalog is the catalog the component set was resolved against.
	Catalog *catalog.Catalog
	// CatalogSource is where it came from (--catalog); an http(s) URL becomes the
	// Platform's spec.catalog.url, so the operator reads the same catalog.
	CatalogSource string
	// Components is the first component set (ComponentSet).
	Components []catalog.Installed
	// OperatorVersion is the version of the operator image to install (the plugin's own).
	OperatorVersion string
	// WaitTimeout bounds the wait for Flux's and the operator's Deployments.
	WaitTimeout time.Duration
	// APIWaitTimeout bounds the wait for the regions' API servers before anything is
	// installed (0: DefaultAPIWaitTimeout).
	APIWaitTimeout time.Duration
	// SkipWait applies Flux and the operator without waiting for their Deployments (a kwok
	// cluster without its fake kubelet).
	SkipWait bool
}

// ComponentSet resolves the platform's first component set: every mandatory component
// plus what the configuration asks for, with their dependencies.
func ComponentSet(cat *catalog.Catalog, cfg *Config) ([]catalog.Installed, error) {
	plan, err := ComponentPlan(cat, cfg)
	if err != nil {
		return nil, fmt.Errorf("components: %w", err)
	}
	return plan.Apply(nil), nil
}

// ComponentPlan is the resolver's plan of ComponentSet, from nothing installed (the
// wizard shows it before anything happens).
func ComponentPlan(cat *catalog.Catalog, cfg *Config) (*catalog.Plan, error) {
	req := catalog.Request{Kind: catalog.Install}
	for _, m := range cat.Mandatory() {
		req.Names = append(req.Names, m.Name)
	}
	for _, c := range cfg.Components.Install {
		req.Names = append(req.Names, c.Name)
		req.With = append(req.With, c.With...)
	}
	return catalog.Resolve(cat, nil, req)
}

// hooks are the Kubernetes phases as Hooks, reporting progress on w.
func (k *Kubernetes) hooks(w io.Writer) Hooks {
	return Hooks{
		InstallOperator: func(ctx context.Context, _ *Config, out *Outputs) error { return k.installOperator(ctx, w, out) },
		CreatePlatform:  func(ctx context.Context, cfg *Config, out *Outputs) error { return k.createPlatform(ctx, w, cfg, out) },
		Report:          k.report,
		DetachRegions: func(ctx context.Context, cfg *Config, previous *Outputs, removed []string) error {
			return k.detachRegions(ctx, w, cfg, previous, removed)
		},
	}
}

// scheme is the scheme of the clients of the regions' clusters.
func scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = apiextensionsv1.AddToScheme(s)
	_ = openovav1alpha1.AddToScheme(s)
	return s
}

// clusterClient returns a client of one region's cluster from the bootstrap outputs.
func clusterClient(c ClusterOutput) (client.Client, error) {
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: c.Kubeconfig}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: c.Context}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of region %s: %w", c.Region, err)
	}
	cfg = kube.WithRateLimits(cfg, 0, 0)
	cfg.UserAgent = "kubectl-openova"
	return client.New(cfg, client.Options{Scheme: scheme()})
}

// installOperator waits until every region's API server answers, then installs Flux and
// the operator in the primary region's cluster. A standby gets neither: the primary's
// operator and helm-controller deliver to it through its kubeconfig Secret
// (createPlatform), so the standby holds no second source of truth (docs/bootstrap.md).
func (k *Kubernetes) installOperator(ctx context.Context, w io.Writer, out *Outputs) error {
	fmt.Fprintf(w, "==> waiting for the API server of every region\n")
	if err := WaitForAPIServers(ctx, out, APIWaitOptions{Timeout: k.APIWaitTimeout}); err != nil {
		return err
	}
	for _, cl := range out.Clusters {
		if cl.Role == RoleStandby {
			fmt.Fprintf(w, "==> region %s (standby): nothing to install there; the primary's operator and Flux deliver to it\n", cl.Region)
			continue
		}
		c, err := clusterClient(cl)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "==> region %s: installing Flux and the openova operator %s\n", cl.Region, install.ImageTag(k.OperatorVersion))
		if err := install.Flux(ctx, c, k.WaitTimeout, k.SkipWait); err != nil {
			return fmt.Errorf("region %s: install Flux: %w", cl.Region, err)
		}
		if err := install.Operator(ctx, c, k.OperatorVersion, k.WaitTimeout, k.SkipWait); err != nil {
			return fmt.Errorf("region %s: install the operator: %w", cl.Region, err)
		}
	}
	return nil
}

// createPlatform creates the Platform in the primary region: the organization, the regions
// and the component set, after the kubeconfig Secret of a standby region
// (standbyCredentials). A Platform that exists already (a bootstrap run again with a
// changed configuration) keeps its components (they are changed with kubectl openova
// install/uninstall, never reset by a re-run); only its spec.regions follows the
// configuration, so a region added to it is added to the Platform.
func (k *Kubernetes) createPlatform(ctx context.Context, w io.Writer, cfg *Config, out *Outputs) error {
	primary := out.Primary()
	if primary == nil {
		return errors.New("no primary region in the outputs")
	}
	c, err := clusterClient(*primary)
	if err != nil {
		return err
	}
	if err := k.standbyCredentials(ctx, w, c, cfg, out); err != nil {
		return err
	}
	p := NewPlatform(cfg, out, k.Components, k.CatalogSource)
	live := &openovav1alpha1.Platform{}
	err = c.Get(ctx, client.ObjectKeyFromObject(p), live)
	switch {
	case err == nil:
		fmt.Fprintf(w, "==> Platform %s/%s exists already: its components are left as they are (change them with kubectl openova install/uninstall)\n", p.Namespace, p.Name)
		regions := mergeRegions(live.Spec.Regions, p.Spec.Regions)
		if equality.Semantic.DeepEqual(regions, live.Spec.Regions) {
			return nil
		}
		if _, err := lifecycle.ApplyRegions(ctx, c, live, regions, lifecycle.ApplyOptions{}); err != nil {
			return fmt.Errorf("update the regions of Platform %s/%s: %w", p.Namespace, p.Name, err)
		}
		fmt.Fprintf(w, "==> Platform %s/%s: spec.regions is now %s\n", p.Namespace, p.Name, regionNames(regions))
		return nil
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("read Platform %s/%s: %w", p.Namespace, p.Name, err)
	}
	// Applied as kubectl-openova, the field manager the day-2 commands apply with, so they
	// own (and may later remove) the entries bootstrap wrote.
	if err := kube.ApplyObject(ctx, c, install.FieldManager, p); err != nil {
		return fmt.Errorf("create Platform %s/%s: %w", p.Namespace, p.Name, err)
	}
	fmt.Fprintf(w, "==> created Platform %s/%s with %d components\n", p.Namespace, p.Name, len(p.Spec.Components))
	return nil
}

// NewPlatform is the Platform a bootstrap creates.
func NewPlatform(cfg *Config, out *Outputs, set []catalog.Installed, catalogSource string) *openovav1alpha1.Platform {
	p := &openovav1alpha1.Platform{
		TypeMeta:   metav1.TypeMeta{APIVersion: openovav1alpha1.GroupVersion.String(), Kind: "Platform"},
		ObjectMeta: metav1.ObjectMeta{Name: cfg.Organization.Name, Namespace: openovav1alpha1.DefaultNamespace},
		Spec: openovav1alpha1.PlatformSpec{
			Organization: openovav1alpha1.Organization{Name: cfg.Organization.Name, Domain: cfg.Organization.Domain},
		},
	}
	for _, r := range cfg.Regions {
		region := openovav1alpha1.Region{Name: r.Name, Role: openovav1alpha1.RegionRole(r.Role)}
		for _, c := range out.Clusters {
			if c.Region == r.Name {
				region.Context = c.Context
			}
		}
		if r.Role == RoleStandby {
			region.KubeConfig = &openovav1alpha1.KubeConfigReference{SecretRef: openovav1alpha1.SecretKeyReference{
				Name: lifecycle.RegionSecretName(cfg.Organization.Name, r.Name), Key: lifecycle.KubeconfigSecretKey}}
		}
		p.Spec.Regions = append(p.Spec.Regions, region)
	}
	for _, s := range set {
		p.Spec.Components = append(p.Spec.Components, openovav1alpha1.PlatformComponent{Name: s.Name, Version: s.Version, Reason: s.Reason,
			Provided: Provided(cfg.Provider, s.Name)})
	}
	if strings.HasPrefix(catalogSource, "http://") || strings.HasPrefix(catalogSource, "https://") {
		p.Spec.Catalog = &openovav1alpha1.CatalogSource{URL: catalogSource}
	}
	return p
}
