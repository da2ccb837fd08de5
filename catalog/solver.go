package catalog

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// The resolver is a conflict-driven solver in the style of PubGrub (Natalie Weizenbaum,
// "PubGrub: Next-Generation Version Solving", 2018), over finite version sets:
//
//   - A term constrains one component to a subset of its domain, which is its versions
//     plus "absent" (vset bit n). An incompatibility is a set of terms that must not all
//     hold at once: "ai-hub 1.0.0–1.2.0 requires cnpg ^1.24" is the incompatibility
//     {ai-hub ∈ {1.0.0…1.2.0}, cnpg ∈ (absent or not ^1.24)}. A requirement covers every
//     version that states it, so one conflict rules out a whole range of versions.
//   - The partial solution is a trail of assignments: decisions (a component at one
//     version) and derivations (a component restricted to a subset), each at a decision
//     level. Unit propagation derives the negation of the one undecided term of an
//     incompatibility whose other terms all hold. Requirements are compiled once per
//     catalog and read from per-component incidence lists; other incompatibilities
//     (facts, learnt ones) use two watched terms.
//   - When an incompatibility is fully satisfied, conflict resolution resolves it with the
//     causes of its most recent satisfiers until it would assert something at an earlier
//     level, learns it, and backtracks. The learnt incompatibilities make the search
//     complete without revisiting the same conflict, and their derivation tree is what
//     the error message explains.
//   - Derivations are recorded at the level their reasons hold at, which may be below
//     the current one, so that long backjumps can be replaced by chronological
//     backtracking without losing them (Nadel and Ryvchin, "Chronological Backtracking",
//     SAT 2018; Möhle and Biere, "Backing Backtracking", SAT 2019). In a platform of
//     thousands of components, the decisions between a conflict and its cause are mostly
//     unrelated and are not redone.
//
// Decisions: a component with a single candidate left first; then the install request's
// names; then every component before the components it depends on (ties by name). A
// component's requirements join propagation as soon as it must be installed, not only
// once it is decided. The version chosen is the installed one when allowed (else the
// smallest allowed upgrade), otherwise the newest allowed version that is not an unpinned
// pre-release.

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
	// w are the indexes of the two watched terms (w[1] = -1 for a single term).
	w [2]int32
}

// watch is an incompatibility watching one of its terms; set is a copy of that term's
// set, so the common case (the term is not satisfied) needs no pointer chasing.
type watch struct {
	inc *incompat
	set vset
	k   int32 // which of inc.w this is
}

type assignment struct {
	pkg   int32
	set   vset // the decided version, or the derived term
	level int32
	cause *incompat // nil for a decision
	dec   bool
	prev  int32 // trail index of the previous assignment of pkg, or -1
}

// problem is one resolution problem, as the solver sees it.
type problem struct {
	facts []*incompat
	// prefer holds the installed version of components that are not upgrade targets:
	// it is kept when allowed, and otherwise the smallest allowed upgrade is taken, so a
	// forced upgrade cascades as little as possible (as in Go's minimal version
	// selection). Everything else gets its newest allowed version.
	prefer   map[int32]int
	first    map[int32]bool // decided before everything else
	allowPre map[int32]vset // pre-release versions that may be decided (pinned, installed)
	budget   int            // maximum number of conflicts; 0 is unlimited
}

type solver struct {
	index   *index
	problem *problem

	// watches[p] holds the incompatibilities that watch a term of p (see propagate).
	watches     [][]watch
	assigns     []assignment
	last        []int32 // trail index of each component's last assignment, or -1
	scratch     []int32
	tailBuf     []assignment
	allowedSets []vset
	decided     []int32
	level       int32
	// levelStart[l] is the trail index of the decision that opened level l.
	levelStart []int32
	// pending are components whose assignments survived a backjump out of trail order;
	// their consequences are propagated again.
	pending []int32
	mark    []bool // scratch for backjump

	queue     int32Heap
	inQueue   []bool
	forced    []int32 // components with one candidate left, decided first
	isForced  []bool
	preAdded  []bool
	active    []bool  // the component's requirements take part in propagation
	fresh     []bool  // active, but its requirements not yet evaluated in full
	slot      []int32 // scratch for resolve
	conflicts int
	decisions int
	dirty     []bool // the component changed since its incompatibilities were last checked
}

