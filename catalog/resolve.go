package catalog

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Installed is one component of a platform as Platform.spec.components lists it.
type Installed struct {
	// Name of the component.
	Name string `json:"name"`
	// Version installed (or desired).
	Version string `json:"version"`
	// Reason is "" or "requested" for a component the user asked for (explicit), or why
	// it is there otherwise: "dependency of ai-hub", "optional member of ai-hub".
	// Components that are not explicit are removed once nothing needs them.
	Reason string `json:"reason,omitempty"`
}

// Reasons a plan gives, besides "dependency of NAME" and "optional member of NAME".
const (
	ReasonRequested      = "requested"
	ReasonNoLongerNeeded = "no longer needed"
	dependencyOf         = "dependency of "
	optionalMemberOf     = "optional member of "
)

// Explicit reports whether the user asked for the component (Reason "" or "requested").
func (i Installed) Explicit() bool { return i.Reason == "" || i.Reason == ReasonRequested }

// RequestKind is what the user asks for.
type RequestKind string

// Request kinds.
const (
	Install   RequestKind = "install"
	Upgrade   RequestKind = "upgrade"
	Uninstall RequestKind = "uninstall"
)

// Request is what the user asks the resolver for.
type Request struct {
	// Kind is Install, Upgrade or Uninstall.
	Kind RequestKind
	// Names are the components to install, upgrade or uninstall.
	Names []string
	// With are optional members of the components installed (install ai-hub --with
	// neo4j). Install only.
	With []string
	// Versions pins versions: for Install, the version of a name or a With member; for
	// Upgrade, the target version of a name (or of any installed component with All).
	Versions map[string]string
	// All upgrades every installed component. Upgrade only.
	All bool
	// AllowDowngrade allows a pinned version older than the installed one.
	AllowDowngrade bool
}

// Action is what a plan step does to a component.
type Action string

// Actions.
const (
	ActionInstall Action = "install"
	ActionUpgrade Action = "upgrade"
	// ActionDowngrade only appears when the request allowed downgrades and pinned an
	// older version.
	ActionDowngrade Action = "downgrade"
	// ActionKeep: the component stays at its version. Plans list kept components that
	// the request touches (the requested components and what they depend on), so the CLI
	// can show "already installed".
	ActionKeep   Action = "keep"
	ActionRemove Action = "remove"
)

// Step is one line of a plan.
type Step struct {
	Action    Action `json:"action"`
	Component string `json:"component"`
	// From is the installed version ("" for install).
	From string `json:"from"`
	// To is the version after the plan ("" for remove).
	To string `json:"to"`
	// Reason is why the component is in the platform after the plan ("requested",
	// "dependency of ai-hub", "optional member of ai-hub"), or, for a removal,
	// "requested" or "no longer needed".
	Reason string `json:"reason"`
	// Parts names, in delivery order, the parts of a multi-part component version (To,
	// or From for a removal); empty for single-part components.
	Parts []string `json:"parts,omitempty"`
}

// Plan is the ordered outcome of a resolution. Steps are ordered so that a component
// comes after everything it depends on; removals come last, dependents before their
// dependencies. Its JSON form, {"steps":[{"action","component","from","to","reason"}]},
// is what `kubectl openova … -o json` prints.
type Plan struct {
	Steps []Step `json:"steps"`
}

// HasChanges reports whether the plan installs, upgrades, downgrades or removes anything.
func (p *Plan) HasChanges() bool {
	for _, s := range p.Steps {
		if s.Action != ActionKeep {
			return true
		}
	}
	return false
}

