package catalog

import (
	"errors"
	"fmt"
)

// The resolver is a conflict-driven solver in the style of PubGrub (Natalie Weizenbaum,
// "PubGrub: Next-Generation Version Solving", 2018), over finite version sets:
//
//   - A term constrains one component to a subset of its domain, which is its versions
//     plus "absent" (vset bit n). An incompatibility is a set of terms that must not all
//     hold at once: "ai-hub 1.0.0–1.2.0 requires cnpg ^1.24" is the incompatibility
//     {ai-hub ∈ {1.0.0…1.2.0}, cnpg ∈ (absent or not ^1.24)}.
//   - The partial solution is a stack of assignments: decisions (a component at one
//     version) and derivations (a component restricted to a subset), each at a decision
//     level. Unit propagation derives the negation of the one undecided term of an
//     incompatibility whose other terms all hold.
//   - When an incompatibility is fully satisfied, conflict resolution resolves it with the
//     causes of its most recent satisfiers until it would assert something at an earlier
//     level, learns it, and backjumps there (non-chronological backtracking). The learnt
//     incompatibilities make the search complete without revisiting the same conflict,
//     and their derivation tree is what the error message explains.
//   - A requirement is added for all versions that state the same requirement at once, so
//     one conflict rules out a whole range of versions.
//
// Decisions go in a fixed order (the install request's names first, then every component
// before the components it depends on) and pick the installed version when it is allowed,
// otherwise the newest allowed version that is not an unpinned pre-release.

type term struct {
	pkg int32
	set vset
}

type causeKind uint8

const (
	causeDerived    causeKind = iota // resolution of left and right
	causeDependency                  // edge group: "from ∈ fromSet requires to ∈ match"
	causeRequested                   // pkg must be installed (set = {absent})
	causePinned                      // pkg must be exactly one version
	causeInstalled                   // pkg is installed: it stays, at its version or newer
	causeWith                        // meta pkg must be a version that has the optional member
	causePrerelease                  // pre-releases of pkg are not candidates unless pinned
	causeCycle                       // these versions together form a dependency cycle
	causeMember                      // installed optional member stays while its platform offers it
)

type incompat struct {
	terms []term
	kind  causeKind
	// causeDependency: the edge group.
	group int32
	// causeDerived: the two incompatibilities resolved.
	left, right *incompat
	// root facts: the component, the version text (pinned or installed) and, for
	// causeWith, the optional member.
	pkg    int32
	ver    string
	member int32
	// causeCycle: the cycle, first component repeated last, and the edge groups used.
	cycle       []int32
	cycleGroups [][]int32
}

type assignment struct {
	pkg   int32
	set   vset // the decided version, or the derived term
	level int32
	cause *incompat // nil for a decision
	prev  vset      // acc[pkg] before this assignment
	dec   bool
}

// spec is one resolution problem.
type spec struct {
	facts []*incompat
	// prefer holds the installed version of components that are not upgrade targets:
	// it is kept when allowed, and otherwise the smallest allowed upgrade is taken, so a
	// forced upgrade cascades as little as possible (as in Go's minimal version
	// selection). Everything else gets its newest allowed version.
	prefer   map[int32]int
	first    map[int32]bool // decided before everything else
	allowPre map[int32]vset // pre-release versions that may be decided (pinned, installed)
	budget   int            // maximum number of conflicts; 0 is unlimited
	exclude  map[int32]bool // components that must stay absent (used by hints)
}

type solver struct {
	ix *index
	sp *spec

	byPkg      [][]*incompat
	assigns    []assignment
	pkgAssigns [][]int32
	acc        []vset
	touched    []bool
	decided    []int32
	level      int32

	queue     int32Heap
	inQueue   []bool
	depAdded  []bool
	preAdded  []bool
	conflicts int
}

// errUnsat carries the incompatibility that proves a problem unsatisfiable.
type errUnsat struct{ inc *incompat }

func (e *errUnsat) Error() string { return "no solution" }

var errBudget = errors.New("resolution budget exhausted")

func newSolver(ix *index, sp *spec) *solver {
	n := len(ix.nodes)
	s := &solver{
		ix: ix, sp: sp,
		byPkg:      make([][]*incompat, n),
		pkgAssigns: make([][]int32, n),
		acc:        make([]vset, n),
		touched:    make([]bool, n),
		decided:    make([]int32, n),
		inQueue:    make([]bool, n),
		depAdded:   make([]bool, len(ix.groups)),
		preAdded:   make([]bool, n),
	}
	for i := range s.decided {
		s.decided[i] = -1
	}
	s.queue.less = func(a, b int32) bool {
		fa, fb := sp.first[a], sp.first[b]
		if fa != fb {
			return fa
		}
		return ix.rank[a] < ix.rank[b]
	}
	return s
}

