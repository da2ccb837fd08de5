package catalog

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// hintBudget bounds the conflicts each hint's trial resolution may take.
const hintBudget = 2000

// maxHints bounds the hints of one error, maxHintTries the relaxations tried for them.
const (
	maxHints     = 3
	maxHintTries = 8
)

// leaves returns the external incompatibilities (facts and catalog requirements) that
// the derivation of inc used, in a stable order.
func leaves(inc *incompat) []*incompat {
	var out []*incompat
	seen := map[*incompat]bool{}
	stack := []*incompat{inc}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[x] {
			continue
		}
		seen[x] = true
		if x.kind == causeDerived {
			stack = append(stack, x.right, x.left)
			continue
		}
		out = append(out, x)
	}
	return out
}

// explain turns a proof of unsatisfiability into a *ConflictError or *CycleError.
//
// Installed dependencies are never downgraded, and that alone often makes a proof: "cnpg
// 2.0.0 is installed and is not downgraded". True, but what the user needs to hear is who
// holds cnpg there, so the explanation comes from the problem without that rule for
// dependencies when it is unsatisfiable too ("open-banking 2.0.0 requires cnpg ^2.0").
func (r *resolution) explain(problem *problem, inc *incompat, conflicts int) error {
	loose := r.withoutDependencyFloors(problem)
	loose.budget = max(1000, 4*conflicts)
	if _, err := newSolver(r.index, loose).solve(); err != nil {
		if u := (*errUnsat)(nil); errors.As(err, &u) {
			inc = u.inc
		}
	}
	ls := leaves(inc)
	hints := r.hints(problem, ls)
	for _, l := range ls {
		if l.kind == causeCycle {
			ce := &CycleError{Request: r.describe(), Hints: hints}
			for i, p := range l.cycle {
				ce.Cycle = append(ce.Cycle, r.name(p))
				if i < len(l.cycleGroups) && len(l.cycleGroups[i]) > 0 {
					g := &r.index.groups[l.cycleGroups[i][0]]
					ce.Edges = append(ce.Edges, fmt.Sprintf("%s requires %s %s", r.nameSet(g.from, g.fromSet), r.name(g.to), g.cons))
				}
			}
			return ce
		}
	}
	ce := &ConflictError{Request: r.describe(), Hints: hints}
	for _, l := range ls {
		ce.Facts = append(ce.Facts, r.fact(l))
	}
	ce.Conflicts = r.conflicts(ls)
	if len(ce.Hints) == 0 {
		ce.Hints = []string{"no single change to the request resolves this; the versions in the catalog do not fit together"}
	}
	return ce
}

// withoutDependencyFloors copies problem without the no-downgrade rule of installed components
// that are not roots.
func (r *resolution) withoutDependencyFloors(problem *problem) *problem {
	out := *problem
	out.facts = slices.DeleteFunc(slices.Clone(problem.facts), func(f *incompat) bool {
		return f.kind == causeInstalled && !r.isRoot(f.pkg)
	})
	return &out
}

// setDesc describes versions s of p; "" when s holds every version.
func (r *resolution) setDesc(p int32, s vset) string {
	node := &r.index.nodes[p]
	s = s.and(node.all)
	if node.all.subsetOf(s) {
		return ""
	}
	var idx []int
	s.each(func(i int) { idx = append(idx, i) })
	switch {
	case len(idx) == 0:
		return "(no version)"
	case len(idx) == 1:
		return node.vers[idx[0]].Version
	case idx[len(idx)-1]-idx[0] == len(idx)-1:
		lo, hi := node.vers[idx[0]].Version, node.vers[idx[len(idx)-1]].Version
		switch {
		case idx[len(idx)-1] == node.n-1:
			return ">=" + lo
		case idx[0] == 0:
			return "<=" + hi
		}
		return ">=" + lo + " <=" + hi
	}
	var vs []string
	for i, x := range idx {
		if i == 4 {
			vs = append(vs, fmt.Sprintf("%d more", len(idx)-4))
			break
		}
		vs = append(vs, node.vers[x].Version)
	}
	return joinList(vs)
}

func (r *resolution) nameSet(p int32, s vset) string {
	if d := r.setDesc(p, s); d != "" {
		return r.name(p) + " " + d
	}
	return r.name(p)
}

