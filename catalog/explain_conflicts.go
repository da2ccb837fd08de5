package catalog

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Conflict sentences: the components on which the facts of a proof disagree, and the
// chains of requirements that meet there.

// restriction is one leaf that limits the versions of a component.
type restriction struct {
	leaf   *incompat
	source string // component (for a requirement) or fact that imposes it
}

// conflicts finds the components on which leaves from different sources disagree and
// renders, for each, the constraint chains that meet there.
func (r *resolution) conflicts(ls []*incompat) []string {
	restr := map[int32][]restriction{}
	into := map[int32][]*incompat{} // requirement leaves by target
	roots := map[int32]*incompat{}  // root facts by component
	for _, l := range ls {
		switch l.kind {
		case causeDependency:
			g := &r.index.groups[l.group]
			restr[g.to] = append(restr[g.to], restriction{l, "c:" + r.name(g.from)})
			into[g.to] = append(into[g.to], l)
		case causePinned, causeInstalled, causePrerelease, causeWith:
			restr[l.pkg] = append(restr[l.pkg], restriction{l, fmt.Sprintf("f:%d:%s", l.kind, r.name(l.pkg))})
			if l.kind != causePrerelease {
				if _, ok := roots[l.pkg]; !ok || l.kind == causePinned {
					roots[l.pkg] = l
				}
			}
		case causeRequested:
			if _, ok := roots[l.pkg]; !ok {
				roots[l.pkg] = l
			}
		}
	}
	var points []int32
	for p, relaxed := range restr {
		sources := map[string]bool{}
		for _, x := range relaxed {
			sources[x.source] = true
		}
		if len(sources) >= 2 {
			points = append(points, p)
		}
	}
	slices.SortFunc(points, func(a, b int32) int { return cmp.Compare(r.index.rank[a], r.index.rank[b]) })
	var out []string
	for _, p := range points {
		relaxed := restr[p]
		slices.SortStableFunc(relaxed, func(a, b restriction) int {
			return cmp.Compare(r.restrOrder(a, roots, into), r.restrOrder(b, roots, into))
		})
		// One clause per source: the versions of one component are alternatives.
		var sources []string
		clauses := map[string][]string{}
		for _, x := range relaxed {
			s := r.restrSentence(p, x, roots, into)
			if !slices.Contains(clauses[x.source], s) {
				if len(clauses[x.source]) == 0 {
					sources = append(sources, x.source)
				}
				clauses[x.source] = append(clauses[x.source], s)
			}
		}
		if len(sources) < 2 {
			continue
		}
		parts := make([]string, len(sources))
		for i, src := range sources {
			cl := clauses[src]
			if len(cl) > 2 { // many versions of one component, each with its own requirement
				parts[i] = fmt.Sprintf("%s (and %d similar requirements of other versions of %s)", cl[0], len(cl)-1, strings.TrimPrefix(src, "c:"))
				continue
			}
			parts[i] = strings.Join(cl, " and ")
		}
		out = append(out, parts[0]+" but "+strings.Join(parts[1:], " and "))
	}
	return out
}

// restrOrder puts chains that start at what the user requested first.
func (r *resolution) restrOrder(x restriction, roots map[int32]*incompat, into map[int32][]*incompat) int {
	l := x.leaf
	if l.kind != causeDependency {
		switch l.kind {
		case causePinned, causeWith:
			return 1
		case causeInstalled:
			return 3
		}
		return 4
	}
	chain := r.chain(r.index.groups[l.group].from, roots, into)
	if root, ok := roots[chain[0]]; ok {
		switch root.kind {
		case causeRequested, causePinned, causeWith:
			return 0
		}
		return 2
	}
	return 2
}

// chain returns the shortest path of requirement leaves from a root fact to p, as
// components [root … p].
func (r *resolution) chain(p int32, roots map[int32]*incompat, into map[int32][]*incompat) []int32 {
	prev := map[int32]int32{p: -1}
	queue := []int32{p}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		if _, ok := roots[q]; ok {
			var path []int32
			for x := q; x >= 0; x = prev[x] {
				path = append(path, x)
			}
			return path
		}
		for _, l := range into[q] {
			from := r.index.groups[l.group].from
			if _, seen := prev[from]; !seen {
				prev[from] = q
				queue = append(queue, from)
			}
		}
	}
	return []int32{p}
}

// edgeTo returns the requirement leaf from a to b, if any.
func (r *resolution) edgeTo(a, b int32, into map[int32][]*incompat) *edgeGroup {
	for _, l := range into[b] {
		if g := &r.index.groups[l.group]; g.from == a {
			return g
		}
	}
	return nil
}

func (r *resolution) restrSentence(p int32, x restriction, roots map[int32]*incompat, into map[int32][]*incompat) string {
	l := x.leaf
	switch l.kind {
	case causePinned:
		return fmt.Sprintf("%s %s is requested", r.name(p), l.ver)
	case causeInstalled:
		return r.installedSentence(l)
	case causePrerelease:
		return fmt.Sprintf("only pre-releases of %s would fit, and pre-releases are used only when pinned", r.name(p))
	case causeWith:
		return fmt.Sprintf("%s is requested as an optional member of %s, which only %s offers", r.name(l.member), r.name(p),
			r.nameSet(p, r.index.nodes[p].all.minus(l.terms[0].set)))
	}
	g := &r.index.groups[l.group]
	verb := "requires"
	if g.optional {
		verb = "accepts only"
	}
	chain := r.chain(g.from, roots, into)
	root := chain[0]
	head := r.name(root)
	if rf, ok := roots[root]; ok && (rf.kind == causeInstalled || rf.kind == causePinned) {
		head += " " + rf.ver
	} else if len(chain) == 1 {
		head = r.nameSet(g.from, g.fromSet)
	}
	if len(chain) == 1 {
		return fmt.Sprintf("%s %s %s %s", head, verb, r.name(p), g.cons)
	}
	hops := []string{r.name(root)}
	for i := 1; i < len(chain); i++ {
		e := r.edgeTo(chain[i-1], chain[i], into)
		hop := r.name(chain[i])
		if e != nil {
			hop += " " + e.cons
		}
		hops = append(hops, hop)
	}
	hops = append(hops, r.name(p)+" "+g.cons)
	return fmt.Sprintf("%s %s %s %s (via %s)", head, verb, r.name(p), g.cons, strings.Join(elide(hops), " → "))
}

// elide shortens a long chain to its first and last hops.
func elide(hops []string) []string {
	const keep = 3
	if len(hops) <= 2*keep+1 {
		return hops
	}
	out := slices.Clone(hops[:keep])
	out = append(out, fmt.Sprintf("… %d more …", len(hops)-2*keep))
	return append(out, hops[len(hops)-keep:]...)
}
