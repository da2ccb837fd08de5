package catalog

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// generalDecode is the general path for one document: YAML → JSON → shape check →
// struct. ok is false when that path reports a problem.
func generalDecode(doc []byte) (fc *fileComponent, empty, ok bool) {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, false, false
	}
	if t := bytes.TrimSpace(js); len(t) == 0 || string(t) == "null" {
		return nil, true, true
	}
	var raw any
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, false, false
	}
	bad := false
	checkShape("", raw, componentShape, func(string, string, ...any) { bad = true })
	if bad {
		return nil, false, false
	}
	fc = &fileComponent{}
	if err := json.Unmarshal(js, fc); err != nil {
		return nil, false, false
	}
	return fc, false, true
}

// checkFastAgrees fails when fastDecode reads a document the general path reads
// differently or reports a problem in.
func checkFastAgrees(t *testing.T, data []byte) (fast, total int) {
	t.Helper()
	for _, d := range splitDocuments(data) {
		total++
		fc, empty, ok := fastDecode(&fastParser{}, string(d.data))
		if !ok {
			continue
		}
		fast++
		want, wantEmpty, wantOK := generalDecode(d.data)
		if !wantOK {
			t.Fatalf("fast path accepted a document the general path refuses:\n%s", d.data)
		}
		if empty != wantEmpty || !assert.Equal(t, want, fc) {
			t.Fatalf("fast path reads this document differently (empty %v, general %v):\n%s", empty, wantEmpty, d.data)
		}
	}
	return fast, total
}

func catalogFiles(t testing.TB) map[string][]byte {
	files := map[string][]byte{}
	for _, dir := range []string{"testdata", "testdata/dir", "testdata/invalid", "data"} {
		names, err := filepath.Glob(filepath.Join(dir, "*.y*ml"))
		require.NoError(t, err)
		for _, n := range names {
			data, err := os.ReadFile(n)
			require.NoError(t, err)
			files[n] = data
		}
	}
	return files
}

// TestFastDecodeReadsTheUsualStyle: the shipped and test catalogs and the generated one
// take the fast path (every valid document of them), and agree with the general path.
func TestFastDecodeReadsTheUsualStyle(t *testing.T) {
	for name, data := range catalogFiles(t) {
		fast, total := checkFastAgrees(t, data)
		if filepath.Dir(name) == "data" {
			assert.Equal(t, total, fast, "%s: every document of the shipped catalog takes the fast path", name)
		}
	}
	fast, total := checkFastAgrees(t, syntheticCatalogYAML(50, 10, 2))
	assert.Equal(t, total, fast, "every document of the generated catalog")
	fast, total = checkFastAgrees(t, []byte(flowStyleCatalog))
	assert.Equal(t, total, fast, "every document of a catalog written in flow style")
}

