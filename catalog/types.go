package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"text/template"
	"time"

	"github.com/Masterminds/semver/v3"
)

// APIVersion is the version of the catalog file format this package reads. Every
// document of a catalog names it in its apiVersion field.
const APIVersion = "catalog.openova.io/v1alpha1"

// KindComponent is the kind of a catalog document that describes one component.
const KindComponent = "Component"

// DefaultUpgradeTimeout bounds an install or upgrade of a component whose catalog entry
// sets no upgrade.timeout.
const DefaultUpgradeTimeout = 10 * time.Minute

// Category groups components in the catalog.
type Category string

// Categories, in the order the CLI lists them.
const (
	// CategoryMandatory components are part of every platform; they are installed by
	// bootstrap and can never be uninstalled.
	CategoryMandatory Category = "mandatory"
	// CategoryALaCarte components are installed on request.
	CategoryALaCarte Category = "a-la-carte"
	// CategoryMetaPlatform components bundle other components (their requirements and
	// optional members) into a product such as ai-hub.
	CategoryMetaPlatform Category = "meta-platform"
)

func (c Category) order() int {
	switch c {
	case CategoryMandatory:
		return 0
	case CategoryALaCarte:
		return 1
	case CategoryMetaPlatform:
		return 2
	}
	return 3
}

// Delivery says who installs a component.
type Delivery string

// Deliveries.
const (
	// DeliveryHelm components are delivered by the operator as a Flux HelmRelease of
	// Chart at Version.ChartVersion.
	DeliveryHelm Delivery = "helm"
	// DeliveryBootstrap components (Flux itself) are installed by bootstrap; the operator
	// only watches the listed Workloads for health.
	DeliveryBootstrap Delivery = "bootstrap"
	// DeliveryBundle components have no chart of their own: a bundle (a meta-platform
	// such as ai-hub) is resolved like any component, gets a Component object whose
	// health is the aggregate of its members, and never a HelmRelease.
	DeliveryBundle Delivery = "bundle"
)

// Placement says in which regions of a multi-region platform a component runs. It is
// parsed and validated; regions are not delivered yet.
type Placement string

// Placements.
const (
	// PlacementEveryRegion components run in every region (the default).
	PlacementEveryRegion Placement = "every-region"
	// PlacementPrimary components run in the primary region only.
	PlacementPrimary Placement = "primary"
)

// Component is one entry of the catalog: a piece of the platform and every version the
// catalog offers of it. Components returned by a Catalog are shared and must be treated
// as read-only.
type Component struct {
	// Name identifies the component (a DNS label); Platform.spec.components refer to it.
	Name string `json:"name"`
	// DisplayName is the human name, e.g. "cert-manager" or "AI Hub".
	DisplayName string `json:"displayName"`
	// Category is mandatory, a-la-carte or meta-platform.
	Category Category `json:"category"`
	// Description says in a sentence what the component gives the platform.
	Description string `json:"description"`
	// Namespace is where the component's workloads run.
	Namespace string `json:"namespace"`
	// Delivery is helm (the default), bootstrap or bundle.
	Delivery Delivery `json:"delivery"`
	// Placement is every-region (the default) or primary.
	Placement Placement `json:"placement"`
	// Chart is the Helm chart that delivers the component; required for helm delivery
	// when a version sets chartVersion. Chart parts that name no chart of their own use it.
	Chart Chart `json:"chart,omitzero"`
	// Workloads are the workloads to watch for health; only for bootstrap delivery.
	Workloads []Workload `json:"workloads,omitempty"`
	// Endpoints are Go templates of the component's URLs, e.g.
	// "https://grafana.{{ .Domain }}"; see RenderEndpoints.
	Endpoints []string `json:"endpoints,omitempty"`
	// Services are Go templates of the component's in-cluster service addresses by
	// name, e.g. {"rw": "{{ .Name }}-rw.{{ .Namespace }}.svc:5432"}, rendered like
	// Endpoints; other components' values read them as .Components.NAME.Services.KEY.
	Services map[string]string `json:"services,omitempty"`
	// Upgrade configures how the component is upgraded.
	Upgrade UpgradePolicy `json:"upgrade"`
	// Versions are the versions the catalog offers, newest first.
	Versions []Version `json:"versions"`

	// Source is the file or URL the component was read from (for messages).
	Source string `json:"-"`
	// doc is the document number in Source (0 for a single-document file).
	doc int

	endpointTmpls []*template.Template
	serviceTmpls  map[string]*template.Template
}

