package catalog

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/Masterminds/semver/v3"
)

var (
	dnsLabel  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	chartName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$`)
	dnsSubdom = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
	dateRe    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

const (
	maxVersions  = 512
	maxEndpoints = 16
	maxTextLen   = 4096
)

// constraintCache shares compiled constraints between requirements with the same text.
type constraintCache map[string]*constraint

func newConstraintCache() constraintCache { return constraintCache{} }

func (cc constraintCache) parse(s string) (*constraint, error) {
	if c, ok := cc[s]; ok {
		return c, nil
	}
	c, err := parseConstraint(s)
	if err != nil {
		return nil, err
	}
	cc[s] = c
	return c, nil
}

// validateComponent checks everything that can be checked about one component on its
// own, fills defaults and parsed forms, and sorts versions newest first. References to
// other components are checked by build.
func validateComponent(c *Component, cc constraintCache) []fieldProblem {
	var ps []fieldProblem
	add := func(field, format string, args ...any) {
		ps = append(ps, fieldProblem{field, fmt.Sprintf(format, args...)})
	}
	switch {
	case c.Name == "":
		add("name", "required")
	case len(c.Name) > 63 || !dnsLabel.MatchString(c.Name):
		add("name", "%q must be a DNS label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit", c.Name)
	}
	if c.DisplayName == "" {
		c.DisplayName = c.Name
	}
	switch c.Category {
	case CategoryMandatory, CategoryALaCarte, CategoryMetaPlatform:
	case "":
		add("category", "required (mandatory, a-la-carte or meta-platform)")
	default:
		add("category", "%q is not one of mandatory, a-la-carte, meta-platform", c.Category)
	}
	if strings.TrimSpace(c.Description) == "" {
		add("description", "required")
	} else if len(c.Description) > maxTextLen {
		add("description", "longer than %d characters", maxTextLen)
	}
	switch {
	case c.Namespace == "":
		add("namespace", "required")
	case len(c.Namespace) > 63 || !dnsLabel.MatchString(c.Namespace):
		add("namespace", "%q must be a DNS label", c.Namespace)
	}
	switch c.Delivery {
	case "":
		c.Delivery = DeliveryHelm
	case DeliveryHelm, DeliveryBootstrap, DeliveryBundle:
	default:
		add("delivery", "%q is not one of helm, bootstrap, bundle", c.Delivery)
	}
	validatePlacementAndServices(c, add)
	chartSet := c.Chart.Repository != "" || c.Chart.Name != ""
	if c.Delivery == DeliveryBundle && chartSet {
		add("chart", "a bundle has no chart: its members deliver it")
	} else if c.Delivery == DeliveryHelm && needsComponentChart(c) || chartSet {
		if c.Chart.Repository == "" {
			add("chart.repository", "required for delivery %s", c.Delivery)
		} else if u, err := url.Parse(c.Chart.Repository); err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "oci") || u.Host == "" {
			add("chart.repository", "%q must be an https://, http:// or oci:// URL", c.Chart.Repository)
		}
		switch {
		case c.Chart.Name == "":
			add("chart.name", "required for delivery %s", c.Delivery)
		case !chartName.MatchString(c.Chart.Name):
			add("chart.name", "%q is not a valid chart name", c.Chart.Name)
		}
	}
	switch {
	case c.Delivery == DeliveryBootstrap && len(c.Workloads) == 0:
		add("workloads", "required for delivery bootstrap: the operator watches them for health")
	case c.Delivery != DeliveryBootstrap && len(c.Workloads) > 0:
		add("workloads", "only used with delivery bootstrap (helm components report health through their HelmRelease)")
	}
	for i, w := range c.Workloads {
		switch w.Kind {
		case "Deployment", "StatefulSet", "DaemonSet":
		default:
			add(fmt.Sprintf("workloads[%d].kind", i), "%q is not one of Deployment, StatefulSet, DaemonSet", w.Kind)
		}
		if w.Name == "" || len(w.Name) > 253 || !dnsSubdom.MatchString(w.Name) {
			add(fmt.Sprintf("workloads[%d].name", i), "%q is not a valid object name", w.Name)
		}
	}
	if len(c.Endpoints) > maxEndpoints {
		add("endpoints", "more than %d endpoints", maxEndpoints)
	}
	c.endpointTmpls = nil
	tmpls := make([]*template.Template, 0, len(c.Endpoints))
	for i, e := range c.Endpoints {
		field := fmt.Sprintf("endpoints[%d]", i)
		ts, err := parseEndpoints([]string{e})
		if err != nil {
			add(field, "invalid template %q: %v", e, strings.TrimPrefix(err.Error(), "endpoints[0]: "))
			continue
		}
		var b bytes.Buffer
		if err := ts[0].Execute(&b, EndpointData{Domain: "example.com", Name: c.Name, Namespace: c.Namespace}); err != nil {
			add(field, "template %q does not render: %v (it may use .Domain, .Name and .Namespace)", e, err)
			continue
		}
		u, err := url.Parse(b.String())
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add(field, "%q renders to %q, which is not an http(s) URL", e, b.String())
			continue
		}
		tmpls = append(tmpls, ts[0])
	}
	if len(tmpls) == len(c.Endpoints) {
		c.endpointTmpls = tmpls
	}
	if c.Upgrade.Timeout == 0 {
		c.Upgrade.Timeout = DefaultUpgradeTimeout
	} else if c.Upgrade.Timeout < 0 || c.Upgrade.Timeout > 24*time.Hour {
		add("upgrade.timeout", "%s is out of range (0, 24h]", c.Upgrade.Timeout)
	}
	if len(c.Versions) == 0 {
		add("versions", "at least one version is required")
	}
	if len(c.Versions) > maxVersions {
		add("versions", "more than %d versions", maxVersions)
	}
	seen := make(map[string]int, len(c.Versions))
	for i := range c.Versions {
		v := &c.Versions[i]
		vf := "versions[" + strconv.Itoa(i) + "]"
		if v.Version == "" {
			add(vf+".version", "required")
		} else if pv, err := parseVersion(v.Version); err != nil || strings.HasPrefix(v.Version, "v") {
			add(vf+".version", "%q is not a semantic version MAJOR.MINOR.PATCH[-PRERELEASE] (no \"v\" prefix)", v.Version)
		} else {
			v.v, v.prer = pv, pv.isPre()
			// Build metadata does not count. A strict semantic version without "v" is
			// written as sv.String() writes it.
			key, _, _ := strings.Cut(v.Version, "+")
			if j, dup := seen[key]; dup {
				add(vf+".version", "%s duplicates versions[%d]", v.Version, j)
			}
			seen[key] = i
		}
		validateVersionDelivery(c, vf, v, add)
		if v.Released != "" {
			if _, err := time.Parse(time.DateOnly, v.Released); err != nil || !dateRe.MatchString(v.Released) {
				add(vf+".released", "%q is not a date YYYY-MM-DD", v.Released)
			}
		}
		if len(v.Changelog) > maxTextLen {
			add(vf+".changelog", "longer than %d characters", maxTextLen)
		}
		names := map[string]string{}
		for j := range v.Requires {
			r := &v.Requires[j]
			rf := vf + ".requires[" + strconv.Itoa(j) + "]"
			r.c = checkEdge(c.Name, rf, r.Name, r.Constraint, names, cc, add)
		}
		for j := range v.Optional {
			o := &v.Optional[j]
			of := vf + ".optional[" + strconv.Itoa(j) + "]"
			o.c = checkEdge(c.Name, of, o.Name, o.Constraint, names, cc, add)
		}
	}
	if len(ps) == 0 {
		slices.SortStableFunc(c.Versions, func(a, b Version) int { return b.v.cmp(&a.v) })
	}
	return ps
}

func checkEdge(self, field, name, cons string, names map[string]string, cc constraintCache, add func(string, string, ...any)) *constraint {
	switch name {
	case "":
		add(field+".name", "required")
	case self:
		add(field+".name", "a component cannot depend on itself")
	default:
		if prev, dup := names[name]; dup {
			add(field+".name", "%s is already listed at %s", name, prev)
		}
		names[name] = field
	}
	if cons == "" {
		add(field+".constraint", "required (e.g. \">=1.0.0\" or \"*\" for any version)")
		return nil
	}
	c, err := cc.parse(cons)
	if err != nil {
		add(field+".constraint", "%v", err)
		return nil
	}
	return c
}

// isRelease reports whether s is MAJOR.MINOR.PATCH in digits without leading zeros, which
// every semantic-version parser accepts, so that the common case skips the parser.
func isRelease(s string) bool {
	for k := range 3 {
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 0 || n > 18 || n > 1 && s[0] == '0' {
			return false
		}
		s = s[n:]
		if k < 2 {
			if s == "" || s[0] != '.' {
				return false
			}
			s = s[1:]
		}
	}
	return s == ""
}

func isSemver(s string) bool {
	_, err := semver.NewVersion(s)
	return err == nil
}
