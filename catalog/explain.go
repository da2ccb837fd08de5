package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// looseCheckBudget bounds the conflicts of explain's quick search for a solution
// without dependency floors.
const looseCheckBudget = 5000

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
			for i := len(x.sources) - 1; i >= 0; i-- {
				stack = append(stack, x.sources[i])
			}
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
//
// The solver decides dependents before their dependencies, which suits a request from
// the top. A platform whose dependencies have to be downgraded (when the rule matters)
// is solved much faster from the bottom, with the requirements of every installed
// component propagating from the start, so that search is tried first: a solution shows
// that the explanation stays as it is (and is a solution of the downgrade hint's
// relaxation too). Only when it finds none is the problem solved the usual way, whose
// proof the explanation then uses. Without dependency floors to drop, the problem is
// the one just solved, and so is its proof.
func (r *resolution) explain(problem *problem, inc *incompat, conflicts int) error {
	loose := r.withoutDependencyFloors(problem)
	loose.budget = max(1000, 4*conflicts)
	var looseSol []int32
	if len(loose.facts) < len(problem.facts) {
		bottomUp := *loose
		bottomUp.options.bottomUp = true
		bottomUp.activate = r.installedSorted()
		bottomUp.budget = max(looseCheckBudget, 4*conflicts)
		if sol, err := newSolver(r.index, &bottomUp).solve(); err == nil {
			looseSol = sol
		} else if _, err := newSolver(r.index, loose).solve(); err != nil {
			if u := (*errUnsat)(nil); errors.As(err, &u) {
				inc = u.inc
			}
		}
	}
	ls := leaves(inc)
	hints := r.hints(problem, ls, looseSol)
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
