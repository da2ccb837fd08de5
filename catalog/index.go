package catalog

import (
	"math/bits"
	"slices"
	"strings"
)

// index is the resolver's compiled form of a catalog: components as dense integers,
// versions as bit positions (ascending), and every requirement grouped with the other
// versions that state the same requirement, with the set of target versions it allows
// precomputed. Built once per catalog; read-only afterwards.
type index struct {
	nodes  []node
	byName map[string]int32
	groups []edgeGroup
	// rank is the static decision order: every component comes before the components
	// it depends on (strongly connected components stay together), ties by name.
	rank []int32
	// acyclic: no requirement of any version leads back to its component, so the solver
	// need not look for cycles.
	acyclic bool
	// fullWords[p] is nodes[p].full as one word when its domain fits in one, else 0.
	fullWords []uint64
	// multiPart[p]: some version of the component has parts.
	multiPart []bool
}

type node struct {
	comp   *Component
	vers   []*Version // ascending
	n      int        // number of versions; bit n is "absent"
	all    vset       // every version
	full   vset       // every version and absent
	absent vset       // absent only
	pre    vset       // pre-release versions
	// edges[i] lists the edge groups of version i.
	edges [][]int32
	// incidences lists the requirement incompatibilities the component takes part in, from
	// its side: its term, the other component and term.
	incidences []incidence
	// ownWords[i] is incidences[i].own as one word, when the domain fits in one (fewer
	// than 64 versions): propagation scans these 8 bytes per incidence, not 56.
	ownWords []uint64
	// dependents[i] is incidences[i].from when the incidence is another component's
	// requirement of this one, -1 when it is this component's own: propagation skips the
	// requirements of components that are not active without reading the incidence.
	dependents []int32
	// others[i] is incidences[i].other, and otherWords[i] incidences[i].otherSet as one
	// word when every other component's domain fits in one (othersFit): propagation
	// reads the incidence itself only when it derives something.
	others     []int32
	otherWords []uint64
	othersFit  bool
}

// incidence is one requirement incompatibility {from ∈ fromSet, to ∉ match} seen from one
// of its two components, laid out for the solver's propagation loop.
type incidence struct {
	inc      *incompat
	own      vset  // this component's term
	otherSet vset  // the other component's term
	other    int32 // the other component
	from     int32 // the component whose requirement it is
	outgoing bool  // this component is from
}

// edgeGroup is one requirement (or optional-member constraint) shared by the versions in
// fromSet of component from.
type edgeGroup struct {
	from, to int32
	optional bool
	cons     string
	fromSet  vset // versions of from that state exactly this requirement
	match    vset // versions of to that satisfy it
	// inc is the incompatibility {from ∈ fromSet, to ∉ match} (for an optional member,
	// absence is fine); nil when it forbids nothing.
	inc *incompat
}