// Apply returns the set of components after the plan, given the set it was resolved
// from: what the CLI writes to Platform.spec.components. Entries keep their order and
// new ones are appended in plan order. Explicit entries keep their Reason ("" stays "");
// a component the request names explicitly gets "requested"; every other entry gets the
// reason of its step.
func (p *Plan) Apply(installed []Installed) []Installed {
	steps := make(map[string]Step, len(p.Steps))
	for _, s := range p.Steps {
		steps[s.Component] = s
	}
	out := make([]Installed, 0, len(installed)+len(p.Steps))
	have := make(map[string]bool, len(installed))
	for _, in := range installed {
		have[in.Name] = true
		s, ok := steps[in.Name]
		if !ok {
			out = append(out, in)
			continue
		}
		if s.Action == ActionRemove {
			continue
		}
		if s.To != "" {
			in.Version = s.To
		}
		if s.Reason != "" && (!in.Explicit() || s.Reason != ReasonRequested) {
			in.Reason = s.Reason
		}
		out = append(out, in)
	}
	for _, s := range p.Steps {
		if s.Action != ActionRemove && !have[s.Component] {
			have[s.Component] = true
			out = append(out, Installed{Name: s.Component, Version: s.To, Reason: s.Reason})
		}
	}
	return out
}

// Resolve plans a request against the installed components. It returns an *InputError
// for a request it refuses outright, a *ConflictError or *CycleError when no combination
// of versions satisfies the request (with an explanation and hints), or the plan.
//
// Install and upgrade search the catalog completely (see solver.go): requested components
// get their newest version that fits, installed components keep their version unless a
// new requirement forces an upgrade, nothing is downgraded unless the request pins an
// older version and allows it, and pre-releases are only used when pinned or already
// installed. Every plan prunes components that are not explicit, not mandatory and no
// longer needed by anything.
func Resolve(c *Catalog, installed []Installed, req Request) (*Plan, error) {
	p, _, err := resolve(c, installed, req)
	return p, err
}

// solveStats are the search statistics of one resolution (benchmarks report them).
type solveStats struct {
	conflicts, decisions int
}

func resolve(c *Catalog, installed []Installed, req Request) (*Plan, solveStats, error) {
	if c == nil {
		return nil, solveStats{}, &InputError{Problems: []string{"no catalog"}}
	}
	r, err := newResolution(c, installed, req)
	if err != nil {
		return nil, solveStats{}, err
	}
	if req.Kind == Uninstall {
		p, err := r.uninstall()
		nameParts(c, p)
		return p, solveStats{}, err
	}
	p, err := r.solve()
	nameParts(c, p)
	return p, r.stats, err
}

// resolution holds one Resolve call's validated input.
type resolution struct {
	c         *Catalog
	ix        *index
	req       Request
	installed []Installed
	inst      map[int32]*instEntry // known components that are installed
	unknown   map[string]bool      // installed names the catalog does not have
	names     []int32              // request names, deduplicated, in order
	with      []int32
	pins      map[int32]int // version index
	targets   map[int32]bool
	stats     solveStats
	named     []bool // by component: in names
	withed    []bool // by component: in with
	closures  map[int32][]bool
}

type instEntry struct {
	pkg      int32
	pos      int
	vi       int // version index, -1 when the catalog lacks the installed version
	v        ver
	explicit bool
	reason   string
	version  string
}

