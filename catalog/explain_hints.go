package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// Hints: relaxations of the request, suggested by the facts a proof used, that would
// make it satisfiable.

// hintBudget bounds the conflicts each hint's trial resolution may take.
const hintBudget = 2000

// maxHints bounds the hints of one error, maxHintTries the relaxations tried for them.
const (
	maxHints     = 3
	maxHintTries = 8
	// maxHintDowngrades bounds the downgrades a hint lists (a big platform's hint named
	// thousands in one line).
	maxHintDowngrades = 10
)

// hints tries relaxations of the request suggested by the facts the proof used, and
// reports those that make it satisfiable: downgrades, uninstalling an installed
// component (with what only it needs), dropping a pin or an optional member, a
// pre-release.
//
// A relaxation that keeps every fact the proof used is unsatisfiable by the same proof,
// so it is not solved. looseSol, when not nil, is a solution of the problem without the
// no-downgrade rule of installed dependencies (see explain): a solution of the
// downgrade relaxation too, which then needs no solve of its own.
func (r *resolution) hints(base *problem, ls []*incompat, looseSol []int32) []string {
	var out []string
	tried := map[string]bool{}
	try := func(key string, relax func(*problem), describe func(sol []int32) string) {
		if len(out) >= maxHints || tried[key] || len(tried) >= maxHintTries {
			return
		}
		tried[key] = true
		var sol []int32
		if key == "downgrade" && looseSol != nil {
			sol = looseSol
		} else {
			relaxed := &problem{facts: slices.Clone(base.facts), prefer: base.prefer, first: base.first, allowPre: base.allowPre, budget: hintBudget, options: base.options}
			relax(relaxed)
			if proves(ls, relaxed) {
				return
			}
			var err error
			if sol, err = newSolver(r.index, relaxed).solve(); err != nil {
				return
			}
		}
		if h := describe(sol); h != "" {
			out = append(out, h)
		}
	}
	drop := func(relaxed *problem, f func(*incompat) bool) { relaxed.facts = slices.DeleteFunc(relaxed.facts, f) }
	present := func(p int32) *incompat {
		return &incompat{terms: []term{{p, r.index.nodes[p].absent}}, kind: causeRequested, pkg: p, member: -1}
	}
	ver := func(sol []int32, p int32) string { return r.index.nodes[p].vers[sol[p]].Version }
	// Installed components the proof involves, directly or as what holds a dependency.
	var holders []int32
	installedDeps := r.installedGraph()
	var roots []int32
	reached := map[int32][]bool{}
	for _, p := range r.installedSorted() {
		if r.isRoot(p) {
			roots = append(roots, p)
		}
	}
	for _, l := range ls {
		if l.kind != causeInstalled && l.kind != causeMember {
			continue
		}
		for _, p := range roots {
			if p != l.pkg && reached[p] == nil {
				reached[p] = reach(installedDeps, []int32{p})
			}
			if (p == l.pkg || reached[p][l.pkg]) && !slices.Contains(holders, p) {
				holders = append(holders, p)
			}
		}
	}
	for _, l := range ls {
		p := l.pkg
		switch l.kind {
		case causePinned:
			try(fmt.Sprintf("pin:%d", p), func(relaxed *problem) {
				drop(relaxed, func(f *incompat) bool { return f == l })
				relaxed.facts = append(relaxed.facts, present(p))
				if e := r.inst[p]; e != nil && !r.req.AllowDowngrade {
					if low := r.lower(p, &e.v); !low.empty() {
						relaxed.facts = append(relaxed.facts, &incompat{terms: []term{{p, low}}, kind: causeInstalled, pkg: p, ver: e.version})
					}
				}
			}, func(sol []int32) string {
				if sol[p] >= 0 {
					return fmt.Sprintf("%s %s would fit instead of the requested %s", r.name(p), ver(sol, p), l.ver)
				}
				return ""
			})
		case causeMember:
			m := l.member
			try(fmt.Sprintf("member:%d", m), func(relaxed *problem) { drop(relaxed, func(f *incompat) bool { return f == l }) }, func([]int32) string {
				return fmt.Sprintf("it would fit without the optional member %s (uninstall %s first)", r.name(m), r.name(m))
			})
		case causeWith, causeRequested:
			m := l.member
			if m < 0 {
				continue
			}
			try(fmt.Sprintf("with:%d", m), func(relaxed *problem) {
				drop(relaxed, func(f *incompat) bool { return (f.kind == causeWith || f.kind == causeRequested) && f.member == m })
			}, func([]int32) string {
				return fmt.Sprintf("it would fit without the optional member %s", r.name(m))
			})
		case causePrerelease:
			try(fmt.Sprintf("pre:%d", p), func(relaxed *problem) {
				allow := make(map[int32]vset, len(relaxed.allowPre)+1)
				for k, v := range relaxed.allowPre {
					allow[k] = v
				}
				allow[p] = r.index.nodes[p].pre
				relaxed.allowPre = allow
			}, func(sol []int32) string {
				if sol[p] >= 0 && r.index.nodes[p].vers[sol[p]].prer {
					return fmt.Sprintf("the pre-release %s %s would fit; pin it to use it", r.name(p), ver(sol, p))
				}
				return ""
			})
		}
	}
	if len(holders) > 0 {
		try("downgrade", func(relaxed *problem) {
			drop(relaxed, func(f *incompat) bool { return f.kind == causeInstalled })
			for _, p := range r.installedSorted() {
				if _, pinned := r.pins[p]; !pinned && r.isRoot(p) {
					relaxed.facts = append(relaxed.facts, present(p))
				}
			}
		}, func(sol []int32) string {
			var downs []string
			for _, p := range r.installedSorted() {
				if e := r.inst[p]; sol[p] >= 0 && r.index.nodes[p].vers[sol[p]].v.cmp(&e.v) < 0 {
					downs = append(downs, fmt.Sprintf("%s %s → %s", r.name(p), e.version, ver(sol, p)))
				}
			}
			if len(downs) == 0 {
				return ""
			}
			if len(downs) > maxHintDowngrades {
				downs = append(downs[:maxHintDowngrades], fmt.Sprintf("and %d more", len(downs)-maxHintDowngrades))
			}
			return fmt.Sprintf("it would fit with downgrades: %s (pin those versions and allow downgrades)", strings.Join(downs, ", "))
		})
	}
	for _, p := range holders {
		e := r.inst[p]
		if r.index.nodes[p].comp.Category == CategoryMandatory || slices.Contains(r.names, p) || slices.Contains(r.with, p) || r.targets[p] {
			continue
		}
		gone := r.prunedWithout(p, installedDeps)
		try(fmt.Sprintf("rm:%d", p), func(relaxed *problem) {
			drop(relaxed, func(f *incompat) bool {
				return (f.kind == causeInstalled && gone[f.pkg]) || (f.kind == causeMember && (gone[f.pkg] || gone[f.member]))
			})
		}, func(sol []int32) string {
			if sol[p] < 0 {
				return fmt.Sprintf("it would fit without %s %s (uninstall %s first)", r.name(p), e.version, r.name(p))
			}
			return ""
		})
	}
	return out
}

