package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
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
	text := string(data) // one copy that the fast path's strings share
	nonEmpty := make([]docChunk, 0, len(docs))
	var fp fastParser
	for _, d := range docs {
		doc := text[max(d.off, 0):][:len(d.data)]
		if d.off < 0 {
			doc = string(d.data)
		}
		if fc, empty, ok := fastDecode(&fp, doc); ok {
			if !empty {
				d.fc = fc
				nonEmpty = append(nonEmpty, d)
			}
			continue
		}
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
	cc := newConstraintCache()
	for i, d := range nonEmpty {
		docNo := 0
		if len(nonEmpty) > 1 {
			docNo = i + 1
		}
		var (
			c  *Component
			ps []Problem
		)
		if d.fc != nil {
			c, ps = newComponent(name, docNo, d.fc, cc)
		} else {
			c, ps = decodeComponent(name, docNo, d.json, cc)
		}
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
	json []byte         // the document as JSON (general path)
	fc   *fileComponent // the document decoded by fastDecode
	off  int            // where data starts in the stream, -1 when it is a copy
	line int            // 1-based line the document starts on
}

// splitDocuments splits a YAML stream on "---" document markers. A document that is a
// run of lines of data is a subslice of it (off says where); others are copies (off -1).
func splitDocuments(data []byte) []docChunk {
	var docs []docChunk
	var cur docBuilder
	start := 1
	for i, off := 0, 0; off < len(data) || i == 0; i++ {
		end := len(data)
		if n := bytes.IndexByte(data[off:], '\n'); n >= 0 {
			end = off + n + 1
		}
		l := data[off:end]
		lineOff := off
		off = end
		trimmed := bytes.TrimRight(l, " \t\r\n")
		if bytes.Equal(trimmed, []byte("---")) || bytes.HasPrefix(l, []byte("--- ")) || bytes.HasPrefix(l, []byte("---\t")) {
			if cur.len() > 0 || len(docs) > 0 || i > 0 {
				docs = append(docs, cur.chunk(start))
			}
			cur = docBuilder{}
			start = i + 2
			rest := bytes.TrimLeft(trimmed[3:], " \t")
			if len(rest) > 0 && rest[0] != '#' {
				cur.own = append(append([]byte{}, rest...), '\n')
				cur.off = -1
				start = i + 1
			}
			continue
		}
		if bytes.Equal(trimmed, []byte("...")) {
			continue
		}
		cur.write(data, lineOff, l)
	}
	docs = append(docs, cur.chunk(start))
	return docs
}

// docBuilder collects the lines of a document: a subslice of the stream while they are
// consecutive, a copy once they are not.
type docBuilder struct {
	own []byte
	off int // start of own in the stream; -1 when own is a copy
}

func (b *docBuilder) len() int { return len(b.own) }

func (b *docBuilder) write(data []byte, off int, l []byte) {
	switch {
	case len(l) == 0:
	case len(b.own) == 0:
		b.own, b.off = l, off
	case b.off >= 0 && b.off+len(b.own) == off:
		b.own = data[b.off : off+len(l)]
	default:
		if b.off >= 0 {
			b.own, b.off = bytes.Clone(b.own), -1
		}
		b.own = append(b.own, l...)
	}
}

func (b *docBuilder) chunk(line int) docChunk {
	if len(b.own) == 0 {
		return docChunk{data: nil, off: -1, line: line}
	}
	return docChunk{data: b.own, off: b.off, line: line}
}

func decodeComponent(file string, doc int, js []byte, cc constraintCache) (*Component, []Problem) {
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
	return newComponent(file, doc, &fc, cc)
}

// newComponent checks and compiles a decoded document.
func newComponent(file string, doc int, fc *fileComponent, cc constraintCache) (*Component, []Problem) {
	var problems []Problem
	add := func(field, format string, args ...any) {
		problems = append(problems, Problem{File: file, Document: doc, Component: fc.Name, Field: field, Message: fmt.Sprintf(format, args...)})
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
	for _, p := range validateComponent(c, cc) {
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
