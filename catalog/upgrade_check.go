package catalog

import "fmt"

// AvailableUpgrades returns, for every component of set, what AvailableUpgrade returns
// for it (components that are up to date are left out), computed together: the set is
// checked once, and a candidate version whose requirements the set already meets, and
// that closes no dependency cycle, is known to resolve without a resolution, as is one
// whose missing requirements a greedy walk finds without downgrading anything.
// Candidates that would need an installed component downgraded are skipped. What is
// left is answered by solves of one shared problem (upgrade_solve.go): a few joint
// solves first, each of whose solutions shows for every component at once a version it
// can be upgraded to, and a solve per candidate only where none of the solutions found
// so far shows the candidate. An error names the first component of set whose check
// fails.
func AvailableUpgrades(c *Catalog, set []Installed) (map[string]*Version, error) {
	out := make(map[string]*Version, len(set))
	if Verify(c, set) != nil {
		// Not a consistent set: every check resolves (and most report the problem).
		for _, in := range set {
			v, err := AvailableUpgrade(c, set, in.Name)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", in.Name, err)
			}
			if v != nil {
				out[in.Name] = v
			}
		}
		return out, nil
	}
	u := newUpgradeCheck(c, set)
	pending := u.quick(out)
	if len(pending) == 0 {
		return out, nil
	}
	s, err := newUpgradeSolver(u)
	if err != nil {
		return nil, err
	}
	u.solver = s
	s.solveJoint(pending)
	for i, in := range set {
		k, ok := pending[i]
		if !ok {
			continue
		}
		if v, _ := u.newest(i, k, true); v != nil {
			out[in.Name] = v
		}
	}
	return out, nil
}

// quick runs the checks that need no solve for every component of the set, adding the
// upgrades found to out, and returns the components whose check needs a solve: set
// position → index in Versions of the first candidate left to solve.
func (u *upgradeCheck) quick(out map[string]*Version) map[int]int {
	pending := map[int]int{}
	for i, in := range u.set {
		v, k := u.newest(i, 0, false)
		if v != nil {
			out[in.Name] = v
		}
		if k >= 0 {
			pending[i] = k
		}
	}
	return pending
}

// upgradeCheck is a consistent installed set, laid out for the upgrade checks of all
// its members.
type upgradeCheck struct {
	c     *Catalog
	set   []Installed
	pos   map[string]int // position in set by name
	comps []*Component
	vers  []*Version
	// constraints[i] are the constraints the installed versions of set state on set[i].
	constraints [][]*constraint
	// deps[i] are the positions of what set[i] at its installed version depends on.
	deps [][]int
	// seen and stamp serve the cycle search.
	seen  []int
	stamp int
	// on lists, by component name, the constraints the installed versions of set state
	// on it (requirements and optional members), with the position that states them.
	on map[string][]stated
	// solver answers the candidates the quick checks cannot, created on first use.
	solver *upgradeSolver
}

type stated struct {
	from int
	c    *constraint
}

func newUpgradeCheck(c *Catalog, set []Installed) *upgradeCheck {
	u := &upgradeCheck{c: c, set: set, pos: make(map[string]int, len(set)),
		comps: make([]*Component, len(set)), vers: make([]*Version, len(set)),
		constraints: make([][]*constraint, len(set)), deps: make([][]int, len(set)), seen: make([]int, len(set))}
	for i, in := range set {
		u.pos[in.Name] = i
		u.comps[i], _ = c.Component(in.Name) // Verify found both
		u.vers[i], _ = u.comps[i].Version(in.Version)
	}
	u.on = map[string][]stated{}
	for i, v := range u.vers {
		for _, r := range v.Requires {
			u.on[r.Name] = append(u.on[r.Name], stated{i, r.c})
		}
		for _, o := range v.Optional {
			u.on[o.Name] = append(u.on[o.Name], stated{i, o.c})
		}
	}
	for i, v := range u.vers {
		for _, r := range v.Requires {
			j := u.pos[r.Name] // Verify found it
			u.constraints[j] = append(u.constraints[j], r.c)
			u.deps[i] = append(u.deps[i], j)
		}
		for _, o := range v.Optional {
			if j, ok := u.pos[o.Name]; ok {
				u.constraints[j] = append(u.constraints[j], o.c)
				u.deps[i] = append(u.deps[i], j)
			}
		}
	}
	return u
}

