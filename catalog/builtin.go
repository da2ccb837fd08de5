package catalog

import (
	"cmp"
	"embed"
	"fmt"
	"slices"
	"sync"
)

//go:generate go run ./internal/genbuiltin

//go:embed data/*.yaml
var builtinFS embed.FS

// BuiltinSource is the Source of the catalog returned by Builtin.
const BuiltinSource = "builtin"

// builtinGenerated returns the built-in catalog as builtin_gen.go holds it: catalog/data
// parsed and validated at build time by go generate (internal/genbuiltin), so that a
// command does not parse YAML to get it. nil when that file is absent, as while it is
// regenerated after a change of the types; Builtin then parses catalog/data.
var builtinGenerated func() []*Component

var builtinOnce = sync.OnceValues(func() (*Catalog, error) {
	if builtinGenerated != nil {
		return compileTrusted(BuiltinSource, builtinGenerated())
	}
	return loadFS(builtinFS, "data", "catalog/data/")
})

// Builtin returns the catalog shipped with this build (catalog/data/*.yaml, one
// component per file, embedded at compile time). It is parsed once and shared.
func Builtin() (*Catalog, error) {
	c, err := builtinOnce()
	if err != nil {
		return nil, fmt.Errorf("load builtin catalog: %w", err)
	}
	return c, nil
}

// compileTrusted builds a catalog from components that passed every check of Parse
// when they were generated, with defaults filled and versions newest first: it only
// computes the parsed forms the resolver needs. Templates are parsed when first
// rendered.
func compileTrusted(source string, comps []*Component) (*Catalog, error) {
	cc := newConstraintCache()
	byName := make(map[string]*Component, len(comps))
	for _, comp := range comps {
		byName[comp.Name] = comp
		for i := range comp.Versions {
			v := &comp.Versions[i]
			pv, err := parseVersion(v.Version)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", comp.Name, err)
			}
			v.v, v.prer = pv, pv.isPre()
			for j := range v.Requires {
				if v.Requires[j].c, err = cc.parse(v.Requires[j].Constraint); err != nil {
					return nil, fmt.Errorf("%s %s: %w", comp.Name, v.Version, err)
				}
			}
			for j := range v.Optional {
				if v.Optional[j].c, err = cc.parse(v.Optional[j].Constraint); err != nil {
					return nil, fmt.Errorf("%s %s: %w", comp.Name, v.Version, err)
				}
			}
		}
	}
	sorted := slices.Clone(comps)
	slices.SortFunc(sorted, func(a, b *Component) int {
		return cmp.Or(cmp.Compare(a.Category.order(), b.Category.order()), cmp.Compare(a.Name, b.Name))
	})
	c := &Catalog{source: source, comps: sorted, byName: byName}
	c.index = newIndex(sorted)
	return c, nil
}