// prunedWithout returns the installed components that uninstalling p would remove: p and
// whatever only it needs.
func (r *resolution) prunedWithout(p int32, installedDeps graph) map[int32]bool {
	var roots []int32
	for q, e := range r.inst {
		if q != p && (e.explicit || r.index.nodes[q].comp.Category == CategoryMandatory || slices.Contains(r.names, q) || r.targets[q]) {
			roots = append(roots, q)
		}
	}
	keep := reach(installedDeps, roots)
	gone := map[int32]bool{}
	for q := range r.inst {
		if !keep[q] {
			gone[q] = true
		}
	}
	return gone
}

// proves reports whether the leaves ls of a proof of unsatisfiability all hold in
// problem, which is then unsatisfiable too: catalog requirements and dependency cycles
// hold in every problem, facts when problem has them, and the rule against a
// pre-release when problem does not allow the versions it excludes.
func proves(ls []*incompat, problem *problem) bool {
	need := map[*incompat]bool{} // the facts among ls
	for _, l := range ls {
		switch l.kind {
		case causeDependency, causeCycle:
		case causePrerelease:
			if !problem.allowPre[l.pkg].disjoint(l.terms[0].set) {
				return false
			}
		default:
			need[l] = true
		}
	}
	found := 0
	for _, f := range problem.facts {
		if need[f] {
			need[f] = false
			found++
		}
	}
	return found == len(need)
}
