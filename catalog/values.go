package catalog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/template"

	"sigs.k8s.io/yaml"
)

// Context is what the values and resources templates of a component version are
// rendered with: the Platform's identity, the component's own placement, and every
// component of the platform.
type Context struct {
	// Domain is the platform's domain (Platform.spec.organization.domain).
	Domain string
	// Organization is the platform's organization name (Platform.spec.organization.name).
	Organization string
	// Namespace is the component's namespace (where its workloads run).
	Namespace string
	// Name is the component's name.
	Name string
	// Version is the component version being rendered.
	Version string
	// Components are the platform's components by name. Index it with
	// {{ with index .Components "neo4j" }} for an optional member that may be absent.
	Components map[string]*ComponentContext
}

// ComponentContext is what a template sees of one component of the platform.
type ComponentContext struct {
	// Name is the component's name.
	Name string
	// Version is its version in the platform.
	Version string
	// Namespace is where its workloads run.
	Namespace string
	// Endpoints are its rendered URLs.
	Endpoints []string
	// Services are its rendered in-cluster service addresses, by the names its catalog
	// entry declares.
	Services map[string]string
}

// PlatformComponents renders what templates see of every component of set (those the
// catalog knows): versions, namespaces, endpoints and service addresses for domain.
func PlatformComponents(c *Catalog, domain string, set []Installed) (map[string]*ComponentContext, error) {
	out := make(map[string]*ComponentContext, len(set))
	for _, in := range set {
		comp, ok := c.Component(in.Name)
		if !ok {
			continue
		}
		cc, err := comp.componentContext(in.Version, domain)
		if err != nil {
			return nil, err
		}
		out[in.Name] = cc
	}
	return out, nil
}

func (c *Component) componentContext(version, domain string) (*ComponentContext, error) {
	cc := &ComponentContext{Name: c.Name, Version: version, Namespace: c.Namespace, Services: map[string]string{}}
	eps, err := c.RenderEndpoints(domain)
	if err != nil {
		return cc, err
	}
	cc.Endpoints = eps
	if cc.Services, err = c.RenderServices(domain); err != nil {
		return cc, err
	}
	return cc, nil
}

// RenderServices renders the component's service address templates for domain.
func (c *Component) RenderServices(domain string) (map[string]string, error) {
	tmpls := c.serviceTmpls
	if len(tmpls) != len(c.Services) {
		var err error
		if tmpls, err = parseServices(c.Services); err != nil {
			return nil, fmt.Errorf("render services of %s: %w", c.Name, err)
		}
	}
	out := make(map[string]string, len(tmpls))
	data := EndpointData{Domain: domain, Name: c.Name, Namespace: c.Namespace}
	for _, k := range slices.Sorted(maps.Keys(tmpls)) {
		var b bytes.Buffer
		if err := tmpls[k].Execute(&b, data); err != nil {
			return nil, fmt.Errorf("render service %s of %s: %w", k, c.Name, err)
		}
		out[k] = b.String()
	}
	return out, nil
}

func parseServices(srcs map[string]string) (map[string]*template.Template, error) {
	out := make(map[string]*template.Template, len(srcs))
	for _, k := range slices.Sorted(maps.Keys(srcs)) {
		t, err := template.New("service").Option("missingkey=error").Parse(srcs[k])
		if err != nil {
			return nil, fmt.Errorf("services.%s: %w", k, err)
		}
		out[k] = t
	}
	return out, nil
}

// Context returns the context to render version of c with in a platform whose
// components are comps (see PlatformComponents).
func (c *Component) Context(version, domain, organization string, comps map[string]*ComponentContext) Context {
	return Context{Domain: domain, Organization: organization, Namespace: c.Namespace, Name: c.Name, Version: version, Components: comps}
}

// RenderedPart is one part of a component version, rendered for a platform: what the
// operator delivers.
type RenderedPart struct {
	// Name is the part's name (the component's name for a single-part version).
	Name string
	// Kind is chart or resources.
	Kind PartKind
	// Release names the part's HelmRelease (chart parts); see Component.ReleaseName.
	Release string
	// Chart and ChartVersion are the chart to install (chart parts).
	Chart        Chart
	ChartVersion string
	// Values are the rendered default values (chart parts); never nil for chart parts.
	Values map[string]any
	// Objects are the rendered Kubernetes objects (resource parts), in order.
	Objects []map[string]any
}

