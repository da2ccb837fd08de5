package plugin

import (
	"context"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	utilversion "k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/bootstrap"
	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/internal/version"
	"github.com/openova-io/core/lifecycle"
	"github.com/openova-io/core/manifests"
)

// MinKubernetesVersion is the oldest Kubernetes the CRDs (CEL validation rules) and the
// operator support.
const MinKubernetesVersion = "1.30.0"

// fluxCRDs are the Flux APIs the operator delivers components with.
var fluxCRDs = []string{"helmreleases.helm.toolkit.fluxcd.io", "helmrepositories.source.toolkit.fluxcd.io"}

// fluxControllers are the Flux Deployments the operator relies on.
var fluxControllers = []string{"source-controller", "helm-controller"}

func (o *CheckOptions) run(ctx context.Context) *CheckReport {
	r := &CheckReport{Checks: []CheckResult{}}
	if o.Pre {
		for _, c := range bootstrap.PreflightFile(ctx, o.ConfigFile, nil, bootstrap.PreflightOptions{TerraformPath: o.TerraformPath, BinDir: o.BinDir}) {
			status := CheckOK
			if !c.OK {
				status = CheckFailed
			}
			r.add("pre-flight "+c.Name, status, "%s", c.Message)
		}
		return r
	}
	cfg, err := o.RESTConfig()
	if err != nil {
		r.add("Kubernetes", CheckFailed, "%v", err)
		return r
	}
	if !checkServer(r, cfg) {
		return r
	}
	c, err := checkClient(cfg)
	if err != nil {
		r.add("Kubernetes", CheckFailed, "%v", err)
		return r
	}
	crdsOK := checkCRDs(ctx, r, c)
	checkOperator(ctx, r, c)
	checkFlux(ctx, r, c)
	o.checkCatalog(ctx, r, crdsOK)
	return r
}

// checkServer checks the API server answers and its version is supported.
func checkServer(r *CheckReport, cfg *rest.Config) bool {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		r.add("Kubernetes", CheckFailed, "%v", err)
		return false
	}
	info, err := dc.ServerVersion()
	if err != nil {
		r.add("Kubernetes", CheckFailed, "cannot reach the API server at %s: %v", cfg.Host, err)
		return false
	}
	have, err := utilversion.ParseGeneric(info.GitVersion)
	if err != nil {
		r.add("Kubernetes", CheckWarning, "API server at %s reachable, but its version %q is not semantic; %s or later is required", cfg.Host, info.GitVersion, MinKubernetesVersion)
		return true
	}
	if !have.AtLeast(utilversion.MustParseGeneric(MinKubernetesVersion)) {
		r.add("Kubernetes", CheckFailed, "Kubernetes %s at %s is too old: %s or later is required", info.GitVersion, cfg.Host, MinKubernetesVersion)
		return true
	}
	r.add("Kubernetes", CheckOK, "Kubernetes %s at %s (%s or later required)", info.GitVersion, cfg.Host, MinKubernetesVersion)
	return true
}

// checkClient returns a client for CRDs and Deployments that needs no discovery.
func checkClient(cfg *rest.Config) (client.Client, error) {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = apiextensionsv1.AddToScheme(s)
	m := meta.NewDefaultRESTMapper(nil)
	crd := apiextensionsv1.SchemeGroupVersion
	m.AddSpecific(crd.WithKind("CustomResourceDefinition"), crd.WithResource("customresourcedefinitions"), crd.WithResource("customresourcedefinition"), meta.RESTScopeRoot)
	m.AddSpecific(appsv1.SchemeGroupVersion.WithKind("Deployment"), appsv1.SchemeGroupVersion.WithResource("deployments"), appsv1.SchemeGroupVersion.WithResource("deployment"), meta.RESTScopeNamespace)
	return client.New(cfg, client.Options{Scheme: s, Mapper: m})
}

// checkCRDs compares the served openova CRDs with the ones this plugin embeds.
func checkCRDs(ctx context.Context, r *CheckReport, c client.Client) bool {
	objs, err := kube.ReadFS(manifests.CRDs, "crd/bases")
	if err != nil {
		r.add("CRDs", CheckFailed, "read the embedded CRDs: %v", err)
		return false
	}
	want, err := kube.CRDs(objs)
	if err != nil {
		r.add("CRDs", CheckFailed, "read the embedded CRDs: %v", err)
		return false
	}
	ok := true
	for _, w := range want {
		got := &apiextensionsv1.CustomResourceDefinition{}
		err := c.Get(ctx, client.ObjectKey{Name: w.Name}, got)
		switch {
		case apierrors.IsNotFound(err):
			r.add("CRDs", CheckFailed, "%s is not installed: install the operator with kubectl openova bootstrap (or apply openova-operator.yaml from the release)", w.Name)
			ok = false
		case err != nil:
			r.add("CRDs", CheckFailed, "read %s: %v", w.Name, err)
			ok = false
		case !established(got):
			r.add("CRDs", CheckFailed, "%s is installed but not established", w.Name)
			ok = false
		default:
			if diff := crdDiff(w, got); len(diff) > 0 {
				r.add("CRDs", CheckWarning, "%s differs from this plugin's (%s): %s; install the operator of version %s", w.Name, version.Get().Version, strings.Join(diff, ", "), version.Get().Version)
			} else {
				r.add("CRDs", CheckOK, "%s is installed and current", w.Name)
			}
		}
	}
	return ok
}

func established(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, cond := range crd.Status.Conditions {
		if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
			return true
		}
	}
	return false
}