func TestFastDecodeScalars(t *testing.T) {
	head := "apiVersion: catalog.openova.io/v1alpha1\nkind: Component\nname: x\n"
	tests := []struct {
		name, doc string
		fast      bool
	}{
		{"plain", "description: a plain text, with colons:like-this and #hashes\n", true},
		{"comment", "description: text # a comment\n", true},
		{"quoted", "description: \"a \\\"b\\\" c # d\" # e\n", true},
		{"single quoted", "description: 'it''s'\n", true},
		{"literal", "description: |\n  a\n\n    b\n  c\n\n", true},
		{"literal strip", "description: |-\n  a\n  b\n", true},
		{"folded", "description: >-\n  a\n  b\n\n  c\n", true},
		{"folded clip", "description: >\n  a\n  b\n", true},
		{"version", "versions:\n- version: 1.2.0\n  chartVersion: 0.16.1-rc.1\n", true},
		{"compact and indented sequences", "versions:\n  - version: \"1\"\n    requires:\n    - name: a\n      constraint: ~1.2\n", true},
		{"services", "services:\n  rw: \"{{ .Name }}-rw\"\n", true},
		{"duration", "upgrade:\n  timeout: 30m\n", true},
		{"float", "versions:\n- version: 1.10\n", false},
		{"integer", "versions:\n- version: 1\n", false},
		{"boolean", "description: yes\n", false},
		{"null", "description:\n", false},
		{"timestamp", "versions:\n- released: 2026-01-02\n", false},
		{"continued plain", "description: a\n  b\n", false},
		{"flow mapping", "chart: {repository: \"https://charts.example.test\", name: x}\n", true},
		{"flow sequence of strings", "endpoints: [\"https://a.{{ .Domain }}\", 'b']\n", true},
		{"flow items", "versions:\n- {version: 1.1.0, chartVersion: 1.1.0, changelog: \"1.1\"}\n- version: 1.0.0\n  requires: [{name: a, constraint: \">=1.0.0\"}, {name: b, constraint: ^2}]\n", true},
		{"flow float", "versions:\n- {version: 1.10}\n", false},
		{"flow plain with a space", "chart: {name: a b}\n", false},
		{"flow plain with a colon", "chart: {repository: https://x, name: c}\n", false},
		{"flow indicator", "versions:\n- {version: 1.0.0, requires: [{name: a, constraint: >=1}]}\n", false},
		{"flow nested in a mapping", "versions:\n- {version: 1.0.0, requires: [{name: a}]}\n", false},
		{"flow empty", "endpoints: []\n", false},
		{"flow comment", "chart: {name: x} # c\n", false},
		{"flow on two lines", "chart: {name: x,\n  repository: \"https://x\"}\n", false},
		{"flow duplicate key", "chart: {name: x, name: y}\n", false},
		{"flow boolean key", "chart: {yes: x}\n", false},
		{"flow without a space after the colon", "chart: {name:x}\n", false},
		{"flow sequence item", "endpoints:\n- [\"a\"]\n", false},
		{"anchor", "description: &a x\n", false},
		{"tab", "description: a\tb\n", false},
		{"duplicate", "description: a\ndescription: b\n", false},
		{"unknown field", "summary: a\n", false},
		{"escape", "description: \"\\x41\"\n", false},
		{"keep chomping", "description: |+\n  a\n", false},
		{"more indented folded", "description: >\n  a\n    b\n", false},
		{"no line break at the end", "description: |\n  a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := []byte(head + tt.doc)
			_, _, ok := fastDecode(&fastParser{}, string(doc))
			assert.Equal(t, tt.fast, ok)
			checkFastAgrees(t, doc)
		})
	}
}

// flowStyleCatalog is written as programs often write catalogs: flow mappings and
// sequences on one line.
const flowStyleCatalog = `apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: c0001
displayName: Component 1
category: a-la-carte
description: Benchmark component 1.
namespace: c0001
chart: {repository: "https://charts.example.test", name: c0001}
endpoints: ["https://c0001.{{ .Domain }}"]
versions:
- {version: 1.1.0, chartVersion: 1.1.0, changelog: "1.1"}
- version: 1.0.0
  chartVersion: 1.0.0
  changelog: "1.0"
  requires: [{name: c0000, constraint: ">=1.0.0"}]
---
apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: c0000
displayName: Component 0
category: mandatory
description: Benchmark component 0.
namespace: c0000
chart: {repository: "https://charts.example.test", name: c0000}
versions:
- {version: 1.0.0, chartVersion: 1.0.0, changelog: 'first, with a comma'}
`

// FuzzFastDecode: whatever fastDecode accepts, the general path reads the same way.
func FuzzFastDecode(f *testing.F) {
	for _, data := range catalogFiles(f) {
		f.Add(data)
	}
	f.Add(syntheticCatalogYAML(3, 3, 2))
	f.Add([]byte(flowStyleCatalog))
	f.Add([]byte("name: x\nchart: {name: a, repository: 'b'}\nendpoints: [a, \"b\"]\nversions:\n- {version: 1.0.0}\n"))
	f.Add([]byte("name: x\ndescription: |\n  a\n\n  b\nversions:\n- version: 1.0.0\n  values: >-\n    a: 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, want := splitDocuments(data), splitDocumentsByCopy(data)
		require.Len(t, got, len(want))
		for i := range got {
			require.Equal(t, string(want[i].data), string(got[i].data))
			require.Equal(t, want[i].line, got[i].line)
			if got[i].off >= 0 {
				require.Equal(t, string(data[got[i].off:][:len(got[i].data)]), string(got[i].data))
			}
		}
		checkFastAgrees(t, data)
	})
}