// errUnsat carries the incompatibility that proves a problem unsatisfiable.
type errUnsat struct{ inc *incompat }

func (e *errUnsat) Error() string { return "no solution" }

var errBudget = errors.New("resolution budget exhausted")

// chronoDistance is the backjump distance, in decision levels, beyond which the solver
// backtracks chronologically. A variable so that tests can exercise both ways.
var chronoDistance int32 = 16

func newSolver(index *index, problem *problem) *solver {
	n := len(index.nodes)
	s := &solver{
		index: index, problem: problem,
		watches:     make([][]watch, n),
		last:        make([]int32, n),
		assigns:     make([]assignment, 0, 4*n),
		allowedSets: make([]vset, n),
		decided:     make([]int32, n),
		levelStart:  []int32{0},
		mark:        make([]bool, n),
		dirty:       make([]bool, n),
		inQueue:     make([]bool, n),
		isForced:    make([]bool, n),
		preAdded:    make([]bool, n),
		active:      make([]bool, n),
		fresh:       make([]bool, n),
		slot:        make([]int32, n),
	}
	for i := range s.decided {
		s.decided[i] = -1
		s.last[i] = -1
	}
	s.queue.less = func(a, b int32) bool {
		fa, fb := problem.first[a], problem.first[b]
		if fa != fb {
			return fa
		}
		return index.rank[a] < index.rank[b]
	}
	return s
}

func (s *solver) allowed(p int32) vset {
	if s.last[p] < 0 {
		return s.index.nodes[p].full
	}
	return s.allowedSets[p]
}

func (s *solver) required(p int32) bool {
	return !s.allowed(p).has(s.index.nodes[p].n)
}

// addIncompat registers inc, watching the terms w (w[1] = -1 for a single term). The
// watched terms must be the ones whose satisfiers are the most recent, unsatisfied ones
// first, so that no backjump leaves a watched term satisfied while an unwatched one is
// not.
func (s *solver) addIncompat(inc *incompat, w0, w1 int32) {
	inc.w = [2]int32{w0, w1}
	if len(inc.terms) < 2 {
		inc.w[1] = -1
	}
	s.watch(inc, 0)
	if inc.w[1] >= 0 {
		s.watch(inc, 1)
	}
}

func (s *solver) watch(inc *incompat, k int32) {
	t := inc.terms[inc.w[k]]
	s.watches[t.pkg] = append(s.watches[t.pkg], watch{inc: inc, set: t.set, k: k})
}

// addIncompatWatchingRecent registers inc watching its two terms with the most recent
// satisfiers (unsatisfied terms count as most recent).
func (s *solver) addIncompatWatchingRecent(inc *incompat) {
	best := [2]int32{-1, -1}
	lv := [2]int64{-2, -2}
	for i, t := range inc.terms {
		l := int64(1) << 62 // unsatisfied terms count as the most recent
		if sat := s.satisfier(t.pkg, t.set); sat >= 0 {
			l = int64(s.assigns[sat].level)<<32 | int64(sat)
		}
		switch {
		case l > lv[0]:
			best[1], lv[1] = best[0], lv[0]
			best[0], lv[0] = int32(i), l
		case l > lv[1]:
			best[1], lv[1] = int32(i), l
		}
	}
	s.addIncompat(inc, best[0], best[1])
}

// solve returns the chosen version index of every component (-1 = absent).
func (s *solver) solve() ([]int32, error) {
	for _, f := range s.problem.facts {
		s.addIncompatWatchingRecent(f)
	}
	for _, f := range s.problem.facts {
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
		s.addIncompatWatchingRecent(cyc)
		if err := s.conflict(cyc); err != nil {
			return nil, err
		}
	}
}

