package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// uninstall removes the named components and every component that is not explicit, not
// mandatory and no longer needed. It refuses, with a *ConflictError, to remove a
// component something that stays still requires.
func (r *resolution) uninstall() (*Plan, error) {
	removing := map[int32]bool{}
	for _, p := range r.names {
		removing[p] = true
	}
	installedDeps := r.installedGraph()
	// What stays: everything the remaining explicit and mandatory components reach.
	var roots []int32
	for _, in := range r.installed {
		p, ok := r.index.byName[in.Name]
		if !ok || removing[p] {
			continue
		}
		if e := r.inst[p]; e != nil && (e.explicit || r.index.nodes[p].comp.Category == CategoryMandatory) {
			roots = append(roots, p)
		}
	}
	parent := make([]int32, len(r.index.nodes))
	keep := make([]bool, len(r.index.nodes))
	queue := slices.Clone(roots)
	for _, p := range roots {
		keep[p] = true
		parent[p] = -1
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, d := range installedDeps[p] {
			if keep[d] || removing[d] {
				continue
			}
			keep[d] = true
			parent[d] = p
			queue = append(queue, d)
		}
	}
	// Something that stays must not require what goes.
	needs := map[int32][]string{} // removed component -> chains of what requires it
	var hints []string
	var kept []int32
	for p, k := range keep {
		if k {
			kept = append(kept, int32(p))
		}
	}
	for _, p := range r.order(kept, installedDeps) {
		e := r.inst[p]
		for _, gi := range r.index.nodes[p].edges[e.vi] {
			g := &r.index.groups[gi]
			if g.optional || !removing[g.to] {
				continue
			}
			var path []int32
			for x := p; x >= 0; x = parent[x] {
				path = append(path, x)
			}
			slices.Reverse(path)
			root := path[0]
			s := fmt.Sprintf("%s %s requires %s %s", r.name(root), r.inst[root].version, r.name(g.to), g.cons)
			if len(path) > 1 {
				hops := []string{r.name(root)}
				for i := 1; i < len(path); i++ {
					hops = append(hops, r.name(path[i])+" "+r.consBetween(path[i-1], path[i]))
				}
				hops = append(hops, r.name(g.to)+" "+g.cons)
				s += " (via " + strings.Join(elide(hops), " → ") + ")"
			}
			if !slices.Contains(needs[g.to], s) {
				needs[g.to] = append(needs[g.to], s)
			}
			h := fmt.Sprintf("uninstall %s as well, or first", r.name(root))
			if r.index.nodes[root].comp.Category == CategoryMandatory {
				h = fmt.Sprintf("%s is mandatory, so %s stays", r.name(root), r.name(g.to))
			}
			if !slices.Contains(hints, h) {
				hints = append(hints, h)
			}
		}
	}
	if len(needs) > 0 {
		ce := &ConflictError{Request: r.describe(), Hints: hints}
		for _, q := range r.names {
			if len(needs[q]) > 0 {
				ce.Conflicts = append(ce.Conflicts, fmt.Sprintf("%s is still required: %s", r.name(q), strings.Join(needs[q], "; ")))
				ce.Facts = append(ce.Facts, needs[q]...)
			}
		}
		return nil, ce
	}
	sel := r.newSelection()
	for _, p := range kept {
		sel[p] = int32(r.inst[p].vi)
	}
	g := r.graph(sel)
	reasons := r.reasons(sel, g)
	// Show the dependencies of the removed components that stay, and why.
	touched := reach(installedDeps, r.names)
	var steps []Step
	for _, p := range r.order(kept, g) {
		e := r.inst[p]
		if !e.explicit && (touched[p] || reasons[p] != e.reason) {
			steps = append(steps, Step{Action: ActionKeep, Component: r.name(p), From: e.version, To: e.version, Reason: reasons[p]})
		}
	}
	var gone []int32
	for p := range r.inst {
		if !keep[p] {
			gone = append(gone, p)
		}
	}
	return &Plan{Steps: append(steps, r.removals(gone, removing)...)}, nil
}

// consBetween returns the constraint of installed a's requirement on b.
func (r *resolution) consBetween(a, b int32) string {
	e := r.inst[a]
	for _, gi := range r.index.nodes[a].edges[e.vi] {
		if g := &r.index.groups[gi]; g.to == b {
			return g.cons
		}
	}
	return ""
}
