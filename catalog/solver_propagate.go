package catalog

// Unit propagation: when every term of an incompatibility but one holds, the last one
// is derived false. Catalog requirements are read from each component's incidences;
// facts and learnt incompatibilities use two watched terms.

// watch is an incompatibility watching one of its terms; set is a copy of that term's
// set, so the common case (the term is not satisfied) needs no pointer chasing.
type watch struct {
	inc *incompat
	set vset
	k   int32 // which of inc.w this is
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

// propagate runs unit propagation from the changes to p.
func (s *solver) propagate(p int32) error {
	s.propagationQueue = append(s.propagationQueue[:0], p)
	s.dirty[p] = true
	for len(s.propagationQueue) > 0 {
		q := s.propagationQueue[len(s.propagationQueue)-1]
		s.propagationQueue = s.propagationQueue[:len(s.propagationQueue)-1]
		if !s.dirty[q] {
			continue // queued twice, nothing new since it was processed
		}
		s.dirty[q] = false
		res, err := s.propagateRequirements(q)
		if err == nil && !res.conflict {
			res, err = s.propagateWatches(q)
		}
		if err != nil {
			return err
		}
		if res.conflict {
			// The trail changed under the queue: continue from the learnt assertion and
			// the assignments a chronological backtrack kept.
			s.propagationQueue = append(s.propagationQueue[:0], res.resume)
			s.propagationQueue = append(s.propagationQueue, s.pending...)
			s.pending = s.pending[:0]
		}
	}
	return nil
}

// propagation is what evaluating the incompatibilities of one component found.
// Derivations go onto the trail and their components onto the propagation queue; a
// conflict has been resolved (learnt, backjumped, its assertion derived) by the time it
// is reported.
type propagation struct {
	conflict bool
	resume   int32 // after a conflict: the component the learnt assertion changed
}

// queueChanged schedules component p, just assigned, for propagation.
func (s *solver) queueChanged(p int32) { s.propagationQueue = append(s.propagationQueue, p) }

// conflictFound resolves the satisfied incompatibility inc and reports it.
func (s *solver) conflictFound(inc *incompat) (propagation, error) {
	resume, err := s.conflictIn(inc)
	return propagation{conflict: true, resume: resume}, err
}

// propagateRequirements evaluates the catalog's requirements from and to q, read
// straight from the index (no watches to maintain): when q's term of one is satisfied,
// the other term is derived false, or it is a conflict if it holds too. Right after a
// component becomes required, its own requirements are evaluated in full once.
func (s *solver) propagateRequirements(q int32) (propagation, error) {
	allowedQ := s.allowed(q)
	fresh := s.fresh[q]
	s.fresh[q] = false
	node := &s.index.nodes[q]
	incidences := node.incidences
	words := node.ownWords
	if allowedQ.big != nil {
		words = nil
	}
	dependents, others, otherWords := node.dependents, node.others, node.otherWords
	othersFit := node.othersFit
	for i := range incidences {
		var holds bool // q's term holds
		if words != nil {
			// Tested first: it reads the arrays in order, and mostly rules the
			// incidence out.
			holds = allowedQ.w&^words[i] == 0
			if !holds && !fresh {
				continue
			}
		}
		d := dependents[i]
		if d >= 0 && !s.active[d] {
			continue // another component's requirement, and that component is not active
		}
		if words == nil {
			holds = allowedQ.subsetOf(incidences[i].own)
		}
		if holds {
			// The requirement is q's own (d < 0) or an active component's (d, checked
			// above): it takes part when that component is active.
			if d < 0 && !s.active[q] {
				continue
			}
			allowedOther := s.allowed(others[i])
			if othersFit && allowedOther.big == nil {
				ow := otherWords[i]
				if allowedOther.w&^ow == 0 {
					return s.conflictFound(incidences[i].inc)
				}
				if allowedOther.w&ow != 0 {
					e := &incidences[i]
					s.deriveFromPair(term{e.other, e.otherSet}, e.inc, q, e.own)
					s.queueChanged(e.other)
				}
				continue
			}
			e := &incidences[i]
			if allowedOther.subsetOf(e.otherSet) {
				return s.conflictFound(e.inc)
			}
			if !allowedOther.disjoint(e.otherSet) {
				s.deriveFromPair(term{e.other, e.otherSet}, e.inc, q, e.own)
				s.queueChanged(e.other)
			}
			continue
		}
		if !fresh || d >= 0 { // d < 0: q's own requirement (outgoing)
			continue
		}
		allowedOther := s.allowed(others[i])
		var otherHolds, meets bool
		if othersFit && allowedOther.big == nil {
			otherHolds = allowedOther.w&^otherWords[i] == 0
		} else {
			otherHolds = allowedOther.subsetOf(incidences[i].otherSet)
		}
		if !otherHolds {
			continue
		}
		if words != nil {
			meets = allowedQ.w&words[i] != 0
		} else {
			meets = !allowedQ.disjoint(incidences[i].own)
		}
		if meets {
			e := &incidences[i]
			s.derive(term{q, e.own}, e.inc)
			s.fresh[q] = true // q changed: start over on it, still in full
			s.queueChanged(q)
			return propagation{}, nil
		}
	}
	return propagation{}, nil
}

// propagateWatches handles the incompatibilities that watch a term of q: facts (one term)
// and learnt or cycle incompatibilities. An incompatibility only needs attention when a
// watched term becomes satisfied; then another unsatisfied term takes over the watch, or,
// if there is none, the other watched term decides: satisfied means a conflict,
// undecided means it must be false (a derivation), contradicted means the
// incompatibility cannot hold anyway. Backjumping never invalidates watches.
func (s *solver) propagateWatches(q int32) (propagation, error) {
	allowedQ := s.allowed(q)
	ws := s.watches[q]
	for i := 0; i < len(ws); {
		if !allowedQ.subsetOf(ws[i].set) {
			i++ // the watched term is not satisfied: nothing to do
			continue
		}
		inc, k := ws[i].inc, ws[i].k
		if inc.w[1] < 0 { // a single term (a fact), now satisfied: a conflict
			return s.conflictFound(inc)
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
		allowedOther := s.allowed(other.pkg)
		switch {
		case allowedOther.subsetOf(other.set):
			return s.conflictFound(inc)
		case !allowedOther.disjoint(other.set):
			s.derive(other, inc)
			s.queueChanged(other.pkg)
		}
		i++
	}
	// Facts that are not yet satisfied may be unit: assert them.
	for _, w := range s.watches[q] {
		if w.inc.w[1] < 0 && !allowedQ.disjoint(w.set) && !allowedQ.subsetOf(w.set) {
			s.derive(w.inc.terms[0], w.inc)
			s.queueChanged(q) // its other incompatibilities see the new assignment
			break
		}
	}
	return propagation{}, nil
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