// next pops the next component to decide: required, undecided, first in decision order.
func (s *solver) next() int32 {
	// Components left with a single candidate first: there is no choice to make, and
	// deciding them adds their requirements, which surfaces conflicts early.
	for len(s.forced) > 0 {
		p := s.forced[len(s.forced)-1]
		s.forced = s.forced[:len(s.forced)-1]
		s.isForced[p] = false
		if s.decided[p] < 0 && s.required(p) && s.candidates(p).count() == 1 {
			return p
		}
	}
	for s.queue.len() > 0 {
		p := s.queue.pop()
		s.inQueue[p] = false
		if s.decided[p] < 0 && s.required(p) {
			return p
		}
	}
	return -1
}

// candidates are the versions p may still be decided at.
func (s *solver) candidates(p int32) vset {
	node := &s.index.nodes[p]
	return s.allowed(p).and(node.all).minus(node.pre.minus(s.problem.allowPre[p]))
}

func (s *solver) enqueue(p int32) {
	if s.decided[p] >= 0 || !s.required(p) {
		return
	}
	if !s.active[p] {
		// p must be installed: what each of its versions requires takes part in
		// propagation from now on (not only once p is decided), so constraints propagate
		// and conflicts show early. The caller processes p next.
		s.active[p] = true
		s.fresh[p] = true
	}
	if !s.inQueue[p] {
		s.inQueue[p] = true
		s.queue.push(p)
	}
	if !s.isForced[p] && s.candidates(p).count() == 1 {
		s.isForced[p] = true
		s.forced = append(s.forced, p)
	}
}

// decide picks a version of p, adds its requirements and propagates.
func (s *solver) decide(p int32) error {
	node := &s.index.nodes[p]
	forbidden := node.pre.minus(s.problem.allowPre[p])
	cand := s.candidates(p)
	if cand.empty() {
		// Only pre-releases are left: state the rule so the conflict can be explained.
		if !s.preAdded[p] {
			s.preAdded[p] = true
			s.addIncompat(&incompat{terms: []term{{p, forbidden}}, kind: causePrerelease, pkg: p}, 0, -1)
		}
		return s.propagate(p)
	}
	var v int
	if pv, ok := s.problem.prefer[p]; ok {
		if v = pv; !cand.has(pv) {
			v = cand.minus(rangeSet(pv)).lowest()
			if v < 0 { // only older versions are left (a downgrade was allowed)
				v = cand.highest(node.n)
			}
		}
	} else {
		v = cand.highest(node.n)
	}
	s.level++
	s.decisions++
	s.levelStart = append(s.levelStart, int32(len(s.assigns)))
	s.push(assignment{pkg: p, set: bitSet(v), level: s.level, dec: true})
	s.decided[p] = int32(v)
	return s.propagate(p)
}

