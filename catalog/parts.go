package catalog

import (
	"bytes"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/Masterminds/semver/v3"
)

const (
	maxParts = 16
	// maxReleaseName is Helm's limit on a release name.
	maxReleaseName = 53
	maxServices    = 16
	// maxTemplateLen bounds a values or resources template.
	maxTemplateLen = 64 << 10
)

// serviceKey is a key of services: usable as .Services.KEY in a template.
// missingKey finds a template's reference to a component missing from .Components.
var missingKey = regexp.MustCompile(`at <\.Components\.([^.>]+)[^>]*>: map has no entry for key "([^"]*)"`)

var serviceKey = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// validatePlacementAndServices checks placement (filling the default) and the service
// address templates.
func validatePlacementAndServices(c *Component, add func(string, string, ...any)) {
	switch c.Placement {
	case "":
		c.Placement = PlacementEveryRegion
	case PlacementEveryRegion, PlacementPrimary:
	default:
		add("placement", "%q is not one of every-region, primary", c.Placement)
	}
	if len(c.Services) > maxServices {
		add("services", "more than %d services", maxServices)
	}
	c.serviceTmpls = nil
	ok := 0
	for _, k := range slices.Sorted(maps.Keys(c.Services)) {
		field := "services." + k
		if !serviceKey.MatchString(k) {
			add(field, "%q is not a service name: a lower-case letter, then letters and digits (templates read it as .Services.%s)", k, k)
			continue
		}
		ts, err := parseServices(map[string]string{k: c.Services[k]})
		if err != nil {
			add(field, "invalid template %q: %v", c.Services[k], err)
			continue
		}
		var b bytes.Buffer
		if err := ts[k].Execute(&b, EndpointData{Domain: "example.com", Name: c.Name, Namespace: c.Namespace}); err != nil {
			add(field, "template %q does not render: %v (it may use .Domain, .Name and .Namespace)", c.Services[k], err)
			continue
		}
		out := b.String()
		if out == "" || strings.ContainsAny(out, " \t\r\n") {
			add(field, "%q renders to %q, which is not a service address such as NAME.NAMESPACE.svc:PORT", c.Services[k], out)
			continue
		}
		ok++
	}
	if ok == len(c.Services) && len(c.Services) > 0 {
		c.serviceTmpls, _ = parseServices(c.Services)
	}
}

// needsComponentChart reports whether a helm component needs its own chart: some version
// is single-part, or some chart part leaves its chart's repository or name to it.
func needsComponentChart(c *Component) bool {
	if len(c.Versions) == 0 {
		return true
	}
	for i := range c.Versions {
		v := &c.Versions[i]
		if len(v.Parts) == 0 {
			return true
		}
		for j := range v.Parts {
			p := &v.Parts[j]
			if p.Kind() == PartChart && (p.Chart.Repository == "" || p.Chart.Name == "") {
				return true
			}
		}
	}
	return false
}