// crdDiff names what differs between the CRD this plugin embeds and the served one: names,
// scope, and per version served/storage flags, schema, subresources and printer columns.
func crdDiff(want, got *apiextensionsv1.CustomResourceDefinition) []string {
	var out []string
	if !kube.JSONEqual(want.Spec.Names, got.Spec.Names) {
		out = append(out, "names")
	}
	if want.Spec.Scope != got.Spec.Scope {
		out = append(out, "scope")
	}
	served := map[string]apiextensionsv1.CustomResourceDefinitionVersion{}
	for _, v := range got.Spec.Versions {
		served[v.Name] = v
	}
	for _, v := range want.Spec.Versions {
		g, ok := served[v.Name]
		if !ok {
			out = append(out, "version "+v.Name+" missing")
			continue
		}
		delete(served, v.Name)
		if v.Served != g.Served || v.Storage != g.Storage {
			out = append(out, v.Name+" served/storage")
		}
		if !kube.JSONEqual(v.Schema, g.Schema) {
			out = append(out, v.Name+" schema")
		}
		if !kube.JSONEqual(v.Subresources, g.Subresources) {
			out = append(out, v.Name+" subresources")
		}
		if !kube.JSONEqual(v.AdditionalPrinterColumns, g.AdditionalPrinterColumns) {
			out = append(out, v.Name+" printer columns")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(served)) {
		out = append(out, "extra version "+name)
	}
	return out
}

// checkOperator checks the operator's Deployment is available and runs the plugin's version.
func checkOperator(ctx context.Context, r *CheckReport, c client.Client) {
	d := &appsv1.Deployment{}
	name := install.Namespace + "/" + install.DeploymentName
	err := c.Get(ctx, client.ObjectKey{Namespace: install.Namespace, Name: install.DeploymentName}, d)
	switch {
	case apierrors.IsNotFound(err):
		r.add("operator", CheckFailed, "Deployment %s not found: install the operator with kubectl openova bootstrap (or apply openova-operator.yaml from the release)", name)
		return
	case err != nil:
		r.add("operator", CheckFailed, "read Deployment %s: %v", name, err)
		return
	}
	if !deploymentAvailable(d) {
		r.add("operator", CheckFailed, "Deployment %s is not available (%d of %d replicas ready): see kubectl -n %s describe deployment %s",
			name, d.Status.ReadyReplicas, replicas(d), install.Namespace, install.DeploymentName)
		return
	}
	r.add("operator", CheckOK, "Deployment %s is available (%d/%d ready)", name, d.Status.ReadyReplicas, replicas(d))
	image := ""
	for _, ctr := range d.Spec.Template.Spec.Containers {
		if strings.HasPrefix(ctr.Image, install.Image) {
			image = ctr.Image
		}
	}
	plugin := version.Get().Version
	want := install.ImageTag(plugin)
	_, tag, _ := strings.Cut(strings.TrimPrefix(image, install.Image), ":")
	switch {
	case image == "":
		r.add("operator", CheckWarning, "Deployment %s runs no %s image", name, install.Image)
	case want == "latest":
		r.add("operator", CheckOK, "operator image %s (this plugin is a development build, %s)", image, plugin)
	case tag != want:
		r.add("operator", CheckWarning, "the operator runs %s, this plugin is %s: install the operator of the plugin's version (or use a plugin of the operator's)", tag, plugin)
	default:
		r.add("operator", CheckOK, "operator image %s matches the plugin (%s)", image, plugin)
	}
}

func replicas(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

func deploymentAvailable(d *appsv1.Deployment) bool {
	for _, cond := range d.Status.Conditions {
		if cond.Type == appsv1.DeploymentAvailable {
			return string(cond.Status) == "True" && d.Status.ObservedGeneration >= d.Generation
		}
	}
	return false
}

// checkFlux checks the Flux CRDs are installed and its controllers run in flux-system.
func checkFlux(ctx context.Context, r *CheckReport, c client.Client) {
	var missing []string
	for _, name := range fluxCRDs {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil || !established(crd) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		r.add("Flux", CheckFailed, "Flux CRDs missing: %s: install Flux (kubectl openova bootstrap installs it)", strings.Join(missing, ", "))
	} else {
		r.add("Flux", CheckOK, "Flux CRDs installed: %s", strings.Join(fluxCRDs, ", "))
	}
	for _, name := range fluxControllers {
		d := &appsv1.Deployment{}
		err := c.Get(ctx, client.ObjectKey{Namespace: openovav1alpha1.FluxNamespace, Name: name}, d)
		switch {
		case apierrors.IsNotFound(err):
			r.add("Flux", CheckWarning, "Deployment %s/%s not found (fine if Flux runs elsewhere)", openovav1alpha1.FluxNamespace, name)
		case err != nil:
			r.add("Flux", CheckWarning, "read Deployment %s/%s: %v", openovav1alpha1.FluxNamespace, name, err)
		case !deploymentAvailable(d):
			r.add("Flux", CheckFailed, "Deployment %s/%s is not available (%d of %d replicas ready)", openovav1alpha1.FluxNamespace, name, d.Status.ReadyReplicas, replicas(d))
		default:
			r.add("Flux", CheckOK, "Deployment %s/%s is available", openovav1alpha1.FluxNamespace, name)
		}
	}
}

// checkCatalog loads the catalog the other commands would use.
func (o *CheckOptions) checkCatalog(ctx context.Context, r *CheckReport, crdsOK bool) {
	var p *openovav1alpha1.Platform
	if crdsOK && o.Catalog == "" {
		if c, err := o.Client(); err == nil {
			if found, err := o.FindPlatform(ctx, c); err == nil {
				p = found
			}
		}
	}
	cat, err := lifecycle.CatalogFor(ctx, o.Catalog, p)
	if err != nil {
		r.add("catalog", CheckFailed, "%v", err)
		return
	}
	r.add("catalog", CheckOK, "catalog %s loads: %s", cat.Source(), plural(len(cat.Components()), "component"))
}