// Render renders version v of c with ctx into the parts to deliver: one chart part
// named after the component for a single-part helm version, the version's parts in
// order for a multi-part one, nothing for bootstrap and bundle components.
func (c *Component) Render(v *Version, ctx Context) ([]RenderedPart, error) {
	switch {
	case c.Delivery == DeliveryBundle || c.Delivery == DeliveryBootstrap:
		return nil, nil
	case len(v.Parts) == 0:
		vals, err := renderValues(v.valuesTmpl, v.Values, ctx)
		if err != nil {
			return nil, fmt.Errorf("render values of %s %s: %w", c.Name, v.Version, err)
		}
		return []RenderedPart{{Name: c.Name, Kind: PartChart, Release: c.Name, Chart: c.Chart, ChartVersion: v.ChartVersion, Values: vals}}, nil
	}
	out := make([]RenderedPart, 0, len(v.Parts))
	for i := range v.Parts {
		p := &v.Parts[i]
		rp := RenderedPart{Name: p.Name, Kind: p.Kind()}
		var err error
		switch rp.Kind {
		case PartChart:
			rp.Release = c.ReleaseName(p.Name)
			rp.Chart = c.partChart(p)
			rp.ChartVersion = p.ChartVersion
			rp.Values, err = renderValues(p.valuesTmpl, p.Values, ctx)
		case PartResources:
			rp.Objects, err = renderObjects(p.resourcesTmpl, p.Resources, ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("render part %s of %s %s: %w", p.Name, c.Name, v.Version, err)
		}
		out = append(out, rp)
	}
	return out, nil
}

// ReleaseName is the name of the HelmRelease (and Helm release) of the chart part
// called part: the part's name when it is the component's name or starts with the
// component's name and "-" (kserve's parts kserve-crd and kserve), else
// "<component>-<part>".
func (c *Component) ReleaseName(part string) string {
	if part == c.Name || strings.HasPrefix(part, c.Name+"-") {
		return part
	}
	return c.Name + "-" + part
}

// PartNames returns the names of v's parts, or nil for a single-part version.
func (v *Version) PartNames() []string {
	if len(v.Parts) == 0 {
		return nil
	}
	out := make([]string, len(v.Parts))
	for i := range v.Parts {
		out[i] = v.Parts[i].Name
	}
	return out
}

func (c *Component) partChart(p *Part) Chart {
	ch := p.Chart
	if ch.Repository == "" {
		ch.Repository = c.Chart.Repository
	}
	if ch.Name == "" {
		ch.Name = c.Chart.Name
	}
	return ch
}

// templateFuncs are the functions values and resources templates may call, named as in
// Helm: quote, default, required, toYaml, toJson, indent, nindent, b64enc.
var templateFuncs = template.FuncMap{
	"quote": func(v any) string { return fmt.Sprintf("%q", fmt.Sprint(v)) },
	"default": func(def, v any) any {
		if v == nil || v == "" {
			return def
		}
		return v
	},
	"required": func(msg string, v any) (any, error) {
		if v == nil || v == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	},
	"toYaml": func(v any) (string, error) {
		b, err := yaml.Marshal(v)
		return strings.TrimSuffix(string(b), "\n"), err
	},
	"toJson": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"indent": func(n int, s string) string {
		pad := strings.Repeat(" ", n)
		return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
	},
	"nindent": func(n int, s string) string {
		pad := strings.Repeat(" ", n)
		return "\n" + pad + strings.ReplaceAll(s, "\n", "\n"+pad)
	},
	"b64enc": func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
}

func parseTemplate(name, src string) (*template.Template, error) {
	return template.New(name).Option("missingkey=error").Funcs(templateFuncs).Parse(src)
}

func execute(t *template.Template, name, src string, ctx Context) ([]byte, error) {
	if t == nil {
		var err error
		if t, err = parseTemplate(name, src); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	if err := t.Execute(&b, ctx); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// renderValues renders a values template into a mapping ({} when src is empty).
func renderValues(t *template.Template, src string, ctx Context) (map[string]any, error) {
	out := map[string]any{}
	if src == "" {
		return out, nil
	}
	b, err := execute(t, "values", src, ctx)
	if err != nil {
		return nil, err
	}
	js, err := yaml.YAMLToJSONStrict(b)
	if err != nil {
		return nil, fmt.Errorf("rendered values are not YAML: %w", err)
	}
	if t := bytes.TrimSpace(js); len(t) == 0 || string(t) == "null" {
		return out, nil
	}
	if err := json.Unmarshal(js, &out); err != nil {
		return nil, fmt.Errorf("rendered values are not a mapping: %s", firstLine(string(b)))
	}
	return out, nil
}

// renderObjects renders a resources template into the objects of its YAML stream; each
// needs apiVersion, kind and metadata.name.
func renderObjects(t *template.Template, src string, ctx Context) ([]map[string]any, error) {
	b, err := execute(t, "resources", src, ctx)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, d := range splitDocuments(b) {
		js, err := yaml.YAMLToJSONStrict(d.data)
		if err != nil {
			return nil, fmt.Errorf("rendered resources are not YAML: %s", yamlError(err, d.line))
		}
		if t := bytes.TrimSpace(js); len(t) == 0 || string(t) == "null" {
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal(js, &obj); err != nil {
			return nil, fmt.Errorf("rendered document at line %d is not a mapping", d.line)
		}
		api, _ := obj["apiVersion"].(string)
		kind, _ := obj["kind"].(string)
		md, _ := obj["metadata"].(map[string]any)
		name, _ := md["name"].(string)
		if api == "" || kind == "" || name == "" {
			return nil, fmt.Errorf("rendered document at line %d needs apiVersion, kind and metadata.name", d.line)
		}
		out = append(out, obj)
	}
	if len(out) == 0 {
		return nil, errors.New("rendered resources hold no object")
	}
	return out, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// MergeValues returns base with overlay merged over it the way Helm merges user values
// over a chart's defaults: mappings merge key by key, any other value replaces, and a
// null in overlay removes the key. Neither argument is changed.
func MergeValues(base, overlay map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(overlay))
	maps.Copy(out, base)
	for k, ov := range overlay {
		if ov == nil {
			delete(out, k)
			continue
		}
		bm, ok1 := out[k].(map[string]any)
		om, ok2 := ov.(map[string]any)
		if ok1 && ok2 {
			out[k] = MergeValues(bm, om)
			continue
		}
		out[k] = ov
	}
	return out
}