// validateVersionDelivery checks what delivers version v (field vf): chartVersion and
// values of a single-part version, or its parts.
func validateVersionDelivery(c *Component, vf string, v *Version, add func(string, string, ...any)) {
	v.valuesTmpl = nil
	switch c.Delivery {
	case DeliveryBundle:
		for field, set := range map[string]bool{"chartVersion": v.ChartVersion != "", "values": v.Values != "", "parts": len(v.Parts) > 0} {
			if set {
				add(vf+"."+field, "a bundle has no chart: list its members in requires and optional")
			}
		}
		return
	case DeliveryBootstrap:
		if v.Values != "" {
			add(vf+".values", "only used with delivery helm")
		}
		if len(v.Parts) > 0 {
			add(vf+".parts", "only used with delivery helm")
		}
	}
	if len(v.Parts) == 0 {
		if v.ChartVersion == "" {
			if c.Delivery == DeliveryHelm {
				add(vf+".chartVersion", "required for delivery helm (or parts)")
			}
		} else if !isRelease(v.ChartVersion) && !isSemver(v.ChartVersion) {
			add(vf+".chartVersion", "%q is not a semantic version (Helm requires one)", v.ChartVersion)
		}
		v.valuesTmpl = checkTemplate(vf+".values", v.Values, add)
		return
	}
	if c.Delivery != DeliveryHelm {
		return
	}
	if v.ChartVersion != "" {
		add(vf+".chartVersion", "set per part when the version has parts")
	}
	if v.Values != "" {
		add(vf+".values", "set per part when the version has parts")
	}
	if len(v.Parts) > maxParts {
		add(vf+".parts", "more than %d parts", maxParts)
	}
	names := map[string]int{}
	for j := range v.Parts {
		p := &v.Parts[j]
		pf := fmt.Sprintf("%s.parts[%d]", vf, j)
		p.valuesTmpl, p.resourcesTmpl = nil, nil
		switch {
		case p.Name == "":
			add(pf+".name", "required")
		case len(p.Name) > 63 || !dnsLabel.MatchString(p.Name):
			add(pf+".name", "%q must be a DNS label", p.Name)
		case len(c.ReleaseName(p.Name)) > maxReleaseName:
			add(pf+".name", "its release name %s is longer than Helm's %d characters", c.ReleaseName(p.Name), maxReleaseName)
		default:
			if k, dup := names[p.Name]; dup {
				add(pf+".name", "%s duplicates parts[%d]", p.Name, k)
			}
			names[p.Name] = j
		}
		isChart, isRes := p.ChartVersion != "", p.Resources != ""
		switch {
		case isChart && isRes:
			add(pf, "a part is a chart (chartVersion) or resources, not both")
		case !isChart && !isRes:
			add(pf, "set chartVersion (a chart part) or resources (a resource part)")
		case isRes:
			if p.Chart != (Chart{}) {
				add(pf+".chart", "only used by chart parts")
			}
			if p.Values != "" {
				add(pf+".values", "only used by chart parts")
			}
			if len(p.Resources) > maxTemplateLen {
				add(pf+".resources", "longer than %d bytes", maxTemplateLen)
			} else if t, err := parseTemplate("resources", p.Resources); err != nil {
				add(pf+".resources", "invalid template: %v", err)
			} else {
				p.resourcesTmpl = t
			}
		default:
			if _, err := semver.NewVersion(p.ChartVersion); err != nil {
				add(pf+".chartVersion", "%q is not a semantic version (Helm requires one)", p.ChartVersion)
			}
			ch := c.partChart(p)
			if p.Chart.Repository != "" {
				if u, err := url.Parse(ch.Repository); err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "oci") || u.Host == "" {
					add(pf+".chart.repository", "%q must be an https://, http:// or oci:// URL", ch.Repository)
				}
			}
			if p.Chart.Name != "" && !chartName.MatchString(ch.Name) {
				add(pf+".chart.name", "%q is not a valid chart name", ch.Name)
			}
			p.valuesTmpl = checkTemplate(pf+".values", p.Values, add)
		}
	}
}

// checkTemplate parses a values template; nil when src is empty or broken (reported).
func checkTemplate(field, src string, add func(string, string, ...any)) *template.Template {
	if src == "" {
		return nil
	}
	if len(src) > maxTemplateLen {
		add(field, "longer than %d bytes", maxTemplateLen)
		return nil
	}
	t, err := parseTemplate("values", src)
	if err != nil {
		add(field, "invalid template: %v", err)
		return nil
	}
	return t
}

