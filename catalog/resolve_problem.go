package catalog

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Problem encoding: a validated request becomes the solver's facts, preferences and
// decision order; a solution becomes a selection for the plan.

// roots are the components that must be in the result: explicit and mandatory installed
// components, the request's names and optional members, and upgrade targets.
func (r *resolution) isRoot(p int32) bool {
	if r.named[p] || r.withed[p] || r.targets[p] {
		return true
	}
	e := r.inst[p]
	return e != nil && (e.explicit || r.index.nodes[p].comp.Category == CategoryMandatory)
}

// lower returns the versions of p older than v.
func (r *resolution) lower(p int32, v *ver) vset {
	var out vset
	for i, cv := range r.index.nodes[p].vers {
		if cv.v.cmp(v) < 0 {
			out = out.with(i)
		}
	}
	return out
}

// encode builds the solver problem.
func (r *resolution) encode() *problem {
	problem := &problem{prefer: map[int32]int{}, first: map[int32]bool{}, allowPre: map[int32]vset{}, options: r.options}
	for _, p := range r.installedSorted() {
		e := r.inst[p]
		node := &r.index.nodes[p]
		if e.vi >= 0 && !r.targets[p] {
			problem.prefer[p] = e.vi
		}
		if e.vi >= 0 && e.prer {
			problem.allowPre[p] = problem.allowPre[p].with(e.vi)
		}
		if _, pinned := r.pins[p]; pinned {
			continue
		}
		var set vset
		if e.vi >= 0 { // versions are ascending and distinct
			set = rangeSet(e.vi)
		} else {
			set = r.lower(p, &e.v)
		}
		if r.isRoot(p) {
			set = set.or(node.absent)
		}
		if !set.empty() {
			problem.facts = append(problem.facts, &incompat{terms: []term{{p, set}}, kind: causeInstalled, pkg: p, ver: e.version})
		}
	}
	// An installed optional member stays as long as a platform that offers it does.
	for _, q := range r.installedSorted() {
		e := r.inst[q]
		if e.vi < 0 {
			continue
		}
		for _, o := range e.optional {
			m := r.index.byName[o.Name]
			if r.inst[m] != nil && !r.isRoot(m) {
				problem.facts = append(problem.facts, &incompat{terms: []term{{q, r.offers(q, m)}, {m, r.index.nodes[m].absent}},
					kind: causeMember, pkg: q, member: m})
			}
		}
	}
	for p, vi := range r.pins {
		node := &r.index.nodes[p]
		problem.facts = append(problem.facts, &incompat{terms: []term{{p, node.full.minus(bitSet(vi))}}, kind: causePinned, pkg: p, ver: node.vers[vi].Version})
		if node.vers[vi].prer {
			problem.allowPre[p] = problem.allowPre[p].with(vi)
		}
	}
	if r.req.Kind == Install {
		for _, p := range append(slices.Clone(r.names), r.with...) {
			problem.first[p] = true
			if _, pinned := r.pins[p]; pinned || r.inst[p] != nil {
				continue
			}
			inc := &incompat{terms: []term{{p, r.index.nodes[p].absent}}, kind: causeRequested, pkg: p, member: -1}
			if slices.Contains(r.with, p) && !slices.Contains(r.names, p) {
				inc.member = p
			}
			problem.facts = append(problem.facts, inc)
		}
		for _, m := range r.with {
			for _, p := range r.names {
				offers := r.offers(p, m)
				if offers.empty() {
					continue
				}
				if lacking := r.index.nodes[p].all.minus(offers); !lacking.empty() {
					problem.facts = append(problem.facts, &incompat{terms: []term{{p, lacking}}, kind: causeWith, pkg: p, member: m})
				}
			}
		}
	}
	slices.SortStableFunc(problem.facts, func(a, b *incompat) int { return cmp.Compare(a.pkg, b.pkg) })
	if r.options.activateInstalled {
		problem.activate = r.installedSorted()
	}
	return problem
}

func (r *resolution) describe() string {
	switch r.req.Kind {
	case Install:
		s := "install " + r.nameList(r.names)
		if len(r.with) > 0 {
			s += " with " + r.nameList(r.with)
		}
		return s
	case Upgrade:
		if r.req.All {
			return "upgrade all components"
		}
		return "upgrade " + r.nameList(r.names)
	}
	return "uninstall " + r.nameList(r.names)
}

func (r *resolution) solve() (*Plan, error) {
	problem := r.encode()
	search := newSolver(r.index, problem)
	sol, err := search.solve()
	r.stats = solveStats{conflicts: search.conflicts, decisions: search.decisions}
	if err != nil {
		if u := (*errUnsat)(nil); errors.As(err, &u) {
			return nil, r.explain(problem, u.inc, search.conflicts)
		}
		return nil, fmt.Errorf("%s: %w", r.describe(), err)
	}
	sel := selection(sol)
	// Keep what the roots reach; everything else is not needed.
	var roots []int32
	for p, v := range sel {
		if v >= 0 && r.isRoot(int32(p)) {
			roots = append(roots, int32(p))
		}
	}
	g := r.graph(sel)
	keep := reach(g, roots)
	for p, v := range sel {
		if v >= 0 && !keep[p] {
			sel[p] = -1
			g[p] = nil
		}
	}
	return r.plan(sel, g), nil
}
