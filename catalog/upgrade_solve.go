package catalog

import "slices"

// Exact upgrade checks without one Resolve per candidate. AvailableUpgrade(set, name)
// asks whether the problem "upgrade name, pinned at v" has a solution; the problems of
// all components share everything but the pin: the installed set, its no-downgrade
// facts and its optional members. upgradeSolver encodes that base once, and every
// solution found is remembered for every component at once: a solution of the base
// with component j at version w proves that upgrading j alone to w resolves, whichever
// check found it. The first solve maximises every installed component's version jointly
// (within what its installed dependents accept), which answers most checks; only the
// candidates no solution shows yet are solved one by one, and each of those solutions
// joins the witnesses.

type upgradeSolver struct {
	u     *upgradeCheck
	r     *resolution // the base: upgrade, no target, no pin
	base  *problem
	nodes []int32 // component index of set[i]
	// witnessed[i] are the version indexes (node.vers) of set[i] that some solution
	// found takes.
	witnessed []vset
}

func newUpgradeSolver(u *upgradeCheck) (*upgradeSolver, error) {
	r, err := newResolution(u.c, u.set, Request{Kind: Upgrade, All: true})
	if err != nil {
		return nil, err
	}
	r.req.All = false
	r.targets = map[int32]bool{}
	s := &upgradeSolver{u: u, r: r, base: r.encode(), nodes: make([]int32, len(u.set)), witnessed: make([]vset, len(u.set))}
	for i, in := range u.set {
		s.nodes[i] = r.index.byName[in.Name]
	}
	return s, nil
}

// versionIndex is the index of v in set[i]'s node.vers.
func (s *upgradeSolver) versionIndex(i int, v *Version) int {
	return slices.Index(s.r.index.nodes[s.nodes[i]].vers, v)
}

// record adds a solution to the witnesses.
func (s *upgradeSolver) record(sol []int32) {
	for i, p := range s.nodes {
		if vi := sol[p]; vi >= 0 {
			s.witnessed[i] = s.witnessed[i].with(int(vi))
		}
	}
}

// solveJoint solves the base twice: once with every component at its newest version
// the catalog allows, and once deciding first the candidates the quick checks left
// (pending: set position → index in Versions), each preferring its candidate.
func (s *upgradeSolver) solveJoint(pending map[int]int) {
	for round := range 2 {
		problem := &problem{facts: s.base.facts, prefer: map[int32]int{}, first: map[int32]bool{},
			allowPre: s.base.allowPre, options: s.base.options}
		if round == 1 {
			for i, k := range pending {
				p := s.nodes[i]
				problem.first[p] = true
				problem.prefer[p] = s.versionIndex(i, &s.u.comps[i].Versions[k])
			}
		}
		if sol, err := newSolver(s.r.index, problem).solve(); err == nil {
			s.record(sol)
		}
	}
}

// resolves reports whether upgrading set[i] alone to v resolves: what Resolve of that
// request, pinned at v, reports, without a plan or an explanation.
func (s *upgradeSolver) resolves(i int, v *Version) bool {
	vi := s.versionIndex(i, v)
	if s.witnessed[i].has(vi) {
		return true
	}
	p := s.nodes[i]
	node := &s.r.index.nodes[p]
	// The request's problem: set[i] is a target (so a root, and not preferred at its
	// installed version) and pinned; its own no-downgrade rule and the rule that keeps
	// it as an optional member give way to the pin.
	problem := &problem{prefer: make(map[int32]int, len(s.base.prefer)), first: map[int32]bool{}, allowPre: s.base.allowPre, options: s.base.options}
	problem.facts = make([]*incompat, 0, len(s.base.facts)+1)
	for _, f := range s.base.facts {
		if f.kind == causeInstalled && f.pkg == p || f.kind == causeMember && f.member == p {
			continue
		}
		problem.facts = append(problem.facts, f)
	}
	problem.facts = append(problem.facts, &incompat{terms: []term{{p, node.full.minus(bitSet(vi))}}, kind: causePinned, pkg: p, ver: v.Version})
	for q, w := range s.base.prefer {
		if q != p {
			problem.prefer[q] = w
		}
	}
	// v is not a pre-release (candidates never are), so allowPre stays as it is.
	sol, err := newSolver(s.r.index, problem).solve()
	if err != nil {
		return false // unsatisfiable (or a search error): Resolve fails too
	}
	s.record(sol)
	return true
}