// fact renders one external incompatibility as a sentence.
func (r *resolution) fact(l *incompat) string {
	switch l.kind {
	case causeDependency:
		g := &r.index.groups[l.group]
		if g.optional {
			return fmt.Sprintf("%s accepts its optional member %s only at %s", r.nameSet(g.from, g.fromSet), r.name(g.to), g.cons)
		}
		return fmt.Sprintf("%s requires %s %s", r.nameSet(g.from, g.fromSet), r.name(g.to), g.cons)
	case causeRequested:
		if l.member >= 0 {
			return fmt.Sprintf("%s is requested as an optional member", r.name(l.pkg))
		}
		return fmt.Sprintf("%s is requested", r.name(l.pkg))
	case causePinned:
		return fmt.Sprintf("%s %s is requested", r.name(l.pkg), l.ver)
	case causeInstalled:
		return r.installedSentence(l)
	case causeWith:
		return fmt.Sprintf("only %s offers the optional member %s", r.nameSet(l.pkg, r.index.nodes[l.pkg].all.minus(l.terms[0].set)), r.name(l.member))
	case causePrerelease:
		return fmt.Sprintf("pre-releases of %s (%s) are only used when pinned", r.name(l.pkg), r.setDesc(l.pkg, l.terms[0].set))
	case causeMember:
		return fmt.Sprintf("%s is installed as an optional member of %s and stays while %s offers it", r.name(l.member), r.name(l.pkg), r.name(l.pkg))
	case causeCycle:
		names := make([]string, len(l.cycle))
		for i, p := range l.cycle {
			names[i] = r.name(p)
		}
		return "dependency cycle " + strings.Join(names, " → ")
	}
	return "unknown fact"
}

func (r *resolution) installedSentence(l *incompat) string {
	if e := r.inst[l.pkg]; e != nil && !e.explicit && e.reason != "" {
		return fmt.Sprintf("%s %s is installed (%s) and is not downgraded", r.name(l.pkg), l.ver, e.reason)
	}
	return fmt.Sprintf("%s %s is installed and is not downgraded", r.name(l.pkg), l.ver)
}

// restriction is one leaf that limits the versions of a component.
type restriction struct {
	leaf   *incompat
	source string // component (for a requirement) or fact that imposes it
}

// conflicts finds the components on which leaves from different sources disagree and
// renders, for each, the constraint chains that meet there.
func (r *resolution) conflicts(ls []*incompat) []string {
	restr := map[int32][]restriction{}
	into := map[int32][]*incompat{} // requirement leaves by target
	roots := map[int32]*incompat{}  // root facts by component
	for _, l := range ls {
		switch l.kind {
		case causeDependency:
			g := &r.index.groups[l.group]
			restr[g.to] = append(restr[g.to], restriction{l, "c:" + r.name(g.from)})
			into[g.to] = append(into[g.to], l)
		case causePinned, causeInstalled, causePrerelease, causeWith:
			restr[l.pkg] = append(restr[l.pkg], restriction{l, fmt.Sprintf("f:%d:%s", l.kind, r.name(l.pkg))})
			if l.kind != causePrerelease {
				if _, ok := roots[l.pkg]; !ok || l.kind == causePinned {
					roots[l.pkg] = l
				}
			}
		case causeRequested:
			if _, ok := roots[l.pkg]; !ok {
				roots[l.pkg] = l
			}
		}
	}
	var points []int32
	for p, relaxed := range restr {
		sources := map[string]bool{}
		for _, x := range relaxed {
			sources[x.source] = true
		}
		if len(sources) >= 2 {
			points = append(points, p)
		}
	}
	slices.SortFunc(points, func(a, b int32) int { return cmp.Compare(r.index.rank[a], r.index.rank[b]) })
	var out []string
	for _, p := range points {
		relaxed := restr[p]
		slices.SortStableFunc(relaxed, func(a, b restriction) int {
			return cmp.Compare(r.restrOrder(a, roots, into), r.restrOrder(b, roots, into))
		})
		// One clause per source: the versions of one component are alternatives.
		var sources []string
		clauses := map[string][]string{}
		for _, x := range relaxed {
			s := r.restrSentence(p, x, roots, into)
			if !slices.Contains(clauses[x.source], s) {
				if len(clauses[x.source]) == 0 {
					sources = append(sources, x.source)
				}
				clauses[x.source] = append(clauses[x.source], s)
			}
		}
		if len(sources) < 2 {
			continue
		}
		parts := make([]string, len(sources))
		for i, src := range sources {
			cl := clauses[src]
			if len(cl) > 2 { // many versions of one component, each with its own requirement
				parts[i] = fmt.Sprintf("%s (and %d similar requirements of other versions of %s)", cl[0], len(cl)-1, strings.TrimPrefix(src, "c:"))
				continue
			}
			parts[i] = strings.Join(cl, " and ")
		}
		out = append(out, parts[0]+" but "+strings.Join(parts[1:], " and "))
	}
	return out
}

// restrOrder puts chains that start at what the user requested first.
func (r *resolution) restrOrder(x restriction, roots map[int32]*incompat, into map[int32][]*incompat) int {
	l := x.leaf
	if l.kind != causeDependency {
		switch l.kind {
		case causePinned, causeWith:
			return 1
		case causeInstalled:
			return 3
		}
		return 4
	}
	chain := r.chain(r.index.groups[l.group].from, roots, into)
	if root, ok := roots[chain[0]]; ok {
		switch root.kind {
		case causeRequested, causePinned, causeWith:
			return 0
		}
		return 2
	}
	return 2
}

