package catalog

import (
	"cmp"
	"slices"
	"strings"
)

// Reasons: why each component of the result is in the platform ("requested",
// "dependency of ai-hub", "optional member of ai-hub").

// reasons says why each selected component is in the platform.
func (r *resolution) reasons(sel selection, g graph) []string {
	out := make([]string, len(sel))
	// Owners: the first root, in a stable order, whose closure holds a component. One
	// walk: a root only visits what earlier roots did not reach.
	order := append(slices.Clone(r.names), r.with...)
	var rest []int32
	for _, p := range sel.members() {
		if r.isRoot(p) && !r.named[p] && !r.withed[p] {
			rest = append(rest, p)
		}
	}
	slices.SortStableFunc(rest, func(a, b int32) int { return cmp.Compare(r.rootPos(a), r.rootPos(b)) })
	order = append(order, rest...)
	owner := make([]int32, len(sel))
	for i := range owner {
		owner[i] = -1
	}
	seen := make([]bool, len(sel))
	for _, root := range order {
		if sel[root] < 0 {
			continue
		}
		// The root itself stays unseen, so that a later root reaching it owns it.
		stack := slices.Clone(g[root])
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[p] || p == root {
				continue
			}
			seen[p] = true
			owner[p] = root
			stack = append(stack, g[p]...)
		}
	}
	ownerReason := map[int32]string{}
	for _, p := range sel.members() {
		e := r.inst[p]
		switch {
		case e != nil && e.explicit:
			out[p] = e.reason
			if out[p] == "" {
				out[p] = ReasonRequested
			}
		case r.req.Kind == Install && r.named[p]:
			out[p] = ReasonRequested
		case e != nil && r.reasonValid(e.reason, p, sel, g):
			out[p] = e.reason
		case r.withed[p] && r.optionalOf(p, sel) >= 0:
			out[p] = optionalMemberOf + r.name(r.optionalOf(p, sel))
		case owner[p] >= 0:
			o := owner[p]
			if ownerReason[o] == "" {
				ownerReason[o] = dependencyOf + r.name(o)
			}
			out[p] = ownerReason[o]
		default:
			out[p] = ReasonRequested // a root with nothing above it
		}
	}
	return out
}

// rootPos orders roots that are not named by the request: installed ones by their
// position in the installed list.
func (r *resolution) rootPos(p int32) int {
	if e := r.inst[p]; e != nil {
		return e.pos
	}
	return len(r.installed) + int(p)
}

// optionalOf returns the first requested (or else selected, by name) component whose
// selected version lists p as an optional member, or -1.
func (r *resolution) optionalOf(p int32, sel selection) int32 {
	offers := func(q int32) bool {
		if sel[q] < 0 {
			return false
		}
		for _, o := range r.index.nodes[q].vers[sel[q]].Optional {
			if r.index.byName[o.Name] == p {
				return true
			}
		}
		return false
	}
	for _, q := range r.names {
		if offers(q) {
			return q
		}
	}
	for _, q := range sel.members() {
		if offers(q) {
			return q
		}
	}
	return -1
}

// reasonValid reports whether an installed component's recorded reason still holds.
func (r *resolution) reasonValid(reason string, p int32, sel selection, g graph) bool {
	var name string
	switch {
	case strings.HasPrefix(reason, dependencyOf):
		name = strings.TrimPrefix(reason, dependencyOf)
	case strings.HasPrefix(reason, optionalMemberOf):
		name = strings.TrimPrefix(reason, optionalMemberOf)
	default:
		return reason != ""
	}
	q, ok := r.index.byName[name]
	if !ok || sel[q] < 0 {
		return false
	}
	if r.closures == nil {
		r.closures = map[int32][]bool{}
	}
	c, ok := r.closures[q]
	if !ok {
		c = reach(g, []int32{q})
		r.closures[q] = c
	}
	return c[p]
}
