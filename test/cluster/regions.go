package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/test/chartserver"
)

// Region names of StartRegions' platform.
const (
	PrimaryRegion = "fsn1"
	StandbyRegion = "hel1"
	// StandbySecret holds the standby's kubeconfig in the primary, named and keyed as
	// bootstrap writes it (lifecycle.RegionSecretName, key "value"; test/cluster cannot
	// import lifecycle, whose tests import test/cluster).
	StandbySecret = PlatformName + "-" + StandbyRegion + "-kubeconfig"
)

// Regions is a local two-region platform: the primary a kwok cluster with the real Flux
// controllers and the operator as local processes (as StartPlatform), the standby a plain
// kwok cluster reached only through the kubeconfig Secret acme-hel1-kubeconfig in the
// primary (a token of the standby's ServiceAccount openova-remote, as bootstrap makes it).
type Regions struct {
	Primary, Standby *Kwok
	Client           client.Client // the primary's
	Charts           *chartserver.Server
	CatalogURL       string
	stops            []func()
}

// RegionsOptions configure StartRegions.
type RegionsOptions struct {
	// Catalog is the test catalog (test/catalogs/NAME.yaml).
	Catalog string
	// OperatorArgs are passed to the operator (e.g. a short --region-probe-interval).
	OperatorArgs []string
	// Entries are the Platform's components.
	Entries []openovav1alpha1.PlatformComponent
	// NoPlatform leaves the Platform, the standby's kubeconfig Secret and Flux's
	// Deployments (the controllers run as local processes either way) to the test:
	// kubectl openova bootstrap makes them (see WriteKubeconfig); Entries are unused.
	NoPlatform bool
}

// StartRegions starts both clusters, the standby's credential, the operator and the
// Platform acme with both regions (only the clusters and the operator with NoPlatform).
// Stop it with Stop.
func StartRegions(ctx context.Context, opts RegionsOptions) (_ *Regions, err error) {
	r := &Regions{}
	defer func() {
		if err != nil {
			r.Stop(true)
		}
	}()
	if _, err = Build(); err != nil {
		return nil, err
	}
	if r.Charts, r.CatalogURL, err = ServeCatalog(opts.Catalog); err != nil {
		return nil, err
	}
	r.stops = append(r.stops, r.Charts.Close)

	if r.Standby, err = StartKwok(ctx, KwokOptions{Nodes: 1, NoCRDs: true}); err != nil {
		return nil, fmt.Errorf("standby cluster: %w", err)
	}
	if r.Primary, err = StartKwok(ctx, KwokOptions{Nodes: 1, Flux: true}); err != nil {
		return nil, fmt.Errorf("primary cluster: %w", err)
	}
	r.Client = r.Primary.Client
	if err := install.Operator(ctx, r.Client, TestVersion, 2*time.Minute, false); err != nil {
		return nil, fmt.Errorf("install the operator manifests: %w", err)
	}
	if !opts.NoPlatform {
		if err := FakeFluxDeployments(ctx, r.Client); err != nil {
			return nil, err
		}
		kubeconfig, err := r.standbyCredential(ctx)
		if err != nil {
			return nil, err
		}
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: PlatformNamespace, Name: StandbySecret}, Data: map[string][]byte{"value": kubeconfig}}
		if err := r.Client.Create(ctx, secret); err != nil {
			return nil, fmt.Errorf("the standby's kubeconfig Secret: %w", err)
		}
	}
	args := append([]string{"--leader-elect=false"}, opts.OperatorArgs...)
	if _, err := r.Primary.StartOperator(ctx, "openova-operator", args...); err != nil {
		return nil, err
	}
	if !opts.NoPlatform {
		if err := r.applyPlatform(ctx, opts.Entries); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// WriteKubeconfig writes a kubeconfig with the admin credentials of both clusters to path,
// a context each (PrimaryRegion and StandbyRegion), the current one the primary's: what
// bootstrap's provider existing adopts with regions[].context.
func (r *Regions) WriteKubeconfig(path string) error {
	out := clientcmdapi.NewConfig()
	for name, k := range map[string]*Kwok{PrimaryRegion: r.Primary, StandbyRegion: r.Standby} {
		kc, err := clientcmd.LoadFromFile(k.Kubeconfig)
		if err != nil {
			return err
		}
		ctx, ok := kc.Contexts[kc.CurrentContext]
		if !ok {
			return fmt.Errorf("kubeconfig %s has no current context", k.Kubeconfig)
		}
		out.Clusters[name] = kc.Clusters[ctx.Cluster]
		out.AuthInfos[name] = kc.AuthInfos[ctx.AuthInfo]
		out.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	}
	out.CurrentContext = PrimaryRegion
	return clientcmd.WriteToFile(*out, path)
}

// standbyCredential makes the standby's ServiceAccount openova-remote (cluster-admin, as
// bootstrap does) and returns a kubeconfig with its token (loopback address).
func (r *Regions) standbyCredential(ctx context.Context) ([]byte, error) {
	c := r.Standby.Client
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "openova-system"}}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "openova-system", Name: "openova-remote"}}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "openova-remote-cluster-admin"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: "openova-system", Name: "openova-remote"}}}
	for _, o := range []client.Object{ns, sa, crb} {
		if err := c.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("standby %T: %w", o, err)
		}
	}
	path := filepath.Join(r.Standby.LogDir, "openova-remote.kubeconfig")
	if err := WriteServiceAccountKubeconfig(ctx, r.Standby.Config, "openova-system", "openova-remote", path); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// applyPlatform applies the Platform acme with both regions, as bootstrap does.
func (r *Regions) applyPlatform(ctx context.Context, entries []openovav1alpha1.PlatformComponent) error {
	components := make([]any, 0, len(entries))
	for _, e := range entries {
		components = append(components, map[string]any{"name": e.Name, "version": e.Version})
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": openovav1alpha1.GroupVersion.String(), "kind": "Platform",
		"metadata": map[string]any{"name": PlatformName, "namespace": PlatformNamespace},
		"spec": map[string]any{
			"organization": map[string]any{"name": "acme", "domain": "acme.example.com"},
			"catalog":      map[string]any{"url": r.CatalogURL},
			"components":   components,
			"regions": []any{
				map[string]any{"name": PrimaryRegion, "role": "primary"},
				map[string]any{"name": StandbyRegion, "role": "standby", "kubeConfig": map[string]any{"secretRef": map[string]any{
					"name": StandbySecret, "key": "value"}}},
			},
		},
	}}
	return r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(install.FieldManager))
}

// StopStandby stops the standby cluster (its API server and the rest); StartStandby starts
// it again on the same ports.
func (r *Regions) StopStandby(ctx context.Context) error {
	return r.Standby.kwokctl(ctx, "stop", "cluster", "--name", r.Standby.Name)
}

// StartStandby starts the stopped standby cluster again.
func (r *Regions) StartStandby(ctx context.Context) error {
	return r.Standby.kwokctl(ctx, "start", "cluster", "--name", r.Standby.Name)
}

// Stop stops both clusters and what StartRegions started.
func (r *Regions) Stop(keepLogs bool) {
	for _, k := range []*Kwok{r.Primary, r.Standby} {
		if k != nil {
			if err := k.Stop(keepLogs); err != nil {
				fmt.Fprintln(os.Stderr, "stop kwok cluster:", err)
			}
		}
	}
	r.Primary, r.Standby = nil, nil
	for i := len(r.stops) - 1; i >= 0; i-- {
		r.stops[i]()
	}
	r.stops = nil
}