// splitDocumentsByCopy is splitDocuments as it was before it shared the stream's bytes.
func splitDocumentsByCopy(data []byte) []docChunk {
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

// TestFastDecodeAgreesOnTrickyScalars puts scalars YAML 1.1 reads in surprising ways in
// every kind of position; whatever the fast path accepts must read as the general path
// reads it.
func TestFastDecodeAgreesOnTrickyScalars(t *testing.T) {
	scalars := []string{"yes", "No", "Y", "on", "OFF", "TRUE", "~", "null", "Null", "1.0", "1.10", "0x10", "1e3", ".5",
		"2026-01-02", "2026-1-2", "1_000", "0b1", "+1", "-1", "017", "0o17", ".inf", "-.inf", ".NaN", "30m", "1.2.3",
		"1.2.3-rc.1", "99999999999999999999", "1.2.3e5", `"a"`, `'a'`, "a: b", "a #b", "a#b", "[a]", "{a: b}", "&x a", "*x",
		"!t a", "|", ">", "|-", "@a", "`a`", "%a", "<<", "<a", "~1.2", "^1.2", "=1.0", "(a)", "/a", `"a\"b"`, `"\x41"`,
		`"a\/b\\c"`, "'it''s'", "é", "a:", "a :b", "- a", "? a", ", a", "a ", `""`, "''", `"a" # c`, `"a"b`, "'a' b", "\"a", "'a"}
	docs := []string{
		"name: x\ndescription: %s\n",
		"name: x\nversions:\n- version: %s\n  chartVersion: 1.0.0\n",
		"name: x\nversions:\n  - version: 1.0.0\n    requires:\n      - name: y\n        constraint: %s\n",
		"name: x\nendpoints:\n- %s\n- https://x\n",
		"name: x\nservices:\n  rw: %s\n",
		"name: x\nupgrade:\n  timeout: %s\n",
		"%s: x\n",
		"name: x\nservices:\n  %s: a\n",
	}
	for _, d := range docs {
		for _, s := range scalars {
			checkFastAgrees(t, []byte(strings.ReplaceAll(d, "%s", s)))
		}
	}
	blocks := []string{"|\n  a\n  b\n", "|-\n  a\n\n  b\n\n", ">\n  a\n  b\n\n  c\n", ">-\n  a\n   b\n", "|\n   a\n  b\n",
		"|\n  a\n    b\n", "| # c\n  a\n", "|#c\n  a\n", "|2\n   a\n", "|\n\n  a\n", "|\n  a\n   \n  b\n", "|\n  # not a comment\n  a\n",
		">\n  a\n# comment\nversions: x\n", "|\n  a\n  b", "|\n  a\n---\n"}
	layouts := []string{
		"name: x\nversions:\n- version: 1.0.0\n   chartVersion: 1.0.0\n", "name: x\nversions:\n -  version: 1.0.0\n    chartVersion: 1.0.0\n",
		"name: x\nversions:\n- - a\n", "name: x\nversions:\n-\n  version: 1.0.0\n", "name: x\nversions:\n- version: 1.0.0\n- \n",
		"name: x\n  # indented comment\ndescription: a\n", "name: x\ndescription: a\n    # more indented comment\n",
		"name: x\ndescription: a\n  b: c\n", "  name: x\n  description: a\n", "  name: x\ndescription: a\n",
		"name: x\nchart:\n  name: a\n   repository: b\n", "name: x\nchart:\nname: y\n", "name:x\n", "name: x\n...\n",
		"name: x\nendpoints:\n- a\n  - b\n", "name: x\nendpoints:\n  - a\n  b: c\n", "name: x\nversions:\n- version: 1.0.0\n  requires:\n  - name: a\n    constraint: b\n  optional:\n  - name: c\n    constraint: d\n    description: e\n",
		"# only a comment\n", "\n\n", "name: x\r\n", "\ufeffname: x\n", "name: x\ndescription: a\u2028b\n", "name: x\ndescription: \u0085\n",
	}
	for _, l := range layouts {
		checkFastAgrees(t, []byte(l))
	}
	for _, bl := range blocks {
		for _, d := range []string{"name: x\ndescription: %s", "name: x\nversions:\n- version: 1.0.0\n  values: %s"} {
			checkFastAgrees(t, []byte(strings.ReplaceAll(d, "%s", bl)))
		}
	}
}