// chain returns the shortest path of requirement leaves from a root fact to p, as
// components [root … p].
func (r *resolution) chain(p int32, roots map[int32]*incompat, into map[int32][]*incompat) []int32 {
	prev := map[int32]int32{p: -1}
	queue := []int32{p}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		if _, ok := roots[q]; ok {
			var path []int32
			for x := q; x >= 0; x = prev[x] {
				path = append(path, x)
			}
			return path
		}
		for _, l := range into[q] {
			from := r.index.groups[l.group].from
			if _, seen := prev[from]; !seen {
				prev[from] = q
				queue = append(queue, from)
			}
		}
	}
	return []int32{p}
}

// edgeTo returns the requirement leaf from a to b, if any.
func (r *resolution) edgeTo(a, b int32, into map[int32][]*incompat) *edgeGroup {
	for _, l := range into[b] {
		if g := &r.index.groups[l.group]; g.from == a {
			return g
		}
	}
	return nil
}

func (r *resolution) restrSentence(p int32, x restriction, roots map[int32]*incompat, into map[int32][]*incompat) string {
	l := x.leaf
	switch l.kind {
	case causePinned:
		return fmt.Sprintf("%s %s is requested", r.name(p), l.ver)
	case causeInstalled:
		return r.installedSentence(l)
	case causePrerelease:
		return fmt.Sprintf("only pre-releases of %s would fit, and pre-releases are used only when pinned", r.name(p))
	case causeWith:
		return fmt.Sprintf("%s is requested as an optional member of %s, which only %s offers", r.name(l.member), r.name(p),
			r.nameSet(p, r.index.nodes[p].all.minus(l.terms[0].set)))
	}
	g := &r.index.groups[l.group]
	verb := "requires"
	if g.optional {
		verb = "accepts only"
	}
	chain := r.chain(g.from, roots, into)
	root := chain[0]
	head := r.name(root)
	if rf, ok := roots[root]; ok && (rf.kind == causeInstalled || rf.kind == causePinned) {
		head += " " + rf.ver
	} else if len(chain) == 1 {
		head = r.nameSet(g.from, g.fromSet)
	}
	if len(chain) == 1 {
		return fmt.Sprintf("%s %s %s %s", head, verb, r.name(p), g.cons)
	}
	hops := []string{r.name(root)}
	for i := 1; i < len(chain); i++ {
		e := r.edgeTo(chain[i-1], chain[i], into)
		hop := r.name(chain[i])
		if e != nil {
			hop += " " + e.cons
		}
		hops = append(hops, hop)
	}
	hops = append(hops, r.name(p)+" "+g.cons)
	return fmt.Sprintf("%s %s %s %s (via %s)", head, verb, r.name(p), g.cons, strings.Join(elide(hops), " → "))
}

// elide shortens a long chain to its first and last hops.
func elide(hops []string) []string {
	const keep = 3
	if len(hops) <= 2*keep+1 {
		return hops
	}
	out := slices.Clone(hops[:keep])
	out = append(out, fmt.Sprintf("… %d more …", len(hops)-2*keep))
	return append(out, hops[len(hops)-keep:]...)
}

// hints tries relaxations of the request suggested by the facts the proof used, and
// reports those that make it satisfiable: downgrades, uninstalling an installed
// component (with what only it needs), dropping a pin or an optional member, a
// pre-release.
func (r *resolution) hints(base *problem, ls []*incompat) []string {
	var out []string
	tried := map[string]bool{}
	try := func(key string, relax func(*problem), describe func(sol []int32) string) {
		if len(out) >= maxHints || tried[key] || len(tried) >= maxHintTries {
			return
		}
		tried[key] = true
		relaxed := &problem{facts: slices.Clone(base.facts), prefer: base.prefer, first: base.first, allowPre: base.allowPre, budget: hintBudget}
		relax(relaxed)
		sol, err := newSolver(r.index, relaxed).solve()
		if err != nil {
			return
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
	for _, l := range ls {
		if l.kind != causeInstalled && l.kind != causeMember {
			continue
		}
		for _, p := range slices.Sorted(maps.Keys(r.inst)) {
			if r.isRoot(p) && (p == l.pkg || reach(installedDeps, []int32{p})[l.pkg]) && !slices.Contains(holders, p) {
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
			for _, p := range slices.Sorted(maps.Keys(r.inst)) {
				if _, pinned := r.pins[p]; !pinned && r.isRoot(p) {
					relaxed.facts = append(relaxed.facts, present(p))
				}
			}
		}, func(sol []int32) string {
			var downs []string
			for _, p := range slices.Sorted(maps.Keys(r.inst)) {
				if e := r.inst[p]; sol[p] >= 0 && r.index.nodes[p].vers[sol[p]].v.cmp(&e.v) < 0 {
					downs = append(downs, fmt.Sprintf("%s %s → %s", r.name(p), e.version, ver(sol, p)))
				}
			}
			if len(downs) == 0 {
				return ""
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
