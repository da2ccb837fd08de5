package catalog

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Request validation: the installed set and the request are checked against the
// catalog and against each other, and translated to component indexes.

// resolution holds one Resolve call's validated input.
type resolution struct {
	c         *Catalog
	index     *index
	req       Request
	installed []Installed
	inst      map[int32]*instEntry // known components that are installed
	// instSorted is inst's keys in order, once computed (installedSorted).
	instSorted []int32
	unknown    map[string]bool // installed names the catalog does not have
	names      []int32         // request names, deduplicated, in order
	with       []int32
	pins       map[int32]int // version index
	targets    map[int32]bool
	stats      solveStats
	named      []bool // by component: in names
	withed     []bool // by component: in with
	closures   map[int32][]bool
	options    solverOptions
}

type instEntry struct {
	pkg      int32
	pos      int
	vi       int // version index, -1 when the catalog lacks the installed version
	v        ver
	explicit bool
	reason   string
	version  string
	// prer and optional are those of the installed version (vi >= 0), read while it is
	// at hand.
	prer     bool
	optional []Optional
}

func newResolution(c *Catalog, installed []Installed, req Request) (*resolution, error) {
	r := &resolution{c: c, index: c.index, req: req, installed: installed,
		inst: make(map[int32]*instEntry, len(installed)), unknown: map[string]bool{}, pins: map[int32]int{}, targets: map[int32]bool{}}
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
	seen := make([]bool, len(r.index.nodes)) // by component
	seenUnknown := map[string]bool{}
	for i, in := range installed {
		p, ok := r.index.byName[in.Name]
		if ok && seen[p] || !ok && seenUnknown[in.Name] {
			bad("%s is listed twice in the installed components", in.Name)
			continue
		}
		if ok {
			seen[p] = true
		} else {
			seenUnknown[in.Name] = true
		}
		if !ok {
			if req.Kind == Uninstall && named[in.Name] {
				r.unknown[in.Name] = true
				continue
			}
			bad("installed component %s is not in the catalog (%s); uninstall it or use a catalog that has it", in.Name, c.source)
			continue
		}
		v, err := parseVersion(in.Version)
		if err != nil {
			bad("installed %s: %v", in.Name, err)
			continue
		}
		e := &instEntry{pkg: p, pos: i, vi: -1, v: v, explicit: in.Explicit(), reason: in.Reason, version: in.Version}
		vers := r.index.nodes[p].vers
		for j := len(vers) - 1; j >= 0; j-- { // newest first: what is installed, mostly
			if cv := vers[j]; cv.Version == in.Version || cv.v.cmp(&v) == 0 {
				e.vi = j // validation leaves no two versions that compare equal
				e.prer, e.optional = cv.prer, cv.Optional
				break
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
			p, ok := r.index.byName[n]
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
	r.named = make([]bool, len(r.index.nodes))
	r.withed = make([]bool, len(r.index.nodes))
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
			case r.index.nodes[p].comp.Category == CategoryMandatory:
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
		p, ok := r.index.byName[n]
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
		cv, ok := r.index.nodes[p].comp.Version(vs)
		if !ok {
			bad("%s has no version %s (%s)", n, vs, versionList(r.index.nodes[p].comp))
			continue
		}
		vi := slices.Index(r.index.nodes[p].vers, cv)
		if e := r.inst[p]; e != nil && cv.v.cmp(&e.v) < 0 && !req.AllowDowngrade {
			bad("%s %s is older than the installed %s; allow downgrades to go back", n, cv.Version, e.version)
			continue
		}
		r.pins[p] = vi
	}
	// Installed versions the catalog does not have can only be upgraded away from.
	for _, p := range r.installedSorted() {
		e := r.inst[p]
		if e.vi >= 0 || req.Kind == Uninstall && slices.Contains(r.names, p) {
			continue
		}
		if _, pinned := r.pins[p]; pinned || r.targets[p] {
			continue
		}
		bad("installed %s %s is not in the catalog (%s); upgrade it to a version the catalog has", r.name(p), e.version, versionList(r.index.nodes[p].comp))
	}
	if len(problems) > 0 {
		return nil, &InputError{Problems: problems}
	}
	return r, nil
}

func (r *resolution) name(p int32) string { return r.index.nodes[p].comp.Name }

// installedSorted returns the installed components in index order (do not modify).
func (r *resolution) installedSorted() []int32 {
	if r.instSorted == nil {
		r.instSorted = slices.Sorted(maps.Keys(r.inst))
	}
	return r.instSorted
}

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
		for _, v := range r.index.nodes[p].vers {
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
	for vi, v := range r.index.nodes[p].vers {
		for _, o := range v.Optional {
			if r.index.byName[o.Name] == m {
				out = out.with(vi)
			}
		}
	}
	return out
}

func (r *resolution) suggest(n string) string { return r.c.Suggest(n) }