func (s *solver) accOf(p int32) vset {
	if !s.touched[p] {
		return s.ix.nodes[p].full
	}
	return s.acc[p]
}

func (s *solver) required(p int32) bool {
	return !s.accOf(p).has(s.ix.nodes[p].n)
}

func (s *solver) addIncompat(inc *incompat) {
	for _, t := range inc.terms {
		s.byPkg[t.pkg] = append(s.byPkg[t.pkg], inc)
	}
}

// solve returns the chosen version index of every component (-1 = absent).
func (s *solver) solve() ([]int32, error) {
	for _, f := range s.sp.facts {
		s.addIncompat(f)
	}
	for _, f := range s.sp.facts {
		for _, t := range f.terms {
			if err := s.propagate(t.pkg); err != nil {
				return nil, err
			}
		}
	}
	for {
		p := s.next()
		if p >= 0 {
			if err := s.decide(p); err != nil {
				return nil, err
			}
			continue
		}
		cyc := s.findCycle()
		if cyc == nil {
			return s.decided, nil
		}
		s.addIncompat(cyc)
		if err := s.conflict(cyc); err != nil {
			return nil, err
		}
	}
}

// next pops the next component to decide: required, undecided, first in decision order.
func (s *solver) next() int32 {
	for s.queue.len() > 0 {
		p := s.queue.pop()
		s.inQueue[p] = false
		if s.decided[p] < 0 && s.required(p) {
			return p
		}
	}
	return -1
}

func (s *solver) enqueue(p int32) {
	if !s.inQueue[p] && s.decided[p] < 0 && s.required(p) {
		s.inQueue[p] = true
		s.queue.push(p)
	}
}

// decide picks a version of p, adds its requirements and propagates.
func (s *solver) decide(p int32) error {
	nd := &s.ix.nodes[p]
	acc := s.accOf(p)
	forbidden := nd.pre.minus(s.sp.allowPre[p])
	cand := acc.and(nd.all).minus(forbidden)
	if cand.empty() {
		// Only pre-releases are left: state the rule so the conflict can be explained.
		if !s.preAdded[p] {
			s.preAdded[p] = true
			s.addIncompat(&incompat{terms: []term{{p, forbidden}}, kind: causePrerelease, pkg: p})
		}
		return s.propagate(p)
	}
	var v int
	if pv, ok := s.sp.prefer[p]; ok {
		if v = pv; !cand.has(pv) {
			v = cand.minus(rangeSet(pv)).lowest()
			if v < 0 { // only older versions are left (a downgrade was allowed)
				v = cand.highest(nd.n)
			}
		}
	} else {
		v = cand.highest(nd.n)
	}
	for _, g := range nd.edges[v] {
		if s.depAdded[g] {
			continue
		}
		s.depAdded[g] = true
		if inc := s.depIncompat(g); inc != nil {
			s.addIncompat(inc)
		}
	}
	s.level++
	s.push(assignment{pkg: p, set: bitSet(v), level: s.level, dec: true})
	s.decided[p] = int32(v)
	return s.propagate(p)
}

// depIncompat is the incompatibility of an edge group: {from ∈ fromSet, to ∉ match}; for
// an optional member, absence of the member is fine.
func (s *solver) depIncompat(g int32) *incompat {
	e := &s.ix.groups[g]
	tn := &s.ix.nodes[e.to]
	var toSet vset
	if e.optional {
		toSet = tn.all.minus(e.match)
		if toSet.empty() {
			return nil // the constraint allows every version: nothing to enforce
		}
	} else {
		toSet = tn.full.minus(e.match)
	}
	return &incompat{terms: []term{{e.from, e.fromSet}, {e.to, toSet}}, kind: causeDependency, group: g}
}

func (s *solver) push(a assignment) {
	a.prev = s.accOf(a.pkg)
	s.assigns = append(s.assigns, a)
	s.pkgAssigns[a.pkg] = append(s.pkgAssigns[a.pkg], int32(len(s.assigns)-1))
	s.acc[a.pkg] = a.prev.and(a.set)
	s.touched[a.pkg] = true
	if !a.dec {
		s.enqueue(a.pkg)
	}
}