func newResolution(c *Catalog, installed []Installed, req Request) (*resolution, error) {
	r := &resolution{c: c, ix: c.ix, req: req, installed: installed,
		inst: map[int32]*instEntry{}, unknown: map[string]bool{}, pins: map[int32]int{}, targets: map[int32]bool{}}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	switch req.Kind {
	case Install, Upgrade, Uninstall:
	default:
		return nil, &InputError{Problems: []string{fmt.Sprintf("unknown request kind %q (install, upgrade or uninstall)", req.Kind)}}
	}
	named := map[string]bool{}
	for _, n := range req.Names {
		named[n] = true
	}
	// The installed set.
	seen := map[string]bool{}
	for i, in := range installed {
		if seen[in.Name] {
			bad("%s is listed twice in the installed components", in.Name)
			continue
		}
		seen[in.Name] = true
		p, ok := r.ix.byName[in.Name]
		if !ok {
			if req.Kind == Uninstall && named[in.Name] {
				r.unknown[in.Name] = true
				continue
			}
			bad("installed component %s is not in the catalog (%s); uninstall it or use a catalog that has it", in.Name, c.source)
			continue
		}
		_, v, err := parseVersion(in.Version)
		if err != nil {
			bad("installed %s: %v", in.Name, err)
			continue
		}
		e := &instEntry{pkg: p, pos: i, vi: -1, v: v, explicit: in.Explicit(), reason: in.Reason, version: in.Version}
		for j, cv := range r.ix.nodes[p].vers {
			if cv.v.cmp(&v) == 0 {
				e.vi = j
			}
		}
		r.inst[p] = e
	}
	// The request.
	dedup := func(list []string) []int32 {
		var out []int32
		done := map[string]bool{}
		for _, n := range list {
			if done[n] {
				continue
			}
			done[n] = true
			p, ok := r.ix.byName[n]
			if !ok {
				if req.Kind == Uninstall && r.unknown[n] {
					continue
				}
				msg := fmt.Sprintf("unknown component %q", n)
				if s := r.suggest(n); s != "" {
					msg += fmt.Sprintf(" (did you mean %s?)", s)
				}
				bad("%s", msg)
				continue
			}
			out = append(out, p)
		}
		return out
	}
	r.names = dedup(req.Names)
	r.named = make([]bool, len(r.ix.nodes))
	r.withed = make([]bool, len(r.ix.nodes))
	for _, p := range r.names {
		r.named[p] = true
	}
	switch req.Kind {
	case Install:
		if len(req.Names) == 0 {
			bad("install needs at least one component")
		}
		r.with = dedup(req.With)
		for _, p := range r.with {
			r.withed[p] = true
		}
		for _, m := range r.with {
			offers := false
			for _, p := range r.names {
				if !r.offers(p, m).empty() {
					offers = true
				}
			}
			if !offers {
				bad("%s is not an optional member of %s%s", r.name(m), r.nameList(r.names), r.membersHint())
			}
		}
		if req.All {
			bad("install does not take All")
		}
	case Upgrade:
		if len(req.With) > 0 {
			bad("upgrade does not take optional members (With); install them")
		}
		if len(req.Names) == 0 && !req.All {
			bad("upgrade needs component names or All")
		}
		for _, p := range r.names {
			if r.inst[p] == nil {
				bad("%s is not installed; install it instead", r.name(p))
				continue
			}
			r.targets[p] = true
		}
		if req.All {
			for p := range r.inst {
				r.targets[p] = true
			}
		}
	case Uninstall:
		if len(req.Names) == 0 {
			bad("uninstall needs at least one component")
		}
		if len(req.With) > 0 || len(req.Versions) > 0 || req.All {
			bad("uninstall takes only component names")
		}
		for _, p := range r.names {
			switch {
			case r.inst[p] == nil:
				bad("%s is not installed", r.name(p))
			case r.ix.nodes[p].comp.Category == CategoryMandatory:
				bad("%s is mandatory and cannot be uninstalled", r.name(p))
			}
		}
	}
	// Pinned versions.
	pinnable := map[int32]bool{}
	for _, p := range r.names {
		pinnable[p] = req.Kind == Install || r.targets[p]
	}
	for _, p := range r.with {
		pinnable[p] = true
	}
	if req.All {
		for p := range r.inst {
			pinnable[p] = true
		}
	}
	pinNames := make([]string, 0, len(req.Versions))
	for n := range req.Versions {
		pinNames = append(pinNames, n)
	}
	slices.Sort(pinNames)
	for _, n := range pinNames {
		vs := req.Versions[n]
		p, ok := r.ix.byName[n]
		if !ok {
			if !named[n] { // unknown names are reported above
				bad("version given for unknown component %q", n)
			}
			continue
		}
		if !pinnable[p] {
			bad("version %s given for %s, which the request does not %s", vs, n, req.Kind)
			continue
		}
		cv, ok := r.ix.nodes[p].comp.Version(vs)
		if !ok {
			bad("%s has no version %s (%s)", n, vs, versionList(r.ix.nodes[p].comp))
			continue
		}
		vi := slices.Index(r.ix.nodes[p].vers, cv)
		if e := r.inst[p]; e != nil && cv.v.cmp(&e.v) < 0 && !req.AllowDowngrade {
			bad("%s %s is older than the installed %s; allow downgrades to go back", n, cv.Version, e.version)
			continue
		}
		r.pins[p] = vi
	}
	// Installed versions the catalog does not have can only be upgraded away from.
	for _, p := range slices.Sorted(maps.Keys(r.inst)) {
		e := r.inst[p]
		if e.vi >= 0 || req.Kind == Uninstall && slices.Contains(r.names, p) {
			continue
		}
		if _, pinned := r.pins[p]; pinned || r.targets[p] {
			continue
		}
		bad("installed %s %s is not in the catalog (%s); upgrade it to a version the catalog has", r.name(p), e.version, versionList(r.ix.nodes[p].comp))
	}
	if len(problems) > 0 {
		return nil, &InputError{Problems: problems}
	}
	return r, nil
}

