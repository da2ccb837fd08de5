package catalog

// Cycle detection: requirements may form cycles among the decided versions, which a
// plan cannot order; a cycle found after every decision becomes an incompatibility.

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