func newIndex(comps []*Component) *index {
	x := &index{byName: make(map[string]int32, len(comps))}
	sorted := slices.Clone(comps)
	slices.SortFunc(sorted, func(a, b *Component) int { return strings.Compare(a.Name, b.Name) })
	x.nodes = make([]node, len(sorted))
	for i, c := range sorted {
		x.byName[c.Name] = int32(i)
		node := &x.nodes[i]
		node.comp = c
		node.n = len(c.Versions)
		node.vers = make([]*Version, node.n)
		for j := range c.Versions { // Versions are newest first
			v := &c.Versions[node.n-1-j]
			node.vers[j] = v
			if v.prer {
				node.pre = node.pre.with(j)
			}
		}
		node.all = rangeSet(node.n)
		node.full = rangeSet(node.n + 1)
		node.absent = bitSet(node.n)
		node.edges = make([][]int32, node.n)
	}
	type key struct {
		to       int32
		optional bool
		cons     string
	}
	for i := range x.nodes {
		node := &x.nodes[i]
		groups := map[key]int32{}
		add := func(vi int, name, cons string, c *constraint, optional bool) {
			to := x.byName[name]
			k := key{to, optional, cons}
			g, ok := groups[k]
			if !ok {
				g = int32(len(x.groups))
				groups[k] = g
				tn := &x.nodes[to]
				var m vset
				for j, tv := range tn.vers {
					if c.match(&tv.v) {
						m = m.with(j)
					}
				}
				x.groups = append(x.groups, edgeGroup{from: int32(i), to: to, optional: optional, cons: cons, match: m})
			}
			x.groups[g].fromSet = x.groups[g].fromSet.with(vi)
			node.edges[vi] = append(node.edges[vi], g)
		}
		for vi, v := range node.vers {
			for _, r := range v.Requires {
				add(vi, r.Name, r.Constraint, r.c, false)
			}
			for _, o := range v.Optional {
				add(vi, o.Name, o.Constraint, o.c, true)
			}
		}
	}
	for g := range x.groups {
		e := &x.groups[g]
		e.inc = depIncompat(x, int32(g))
		if e.inc == nil {
			continue
		}
		ft, tt := e.inc.terms[0], e.inc.terms[1]
		x.nodes[e.from].incidences = append(x.nodes[e.from].incidences, incidence{inc: e.inc, own: ft.set, otherSet: tt.set, other: e.to, from: e.from, outgoing: true})
		x.nodes[e.to].incidences = append(x.nodes[e.to].incidences, incidence{inc: e.inc, own: tt.set, otherSet: ft.set, other: e.from, from: e.from})
	}
	for i := range x.nodes {
		node := &x.nodes[i]
		node.dependents = make([]int32, len(node.incidences))
		node.others = make([]int32, len(node.incidences))
		node.otherWords = make([]uint64, len(node.incidences))
		node.othersFit = true
		for j, e := range node.incidences {
			node.dependents[j] = -1
			if !e.outgoing {
				node.dependents[j] = e.from
			}
			node.others[j] = e.other
			node.otherWords[j] = e.otherSet.w
			if e.otherSet.big != nil {
				node.othersFit = false
			}
		}
		if node.n+1 > 64 {
			continue
		}
		node.ownWords = make([]uint64, len(node.incidences))
		for j, e := range node.incidences {
			node.ownWords[j] = e.own.w
		}
	}
	x.fullWords = make([]uint64, len(x.nodes))
	x.multiPart = make([]bool, len(x.nodes))
	for i := range x.nodes {
		for _, v := range x.nodes[i].vers {
			if len(v.Parts) > 0 {
				x.multiPart[i] = true
			}
		}
		if f := x.nodes[i].full; f.big == nil {
			x.fullWords[i] = f.w
		}
	}
	x.rank, x.acyclic = x.topoRank()
	return x
}

// depIncompat is the incompatibility of an edge group: {from ∈ fromSet, to ∉ match}; for
// an optional member, absence of the member is fine.
func depIncompat(x *index, g int32) *incompat {
	e := &x.groups[g]
	tn := &x.nodes[e.to]
	var toSet vset
	if e.optional {
		toSet = tn.all.minus(e.match)
		if toSet.empty() {
			return nil // the constraint allows every version: nothing to enforce
		}
	} else {
		toSet = tn.full.minus(e.match)
	}
	return &incompat{terms: []term{{e.from, e.fromSet}, {e.to, toSet}}, kind: causeDependency, group: g, w: [2]int32{0, 1}}
}

