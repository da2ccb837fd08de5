package catalog

import "slices"

// Result shaping: the solver's selection becomes a plan, ordered so that every
// component comes after what it depends on, with removals last.

// selection holds a version index per component, -1 when it is absent.
type selection []int32

func (r *resolution) newSelection() selection {
	sel := make(selection, len(r.index.nodes))
	for i := range sel {
		sel[i] = -1
	}
	return sel
}

// members returns the selected components in name order.
func (sel selection) members() []int32 {
	var out []int32
	for p, v := range sel {
		if v >= 0 {
			out = append(out, int32(p))
		}
	}
	return out
}

// graph holds, per component, the components it depends on.
type graph [][]int32

// graph returns the dependency edges among the selected versions: requirements and
// optional members that are present.
func (r *resolution) graph(sel selection) graph {
	g := make(graph, len(sel))
	size := 0
	for p, vi := range sel {
		if vi >= 0 {
			size += len(r.index.nodes[p].edges[vi])
		}
	}
	buf := make([]int32, 0, size) // one allocation for all adjacency lists
	for p, vi := range sel {
		if vi < 0 {
			continue
		}
		start := len(buf)
		for _, gi := range r.index.nodes[p].edges[vi] {
			if to := r.index.groups[gi].to; sel[to] >= 0 && !slices.Contains(buf[start:], to) {
				buf = append(buf, to)
			}
		}
		out := buf[start:len(buf):len(buf)]
		slices.Sort(out)
		g[p] = out
	}
	return g
}

func reach(g graph, roots []int32) []bool {
	seen := make([]bool, len(g))
	stack := slices.Clone(roots)
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[p] {
			continue
		}
		seen[p] = true
		stack = append(stack, g[p]...)
	}
	return seen
}

// order returns ps with every component after the components it depends on (per g),
// ties broken by name (component indexes follow names). Components in a cycle
// (impossible in a plan) come last.
func (r *resolution) order(ps []int32, g graph) []int32 {
	n := len(g)
	in := make([]bool, n)
	for _, p := range ps {
		in[p] = true
	}
	pending := make([]int32, n) // dependencies not yet placed
	// dependents[off[d]:off[d+1]] are the components of ps that depend on d.
	off := make([]int32, n+1)
	for _, p := range ps {
		for _, d := range g[p] {
			if in[d] {
				pending[p]++
				off[d+1]++
			}
		}
	}
	for i := range n {
		off[i+1] += off[i]
	}
	dependents := make([]int32, off[n])
	fill := slices.Clone(off[:n])
	for _, p := range ps {
		for _, d := range g[p] {
			if in[d] {
				dependents[fill[d]] = p
				fill[d]++
			}
		}
	}
	h := &int32Heap{less: func(a, b int32) bool { return a < b }}
	for _, p := range ps {
		if pending[p] == 0 {
			h.push(p)
		}
	}
	out := make([]int32, 0, len(ps))
	for h.len() > 0 {
		p := h.pop()
		out = append(out, p)
		in[p] = false
		for _, d := range dependents[off[p]:off[p+1]] {
			if pending[d]--; pending[d] == 0 {
				h.push(d)
			}
		}
	}
	var rest []int32
	for _, p := range ps {
		if in[p] {
			rest = append(rest, p)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// plan turns the final selection into steps.
func (r *resolution) plan(sel selection, g graph) *Plan {
	reasons := r.reasons(sel, g)
	// The request's reach: for install, the components it names and what they depend on;
	// for upgrade, the components it upgrades.
	var touched []bool
	if r.req.Kind == Install {
		touched = reach(g, append(slices.Clone(r.names), r.with...))
	} else {
		touched = make([]bool, len(sel))
		for p := range r.targets {
			touched[p] = true
		}
	}
	var steps []Step
	for _, p := range r.order(sel.members(), g) {
		to := r.index.nodes[p].vers[sel[p]].Version
		st := Step{Component: r.name(p), To: to, Reason: reasons[p]}
		e := r.inst[p]
		switch {
		case e == nil:
			st.Action = ActionInstall
		case int32(e.vi) == sel[p]:
			st.Action, st.From = ActionKeep, e.version
		default:
			st.From = e.version
			st.Action = ActionUpgrade
			if r.index.nodes[p].vers[sel[p]].v.cmp(&e.v) < 0 {
				st.Action = ActionDowngrade
			}
		}
		if st.Action == ActionKeep && !touched[p] && (e.explicit || reasons[p] == e.reason) {
			continue
		}
		steps = append(steps, st)
	}
	var gone []int32
	for p := range r.inst {
		if sel[p] < 0 {
			gone = append(gone, p)
		}
	}
	steps = append(steps, r.removals(gone, nil)...)
	return &Plan{Steps: steps}
}

// removals returns remove steps for gone, dependents before dependencies; requested
// marks the components the user asked to remove.
func (r *resolution) removals(gone []int32, requested map[int32]bool) []Step {
	slices.Sort(gone)
	installedDeps := r.installedGraph()
	rev := make(graph, len(installedDeps)) // dependency -> dependents
	for p, ds := range installedDeps {
		for _, d := range ds {
			rev[d] = append(rev[d], int32(p))
		}
	}
	ordered := r.order(gone, rev)
	steps := make([]Step, 0, len(ordered)+len(r.unknown))
	for _, p := range ordered {
		reason := ReasonNoLongerNeeded
		if requested[p] {
			reason = ReasonRequested
		}
		steps = append(steps, Step{Action: ActionRemove, Component: r.name(p), From: r.inst[p].version, Reason: reason})
	}
	for _, in := range r.installed {
		if r.unknown[in.Name] {
			steps = append(steps, Step{Action: ActionRemove, Component: in.Name, From: in.Version, Reason: ReasonRequested})
		}
	}
	return steps
}

// installedGraph is the dependency graph of the installed components whose versions the
// catalog has.
func (r *resolution) installedGraph() graph {
	sel := r.newSelection()
	for p, e := range r.inst {
		if e.vi >= 0 {
			sel[p] = int32(e.vi)
		}
	}
	return r.graph(sel)
}