func (s *solver) push(a assignment) {
	prev := s.allowed(a.pkg)
	a.prev = s.last[a.pkg]
	s.assigns = append(s.assigns, a)
	s.last[a.pkg] = int32(len(s.assigns) - 1)
	s.allowedSets[a.pkg] = prev.and(a.set)
	s.dirty[a.pkg] = true
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
		a := s.allowed(t.pkg)
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

// derive asserts that t is false because every other term of cause holds. The
// assignment gets the level at which those terms hold (not necessarily the current one),
// so that a chronological backtrack keeps it when it keeps its reasons.
func (s *solver) derive(t term, cause *incompat) {
	node := &s.index.nodes[t.pkg]
	level := int32(0)
	for _, u := range cause.terms {
		if u.pkg != t.pkg {
			if sat := s.satisfier(u.pkg, u.set); sat >= 0 {
				level = max(level, s.assigns[sat].level)
			}
		}
	}
	s.push(assignment{pkg: t.pkg, set: node.full.minus(t.set), level: level, cause: cause})
}

func (s *solver) satisfied(t term) bool { return s.allowed(t.pkg).subsetOf(t.set) }

// propagate runs unit propagation from the changes to p.
func (s *solver) propagate(p int32) error {
	queue := []int32{p}
	s.dirty[p] = true
	for len(queue) > 0 {
		q := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if !s.dirty[q] {
			continue // queued twice, nothing new since it was processed
		}
		s.dirty[q] = false
		var (
			next     int32
			conflict bool
			err      error
		)
		queue, next, conflict, err = s.propagateRequirements(q, queue)
		if err == nil && !conflict {
			queue, next, conflict, err = s.propagateWatches(q, queue)
		}
		if err != nil {
			return err
		}
		if conflict {
			queue = append(queue[:0], next)
			queue = append(queue, s.pending...)
			s.pending = s.pending[:0]
		}
	}
	return nil
}

// propagateRequirements evaluates the catalog's requirements from and to q, read
// straight from the index (no watches to maintain): when q's term of one is satisfied,
// the other term is derived false, or it is a conflict if it holds too. Right after a
// component becomes required, its own requirements are evaluated in full once. A conflict
// is resolved (with a backjump) and reported with the component to continue from.
func (s *solver) propagateRequirements(q int32, queue []int32) ([]int32, int32, bool, error) {
	allowedQ := s.allowed(q)
	fresh := s.fresh[q]
	s.fresh[q] = false
	incidences := s.index.nodes[q].incidences
	for i := range incidences {
		e := &incidences[i]
		if allowedQ.subsetOf(e.my) {
			if !s.active[e.src] {
				continue
			}
			allowedOther := s.allowed(e.pkg)
			if allowedOther.subsetOf(e.other) {
				next, err := s.conflictIn(e.inc)
				return queue, next, true, err
			}
			if !allowedOther.disjoint(e.other) {
				s.derive(term{e.pkg, e.other}, e.inc)
				queue = append(queue, e.pkg)
			}
			continue
		}
		if fresh && e.out && s.allowed(e.pkg).subsetOf(e.other) && !allowedQ.disjoint(e.my) {
			s.derive(term{q, e.my}, e.inc)
			s.fresh[q] = true // q changed: start over on it, still in full
			queue = append(queue, q)
			return queue, 0, false, nil
		}
	}
	return queue, 0, false, nil
}

// propagateWatches handles the incompatibilities that watch a term of q: facts (one term)
// and learnt or cycle incompatibilities. An incompatibility only needs attention when a
// watched term becomes satisfied; then another unsatisfied term takes over the watch, or,
// if there is none, the other watched term decides: satisfied means a conflict,
// undecided means it must be false (a derivation), contradicted means the
// incompatibility cannot hold anyway. Backjumping never invalidates watches.
func (s *solver) propagateWatches(q int32, queue []int32) ([]int32, int32, bool, error) {
	allowedQ := s.allowed(q)
	ws := s.watches[q]
	for i := 0; i < len(ws); {
		if !allowedQ.subsetOf(ws[i].set) {
			i++ // the watched term is not satisfied: nothing to do
			continue
		}
		inc, k := ws[i].inc, ws[i].k
		if inc.w[1] < 0 { // a single term (a fact), now satisfied: a conflict
			next, err := s.conflictIn(inc)
			return queue, next, true, err
		}
		if j := s.unwatchedUnsatisfied(inc); j >= 0 {
			inc.w[k] = j
			ws[i] = ws[len(ws)-1]
			ws = ws[:len(ws)-1]
			s.watches[q] = ws
			s.watch(inc, k)
			continue
		}
		other := inc.terms[inc.w[1-k]]
		a := s.allowed(other.pkg)
		switch {
		case a.subsetOf(other.set):
			next, err := s.conflictIn(inc)
			return queue, next, true, err
		case !a.disjoint(other.set):
			s.derive(other, inc)
			queue = append(queue, other.pkg)
		}
		i++
	}
	// Facts that are not yet satisfied may be unit: assert them.
	for _, w := range s.watches[q] {
		if w.inc.w[1] < 0 && !allowedQ.disjoint(w.set) && !allowedQ.subsetOf(w.set) {
			s.derive(w.inc.terms[0], w.inc)
			queue = append(queue, q) // its other incompatibilities see the new assignment
			break
		}
	}
	return queue, 0, false, nil
}

// unwatchedUnsatisfied returns an unwatched term of inc that is not satisfied, or -1.
func (s *solver) unwatchedUnsatisfied(inc *incompat) int32 {
	for j, t := range inc.terms {
		if int32(j) != inc.w[0] && int32(j) != inc.w[1] && !s.satisfied(t) {
			return int32(j)
		}
	}
	return -1
}

// conflictIn resolves the satisfied incompatibility inc, backjumps, derives the learnt
// incompatibility's assertion and returns the component it changed.
func (s *solver) conflictIn(inc *incompat) (int32, error) {
	learnt, err := s.resolveConflict(inc)
	if err != nil {
		return 0, err
	}
	t, err := s.assertion(learnt)
	if err != nil {
		return 0, err
	}
	s.derive(t, learnt)
	return t.pkg, nil
}

// conflict handles an incompatibility found satisfied outside propagation (a cycle).
func (s *solver) conflict(inc *incompat) error {
	next, err := s.conflictIn(inc)
	if err != nil {
		return err
	}
	if err := s.propagate(next); err != nil {
		return err
	}
	for len(s.pending) > 0 {
		p := s.pending[len(s.pending)-1]
		s.pending = s.pending[:len(s.pending)-1]
		if err := s.propagate(p); err != nil {
			return err
		}
	}
	return nil
}

func (s *solver) assertion(inc *incompat) (term, error) {
	rel, ti := s.relation(inc)
	if rel != relAlmost {
		return term{}, fmt.Errorf("internal error: learnt incompatibility is not unit after backjumping (relation %d)", rel)
	}
	return inc.terms[ti], nil
}

// satisfier returns the trail index of the assignment that makes the partial solution
// satisfy {p ∈ set}: taking p's assignments by level (then trail position), the first
// one after which their intersection lies in set. Its level is the lowest level at which
// the term holds. -1 if it does not hold.
func (s *solver) satisfier(p int32, set vset) int32 {
	last := s.last[p]
	if last < 0 {
		return -1
	}
	if s.assigns[last].prev < 0 { // the common case: a single assignment
		if s.assigns[last].set.subsetOf(set) {
			return last
		}
		return -1
	}
	pa := s.assignmentsOf(p)
	inOrder := true
	for i := 1; i < len(pa); i++ {
		if s.assigns[pa[i]].level < s.assigns[pa[i-1]].level {
			inOrder = false
			break
		}
	}
	if !inOrder {
		slices.SortStableFunc(pa, func(a, b int32) int { return cmp.Compare(s.assigns[a].level, s.assigns[b].level) })
	}
	intersection := s.index.nodes[p].full
	for _, ai := range pa {
		intersection = intersection.and(s.assigns[ai].set)
		if intersection.subsetOf(set) {
			return ai
		}
	}
	return -1
}

// assignmentsOf returns the trail indexes of p's assignments in trail order, in a
// scratch buffer valid until the next call.
func (s *solver) assignmentsOf(p int32) []int32 {
	buf := s.scratch[:0]
	for i := s.last[p]; i >= 0; i = s.assigns[i].prev {
		buf = append(buf, i)
	}
	slices.Reverse(buf)
	s.scratch = buf
	return buf
}

// later orders trail assignments by level, then position: the order in which they
// were established.
func (s *solver) later(a, b int32) bool {
	if la, lb := s.assigns[a].level, s.assigns[b].level; la != lb {
		return la > lb
	}
	return a > b
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
		if s.problem.budget > 0 && s.conflicts > s.problem.budget {
			return nil, errBudget
		}
		recent, recentIdx := int32(-1), -1
		second, secondIdx := int32(-1), -1 // the next most recent satisfier
		prevLevel := int32(0)
		for i, t := range inc.terms {
			sat := s.satisfier(t.pkg, t.set)
			if sat < 0 {
				return nil, fmt.Errorf("internal error: term of %s is not satisfied", s.index.nodes[t.pkg].comp.Name)
			}
			if recent < 0 || s.later(sat, recent) {
				if recent >= 0 {
					prevLevel = max(prevLevel, s.assigns[recent].level)
				}
				second, secondIdx = recent, recentIdx
				recent, recentIdx = sat, i
			} else {
				prevLevel = max(prevLevel, s.assigns[sat].level)
				if second < 0 || s.later(sat, second) {
					second, secondIdx = sat, i
				}
			}
		}
		sa := &s.assigns[recent]
		t := inc.terms[recentIdx]
		if diff := sa.set.minus(t.set); !diff.empty() {
			sat := s.satisfier(t.pkg, s.index.nodes[t.pkg].full.minus(diff))
			if sat >= 0 {
				prevLevel = max(prevLevel, s.assigns[sat].level)
			}
		}
		if sa.dec || prevLevel < sa.level {
			if learnt {
				// Watch the term that will be asserted and the one satisfied last before it.
				s.addIncompat(inc, int32(recentIdx), int32(secondIdx))
			}
			// inc is unit at every level from prevLevel to sa.level-1. Jumping all the way
			// back undoes every decision in between, which in a large platform are mostly
			// unrelated components that would be decided again the same way; past a
			// distance, backtrack chronologically instead and let the assertion sit at
			// its own level (Nadel and Ryvchin, "Chronological Backtracking", SAT 2018;
			// Möhle and Biere, "Backing Backtracking", SAT 2019).
			target := prevLevel
			if sa.level-1-prevLevel > chronoDistance {
				target = sa.level - 1
			}
			s.backjump(target)
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
	out := &incompat{kind: causeDerived, left: inc, right: cause,
		terms: make([]term, 0, len(inc.terms)+len(cause.terms))}
	pset := inc.terms[i].set
	// s.slot[q] is 1 + the index of q's term in out.terms.
	addTerm := func(t term) {
		if j := s.slot[t.pkg]; j > 0 {
			out.terms[j-1].set = out.terms[j-1].set.and(t.set)
			return
		}
		out.terms = append(out.terms, t)
		s.slot[t.pkg] = int32(len(out.terms))
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
	for _, t := range out.terms {
		s.slot[t.pkg] = 0
	}
	if !s.index.nodes[p].full.subsetOf(pset) {
		out.terms = append(out.terms, term{p, pset})
	}
	// Terms that cover a whole domain always hold; drop them.
	kept := out.terms[:0]
	for _, t := range out.terms {
		if !s.index.nodes[t.pkg].full.subsetOf(t.set) {
			kept = append(kept, t)
		}
	}
	out.terms = kept
	return out
}

// backjump undoes every assignment above level; assignments at or below it that sit
// later on the trail (chronological backtracking leaves some) are kept and their
// components queued for propagation again.
func (s *solver) backjump(level int32) {
	if level >= s.level {
		return
	}
	start := s.levelStart[level+1]
	s.tailBuf = append(s.tailBuf[:0], s.assigns[start:]...)
	tail := s.tailBuf
	s.assigns = s.assigns[:start]
	s.levelStart = s.levelStart[:level+1]
	s.level = level
	var affected []int32
	for _, a := range tail {
		if !s.mark[a.pkg] {
			s.mark[a.pkg] = true
			affected = append(affected, a.pkg)
		}
		if a.dec && a.level > level {
			s.decided[a.pkg] = -1
		}
	}
	for _, p := range affected {
		s.mark[p] = false
		i := s.last[p]
		for i >= start {
			i = s.tailBuf[i-start].prev
		}
		s.last[p] = i
		intersection := s.index.nodes[p].full
		for ; i >= 0; i = s.assigns[i].prev {
			intersection = intersection.and(s.assigns[i].set)
		}
		s.allowedSets[p] = intersection
	}
	for _, a := range tail {
		if a.level <= level {
			s.push(a)
			s.pending = append(s.pending, a.pkg)
		}
	}
	for _, p := range affected {
		s.enqueue(p)
	}
}

// findCycle looks for a dependency cycle among the decided versions and returns the
// incompatibility that forbids it, or nil.
func (s *solver) findCycle() *incompat {
	n := len(s.index.nodes)
	state := make([]uint8, n) // 0 new, 1 on path, 2 done
	parent := make([]int32, n)
	type frame struct {
		p  int32
		ei int
	}
	succ := func(p int32) []int32 { return s.index.nodes[p].edges[s.decided[p]] }
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
			to := s.index.groups[es[f.ei]].to
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
		for _, es := range s.index.nodes[a].edges {
			for _, g := range es {
				if s.index.groups[g].to == b && !seen[g] {
					seen[g] = true
					set = set.or(s.index.groups[g].fromSet)
					groups = append(groups, g)
				}
			}
		}
		inc.terms = append(inc.terms, term{a, set})
		inc.cycleGroups = append(inc.cycleGroups, groups)
	}
	return inc
}
