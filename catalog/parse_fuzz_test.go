package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the loader: it must never panic, must either
// return a catalog or a *ValidationError, and every catalog it returns must be usable:
// every component resolves and verifies on its own.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata", "testdata/dir", "testdata/invalid", "data"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.y*ml"))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("apiVersion: catalog.openova.io/v1alpha1\nkind: Component\nname: a\ncategory: a-la-carte\n" +
		"description: d\nnamespace: a\nchart: {repository: 'https://x', name: a}\n" +
		"versions: [{version: 1.0.0, chartVersion: 1.0.0, requires: [{name: a, constraint: '*'}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !errors.As(err, new(*ValidationError)) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, comp := range c.Components() {
			if len(comp.Versions) == 0 || comp.Newest(true) == nil {
				t.Fatalf("%s has no versions", comp.Name)
			}
			if _, err := comp.RenderEndpoints("example.org"); err != nil {
				t.Fatalf("validated endpoints do not render: %v", err)
			}
			p, err := Resolve(c, nil, Request{Kind: Install, Names: []string{comp.Name}})
			if err != nil {
				if errors.As(err, new(*ConflictError)) || errors.As(err, new(*CycleError)) {
					continue
				}
				t.Fatalf("install %s: %T %v", comp.Name, err, err)
			}
			if err := Verify(c, p.Apply(nil)); err != nil {
				t.Fatalf("install %s: %v", comp.Name, err)
			}
			// Every validated template renders for the installed set.
			set := p.Apply(nil)
			comps, err := PlatformComponents(c, "example.org", set)
			if err != nil {
				t.Fatalf("install %s: context: %v", comp.Name, err)
			}
			for _, in := range set {
				m, _ := c.Component(in.Name)
				v, _ := m.Version(in.Version)
				if _, err := m.Render(v, m.Context(v.Version, "example.org", "Org", comps)); err != nil {
					t.Fatalf("install %s: validated templates do not render: %v", comp.Name, err)
				}
			}
		}
	})
}