// successors returns the components p may depend on (any version, requirement or
// optional member), deduplicated and sorted.
func (x *index) successors(p int32) []int32 {
	var out []int32
	for _, es := range x.nodes[p].edges {
		for _, g := range es {
			out = append(out, x.groups[g].to)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// topoRank orders components so that dependents come before their dependencies; the
// members of a dependency cycle are adjacent. Ties are broken by name, so the order is
// deterministic. It also reports whether there is no cycle at all.
func (x *index) topoRank() ([]int32, bool) {
	n := len(x.nodes)
	succ := make([][]int32, n)
	for i := range succ {
		succ[i] = x.successors(int32(i))
	}
	// Tarjan's strongly connected components, iteratively.
	comp := make([]int32, n)
	for i := range comp {
		comp[i] = -1
	}
	idx := make([]int32, n)
	low := make([]int32, n)
	onStack := make([]bool, n)
	for i := range idx {
		idx[i] = -1
	}
	var stack []int32
	var sccs [][]int32
	next := int32(0)
	type frame struct {
		v  int32
		ei int
	}
	for s := range n {
		if idx[s] >= 0 {
			continue
		}
		call := []frame{{int32(s), 0}}
		idx[s], low[s] = next, next
		next++
		stack = append(stack, int32(s))
		onStack[s] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.ei < len(succ[f.v]) {
				w := succ[f.v][f.ei]
				f.ei++
				if idx[w] < 0 {
					idx[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				} else if onStack[w] {
					low[f.v] = min(low[f.v], idx[w])
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] == idx[v] {
				var scc []int32
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = int32(len(sccs))
					scc = append(scc, w)
					if w == v {
						break
					}
				}
				slices.Sort(scc)
				sccs = append(sccs, scc)
			}
		}
	}
	// Kahn's algorithm over the condensation, dependents first, smallest name first.
	indeg := make([]int, len(sccs))
	csucc := make([][]int32, len(sccs))
	for v := range n {
		for _, w := range succ[v] {
			if comp[v] != comp[w] {
				csucc[comp[v]] = append(csucc[comp[v]], comp[w])
				indeg[comp[w]]++
			}
		}
	}
	h := &int32Heap{less: func(a, b int32) bool { return sccs[a][0] < sccs[b][0] }}
	for c := range sccs {
		if indeg[c] == 0 {
			h.push(int32(c))
		}
	}
	rank := make([]int32, n)
	r := int32(0)
	for h.len() > 0 {
		c := h.pop()
		for _, v := range sccs[c] {
			rank[v] = r
			r++
		}
		for _, d := range csucc[c] {
			if indeg[d]--; indeg[d] == 0 {
				h.push(d)
			}
		}
	}
	return rank, len(sccs) == n // components never depend on themselves
}

// int32Heap is a binary heap of int32 with a custom order.
type int32Heap struct {
	a    []int32
	less func(a, b int32) bool
}

func (h *int32Heap) len() int { return len(h.a) }

func (h *int32Heap) push(x int32) {
	h.a = append(h.a, x)
	i := len(h.a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(h.a[i], h.a[p]) {
			break
		}
		h.a[i], h.a[p] = h.a[p], h.a[i]
		i = p
	}
}

func (h *int32Heap) pop() int32 {
	top := h.a[0]
	last := len(h.a) - 1
	h.a[0] = h.a[last]
	h.a = h.a[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h.a) && h.less(h.a[l], h.a[m]) {
			m = l
		}
		if r < len(h.a) && h.less(h.a[r], h.a[m]) {
			m = r
		}
		if m == i {
			break
		}
		h.a[i], h.a[m] = h.a[m], h.a[i]
		i = m
	}
	return top
}

// decisionQueue holds components by their place in the decision order, as a bitmap with
// a summary word per 64 words: push and pop take a few word operations, not a heap's
// comparisons.
type decisionQueue struct {
	place   []int32 // each component's place; places are distinct
	at      []int32 // the component at each place
	words   []uint64
	summary []uint64 // bit i: words[i] is not zero
}

func newDecisionQueue(place []int32) decisionQueue {
	size := 0
	for _, pl := range place {
		size = max(size, int(pl)+1)
	}
	q := decisionQueue{place: place, at: make([]int32, size), words: make([]uint64, (size+63)/64)}
	q.summary = make([]uint64, (len(q.words)+63)/64)
	for p, pl := range place {
		q.at[pl] = int32(p)
	}
	return q
}

func (q *decisionQueue) push(p int32) {
	i := q.place[p]
	q.words[i/64] |= 1 << uint(i%64)
	q.summary[i/4096] |= 1 << uint(i/64%64)
}

// pop removes and returns the component with the lowest place, or -1.
func (q *decisionQueue) pop() int32 {
	for si, sw := range q.summary {
		if sw == 0 {
			continue
		}
		wi := si*64 + bits.TrailingZeros64(sw)
		w := q.words[wi]
		b := bits.TrailingZeros64(w)
		w &^= 1 << uint(b)
		q.words[wi] = w
		if w == 0 {
			q.summary[si] &^= 1 << uint(wi%64)
		}
		return q.at[wi*64+b]
	}
	return -1
}