// checkRenders renders every values and resources template of comp with a sample
// platform (domain example.com) holding comp and the components each version requires,
// once with and once without its optional members, and reports what does not render.
// It also reports chart parts whose release name is another component's name.
func checkRenders(comp *Component, byName map[string]*Component, broken map[*Component]bool) []Problem {
	var problems []Problem
	add := func(field, format string, args ...any) {
		problems = append(problems, Problem{File: comp.Source, Document: comp.doc, Component: comp.Name, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	for i := range comp.Versions {
		v := &comp.Versions[i]
		if len(v.Parts) == 0 && v.Values == "" {
			continue
		}
		vf := fmt.Sprintf("versions[%d]", i)
		for j := range v.Parts {
			p := &v.Parts[j]
			if rn := comp.ReleaseName(p.Name); p.Kind() == PartChart && rn != comp.Name && byName[rn] != nil {
				add(fmt.Sprintf("%s.parts[%d].name", vf, j), "its release name %s is the name of another component", rn)
			}
		}
		if v.Values == "" && !slices.ContainsFunc(v.Parts, func(p Part) bool { return p.Values != "" || p.Resources != "" }) {
			continue
		}
		comps, ok := sampleComponents(comp, v, byName, broken, true)
		if !ok {
			continue
		}
		withOut, _ := sampleComponents(comp, v, byName, broken, false)
		for _, set := range []map[string]*ComponentContext{comps, withOut} {
			ctx := comp.Context(v.Version, "example.com", "example", set)
			n := len(problems)
			if _, err := renderValues(v.valuesTmpl, v.Values, ctx); err != nil && v.valuesTmpl != nil {
				add(vf+".values", "does not render: %v", err)
			}
			for j := range v.Parts {
				p := &v.Parts[j]
				pf := fmt.Sprintf("%s.parts[%d]", vf, j)
				if p.valuesTmpl != nil {
					if _, err := renderValues(p.valuesTmpl, p.Values, ctx); err != nil {
						add(pf+".values", "does not render: %v", err)
					}
				}
				if p.resourcesTmpl != nil {
					if _, err := renderObjects(p.resourcesTmpl, p.Resources, ctx); err != nil {
						add(pf+".resources", "does not render: %v", err)
					}
				}
			}
			for k := n; k < len(problems); k++ {
				if m := missingKey.FindStringSubmatch(problems[k].Message); m != nil && m[1] == m[2] && comps[m[1]] == nil {
					problems[k].Message += " (.Components holds this component and those this version requires or lists as optional)"
				}
			}
			if len(problems) > n {
				if len(set) < len(comps) {
					for k := n; k < len(problems); k++ {
						problems[k].Message += " (when its optional members are not installed; use {{ with index .Components \"NAME\" }})"
					}
				}
				break
			}
		}
	}
	return problems
}

// sampleComponents is the sample platform for checkRenders: comp at v, and each
// requirement (and optional member, if withOptional) at its newest version that fits.
// ok is false when a member has problems of its own.
func sampleComponents(comp *Component, v *Version, byName map[string]*Component, broken map[*Component]bool, withOptional bool) (map[string]*ComponentContext, bool) {
	out := map[string]*ComponentContext{}
	self, err := comp.componentContext(v.Version, "example.com")
	if err != nil {
		return nil, false
	}
	out[comp.Name] = self
	addMember := func(name string, c *constraint) bool {
		target := byName[name]
		if target == nil || broken[target] || c == nil {
			return false
		}
		for j := range target.Versions {
			tv := &target.Versions[j]
			if c.match(&tv.v) {
				cc, err := target.componentContext(tv.Version, "example.com")
				if err != nil {
					return false
				}
				out[name] = cc
				return true
			}
		}
		return false
	}
	for _, r := range v.Requires {
		if !addMember(r.Name, r.c) {
			return nil, false
		}
	}
	if withOptional {
		for _, o := range v.Optional {
			if !addMember(o.Name, o.c) {
				return nil, false
			}
		}
	}
	return out, true
}

// nameParts fills the part names of each step of p whose version has several parts.
func nameParts(c *Catalog, p *Plan) {
	if p == nil {
		return
	}
	for i := range p.Steps {
		st := &p.Steps[i]
		comp, ok := c.Component(st.Component)
		if !ok || !c.index.multiPart[c.index.byName[st.Component]] {
			continue // single-part versions have no part names
		}
		ver := st.To
		if ver == "" {
			ver = st.From
		}
		if v, ok := comp.Version(ver); ok {
			st.Parts = v.PartNames()
		}
	}
}
