package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Verify checks a set of components against the catalog, independently of the resolver
// (it reads the catalog entries and checks constraints with the Masterminds semver
// library directly): every component and version exists, names are unique, every
// requirement of every member is present at a version that satisfies its constraint,
// every optional member that is present satisfies its constraint, and the dependencies
// form no cycle. It returns a *VerifyError listing every violation, or nil. The operator
// uses it to refuse a Platform written without the CLI.
//
// Verify does not require mandatory components to be present; see Catalog.Mandatory.
func Verify(c *Catalog, set []Installed) error {
	var vs []string
	bad := func(format string, args ...any) { vs = append(vs, fmt.Sprintf(format, args...)) }
	type member struct {
		in   Installed
		comp *Component
		v    *Version
	}
	members := map[string]*member{}
	var order []string
	for _, in := range set {
		if _, dup := members[in.Name]; dup {
			bad("%s is listed more than once", in.Name)
			continue
		}
		comp, ok := c.Component(in.Name)
		if !ok {
			bad("%s is not in the catalog", in.Name)
			members[in.Name] = &member{in: in}
			continue
		}
		v, ok := comp.Version(in.Version)
		if !ok {
			bad("%s %s is not in the catalog", in.Name, in.Version)
			members[in.Name] = &member{in: in, comp: comp}
			continue
		}
		members[in.Name] = &member{in: in, comp: comp, v: v}
		order = append(order, in.Name)
	}
	edges := map[string][]string{}
	for _, name := range order {
		m := members[name]
		for _, r := range m.v.Requires {
			dep, ok := members[r.Name]
			switch {
			case !ok:
				bad("%s %s requires %s %s, which is not installed", name, m.v.Version, r.Name, r.Constraint)
			case dep.v == nil:
				// reported above
			case !r.c.mc.Check(dep.v.Semver()):
				bad("%s %s requires %s %s, but %s %s is installed", name, m.v.Version, r.Name, r.Constraint, r.Name, dep.v.Version)
			}
			if ok {
				edges[name] = append(edges[name], r.Name)
			}
		}
		for _, o := range m.v.Optional {
			dep, ok := members[o.Name]
			if !ok {
				continue
			}
			if dep.v != nil && !o.c.mc.Check(dep.v.Semver()) {
				bad("%s %s accepts its optional member %s only at %s, but %s %s is installed", name, m.v.Version, o.Name, o.Constraint, o.Name, dep.v.Version)
			}
			edges[name] = append(edges[name], o.Name)
		}
	}
	if cyc := findCycle(order, edges); cyc != nil {
		bad("dependency cycle %s", strings.Join(cyc, " → "))
	}
	if len(vs) > 0 {
		return &VerifyError{Violations: vs}
	}
	return nil
}

// findCycle returns a cycle [a b … a] in the graph, or nil.
func findCycle(nodes []string, edges map[string][]string) []string {
	state := map[string]int{}
	var path []string
	var visit func(n string) []string
	visit = func(n string) []string {
		state[n] = 1
		path = append(path, n)
		for _, d := range edges[n] {
			switch state[d] {
			case 0:
				if c := visit(d); c != nil {
					return c
				}
			case 1:
				i := slices.Index(path, d)
				return append(slices.Clone(path[i:]), d)
			}
		}
		path = path[:len(path)-1]
		state[n] = 2
		return nil
	}
	for _, n := range nodes {
		if state[n] == 0 {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}

// AvailableUpgrade returns the newest version of name, newer than the installed one and
// not a pre-release, that an upgrade of name alone could reach: every installed
// dependent's constraint (requirements and optional-member constraints) accepts it as
// they stand, and its own requirements can be met by installing or upgrading — never
// downgrading — other components (Resolve would plan exactly that). It returns nil when
// name is up to date, and an error when name is not installed or the set is invalid.
func AvailableUpgrade(c *Catalog, set []Installed, name string) (*Version, error) {
	comp, ok := c.Component(name)
	if !ok {
		return nil, &InputError{Problems: []string{fmt.Sprintf("unknown component %q", name)}}
	}
	var cur *Installed
	for i := range set {
		if set[i].Name == name {
			cur = &set[i]
		}
	}
	if cur == nil {
		return nil, &InputError{Problems: []string{fmt.Sprintf("%s is not installed", name)}}
	}
	cv, err := parseVersion(cur.Version)
	if err != nil {
		return nil, &InputError{Problems: []string{fmt.Sprintf("installed %s: %v", name, err)}}
	}
	// Constraints of installed dependents on name.
	var cons []*constraint
	for _, in := range set {
		dc, ok := c.Component(in.Name)
		if !ok {
			continue
		}
		dv, ok := dc.Version(in.Version)
		if !ok {
			continue
		}
		for _, r := range dv.Requires {
			if r.Name == name {
				cons = append(cons, r.c)
			}
		}
		for _, o := range dv.Optional {
			if o.Name == name {
				cons = append(cons, o.c)
			}
		}
	}
	for i := range comp.Versions { // newest first
		v := &comp.Versions[i]
		if v.prer || v.v.cmp(&cv) <= 0 {
			continue
		}
		fits := true
		for _, k := range cons {
			if !k.match(&v.v) {
				fits = false
				break
			}
		}
		if !fits {
			continue
		}
		_, err := Resolve(c, set, Request{Kind: Upgrade, Names: []string{name}, Versions: map[string]string{name: v.Version}})
		if err == nil {
			return v, nil
		}
		if ie := (*InputError)(nil); errors.As(err, &ie) {
			return nil, err
		}
	}
	return nil, nil
}