// newest is AvailableUpgrade for set[i], from the candidate comp.Versions[from] on.
// Without solve, it stops at the first candidate that only a solve can answer and
// returns its index (else -1).
func (u *upgradeCheck) newest(i, from int, solve bool) (*Version, int) {
	comp, cur := u.comps[i], u.vers[i]
	for k := from; k < len(comp.Versions); k++ { // newest first
		v := &comp.Versions[k]
		if v.prer || v.v.cmp(&cur.v) <= 0 {
			continue
		}
		if !u.acceptedByDependents(i, v) {
			continue
		}
		switch u.fits(i, v) {
		case fitsAsIs:
			// The set with v in place of the installed version is a solution, and the
			// resolver finds one whenever there is one.
			return v, -1
		case needsDowngrade:
			continue // no resolution can succeed: installed components are not downgraded
		}
		if u.upgradeGreedily(i, v) {
			return v, -1 // a solution, found without the resolver
		}
		if !solve {
			return nil, k
		}
		if u.solver.resolves(i, v) {
			return v, -1
		}
	}
	return nil, -1
}

func (u *upgradeCheck) acceptedByDependents(i int, v *Version) bool {
	for _, k := range u.constraints[i] {
		if !k.match(&v.v) {
			return false
		}
	}
	return true
}

// fit is how a candidate version's requirements relate to the installed set.
type fit int

const (
	fitsAsIs       fit = iota // every requirement is met as installed, and no cycle closes
	needsChanges              // it might resolve with other components installed or upgraded
	needsDowngrade            // an installed requirement would have to be downgraded
)

func (u *upgradeCheck) fits(i int, v *Version) fit {
	out := fitsAsIs
	var deps []int
	for _, r := range v.Requires {
		j, ok := u.pos[r.Name]
		if !ok {
			out = needsChanges // to be installed
			continue
		}
		deps = append(deps, j)
		if r.c.match(&u.vers[j].v) {
			continue
		}
		if !u.matchesAtOrAbove(j, r.c) {
			return needsDowngrade
		}
		out = needsChanges
	}
	for _, o := range v.Optional {
		j, ok := u.pos[o.Name]
		if !ok {
			continue
		}
		deps = append(deps, j)
		if !o.c.match(&u.vers[j].v) {
			out = needsChanges
		}
	}
	if out == fitsAsIs && u.reaches(deps, i) {
		out = needsChanges // v would close a cycle through set[i]
	}
	return out
}

// matchesAtOrAbove reports whether some version of set[j], the installed one or newer,
// satisfies k.
func (u *upgradeCheck) matchesAtOrAbove(j int, k *constraint) bool {
	cur := u.vers[j]
	for x := range u.comps[j].Versions {
		w := &u.comps[j].Versions[x]
		if w.v.cmp(&cur.v) >= 0 && k.match(&w.v) {
			return true
		}
	}
	return false
}

// reaches reports whether target is reachable from the positions from along the
// installed dependencies.
func (u *upgradeCheck) reaches(from []int, target int) bool {
	u.stamp++
	stack := append([]int(nil), from...)
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if j == target {
			return true
		}
		if u.seen[j] == u.stamp {
			continue
		}
		u.seen[j] = u.stamp
		stack = append(stack, u.deps[j]...)
	}
	return false
}

// maxGreedySteps bounds the versions upgradeGreedily picks for one candidate.
const maxGreedySteps = 64