const (
	relSatisfied = iota
	relAlmost
	relInconclusive
	relContradicted
)

// relation says how inc relates to the partial solution; for relAlmost, i is the one
// term not yet satisfied.
func (s *solver) relation(inc *incompat) (rel, i int) {
	i = -1
	for j, t := range inc.terms {
		a := s.accOf(t.pkg)
		if a.subsetOf(t.set) {
			continue
		}
		if a.disjoint(t.set) {
			return relContradicted, -1
		}
		if i >= 0 {
			return relInconclusive, -1
		}
		i = j
	}
	if i < 0 {
		return relSatisfied, -1
	}
	return relAlmost, i
}

func (s *solver) derive(t term, cause *incompat) {
	nd := &s.ix.nodes[t.pkg]
	s.push(assignment{pkg: t.pkg, set: nd.full.minus(t.set), level: s.level, cause: cause})
}

// propagate runs unit propagation from the changes to p.
func (s *solver) propagate(p int32) error {
	changed := []int32{p}
	for len(changed) > 0 {
		q := changed[len(changed)-1]
		changed = changed[:len(changed)-1]
		list := s.byPkg[q]
		for i := len(list) - 1; i >= 0; i-- {
			inc := list[i]
			rel, ti := s.relation(inc)
			if rel == relAlmost {
				t := inc.terms[ti]
				s.derive(t, inc)
				changed = append(changed, t.pkg)
				continue
			}
			if rel != relSatisfied {
				continue
			}
			learnt, err := s.resolveConflict(inc)
			if err != nil {
				return err
			}
			t, err := s.assertion(learnt)
			if err != nil {
				return err
			}
			s.derive(t, learnt)
			changed = append(changed[:0], t.pkg)
			break
		}
	}
	return nil
}

// conflict handles an incompatibility found satisfied outside propagation (a cycle).
func (s *solver) conflict(inc *incompat) error {
	learnt, err := s.resolveConflict(inc)
	if err != nil {
		return err
	}
	t, err := s.assertion(learnt)
	if err != nil {
		return err
	}
	s.derive(t, learnt)
	return s.propagate(t.pkg)
}

func (s *solver) assertion(inc *incompat) (term, error) {
	rel, ti := s.relation(inc)
	if rel != relAlmost {
		return term{}, fmt.Errorf("internal error: learnt incompatibility is not unit after backjumping (relation %d)", rel)
	}
	return inc.terms[ti], nil
}

// satisfier returns the index of the earliest assignment after which the partial
// solution satisfies {p ∈ set}.
func (s *solver) satisfier(p int32, set vset) int32 {
	acc := s.ix.nodes[p].full
	for _, ai := range s.pkgAssigns[p] {
		acc = acc.and(s.assigns[ai].set)
		if acc.subsetOf(set) {
			return ai
		}
	}
	return -1
}

// resolveConflict turns a satisfied incompatibility into a learnt one that is unit after
// backjumping, and backjumps. It returns *errUnsat when the problem has no solution.
func (s *solver) resolveConflict(inc *incompat) (*incompat, error) {
	learnt := false
	for {
		if len(inc.terms) == 0 {
			return nil, &errUnsat{inc}
		}
		s.conflicts++
		if s.sp.budget > 0 && s.conflicts > s.sp.budget {
			return nil, errBudget
		}
		recent, recentIdx := int32(-1), -1
		prevLevel := int32(0)
		for i, t := range inc.terms {
			sat := s.satisfier(t.pkg, t.set)
			if sat < 0 {
				return nil, fmt.Errorf("internal error: term of %s is not satisfied", s.ix.nodes[t.pkg].comp.Name)
			}
			if sat > recent {
				if recent >= 0 {
					prevLevel = max(prevLevel, s.assigns[recent].level)
				}
				recent, recentIdx = sat, i
			} else {
				prevLevel = max(prevLevel, s.assigns[sat].level)
			}
		}
		sa := &s.assigns[recent]
		t := inc.terms[recentIdx]
		if diff := sa.set.minus(t.set); !diff.empty() {
			sat := s.satisfier(t.pkg, s.ix.nodes[t.pkg].full.minus(diff))
			if sat >= 0 {
				prevLevel = max(prevLevel, s.assigns[sat].level)
			}
		}
		if sa.dec || prevLevel < sa.level {
			if learnt {
				s.addIncompat(inc)
			}
			s.backjump(prevLevel)
			return inc, nil
		}
		inc = s.resolve(inc, recentIdx, sa.cause)
		learnt = true
	}
}

