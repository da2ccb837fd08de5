package catalog

import (
	"fmt"
	"slices"
)

// Conflict analysis: a satisfied incompatibility is resolved with the causes of its most
// recent satisfiers until it would assert something at an earlier level; it is learnt,
// the solver backjumps, and the assertion is derived.

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

// resolveConflict turns a satisfied incompatibility into a learnt one that is unit after
// backjumping, and backjumps. It returns *errUnsat when the problem has no solution.
func (s *solver) resolveConflict(inc *incompat) (*incompat, error) {
	// The intermediate resolvents live in scratch buffers; only the learnt one is kept,
	// with the incompatibilities it was resolved from.
	learnt := false
	s.sources = s.sources[:0]
	s.forgetTermSatisfiers()
	defer s.forgetTermSatisfiers()
	keep := func() *incompat {
		if !learnt {
			return inc
		}
		return &incompat{kind: causeDerived, terms: slices.Clone(inc.terms), sources: slices.Clone(s.sources)}
	}
	for {
		if len(inc.terms) == 0 {
			return nil, &errUnsat{keep()}
		}
		s.conflicts++
		if s.problem.budget > 0 && s.conflicts > s.problem.budget {
			return nil, errBudget
		}
		recent, recentIdx := int32(-1), -1
		second, secondIdx := int32(-1), -1 // the next most recent satisfier
		var recentKey, secondKey int64     // their order on the trail (see termSatisfier)
		prevLevel := int32(0)
		for i, t := range inc.terms {
			sat, key := s.termSatisfier(t)
			if sat < 0 {
				return nil, fmt.Errorf("internal error: term of %s is not satisfied", s.index.nodes[t.pkg].comp.Name)
			}
			if recent < 0 || key > recentKey {
				if recent >= 0 {
					prevLevel = max(prevLevel, int32(recentKey>>32))
				}
				second, secondIdx, secondKey = recent, recentIdx, recentKey
				recent, recentIdx, recentKey = sat, i, key
			} else {
				prevLevel = max(prevLevel, int32(key>>32))
				if second < 0 || key > secondKey {
					second, secondIdx, secondKey = sat, i, key
				}
			}
		}
		mostRecent := &s.assigns[recent]
		t := inc.terms[recentIdx]
		if diff := mostRecent.set.minus(t.set); !diff.empty() {
			sat := s.satisfier(t.pkg, s.index.nodes[t.pkg].full.minus(diff))
			if sat >= 0 {
				prevLevel = max(prevLevel, s.assigns[sat].level)
			}
		}
		if mostRecent.dec || prevLevel < mostRecent.level {
			if learnt {
				// Watch the term that will be asserted and the one satisfied last before it.
				inc = keep()
				s.addIncompat(inc, int32(recentIdx), int32(secondIdx))
			}
			// inc is unit at every level from prevLevel to mostRecent.level-1. Jumping all the way
			// back undoes every decision in between, which in a large platform are mostly
			// unrelated components that would be decided again the same way; past a
			// distance, backtrack chronologically instead and let the assertion sit at
			// its own level (Nadel and Ryvchin, "Chronological Backtracking", SAT 2018;
			// Möhle and Biere, "Backing Backtracking", SAT 2019).
			target := prevLevel
			if mostRecent.level-1-prevLevel > s.problem.options.chronoDistance {
				target = mostRecent.level - 1
			}
			s.backjump(target)
			return inc, nil
		}
		if !learnt {
			s.sources = append(s.sources, inc)
		}
		s.sources = append(s.sources, mostRecent.cause)
		inc = s.resolve(inc, recentIdx, mostRecent.cause)
		learnt = true
	}
}

// resolve combines inc with the cause of the assignment that satisfied its i-th term
// (the resolution rule): terms of other components are intersected, and the terms of
// the resolved component are united (dropped when that covers its whole domain).
//
// The result is one of two scratch incompatibilities (the other may be inc), valid until
// the next resolve; resolveConflict keeps the one it learns.
func (s *solver) resolve(inc *incompat, i int, cause *incompat) *incompat {
	p := inc.terms[i].pkg
	out := &s.resolvents[0]
	if out == inc {
		out = &s.resolvents[1]
	}
	out.kind = causeDerived
	out.terms = out.terms[:0]
	pset := inc.terms[i].set
	for j, t := range inc.terms {
		if j != i {
			s.addResolventTerm(out, t, true)
		}
	}
	for _, t := range cause.terms {
		if t.pkg == p {
			pset = pset.or(t.set)
		} else {
			s.addResolventTerm(out, t, false)
		}
	}
	s.termSatKnown[p] = false // its term changes
	for _, t := range out.terms {
		s.termSlot[t.pkg] = 0
	}
	if !s.index.nodes[p].full.subsetOf(pset) {
		out.terms = append(out.terms, term{p, pset})
	}
	// Terms that cover a whole domain always hold; drop them.
	kept := out.terms[:0]
	for _, t := range out.terms {
		if fw := s.fullWords[t.pkg]; fw != 0 && t.set.big == nil {
			if fw&^t.set.w != 0 {
				kept = append(kept, t)
			}
		} else if !s.index.nodes[t.pkg].full.subsetOf(t.set) {
			kept = append(kept, t)
		}
	}
	out.terms = kept
	return out
}

// addResolventTerm adds t to out, intersecting it with out's term of the same component
// (s.termSlot[q] is 1 + the index of q's term in out.terms). carried: t is a term of the
// incompatibility being resolved, whose satisfier is known if it stays as it is.
func (s *solver) addResolventTerm(out *incompat, t term, carried bool) {
	if j := s.termSlot[t.pkg]; j > 0 {
		out.terms[j-1].set = out.terms[j-1].set.and(t.set)
		s.termSatKnown[t.pkg] = false
		return
	}
	out.terms = append(out.terms, t)
	s.termSlot[t.pkg] = int32(len(out.terms))
	if !carried {
		s.termSatKnown[t.pkg] = false
	}
}

// termSatisfier is satisfier for a term of the incompatibility under analysis,
// remembered while its term stays the same: the trail does not change during an
// analysis, and most terms are carried from one resolvent to the next.
//
// It also returns the satisfier's place in the order assignments were established in:
// its level, then its trail index, as one number.
func (s *solver) termSatisfier(t term) (int32, int64) {
	if s.termSatKnown[t.pkg] {
		return s.termSat[t.pkg], s.termSatKey[t.pkg]
	}
	sat := s.satisfier(t.pkg, t.set)
	var key int64
	if sat >= 0 {
		key = int64(s.assigns[sat].level)<<32 | int64(sat)
	}
	s.termSat[t.pkg] = sat
	s.termSatKey[t.pkg] = key
	s.termSatKnown[t.pkg] = true
	s.termSatTouched = append(s.termSatTouched, t.pkg)
	return sat, key
}

func (s *solver) forgetTermSatisfiers() {
	for _, p := range s.termSatTouched {
		s.termSatKnown[p] = false
	}
	s.termSatTouched = s.termSatTouched[:0]
}
