package catalog

import (
	"cmp"
	"slices"
)

// The partial solution: the trail of assignments (decisions and derivations, each at a
// decision level), the versions each component may still take, the satisfier of a term
// (the assignment after which it holds) and backjumping.

type assignment struct {
	pkg   int32
	set   vset // the decided version, or the derived term
	level int32
	cause *incompat // nil for a decision
	dec   bool
	prev  int32 // trail index of the previous assignment of pkg, or -1
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

// deriveFromPair is derive for an incompatibility of two terms, t and the satisfied
// {reason ∈ reasonSet}: what propagating catalog requirements does most.
func (s *solver) deriveFromPair(t term, cause *incompat, reason int32, reasonSet vset) {
	level := int32(0)
	if sat := s.satisfier(reason, reasonSet); sat >= 0 {
		level = s.assigns[sat].level
	}
	s.push(assignment{pkg: t.pkg, set: s.index.nodes[t.pkg].full.minus(t.set), level: level, cause: cause})
}

func (s *solver) satisfied(t term) bool { return s.allowed(t.pkg).subsetOf(t.set) }

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
	buf := s.trailOf[:0]
	for i := s.last[p]; i >= 0; i = s.assigns[i].prev {
		buf = append(buf, i)
	}
	slices.Reverse(buf)
	s.trailOf = buf
	return buf
}

// backjump undoes every assignment above level; assignments at or below it that sit
// later on the trail (chronological backtracking leaves some) are kept and their
// components queued for propagation again.
func (s *solver) backjump(level int32) {
	if level >= s.level {
		return
	}
	start := s.levelStart[level+1]
	s.backjumpTail = append(s.backjumpTail[:0], s.assigns[start:]...)
	tail := s.backjumpTail
	s.assigns = s.assigns[:start]
	s.levelStart = s.levelStart[:level+1]
	s.level = level
	var affected []int32
	for _, a := range tail {
		if !s.backjumpSeen[a.pkg] {
			s.backjumpSeen[a.pkg] = true
			affected = append(affected, a.pkg)
		}
		if a.dec && a.level > level {
			s.decided[a.pkg] = -1
		}
	}
	for _, p := range affected {
		s.backjumpSeen[p] = false
		i := s.last[p]
		for i >= start {
			i = s.backjumpTail[i-start].prev
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
