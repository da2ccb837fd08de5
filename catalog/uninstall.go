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
	og := r.installedGraph()
	// What stays: everything the remaining explicit and mandatory components reach.
	var roots []int32
	for _, in := range r.installed {
		p, ok := r.ix.byName[in.Name]
		if !ok || removing[p] {
			continue
		}
		if e := r.inst[p]; e != nil && (e.explicit || r.ix.nodes[p].comp.Category == CategoryMandatory) {
			roots = append(roots, p)
		}
	}
	parent := map[int32]int32{}
	keep := map[int32]bool{}
	queue := slices.Clone(roots)
	for _, p := range roots {
		keep[p] = true
		parent[p] = -1
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, d := range og[p] {
			if keep[d] || removing[d] {
				continue
			}
			keep[d] = true
			parent[d] = p
			queue = append(queue, d)
		}
	}
	// Something that stays must not require what goes.
	var conflicts, hints []string
	hinted := map[string]bool{}
	for _, p := range r.order(slices.Collect(mapKeys(keep)), og) {
		e := r.inst[p]
		for _, gi := range r.ix.nodes[p].edges[e.vi] {
			g := &r.ix.groups[gi]
			if g.optional || !removing[g.to] {
				continue
			}
			var path []int32
			for x := p; x >= 0; x = parent[x] {
				path = append(path, x)
			}
			slices.Reverse(path)
			s := fmt.Sprintf("%s %s requires %s %s", r.name(p), e.version, r.name(g.to), g.cons)
			if len(path) > 1 {
				hops := []string{r.name(path[0])}
				for i := 1; i < len(path); i++ {
					hops = append(hops, r.name(path[i])+" "+r.consBetween(path[i-1], path[i]))
				}
				hops = append(hops, r.name(g.to)+" "+g.cons)
				s += " (via " + strings.Join(hops, " → ") + ")"
			}
			conflicts = append(conflicts, s)
			root := path[0]
			h := ""
			switch {
			case r.ix.nodes[root].comp.Category == CategoryMandatory:
				h = fmt.Sprintf("%s is mandatory, so %s stays", r.name(root), r.name(g.to))
			default:
				h = fmt.Sprintf("uninstall %s as well, or first", r.name(root))
			}
			if !hinted[h] {
				hinted[h] = true
				hints = append(hints, h)
			}
		}
	}
	if len(conflicts) > 0 {
		return nil, &ConflictError{Request: r.describe(), Conflicts: conflicts, Facts: conflicts, Hints: hints}
	}
	sel := map[int32]int{}
	for p := range keep {
		sel[p] = r.inst[p].vi
	}
	g := r.graph(sel)
	reasons := r.reasons(sel, g)
	// Show what the removed components depended on and what happens to it.
	touched := reach(og, r.names)
	var steps []Step
	for _, p := range r.order(slices.Collect(mapKeys(keep)), g) {
		e := r.inst[p]
		if (touched[p] && !removing[p]) || (!e.explicit && reasons[p] != e.reason) {
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
	for _, gi := range r.ix.nodes[a].edges[e.vi] {
		if g := &r.ix.groups[gi]; g.to == b {
			return g.cons
		}
	}
	return ""
}