func (r *resolution) name(p int32) string { return r.ix.nodes[p].comp.Name }

func (r *resolution) nameList(ps []int32) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = r.name(p)
	}
	if len(names) == 0 {
		return "the requested components"
	}
	return joinList(names)
}

func (r *resolution) membersHint() string {
	var ms []string
	for _, p := range r.names {
		for _, v := range r.ix.nodes[p].vers {
			for _, o := range v.Optional {
				if !slices.Contains(ms, o.Name) {
					ms = append(ms, o.Name)
				}
			}
		}
	}
	if len(ms) == 0 {
		return " (it has no optional members)"
	}
	slices.Sort(ms)
	return " (optional members: " + strings.Join(ms, ", ") + ")"
}

// offers returns the versions of p that list m as an optional member.
func (r *resolution) offers(p, m int32) vset {
	var out vset
	for vi, v := range r.ix.nodes[p].vers {
		for _, o := range v.Optional {
			if r.ix.byName[o.Name] == m {
				out = out.with(vi)
			}
		}
	}
	return out
}

func (r *resolution) suggest(n string) string {
	best, bestD := "", min(2, len(n)/3+1)+1
	for _, nd := range r.ix.nodes {
		if d := editDistance(n, nd.comp.Name); d < bestD || d == bestD && nd.comp.Name < best {
			best, bestD = nd.comp.Name, d
		}
	}
	return best
}

// lower returns the versions of p older than v.
func (r *resolution) lower(p int32, v *ver) vset {
	var out vset
	for i, cv := range r.ix.nodes[p].vers {
		if cv.v.cmp(v) < 0 {
			out = out.with(i)
		}
	}
	return out
}

// roots are the components that must be in the result: explicit and mandatory installed
// components, the request's names and optional members, and upgrade targets.
func (r *resolution) isRoot(p int32) bool {
	if r.named[p] || r.withed[p] || r.targets[p] {
		return true
	}
	e := r.inst[p]
	return e != nil && (e.explicit || r.ix.nodes[p].comp.Category == CategoryMandatory)
}

