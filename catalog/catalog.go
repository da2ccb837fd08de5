package catalog

import (
	"cmp"
	"fmt"
	"slices"
)

// Catalog is a validated, immutable set of components. It is safe for concurrent use.
type Catalog struct {
	source string
	comps  []*Component // by category, then name
	byName map[string]*Component
	index  *index
}

// Source is the file, directory or URL the catalog was loaded from ("builtin" for the
// shipped one).
func (c *Catalog) Source() string { return c.source }

// Component returns the component called name.
func (c *Catalog) Component(name string) (*Component, bool) {
	comp, ok := c.byName[name]
	return comp, ok
}

// Components returns every component, sorted by category (mandatory, a-la-carte,
// meta-platform) and then by name. The slice is a copy; the components are shared.
func (c *Catalog) Components() []*Component { return slices.Clone(c.comps) }

// Mandatory returns the mandatory components, by name.
func (c *Catalog) Mandatory() []*Component {
	var out []*Component
	for _, comp := range c.comps {
		if comp.Category == CategoryMandatory {
			out = append(out, comp)
		}
	}
	return out
}

// New builds a catalog from components constructed in Go, with the same validation as
// Parse; source names it in messages. New takes ownership of the components: it fills
// defaults and sorts their versions newest first.
func New(source string, components []*Component) (*Catalog, error) {
	cc := newConstraintCache()
	var problems []Problem
	var ok []*Component
	broken := map[*Component]bool{}
	for i, comp := range components {
		if comp == nil {
			problems = append(problems, Problem{File: source, Field: fmt.Sprintf("components[%d]", i), Message: "nil component"})
			continue
		}
		if comp.Source == "" {
			comp.Source = source
		}
		ps := validateComponent(comp, cc)
		for _, p := range ps {
			problems = append(problems, Problem{File: comp.Source, Component: comp.Name, Field: p.field, Message: p.msg})
		}
		ok = append(ok, comp)
		if len(ps) > 0 {
			broken[comp] = true
		}
	}
	return build(source, ok, broken, problems)
}

// build checks what spans components (duplicate names, references, constraints that
// match nothing) and compiles the resolver's index.
func build(source string, comps []*Component, broken map[*Component]bool, problems []Problem) (*Catalog, error) {
	byName := make(map[string]*Component, len(comps))
	for _, comp := range comps {
		if prev, dup := byName[comp.Name]; dup {
			where := prev.Source
			if prev.doc > 0 {
				where += fmt.Sprintf(" (document %d)", prev.doc)
			}
			problems = append(problems, Problem{File: comp.Source, Document: comp.doc, Component: comp.Name, Field: "name",
				Message: "duplicate component; already defined in " + where})
			continue
		}
		byName[comp.Name] = comp
	}
	for _, comp := range comps {
		if byName[comp.Name] != comp {
			continue
		}
		for i := range comp.Versions {
			v := &comp.Versions[i]
			check := func(list string, j int, name, cons string, c *constraint) {
				field := func() string { return fmt.Sprintf("versions[%d].%s[%d]", i, list, j) }
				if name == "" || name == comp.Name {
					return // reported by validateComponent
				}
				target, ok := byName[name]
				if !ok {
					problems = append(problems, Problem{File: comp.Source, Document: comp.doc, Component: comp.Name, Field: field() + ".name",
						Message: fmt.Sprintf("unknown component %q", name)})
					return
				}
				if c == nil || broken[target] || broken[comp] {
					return // the constraint or the target's versions have problems of their own
				}
				for j := range target.Versions {
					if c.match(&target.Versions[j].v) {
						return
					}
				}
				problems = append(problems, Problem{File: comp.Source, Document: comp.doc, Component: comp.Name, Field: field() + ".constraint",
					Message: fmt.Sprintf("%q matches no version of %s (%s)", cons, name, versionList(target))})
			}
			for j, r := range v.Requires {
				check("requires", j, r.Name, r.Constraint, r.c)
			}
			for j, o := range v.Optional {
				check("optional", j, o.Name, o.Constraint, o.c)
			}
		}
	}
	for _, comp := range comps {
		if byName[comp.Name] == comp && !broken[comp] {
			problems = append(problems, checkRenders(comp, byName, broken)...)
		}
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Document, b.Document))
		})
		return nil, &ValidationError{Problems: problems}
	}
	sorted := slices.Clone(comps)
	slices.SortFunc(sorted, func(a, b *Component) int {
		return cmp.Or(cmp.Compare(a.Category.order(), b.Category.order()), cmp.Compare(a.Name, b.Name))
	})
	c := &Catalog{source: source, comps: sorted, byName: byName}
	c.index = newIndex(sorted)
	return c, nil
}

func versionList(c *Component) string {
	const show = 6
	var vs []string
	for i, v := range c.Versions {
		if i == show {
			vs = append(vs, fmt.Sprintf("%d more", len(c.Versions)-show))
			break
		}
		vs = append(vs, v.Version)
	}
	return "has " + joinList(vs)
}

func joinList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	out := ""
	for i, it := range items {
		switch {
		case i == 0:
		case i == len(items)-1:
			out += " and "
		default:
			out += ", "
		}
		out += it
	}
	return out
}

// Suggest returns the component whose name is nearest to name (a typo of it), or "" when
// none is near enough.
func (c *Catalog) Suggest(name string) string {
	best, bestD := "", min(2, len(name)/3+1)+1
	for _, comp := range c.comps {
		if d := editDistance(name, comp.Name); d < bestD || d == bestD && comp.Name < best {
			best, bestD = comp.Name, d
		}
	}
	return best
}