// upgradeGreedily tries to build a solution with set[i] at v by upgrading or installing,
// newest first, whatever v's requirements need, and what those need in turn, never
// downgrading and never picking a pre-release. It reports true only for a set that
// satisfies every requirement and constraint and has no cycle: then the resolver would
// find a solution too. false means only that the greedy attempt failed.
func (u *upgradeCheck) upgradeGreedily(i int, v *Version) bool {
	changed := map[string]*Version{u.set[i].Name: v} // new versions, and new components
	current := func(name string) (*Version, bool) {
		if w, ok := changed[name]; ok {
			return w, true
		}
		if j, ok := u.pos[name]; ok {
			return u.vers[j], true
		}
		return nil, false
	}
	// accepts reports whether every member of the tentative set that states a
	// constraint on name accepts w.
	accepts := func(name string, w *Version) bool {
		for _, st := range u.on[name] {
			if _, moved := changed[u.set[st.from].Name]; !moved && !st.c.match(&w.v) {
				return false
			}
		}
		for cn, cv := range changed {
			if cn == name {
				continue
			}
			for _, r := range cv.Requires {
				if r.Name == name && !r.c.match(&w.v) {
					return false
				}
			}
			for _, o := range cv.Optional {
				if o.Name == name && !o.c.match(&w.v) {
					return false
				}
			}
		}
		return true
	}
	pick := func(name string, k *constraint) bool {
		comp, ok := u.c.Component(name)
		if !ok || name == u.set[i].Name { // the candidate stays at v
			return false
		}
		var floor *ver
		if j, ok := u.pos[name]; ok {
			floor = &u.vers[j].v
		}
		for x := range comp.Versions { // newest first
			w := &comp.Versions[x]
			if w.prer || floor != nil && w.v.cmp(floor) < 0 || !k.match(&w.v) || !accepts(name, w) {
				continue
			}
			changed[name] = w
			return true
		}
		return false
	}
	queue := []string{u.set[i].Name}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > maxGreedySteps {
			return false
		}
		name := queue[0]
		queue = queue[1:]
		w := changed[name]
		for _, r := range w.Requires {
			if cur, ok := current(r.Name); ok && r.c.match(&cur.v) {
				continue
			}
			if !pick(r.Name, r.c) {
				return false
			}
			queue = append(queue, r.Name)
		}
		for _, o := range w.Optional {
			if cur, ok := current(o.Name); !ok || o.c.match(&cur.v) {
				continue
			}
			if !pick(o.Name, o.c) {
				return false
			}
			queue = append(queue, o.Name)
		}
	}
	// Check the whole change: every changed component's requirements and constraints on
	// it, and no cycle through a changed component.
	for name, w := range changed {
		if !accepts(name, w) {
			return false
		}
		for _, r := range w.Requires {
			if cur, ok := current(r.Name); !ok || !r.c.match(&cur.v) {
				return false
			}
		}
		for _, o := range w.Optional {
			if cur, ok := current(o.Name); ok && !o.c.match(&cur.v) {
				return false
			}
		}
	}
	return !u.changeClosesCycle(changed, current)
}

// changeClosesCycle reports whether the tentative set (the installed one with changed
// applied) has a dependency cycle; only a cycle through a changed component is possible.
func (u *upgradeCheck) changeClosesCycle(changed map[string]*Version, current func(string) (*Version, bool)) bool {
	state := map[string]uint8{} // 1 on the path, 2 done
	var visit func(name string) bool
	visit = func(name string) bool {
		state[name] = 1
		w, _ := current(name)
		deps := make([]string, 0, len(w.Requires)+len(w.Optional))
		for _, r := range w.Requires {
			deps = append(deps, r.Name)
		}
		for _, o := range w.Optional {
			if _, ok := current(o.Name); ok {
				deps = append(deps, o.Name)
			}
		}
		for _, d := range deps {
			switch state[d] {
			case 1:
				return true
			case 0:
				if visit(d) {
					return true
				}
			}
		}
		state[name] = 2
		return false
	}
	for name := range changed {
		if state[name] == 0 && visit(name) {
			return true
		}
	}
	return false
}
