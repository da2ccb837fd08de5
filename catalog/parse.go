package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"sigs.k8s.io/yaml"
)

// Parse reads a catalog from data, a YAML stream of one or more documents separated by
// "---", one component per document. name (a file name or URL) is used in messages.
// Every problem found is reported in a *ValidationError.
func Parse(name string, data []byte) (*Catalog, error) {
	comps, broken, problems := parseFile(name, data)
	return build(name, comps, broken, problems)
}

// fileComponent is the on-disk form of a component document.
type fileComponent struct {
	APIVersion  string            `json:"apiVersion"`
	Kind        string            `json:"kind"`
	Name        string            `json:"name"`
	DisplayName string            `json:"displayName"`
	Category    string            `json:"category"`
	Description string            `json:"description"`
	Namespace   string            `json:"namespace"`
	Delivery    string            `json:"delivery"`
	Placement   string            `json:"placement"`
	Chart       Chart             `json:"chart"`
	Workloads   []Workload        `json:"workloads"`
	Endpoints   []string          `json:"endpoints"`
	Services    map[string]string `json:"services"`
	Upgrade     struct {
		Timeout string `json:"timeout"`
	} `json:"upgrade"`
	Versions []Version `json:"versions"`
}

// maxCatalogBytes bounds what Load reads from one file or URL.
const maxCatalogBytes = 16 << 20

// parseFile parses every document of one file. Components come back with Source set;
// problems carry file, document, component and field. Components with problems come back
// too (marked broken) so that references to them and duplicates are still checked.
func parseFile(name string, data []byte) (comps []*Component, broken map[*Component]bool, problems []Problem) {
	if len(data) > maxCatalogBytes {
		return nil, nil, []Problem{{File: name, Message: fmt.Sprintf("larger than %d bytes", maxCatalogBytes)}}
	}
	docs := splitDocuments(data)
	var nonEmpty []docChunk
	for _, d := range docs {
		js, err := yaml.YAMLToJSONStrict(d.data)
		if err != nil {
			problems = append(problems, Problem{File: name, Message: yamlError(err, d.line)})
			continue
		}
		if t := bytes.TrimSpace(js); len(t) == 0 || string(t) == "null" {
			continue
		}
		d.json = js
		nonEmpty = append(nonEmpty, d)
	}
	if len(nonEmpty) == 0 && len(problems) == 0 {
		return nil, nil, []Problem{{File: name, Message: "no component documents"}}
	}
	broken = map[*Component]bool{}
	for i, d := range nonEmpty {
		docNo := 0
		if len(nonEmpty) > 1 {
			docNo = i + 1
		}
		c, ps := decodeComponent(name, docNo, d.json)
		problems = append(problems, ps...)
		if c != nil {
			comps = append(comps, c)
			if len(ps) > 0 {
				broken[c] = true
			}
		}
	}
	return comps, broken, problems
}

var yamlLine = regexp.MustCompile(`^(?:error converting YAML to JSON: )?yaml: line (\d+): `)

// yamlError turns a YAML syntax error into "line N: message" with N counted from the
// start of the file.
func yamlError(err error, start int) string {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return fmt.Sprintf("line %d: %s", n+start-1, msg[len(m[0]):])
	}
	return fmt.Sprintf("document starting at line %d: %s", start, strings.TrimPrefix(msg, "error converting YAML to JSON: "))
}

type docChunk struct {
	data []byte
	json []byte
	line int // 1-based line the document starts on
}

// splitDocuments splits a YAML stream on "---" document markers.
func splitDocuments(data []byte) []docChunk {
	var docs []docChunk
	var cur bytes.Buffer
	start := 1
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i, l := range lines {
		trimmed := bytes.TrimRight(l, " \t\r\n")
		if bytes.Equal(trimmed, []byte("---")) || bytes.HasPrefix(l, []byte("--- ")) || bytes.HasPrefix(l, []byte("---\t")) {
			if cur.Len() > 0 || len(docs) > 0 || i > 0 {
				docs = append(docs, docChunk{data: bytes.Clone(cur.Bytes()), line: start})
			}
			cur.Reset()
			start = i + 2
			rest := bytes.TrimLeft(trimmed[3:], " \t")
			if len(rest) > 0 && rest[0] != '#' {
				cur.Write(rest)
				cur.WriteByte('\n')
				start = i + 1
			}
			continue
		}
		if bytes.Equal(trimmed, []byte("...")) {
			continue
		}
		cur.Write(l)
	}
	docs = append(docs, docChunk{data: cur.Bytes(), line: start})
	return docs
}