// spec builds the solver problem.
func (r *resolution) spec() *spec {
	sp := &spec{prefer: map[int32]int{}, first: map[int32]bool{}, allowPre: map[int32]vset{}}
	for _, p := range slices.Sorted(maps.Keys(r.inst)) {
		e := r.inst[p]
		nd := &r.ix.nodes[p]
		if e.vi >= 0 && !r.targets[p] {
			sp.prefer[p] = e.vi
		}
		if e.vi >= 0 && nd.vers[e.vi].prer {
			sp.allowPre[p] = sp.allowPre[p].with(e.vi)
		}
		if _, pinned := r.pins[p]; pinned {
			continue
		}
		set := r.lower(p, &e.v)
		if r.isRoot(p) {
			set = set.or(nd.absent)
		}
		if !set.empty() {
			sp.facts = append(sp.facts, &incompat{terms: []term{{p, set}}, kind: causeInstalled, pkg: p, ver: e.version})
		}
	}
	// An installed optional member stays as long as a platform that offers it does.
	for _, q := range slices.Sorted(maps.Keys(r.inst)) {
		e := r.inst[q]
		if e.vi < 0 {
			continue
		}
		for _, o := range r.ix.nodes[q].vers[e.vi].Optional {
			m := r.ix.byName[o.Name]
			if r.inst[m] != nil && !r.isRoot(m) {
				sp.facts = append(sp.facts, &incompat{terms: []term{{q, r.offers(q, m)}, {m, r.ix.nodes[m].absent}},
					kind: causeMember, pkg: q, member: m})
			}
		}
	}
	for p, vi := range r.pins {
		nd := &r.ix.nodes[p]
		sp.facts = append(sp.facts, &incompat{terms: []term{{p, nd.full.minus(bitSet(vi))}}, kind: causePinned, pkg: p, ver: nd.vers[vi].Version})
		if nd.vers[vi].prer {
			sp.allowPre[p] = sp.allowPre[p].with(vi)
		}
	}
	if r.req.Kind == Install {
		for _, p := range append(slices.Clone(r.names), r.with...) {
			sp.first[p] = true
			if _, pinned := r.pins[p]; pinned || r.inst[p] != nil {
				continue
			}
			inc := &incompat{terms: []term{{p, r.ix.nodes[p].absent}}, kind: causeRequested, pkg: p, member: -1}
			if slices.Contains(r.with, p) && !slices.Contains(r.names, p) {
				inc.member = p
			}
			sp.facts = append(sp.facts, inc)
		}
		for _, m := range r.with {
			for _, p := range r.names {
				offers := r.offers(p, m)
				if offers.empty() {
					continue
				}
				if lacking := r.ix.nodes[p].all.minus(offers); !lacking.empty() {
					sp.facts = append(sp.facts, &incompat{terms: []term{{p, lacking}}, kind: causeWith, pkg: p, member: m})
				}
			}
		}
	}
	slices.SortStableFunc(sp.facts, func(a, b *incompat) int { return cmp.Compare(a.pkg, b.pkg) })
	return sp
}

func (r *resolution) describe() string {
	switch r.req.Kind {
	case Install:
		s := "install " + r.nameList(r.names)
		if len(r.with) > 0 {
			s += " with " + r.nameList(r.with)
		}
		return s
	case Upgrade:
		if r.req.All {
			return "upgrade all components"
		}
		return "upgrade " + r.nameList(r.names)
	}
	return "uninstall " + r.nameList(r.names)
}

func (r *resolution) solve() (*Plan, error) {
	sp := r.spec()
	sv := newSolver(r.ix, sp)
	sol, err := sv.solve()
	r.stats = solveStats{conflicts: sv.conflicts, decisions: sv.decisions}
	if err != nil {
		if u := (*errUnsat)(nil); errors.As(err, &u) {
			return nil, r.explain(sp, u.inc, sv.conflicts)
		}
		return nil, fmt.Errorf("%s: %w", r.describe(), err)
	}
	sel := selection(sol)
	// Keep what the roots reach; everything else is not needed.
	var roots []int32
	for p, v := range sel {
		if v >= 0 && r.isRoot(int32(p)) {
			roots = append(roots, int32(p))
		}
	}
	g := r.graph(sel)
	keep := reach(g, roots)
	for p, v := range sel {
		if v >= 0 && !keep[p] {
			sel[p] = -1
			g[p] = nil
		}
	}
	return r.plan(sel, g), nil
}

// selection holds a version index per component, -1 when it is absent.
type selection []int32

