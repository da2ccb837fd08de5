package catalog

import "errors"

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
	// causeDerived: the incompatibilities resolved, in order: the conflict, then the
	// cause resolved with it at each step.
	sources []*incompat
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
	// activate are components whose requirements take part in propagation from the
	// start, before they must be installed (installed components usually stay).
	activate []int32
	options  solverOptions
}

// solver searches for a solution of one problem. Its state is split the way its files
// are: the partial solution (solver_partial.go), the propagation queues
// (solver_propagate.go), conflict analysis (solver_conflict.go) and the decision order
// (this file).
type solver struct {
	index   *index
	problem *problem

	// The partial solution: the trail of assignments and, per component, the versions
	// still allowed.
	assigns []assignment
	// last is the trail index of each component's last assignment, or -1.
	last []int32
	// allowedSets is, per component with assignments, the intersection of their sets
	// (see allowed).
	allowedSets []vset
	// decided is the decided version of each component, or -1.
	decided []int32
	level   int32
	// levelStart[l] is the trail index of the decision that opened level l.
	levelStart []int32
	// trailOf and backjumpTail are scratch buffers for satisfier and backjump;
	// backjumpSeen marks components during a backjump.
	trailOf      []int32
	backjumpTail []assignment
	backjumpSeen []bool

	// Propagation.
	// watches[p] holds the incompatibilities that watch a term of p.
	watches [][]watch
	// propagationQueue holds the components whose assignments changed and whose
	// incompatibilities propagation has yet to evaluate.
	propagationQueue []int32
	// dirty: the component changed since its incompatibilities were last checked.
	dirty []bool
	// pending are components whose assignments survived a backjump out of trail order;
	// their consequences are propagated again.
	pending []int32
	// active: the component's requirements take part in propagation; fresh: active,
	// but its requirements not yet evaluated in full.
	active []bool
	fresh  []bool

	// Decisions.
	queue    decisionQueue // required components in decision order
	inQueue  []bool
	forced   []int32 // components with one candidate left, decided first
	isForced []bool
	// preAdded: the rule against unpinned pre-releases of the component has been added.
	preAdded []bool

	// Conflict analysis: termSlot and resolvents are scratch for resolve, sources for
	// resolveConflict.
	termSlot   []int32
	resolvents [2]incompat
	// termSat[p] is the satisfier of p's term in the incompatibility under analysis,
	// when termSatKnown[p]; termSatTouched lists the components to forget.
	termSat []int32
	// termSatKey[p] orders termSat[p] by level, then trail index (see termSatisfier).
	termSatKey []int64
	// fullWords[p] is the node's full set as one word when its domain fits in one
	// (conflict analysis reads it for every term it carries), else 0.
	fullWords      []uint64
	termSatKnown   []bool
	termSatTouched []int32
	sources        []*incompat
	conflicts      int
	decisions      int
}

// errUnsat carries the incompatibility that proves a problem unsatisfiable.
type errUnsat struct{ inc *incompat }

func (e *errUnsat) Error() string { return "no solution" }

var errBudget = errors.New("resolution budget exhausted")

// solverOptions tune the search without changing its outcome (tests vary them).
type solverOptions struct {
	// chronoDistance is the backjump distance, in decision levels, beyond which the
	// solver backtracks chronologically: 0 always does, a huge value never does.
	chronoDistance int32
	// bottomUp decides dependencies before the components that depend on them.
	bottomUp bool
	// activateInstalled: the requirements of installed components take part in
	// propagation from the start (see problem.activate).
	activateInstalled bool
}

// defaultSolverOptions are what Resolve uses.
var defaultSolverOptions = solverOptions{chronoDistance: 16}

func newSolver(index *index, problem *problem) *solver {
	n := len(index.nodes)
	s := &solver{
		index: index, problem: problem,
		watches:      make([][]watch, n),
		last:         make([]int32, n),
		assigns:      make([]assignment, 0, 4*n),
		allowedSets:  make([]vset, n),
		decided:      make([]int32, n),
		levelStart:   []int32{0},
		backjumpSeen: make([]bool, n),
		dirty:        make([]bool, n),
		inQueue:      make([]bool, n),
		isForced:     make([]bool, n),
		preAdded:     make([]bool, n),
		active:       make([]bool, n),
		fresh:        make([]bool, n),
		termSlot:     make([]int32, n),
		termSat:      make([]int32, n),
		termSatKey:   make([]int64, n),
		fullWords:    index.fullWords,
		termSatKnown: make([]bool, n),
	}
	for i := range s.decided {
		s.decided[i] = -1
		s.last[i] = -1
	}
	// The decision order: the components of problem.first, then everything else, each
	// by rank.
	place := make([]int32, n)
	for p, r := range index.rank {
		if problem.options.bottomUp {
			r = int32(n) - 1 - r
		}
		place[p] = r + int32(n)
	}
	for p := range problem.first {
		place[p] -= int32(n)
	}
	s.queue = newDecisionQueue(place)
	return s
}

// solve returns the chosen version index of every component (-1 = absent).
func (s *solver) solve() ([]int32, error) {
	for _, f := range s.problem.facts {
		s.addIncompatWatchingRecent(f)
	}
	for _, p := range s.problem.activate {
		s.active[p] = true
		s.fresh[p] = true
	}
	for _, f := range s.problem.facts {
		for _, t := range f.terms {
			if err := s.propagate(t.pkg); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range s.problem.activate {
		if s.fresh[p] {
			if err := s.propagate(p); err != nil {
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
		if s.index.acyclic {
			return s.decided, nil // no cycle is possible
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
	for {
		p := s.queue.pop()
		if p < 0 {
			break
		}
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