func decodeComponent(file string, doc int, js []byte) (*Component, []Problem) {
	var raw any
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, []Problem{{File: file, Document: doc, Message: err.Error()}}
	}
	name := ""
	if m, ok := raw.(map[string]any); ok {
		if n, ok := m["name"].(string); ok {
			name = n
		}
	}
	var problems []Problem
	add := func(field, format string, args ...any) {
		problems = append(problems, Problem{File: file, Document: doc, Component: name, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	checkShape("", raw, componentShape, add)
	if len(problems) > 0 {
		if name == "" {
			return nil, problems
		}
		// A stub, so that references to the component are not reported as unknown.
		return &Component{Name: name, Source: file, doc: doc}, problems
	}
	var fc fileComponent
	if err := json.Unmarshal(js, &fc); err != nil { // cannot fail after checkShape
		add("", "%v", err)
		return nil, problems
	}
	if fc.APIVersion == "" {
		add("apiVersion", "required (%s)", APIVersion)
	} else if fc.APIVersion != APIVersion {
		add("apiVersion", "unsupported apiVersion %q; this version of openova reads %s", fc.APIVersion, APIVersion)
	}
	if fc.Kind == "" {
		add("kind", "required (%s)", KindComponent)
	} else if fc.Kind != KindComponent {
		add("kind", "unsupported kind %q; expected %s", fc.Kind, KindComponent)
	}
	c := &Component{
		Name: fc.Name, DisplayName: fc.DisplayName, Category: Category(fc.Category),
		Description: fc.Description, Namespace: fc.Namespace, Delivery: Delivery(fc.Delivery),
		Placement: Placement(fc.Placement), Chart: fc.Chart, Workloads: fc.Workloads, Endpoints: fc.Endpoints,
		Services: fc.Services, Versions: fc.Versions,
		Source: file, doc: doc,
	}
	if fc.Upgrade.Timeout != "" {
		d, err := time.ParseDuration(fc.Upgrade.Timeout)
		switch {
		case err != nil:
			add("upgrade.timeout", "%q is not a duration such as 10m or 1h30m", fc.Upgrade.Timeout)
		case d <= 0 || d > 24*time.Hour:
			add("upgrade.timeout", "%s is out of range (0, 24h]", fc.Upgrade.Timeout)
		default:
			c.Upgrade.Timeout = d
		}
	}
	for _, p := range validateComponent(c, newConstraintCache()) {
		add(p.field, "%s", p.msg)
	}
	return c, problems
}

// shape describes the expected JSON structure of a document, so unknown fields and
// wrongly typed values are reported with their path before decoding.
type shape struct {
	kind   byte // 's' string, 'o' object, 'a' array, 'm' mapping of strings
	fields map[string]*shape
	elem   *shape
}

var (
	strShape       = &shape{kind: 's'}
	obj            = func(f map[string]*shape) *shape { return &shape{kind: 'o', fields: f} }
	arr            = func(e *shape) *shape { return &shape{kind: 'a', elem: e} }
	chartShape     = obj(map[string]*shape{"repository": strShape, "name": strShape})
	componentShape = obj(map[string]*shape{
		"apiVersion": strShape, "kind": strShape, "name": strShape, "displayName": strShape,
		"category": strShape, "description": strShape, "namespace": strShape, "delivery": strShape,
		"placement": strShape,
		"chart":     chartShape,
		"workloads": arr(obj(map[string]*shape{"kind": strShape, "name": strShape})),
		"endpoints": arr(strShape),
		"services":  {kind: 'm'},
		"upgrade":   obj(map[string]*shape{"timeout": strShape}),
		"versions": arr(obj(map[string]*shape{
			"version": strShape, "chartVersion": strShape, "appVersion": strShape,
			"released": strShape, "changelog": strShape, "values": strShape,
			"parts": arr(obj(map[string]*shape{
				"name": strShape, "chart": chartShape, "chartVersion": strShape,
				"values": strShape, "resources": strShape,
			})),
			"requires": arr(obj(map[string]*shape{"name": strShape, "constraint": strShape})),
			"optional": arr(obj(map[string]*shape{"name": strShape, "constraint": strShape, "description": strShape})),
		})),
	})
)

func checkShape(path string, v any, s *shape, add func(field, format string, args ...any)) {
	if v == nil {
		return // null is as good as absent
	}
	field := path
	if field == "" {
		field = "(document)"
	}
	switch s.kind {
	case 's':
		switch x := v.(type) {
		case string:
		case json.Number:
			add(field, "must be a string, not the number %s (quote it in YAML, e.g. \"1.10\")", x)
		default:
			add(field, "must be a string, not %s", jsonKind(v))
		}
	case 'm':
		m, ok := v.(map[string]any)
		if !ok {
			add(field, "must be a mapping, not %s", jsonKind(v))
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			checkShape(joinPath(path, k), m[k], strShape, add)
		}
	case 'a':
		items, ok := v.([]any)
		if !ok {
			add(field, "must be a list, not %s", jsonKind(v))
			return
		}
		for i, it := range items {
			checkShape(fmt.Sprintf("%s[%d]", path, i), it, s.elem, add)
		}
	case 'o':
		m, ok := v.(map[string]any)
		if !ok {
			add(field, "must be a mapping, not %s", jsonKind(v))
			return
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			sub := joinPath(path, k)
			fs, ok := s.fields[k]
			if !ok {
				msg := "unknown field"
				if near := nearest(k, s.fields); near != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", near)
				}
				add(sub, "%s", msg)
				continue
			}
			checkShape(sub, m[k], fs, add)
		}
	}
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func jsonKind(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}

// nearest returns the known field closest to k (edit distance at most 2), or "".
func nearest(k string, fields map[string]*shape) string {
	best, bestD := "", 3
	for f := range fields {
		if d := editDistance(strings.ToLower(k), strings.ToLower(f)); d < bestD || d == bestD && f < best {
			best, bestD = f, d
		}
	}
	if bestD > 2 {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

type fieldProblem struct{ field, msg string }

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
	seen := map[string]int{}
	for i := range c.Versions {
		v := &c.Versions[i]
		vf := fmt.Sprintf("versions[%d]", i)
		if v.Version == "" {
			add(vf+".version", "required")
		} else if sv, pv, err := parseVersion(v.Version); err != nil || strings.HasPrefix(v.Version, "v") {
			add(vf+".version", "%q is not a semantic version MAJOR.MINOR.PATCH[-PRERELEASE] (no \"v\" prefix)", v.Version)
		} else {
			v.sv, v.v, v.prer = sv, pv, pv.isPre()
			key, _, _ := strings.Cut(sv.String(), "+") // build metadata does not count
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
			rf := fmt.Sprintf("%s.requires[%d]", vf, j)
			r.c = checkEdge(c.Name, rf, r.Name, r.Constraint, names, cc, add)
		}
		for j := range v.Optional {
			o := &v.Optional[j]
			of := fmt.Sprintf("%s.optional[%d]", vf, j)
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