func (r *resolution) newSelection() selection {
	sel := make(selection, len(r.ix.nodes))
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
			size += len(r.ix.nodes[p].edges[vi])
		}
	}
	buf := make([]int32, 0, size) // one allocation for all adjacency lists
	for p, vi := range sel {
		if vi < 0 {
			continue
		}
		start := len(buf)
		for _, gi := range r.ix.nodes[p].edges[vi] {
			if to := r.ix.groups[gi].to; sel[to] >= 0 && !slices.Contains(buf[start:], to) {
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
		to := r.ix.nodes[p].vers[sel[p]].Version
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
			if r.ix.nodes[p].vers[sel[p]].v.cmp(&e.v) < 0 {
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
	og := r.installedGraph()
	rev := make(graph, len(og)) // dependency -> dependents
	for p, ds := range og {
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

// reasons says why each selected component is in the platform.
func (r *resolution) reasons(sel selection, g graph) []string {
	out := make([]string, len(sel))
	// Owners: the first root, in a stable order, whose closure holds a component. One
	// walk: a root only visits what earlier roots did not reach.
	order := append(slices.Clone(r.names), r.with...)
	var rest []int32
	for _, p := range sel.members() {
		if r.isRoot(p) && !r.named[p] && !r.withed[p] {
			rest = append(rest, p)
		}
	}
	slices.SortStableFunc(rest, func(a, b int32) int { return cmp.Compare(r.rootPos(a), r.rootPos(b)) })
	order = append(order, rest...)
	owner := make([]int32, len(sel))
	for i := range owner {
		owner[i] = -1
	}
	seen := make([]bool, len(sel))
	for _, root := range order {
		if sel[root] < 0 {
			continue
		}
		// The root itself stays unseen, so that a later root reaching it owns it.
		stack := slices.Clone(g[root])
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[p] || p == root {
				continue
			}
			seen[p] = true
			owner[p] = root
			stack = append(stack, g[p]...)
		}
	}
	ownerReason := map[int32]string{}
	for _, p := range sel.members() {
		e := r.inst[p]
		switch {
		case e != nil && e.explicit:
			out[p] = e.reason
			if out[p] == "" {
				out[p] = ReasonRequested
			}
		case r.req.Kind == Install && r.named[p]:
			out[p] = ReasonRequested
		case e != nil && r.reasonValid(e.reason, p, sel, g):
			out[p] = e.reason
		case r.withed[p] && r.optionalOf(p, sel) >= 0:
			out[p] = optionalMemberOf + r.name(r.optionalOf(p, sel))
		case owner[p] >= 0:
			o := owner[p]
			if ownerReason[o] == "" {
				ownerReason[o] = dependencyOf + r.name(o)
			}
			out[p] = ownerReason[o]
		default:
			out[p] = ReasonRequested // a root with nothing above it
		}
	}
	return out
}

// rootPos orders roots that are not named by the request: installed ones by their
// position in the installed list.
func (r *resolution) rootPos(p int32) int {
	if e := r.inst[p]; e != nil {
		return e.pos
	}
	return len(r.installed) + int(p)
}

// optionalOf returns the first requested (or else selected, by name) component whose
// selected version lists p as an optional member, or -1.
func (r *resolution) optionalOf(p int32, sel selection) int32 {
	offers := func(q int32) bool {
		if sel[q] < 0 {
			return false
		}
		for _, o := range r.ix.nodes[q].vers[sel[q]].Optional {
			if r.ix.byName[o.Name] == p {
				return true
			}
		}
		return false
	}
	for _, q := range r.names {
		if offers(q) {
			return q
		}
	}
	for _, q := range sel.members() {
		if offers(q) {
			return q
		}
	}
	return -1
}

// reasonValid reports whether an installed component's recorded reason still holds.
func (r *resolution) reasonValid(reason string, p int32, sel selection, g graph) bool {
	var name string
	switch {
	case strings.HasPrefix(reason, dependencyOf):
		name = strings.TrimPrefix(reason, dependencyOf)
	case strings.HasPrefix(reason, optionalMemberOf):
		name = strings.TrimPrefix(reason, optionalMemberOf)
	default:
		return reason != ""
	}
	q, ok := r.ix.byName[name]
	if !ok || sel[q] < 0 {
		return false
	}
	if r.closures == nil {
		r.closures = map[int32][]bool{}
	}
	c, ok := r.closures[q]
	if !ok {
		c = reach(g, []int32{q})
		r.closures[q] = c
	}
	return c[p]
}