// Chart names a Helm chart in a chart repository.
type Chart struct {
	// Repository is the URL of the Helm repository: https://, http:// or oci://.
	Repository string `json:"repository"`
	// Name is the chart's name in the repository.
	Name string `json:"name"`
}

// Workload names a Deployment, StatefulSet or DaemonSet in the component's namespace.
type Workload struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// UpgradePolicy configures upgrades of a component.
type UpgradePolicy struct {
	// Timeout bounds an install or upgrade before Flux remediates it (rolls back).
	Timeout time.Duration `json:"-"`
}

type upgradeJSON struct {
	Timeout string `json:"timeout,omitempty"`
}

// MarshalJSON writes the timeout as a Go duration string such as "10m0s".
func (u UpgradePolicy) MarshalJSON() ([]byte, error) {
	out := upgradeJSON{}
	if u.Timeout != 0 {
		out.Timeout = u.Timeout.String()
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads a timeout written as a Go duration string such as "15m".
func (u *UpgradePolicy) UnmarshalJSON(b []byte) error {
	var in upgradeJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	u.Timeout = 0
	if in.Timeout != "" {
		d, err := time.ParseDuration(in.Timeout)
		if err != nil {
			return fmt.Errorf("timeout: %w", err)
		}
		u.Timeout = d
	}
	return nil
}

// Version is one version of a component.
type Version struct {
	// Version is the component's version in the catalog, a semantic version. It follows
	// the upstream application where that is semantically versioned, the chart otherwise.
	Version string `json:"version"`
	// ChartVersion is the version of Chart that delivers it (single-part versions).
	ChartVersion string `json:"chartVersion,omitempty"`
	// Values are the chart's default values (single-part versions): a Go text/template
	// rendered with a Context that must produce a YAML mapping. The Platform entry's
	// values are merged over them.
	Values string `json:"values,omitempty"`
	// Parts deliver a multi-part version in order, instead of ChartVersion and Values.
	Parts []Part `json:"parts,omitempty"`
	// AppVersion is the upstream application version, for display.
	AppVersion string `json:"appVersion,omitempty"`
	// Released is the upstream release date, YYYY-MM-DD.
	Released string `json:"released,omitempty"`
	// Changelog summarises what changed, in a line or two.
	Changelog string `json:"changelog,omitempty"`
	// Requires are the components this version needs, with a version constraint each.
	Requires []Requirement `json:"requires,omitempty"`
	// Optional are members the user may add (install --with NAME). When an optional
	// member is installed alongside this version, for whatever reason, its version must
	// satisfy the constraint.
	Optional []Optional `json:"optional,omitempty"`

	v    ver
	prer bool

	valuesTmpl *template.Template
}

// PartKind says how a part is delivered.
type PartKind string

// Part kinds.
const (
	// PartChart parts are Helm charts, each delivered as its own HelmRelease.
	PartChart PartKind = "chart"
	// PartResources parts are plain Kubernetes objects the operator applies itself.
	PartResources PartKind = "resources"
)

// Part is one step of a multi-part version: a chart (ChartVersion set) or plain
// resources (Resources set). Parts are delivered in order; each waits for the parts
// before it to be Ready.
type Part struct {
	// Name identifies the part within the version (a DNS label); see ReleaseName.
	Name string `json:"name"`
	// Chart is the part's chart; a field left empty is taken from the component's chart.
	Chart Chart `json:"chart,omitzero"`
	// ChartVersion is the chart's version; it makes the part a chart part.
	ChartVersion string `json:"chartVersion,omitempty"`
	// Values are the chart's default values, a template like Version.Values.
	Values string `json:"values,omitempty"`
	// Resources is a Go text/template rendering to a YAML stream of Kubernetes objects;
	// it makes the part a resource part.
	Resources string `json:"resources,omitempty"`

	valuesTmpl    *template.Template
	resourcesTmpl *template.Template
}

// Kind reports whether the part is a chart or resource part.
func (p *Part) Kind() PartKind {
	if p.Resources != "" {
		return PartResources
	}
	return PartChart
}

// Prerelease reports whether the version is a pre-release (1.2.0-rc.1). The resolver
// only picks pre-releases that are pinned or already installed.
func (v *Version) Prerelease() bool { return v.prer }

// Semver returns the version as Masterminds semver parses it, a new value on each call:
// the catalog keeps only its own compact form (parsing every version of a big catalog
// with Masterminds cost a fifth of its load).
func (v *Version) Semver() *semver.Version {
	sv, err := semver.StrictNewVersion(v.Version)
	if err != nil { // a Version of a loaded catalog always parses: Load checked it
		return semver.New(v.v.major, v.v.minor, v.v.patch, "", "")
	}
	return sv
}

// Requirement is a dependency of a version on another component.
type Requirement struct {
	// Name of the required component.
	Name string `json:"name"`
	// Constraint on its version, in Helm's (Masterminds semver) syntax: "^1.24",
	// ">=1.15.0 <2.0.0", "~0.14.1", "1.2.x", "^1 || ^2".
	Constraint string `json:"constraint"`

	c *constraint
}

// Optional is an optional member of a version, typically of a meta-platform.
type Optional struct {
	// Name of the member component.
	Name string `json:"name"`
	// Constraint on its version, same syntax as Requirement.Constraint.
	Constraint string `json:"constraint"`
	// Description says what the member adds, e.g. "knowledge graph".
	Description string `json:"description,omitempty"`

	c *constraint
}

// Version returns the version v of the component, compared by semantic-version
// precedence ("v1.2.3" and "1.2.3+build" find "1.2.3").
func (c *Component) Version(v string) (*Version, bool) {
	// The version as the catalog writes it (the common case): validation leaves no two
	// versions that compare equal, so it is the one.
	for i := range c.Versions {
		if c.Versions[i].Version == v {
			return &c.Versions[i], true
		}
	}
	pv, err := parseVersion(v)
	if err != nil {
		return nil, false
	}
	for i := range c.Versions {
		if c.Versions[i].v.cmp(&pv) == 0 {
			return &c.Versions[i], true
		}
	}
	return nil, false
}

// Newest returns the newest version, skipping pre-releases unless includePrerelease; nil
// when there is none.
func (c *Component) Newest(includePrerelease bool) *Version {
	for i := range c.Versions {
		if includePrerelease || !c.Versions[i].prer {
			return &c.Versions[i]
		}
	}
	return nil
}

// EndpointData is what endpoint templates are rendered with.
type EndpointData struct {
	// Domain is the platform's domain (Platform.spec.organization.domain).
	Domain string
	// Name is the component's name.
	Name string
	// Namespace is the component's namespace.
	Namespace string
}

// RenderEndpoints renders the component's endpoint templates for domain.
func (c *Component) RenderEndpoints(domain string) ([]string, error) {
	if domain == "" && len(c.Endpoints) > 0 {
		return nil, fmt.Errorf("render endpoints of %s: empty domain", c.Name)
	}
	tmpls := c.endpointTmpls
	if len(tmpls) != len(c.Endpoints) {
		var err error
		if tmpls, err = parseEndpoints(c.Endpoints); err != nil {
			return nil, fmt.Errorf("render endpoints of %s: %w", c.Name, err)
		}
	}
	out := make([]string, 0, len(tmpls))
	data := EndpointData{Domain: domain, Name: c.Name, Namespace: c.Namespace}
	for i, t := range tmpls {
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return nil, fmt.Errorf("render endpoint %q of %s: %w", c.Endpoints[i], c.Name, err)
		}
		out = append(out, b.String())
	}
	return out, nil
}

func parseEndpoints(srcs []string) ([]*template.Template, error) {
	out := make([]*template.Template, len(srcs))
	for i, s := range srcs {
		t, err := template.New("endpoint").Option("missingkey=error").Parse(s)
		if err != nil {
			return nil, fmt.Errorf("endpoints[%d]: %w", i, err)
		}
		out[i] = t
	}
	return out, nil
}
