package catalog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// mkCatalog builds a catalog from a compact description, one version per line:
//
//	a 1.0.0: b ^1.0, c >=2.0.0 | d ^1.0
//
// means a 1.0.0 requires b ^1.0 and c >=2.0.0 and has the optional member d ^1.0. A name
// written !a is mandatory, @a a meta-platform.
func mkCatalog(t testing.TB, src string) *Catalog {
	t.Helper()
	c, err := buildTestCatalog(src)
	require.NoError(t, err)
	return c
}

func buildTestCatalog(src string) (*Catalog, error) {
	comps := map[string]*Component{}
	var order []string
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		head, rest, _ := strings.Cut(line, ":")
		f := strings.Fields(head)
		if len(f) != 2 {
			return nil, fmt.Errorf("bad line %q", line)
		}
		name, cat := f[0], CategoryALaCarte
		switch name[0] {
		case '!':
			name, cat = name[1:], CategoryMandatory
		case '@':
			name, cat = name[1:], CategoryMetaPlatform
		}
		c, ok := comps[name]
		if !ok {
			c = &Component{Name: name, Category: cat, Description: "test component " + name, Namespace: name,
				Chart: Chart{Repository: "http://127.0.0.1:1/charts", Name: name}}
			comps[name] = c
			order = append(order, name)
		}
		v := Version{Version: f[1], ChartVersion: f[1]}
		reqs, opts, _ := strings.Cut(rest, "|")
		parse := func(s string) [][2]string {
			var out [][2]string
			for _, r := range strings.Split(s, ",") {
				r = strings.TrimSpace(r)
				if r == "" {
					continue
				}
				n, cons, _ := strings.Cut(r, " ")
				out = append(out, [2]string{n, strings.TrimSpace(cons)})
			}
			return out
		}
		for _, r := range parse(reqs) {
			v.Requires = append(v.Requires, Requirement{Name: r[0], Constraint: r[1]})
		}
		for _, o := range parse(opts) {
			v.Optional = append(v.Optional, Optional{Name: o[0], Constraint: o[1]})
		}
		c.Versions = append(c.Versions, v)
	}
	list := make([]*Component, 0, len(order))
	for _, n := range order {
		list = append(list, comps[n])
	}
	return New("test", list)
}

// inst parses "a 1.0.0, b 2.0.0 dependency of a" into an installed set; a reason
// follows the version.
func inst(s string) []Installed {
	var out []Installed
	for _, e := range strings.Split(s, ",") {
		f := strings.Fields(e)
		if len(f) == 0 {
			continue
		}
		in := Installed{Name: f[0], Version: f[1]}
		if len(f) > 2 {
			in.Reason = strings.Join(f[2:], " ")
		}
		out = append(out, in)
	}
	return out
}

// steps renders a plan one line per step: "install b 1.0.0 (dependency of a)",
// "upgrade b 1.0.0 -> 2.0.0 (requested)", "remove c 1.0.0 (no longer needed)".
func steps(p *Plan) []string {
	var out []string
	for _, s := range p.Steps {
		switch s.Action {
		case ActionInstall:
			out = append(out, fmt.Sprintf("install %s %s (%s)", s.Component, s.To, s.Reason))
		case ActionRemove:
			out = append(out, fmt.Sprintf("remove %s %s (%s)", s.Component, s.From, s.Reason))
		case ActionKeep:
			out = append(out, fmt.Sprintf("keep %s %s (%s)", s.Component, s.To, s.Reason))
		default:
			out = append(out, fmt.Sprintf("%s %s %s -> %s (%s)", s.Action, s.Component, s.From, s.To, s.Reason))
		}
	}
	return out
}
