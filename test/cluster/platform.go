package cluster

import (
	"context"
	"fmt"
	"os"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/test/chartserver"
	"github.com/openova-io/core/test/testcatalog"
)

// Platform is a local platform that the tests of a package share, as a user finds it after
// bootstrap: a kwok cluster with the real Flux controllers (their Deployments as fakes, the
// controllers as local processes), the test charts and a test catalog served on loopback,
// the operator's manifests applied and the operator running as a local process, and the
// Platform acme Ready with the mandatory grafana.
type Platform struct {
	Kwok       *Kwok
	Client     client.Client
	BinDir     string // kubectl-openova and openova-operator, built
	HomeDir    string // a HOME for the commands the tests run
	Charts     *chartserver.Server
	CatalogURL string
	stops      []func()
}

// PlatformOptions configure StartPlatform.
type PlatformOptions struct {
	// Catalog is the test catalog (test/catalogs/NAME.yaml) served as catalog.yaml.
	Catalog string
	// Nodes is the number of fake nodes; 2 when zero.
	Nodes int
	// Home names the HOME directory's prefix, e.g. "openova-e2e-home-".
	Home string
}

// PlatformName and PlatformNamespace name the Platform StartPlatform creates.
const PlatformName = "acme"

// PlatformNamespace is where the Platform lives.
const PlatformNamespace = openovav1alpha1.DefaultNamespace

// StartPlatform starts the shared platform. Stop it with Stop; on an error everything
// started so far is stopped.
func StartPlatform(ctx context.Context, opts PlatformOptions) (_ *Platform, err error) {
	if opts.Nodes == 0 {
		opts.Nodes = 2
	}
	p := &Platform{}
	defer func() {
		if err != nil {
			p.Stop(true)
		}
	}()
	if p.BinDir, err = Build(); err != nil {
		return nil, err
	}
	if p.HomeDir, err = os.MkdirTemp("", opts.Home); err != nil {
		return nil, err
	}
	home := p.HomeDir
	p.stops = append(p.stops, func() { _ = os.RemoveAll(home) })
	if p.Charts, p.CatalogURL, err = ServeCatalog(opts.Catalog); err != nil {
		return nil, err
	}
	p.stops = append(p.stops, p.Charts.Close)

	if p.Kwok, err = StartKwok(ctx, KwokOptions{Nodes: opts.Nodes, Flux: true}); err != nil {
		return nil, err
	}
	p.Client = p.Kwok.Client
	// The operator's Deployment as bootstrap installs it (kwok runs its pod as a fake, so
	// check sees it available), and the operator itself as a local process.
	if err := install.Operator(ctx, p.Client, TestVersion, 2*time.Minute, false); err != nil {
		return nil, fmt.Errorf("install the operator manifests: %w", err)
	}
	if err := FakeFluxDeployments(ctx, p.Client); err != nil {
		return nil, err
	}
	if _, err := p.Kwok.StartOperator(ctx, "openova-operator", "--leader-elect=false"); err != nil {
		return nil, err
	}
	if err := ApplyPlatform(ctx, p.Client, p.CatalogURL, openovav1alpha1.PlatformComponent{Name: "grafana", Version: "0.1.0"}); err != nil {
		return nil, err
	}
	if err := WaitPlatformReady(ctx, p.Client, 3*time.Minute); err != nil {
		return nil, fmt.Errorf("platform acme with grafana: %w", err)
	}
	return p, nil
}

// Stop stops what StartPlatform started, keeping the cluster's logs when keepLogs is set.
func (p *Platform) Stop(keepLogs bool) {
	if p.Kwok != nil {
		if err := p.Kwok.Stop(keepLogs); err != nil {
			fmt.Fprintln(os.Stderr, "stop kwok cluster:", err)
		}
		p.Kwok = nil
	}
	for i := len(p.stops) - 1; i >= 0; i-- {
		p.stops[i]()
	}
	p.stops = nil
}

// FakeFluxDeployments creates Deployments named like Flux's controllers in flux-system, as
// a real installation has them (the real controllers run as local processes here).
func FakeFluxDeployments(ctx context.Context, c client.Client) error {
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "flux-system"}}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	for _, name := range []string{"source-controller", "helm-controller"} {
		one := int32(1)
		labels := map[string]string{"app": name}
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "flux-system"},
			Spec: appsv1.DeploymentSpec{
				Replicas: &one,
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "manager", Image: "ghcr.io/fluxcd/" + name}}},
				},
			},
		}
		if err := c.Create(ctx, d); err != nil {
			return err
		}
	}
	return install.WaitAvailable(ctx, c, "flux-system", "helm-controller", time.Minute)
}

// ApplyPlatform creates the Platform acme the way bootstrap does: a server-side apply as
// kubectl-openova, with the given entries and catalog.
func ApplyPlatform(ctx context.Context, c client.Client, catalogURL string, entries ...openovav1alpha1.PlatformComponent) error {
	components := make([]any, 0, len(entries))
	for _, e := range entries {
		components = append(components, map[string]any{"name": e.Name, "version": e.Version})
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": openovav1alpha1.GroupVersion.String(), "kind": "Platform",
		"metadata": map[string]any{"name": PlatformName, "namespace": PlatformNamespace},
		"spec": map[string]any{
			"organization": map[string]any{"name": "acme", "domain": "acme.example.com"},
			"catalog":      map[string]any{"url": catalogURL},
			"components":   components,
		},
	}}
	return c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(install.FieldManager))
}

// GetPlatform reads the Platform acme.
func GetPlatform(ctx context.Context, c client.Client) (*openovav1alpha1.Platform, error) {
	p := &openovav1alpha1.Platform{}
	return p, c.Get(ctx, client.ObjectKey{Namespace: PlatformNamespace, Name: PlatformName}, p)
}

// WaitPlatformReady waits until the Platform acme is Ready with no alert and its status is
// current.
func WaitPlatformReady(ctx context.Context, c client.Client, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		p, err := GetPlatform(ctx, c)
		if err == nil && p.Status.Phase == openovav1alpha1.PhaseReady && p.Status.ObservedGeneration == p.Generation && len(p.Status.Alerts) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return err
			}
			return fmt.Errorf("not Ready after %s: %+v", timeout, p.Status)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// ServeCatalog serves the test charts on loopback with the test catalog name rendered
// against them at <URL>/catalog.yaml; the caller closes the server.
func ServeCatalog(name string) (*chartserver.Server, string, error) {
	chartList, err := chartserver.Default()
	if err != nil {
		return nil, "", err
	}
	srv, err := chartserver.Serve(chartList...)
	if err != nil {
		return nil, "", err
	}
	cat, err := testcatalog.Render(name, srv.URL)
	if err != nil {
		srv.Close()
		return nil, "", err
	}
	srv.SetFile("catalog.yaml", cat)
	return srv, srv.URL + "/catalog.yaml", nil
}