// resolve combines inc with the cause of the assignment that satisfied its i-th term
// (the resolution rule): terms of other components are intersected, and the terms of
// the resolved component are united (dropped when that covers its whole domain).
func (s *solver) resolve(inc *incompat, i int, cause *incompat) *incompat {
	p := inc.terms[i].pkg
	out := &incompat{kind: causeDerived, left: inc, right: cause}
	pset := inc.terms[i].set
	addTerm := func(t term) {
		for j := range out.terms {
			if out.terms[j].pkg == t.pkg {
				out.terms[j].set = out.terms[j].set.and(t.set)
				return
			}
		}
		out.terms = append(out.terms, t)
	}
	for j, t := range inc.terms {
		if j != i {
			addTerm(t)
		}
	}
	for _, t := range cause.terms {
		if t.pkg == p {
			pset = pset.or(t.set)
		} else {
			addTerm(t)
		}
	}
	if !s.ix.nodes[p].full.subsetOf(pset) {
		addTerm(term{p, pset})
	}
	// Terms that cover a whole domain always hold; drop them.
	kept := out.terms[:0]
	for _, t := range out.terms {
		if !s.ix.nodes[t.pkg].full.subsetOf(t.set) {
			kept = append(kept, t)
		}
	}
	out.terms = kept
	return out
}

func (s *solver) backjump(level int32) {
	for len(s.assigns) > 0 {
		a := s.assigns[len(s.assigns)-1]
		if a.level <= level {
			break
		}
		s.assigns = s.assigns[:len(s.assigns)-1]
		pa := s.pkgAssigns[a.pkg]
		s.pkgAssigns[a.pkg] = pa[:len(pa)-1]
		s.acc[a.pkg] = a.prev
		if len(s.pkgAssigns[a.pkg]) == 0 {
			s.touched[a.pkg] = false
		}
		if a.dec {
			s.decided[a.pkg] = -1
		}
		s.enqueue(a.pkg)
	}
	s.level = level
}

// findCycle looks for a dependency cycle among the decided versions and returns the
// incompatibility that forbids it, or nil.
func (s *solver) findCycle() *incompat {
	n := len(s.ix.nodes)
	state := make([]uint8, n) // 0 new, 1 on path, 2 done
	parent := make([]int32, n)
	type frame struct {
		p  int32
		ei int
	}
	succ := func(p int32) []int32 { return s.ix.nodes[p].edges[s.decided[p]] }
	for start := range n {
		if s.decided[start] < 0 || state[start] != 0 {
			continue
		}
		stack := []frame{{int32(start), 0}}
		state[start] = 1
		parent[start] = -1
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			es := succ(f.p)
			if f.ei == len(es) {
				state[f.p] = 2
				stack = stack[:len(stack)-1]
				continue
			}
			to := s.ix.groups[es[f.ei]].to
			f.ei++
			if s.decided[to] < 0 {
				continue
			}
			switch state[to] {
			case 0:
				state[to] = 1
				parent[to] = f.p
				stack = append(stack, frame{to, 0})
			case 1:
				var rev []int32
				for q := f.p; ; q = parent[q] {
					rev = append(rev, q)
					if q == to {
						break
					}
				}
				cycle := make([]int32, 0, len(rev)+1)
				for i := len(rev) - 1; i >= 0; i-- {
					cycle = append(cycle, rev[i])
				}
				cycle = append(cycle, to)
				return s.cycleIncompat(cycle)
			}
		}
	}
	return nil
}

// cycleIncompat forbids every combination of versions that has the edges of cycle.
func (s *solver) cycleIncompat(cycle []int32) *incompat {
	inc := &incompat{kind: causeCycle, cycle: cycle}
	for i := 0; i+1 < len(cycle); i++ {
		a, b := cycle[i], cycle[i+1]
		var set vset
		var groups []int32
		seen := map[int32]bool{}
		for _, es := range s.ix.nodes[a].edges {
			for _, g := range es {
				if s.ix.groups[g].to == b && !seen[g] {
					seen[g] = true
					set = set.or(s.ix.groups[g].fromSet)
					groups = append(groups, g)
				}
			}
		}
		inc.terms = append(inc.terms, term{a, set})
		inc.cycleGroups = append(inc.cycleGroups, groups)
	}
	return inc
}
