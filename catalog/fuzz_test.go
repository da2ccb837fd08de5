package catalog

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// genCatalog builds a small random catalog: n components with up to maxVer versions each
// (some pre-releases), random requirements and optional members (cycles included).
func genCatalog(r *rand.Rand, n, maxVer, density int) (*Catalog, error) {
	n = max(n, 1)
	type vv struct {
		s   string
		pre bool
	}
	vers := make([][]vv, n)
	for i := range vers {
		k := 1 + r.IntN(max(maxVer, 1))
		seen := map[string]bool{}
		for range k {
			v := vv{s: fmt.Sprintf("%d.%d.0", 1+r.IntN(3), r.IntN(3))}
			if r.IntN(6) == 0 {
				v.s += "-rc.1"
				v.pre = true
			}
			if !seen[v.s] {
				seen[v.s] = true
				vers[i] = append(vers[i], v)
			}
		}
	}
	name := func(i int) string { return fmt.Sprintf("c%d", i) }
	consFor := func(target int) string {
		tv := vers[target][r.IntN(len(vers[target]))].s
		switch r.IntN(8) {
		case 0:
			return "*"
		case 1:
			return "^" + tv
		case 2:
			return ">=" + tv
		case 3:
			return "<" + tv
		case 4:
			return "~" + tv
		case 5:
			return tv
		case 6:
			return ">=" + tv + " || <1.1.0"
		default:
			return "!=" + tv
		}
	}
	var comps []*Component
	for i := range n {
		c := &Component{Name: name(i), Category: CategoryALaCarte, Description: "fuzz", Namespace: name(i),
			Chart: Chart{Repository: "http://127.0.0.1:1", Name: name(i)}}
		switch r.IntN(8) {
		case 0:
			c.Category = CategoryMandatory
		case 1:
			c.Category = CategoryMetaPlatform
		}
		for _, v := range vers[i] {
			ver := Version{Version: v.s, ChartVersion: v.s}
			used := map[int]bool{i: true}
			for range r.IntN(density + 1) {
				t := r.IntN(n)
				if used[t] {
					continue
				}
				used[t] = true
				cons := consFor(t)
				if !matchesAny(cons, vers[t]) {
					cons = "*"
					if !matchesAny(cons, vers[t]) {
						cons = ">=0.0.0-0"
					}
				}
				if c.Category == CategoryMetaPlatform && r.IntN(2) == 0 {
					ver.Optional = append(ver.Optional, Optional{Name: name(t), Constraint: cons})
				} else {
					ver.Requires = append(ver.Requires, Requirement{Name: name(t), Constraint: cons})
				}
			}
			c.Versions = append(c.Versions, ver)
		}
		comps = append(comps, c)
	}
	return New("fuzz", comps)
}

func matchesAny[T interface {
	~struct {
		s   string
		pre bool
	}
}](cons string, vs []T) bool {
	c, err := parseConstraint(cons)
	if err != nil {
		return false
	}
	for _, v := range vs {
		x := struct {
			s   string
			pre bool
		}(v)
		pv, err := parseVersion(x.s)
		if err == nil && c.match(&pv) {
			return true
		}
	}
	return false
}

// genScenario returns an installed set (built with Resolve, so usually consistent, and
// sometimes perturbed) and a request.
func genScenario(r *rand.Rand, c *Catalog) ([]Installed, Request) {
	comps := c.Components()
	pick := func() string { return comps[r.IntN(len(comps))].Name }
	var installed []Installed
	for range r.IntN(3) {
		p, err := Resolve(c, installed, Request{Kind: Install, Names: []string{pick()}})
		if err == nil {
			installed = p.Apply(installed)
		}
	}
	if len(installed) > 0 && r.IntN(4) == 0 { // perturb: make something explicit or drop it
		i := r.IntN(len(installed))
		if r.IntN(2) == 0 {
			installed[i].Reason = ""
		} else {
			installed = slices.Delete(installed, i, i+1)
		}
	}
	if len(installed) > 0 && r.IntN(3) == 0 { // an older installed version
		i := r.IntN(len(installed))
		comp, _ := c.Component(installed[i].Name)
		installed[i].Version = comp.Versions[r.IntN(len(comp.Versions))].Version
	}
	req := Request{}
	pin := func(n string) {
		comp, _ := c.Component(n)
		if req.Versions == nil {
			req.Versions = map[string]string{}
		}
		req.Versions[n] = comp.Versions[r.IntN(len(comp.Versions))].Version
	}
	switch k := r.IntN(10); {
	case k < 5:
		req.Kind = Install
		req.Names = []string{pick()}
		if r.IntN(3) == 0 {
			req.Names = append(req.Names, pick())
		}
		for _, n := range req.Names {
			comp, _ := c.Component(n)
			for _, v := range comp.Versions {
				for _, o := range v.Optional {
					if r.IntN(2) == 0 && !slices.Contains(req.With, o.Name) {
						req.With = append(req.With, o.Name)
					}
				}
			}
		}
		if r.IntN(3) == 0 {
			pin(req.Names[0])
		}
	case k < 8 && len(installed) > 0:
		req.Kind = Upgrade
		if r.IntN(3) == 0 {
			req.All = true
		} else {
			req.Names = []string{installed[r.IntN(len(installed))].Name}
			if r.IntN(3) == 0 {
				pin(req.Names[0])
				req.AllowDowngrade = r.IntN(2) == 0
			}
		}
	case len(installed) > 0:
		req.Kind = Uninstall
		req.Names = []string{installed[r.IntN(len(installed))].Name}
	default:
		req.Kind = Install
		req.Names = []string{pick()}
	}
	return installed, req
}

// checkResolve runs Resolve and checks its outcome: no panic; a plan's result passes
// Verify and honours the request; an unsatisfiable verdict agrees with brute force
// (when the catalog is small enough).
func checkResolve(t *testing.T, c *Catalog, installed []Installed, req Request, options solverOptions) {
	t.Helper()
	plan, _, err := resolve(c, installed, req, options)
	var ie *InputError
	if errors.As(err, &ie) {
		return
	}
	if req.Kind == Uninstall {
		if err != nil {
			var ce *ConflictError
			require.ErrorAs(t, err, &ce)
			return
		}
		if Verify(c, installed) == nil {
			require.NoError(t, Verify(c, plan.Apply(installed)), "uninstall broke a consistent set\ninstalled %v\nrequest %+v\nplan %v", installed, req, steps(plan))
		}
		return
	}
	sat, witness := bruteForce(c, installed, req)
	if err != nil {
		var ce *ConflictError
		var cy *CycleError
		if !errors.As(err, &ce) && !errors.As(err, &cy) {
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
		if sat != nil && *sat {
			t.Fatalf("resolver says unsatisfiable, brute force found %v\ninstalled %v\nrequest %+v\nerror: %v", witness, installed, req, err)
		}
		return
	}
	if sat != nil && !*sat {
		t.Fatalf("brute force says unsatisfiable, resolver planned %v\ninstalled %v\nrequest %+v", steps(plan), installed, req)
	}
	result := plan.Apply(installed)
	require.NoError(t, Verify(c, result), "installed %v\nrequest %+v\nplan %v", installed, req, steps(plan))
	got := map[string]string{}
	for _, in := range result {
		got[in.Name] = in.Version
	}
	before := map[string]string{}
	for _, in := range installed {
		before[in.Name] = in.Version
	}
	for _, n := range req.Names {
		require.Contains(t, got, n, "requested component missing")
		if v, ok := req.Versions[n]; ok {
			require.Equal(t, v, got[n], "pin not honoured")
		}
	}
	for _, in := range installed {
		v, ok := got[in.Name]
		if !ok {
			continue
		}
		a, _ := parseVersion(in.Version)
		b, _ := parseVersion(v)
		if b.cmp(&a) < 0 {
			pinned, isPinned := req.Versions[in.Name]
			require.True(t, isPinned && req.AllowDowngrade && pinned == v, "%s downgraded %s -> %s without being asked", in.Name, in.Version, v)
		}
		if (in.Explicit() || isMandatory(c, in.Name)) && req.Kind != Uninstall {
			require.Contains(t, got, in.Name)
		}
	}
	for n, v := range got {
		comp, _ := c.Component(n)
		cv, _ := comp.Version(v)
		if cv.Prerelease() && before[n] != v && req.Versions[n] != v {
			t.Fatalf("pre-release %s %s chosen without being pinned", n, v)
		}
	}
}

func isMandatory(c *Catalog, n string) bool {
	comp, ok := c.Component(n)
	return ok && comp.Category == CategoryMandatory
}

// bruteForce decides, by enumerating every assignment, whether the request has a
// solution under the resolver's rules. It returns nil when the catalog is too large.
func bruteForce(c *Catalog, installed []Installed, req Request) (*bool, map[string]string) {
	comps := c.Components()
	total := 1
	for _, comp := range comps {
		total *= len(comp.Versions) + 1
		if total > 200000 {
			return nil, nil
		}
	}
	inst := map[string]Installed{}
	for _, in := range installed {
		inst[in.Name] = in
	}
	names := map[string]bool{}
	for _, n := range req.Names {
		names[n] = true
	}
	with := map[string]bool{}
	for _, n := range req.With {
		with[n] = true
	}
	root := func(n string) bool {
		if names[n] || with[n] {
			return true
		}
		if req.Kind == Upgrade && req.All {
			if _, ok := inst[n]; ok {
				return true
			}
		}
		in, ok := inst[n]
		return ok && (in.Explicit() || isMandatory(c, n))
	}
	offers := func(v *Version, m string) bool {
		for _, o := range v.Optional {
			if o.Name == m {
				return true
			}
		}
		return false
	}
	offersAny := func(q *Component, m string) bool {
		for i := range q.Versions {
			if offers(&q.Versions[i], m) {
				return true
			}
		}
		return false
	}
	choice := make([]int, len(comps)) // 0 absent, i+1 = Versions[i]
	check := func() bool {
		sel := map[string]*Version{}
		for i, comp := range comps {
			if choice[i] > 0 {
				sel[comp.Name] = &comp.Versions[choice[i]-1]
			}
		}
		for i, comp := range comps {
			v := sel[comp.Name]
			n := comp.Name
			if v == nil {
				if root(n) {
					return false
				}
				continue
			}
			if pv, ok := req.Versions[n]; ok && v.Version != pv {
				return false
			}
			in, isInst := inst[n]
			_, pinned := req.Versions[n]
			if isInst && !pinned {
				a, _ := parseVersion(in.Version)
				if v.v.cmp(&a) < 0 {
					return false
				}
			}
			if v.prer && (!pinned || req.Versions[n] != v.Version) && (!isInst || in.Version != v.Version) {
				return false
			}
			if req.Kind == Install && with[n] {
				for _, q := range req.Names {
					qc, _ := c.Component(q)
					if qv := sel[q]; qv != nil && offersAny(qc, n) && !offers(qv, n) {
						return false
					}
				}
			}
			for _, r := range v.Requires {
				d := sel[r.Name]
				if d == nil || !r.c.mc.Check(d.Semver()) {
					return false
				}
			}
			for _, o := range v.Optional {
				if d := sel[o.Name]; d != nil && !o.c.mc.Check(d.Semver()) {
					return false
				}
			}
			_ = i
		}
		// Installed optional members stay while an installed platform offers them.
		for _, in := range installed {
			if root(in.Name) {
				continue
			}
			for _, q := range installed {
				qc, ok := c.Component(q.Name)
				if !ok {
					continue
				}
				qv, ok := qc.Version(q.Version)
				if !ok || !offers(qv, in.Name) {
					continue
				}
				if cur := sel[q.Name]; cur != nil && offers(cur, in.Name) && sel[in.Name] == nil {
					return false
				}
			}
		}
		edges := map[string][]string{}
		var order []string
		for _, comp := range comps {
			v := sel[comp.Name]
			if v == nil {
				continue
			}
			order = append(order, comp.Name)
			for _, r := range v.Requires {
				edges[comp.Name] = append(edges[comp.Name], r.Name)
			}
			for _, o := range v.Optional {
				if sel[o.Name] != nil {
					edges[comp.Name] = append(edges[comp.Name], o.Name)
				}
			}
		}
		return findCycle(order, edges) == nil
	}
	var rec func(i int) bool
	rec = func(i int) bool {
		if i == len(comps) {
			return check()
		}
		for k := 0; k <= len(comps[i].Versions); k++ {
			choice[i] = k
			if rec(i + 1) {
				return true
			}
		}
		return false
	}
	ok := rec(0)
	var witness map[string]string
	if ok {
		witness = map[string]string{}
		for i, comp := range comps {
			if choice[i] > 0 {
				witness[comp.Name] = comp.Versions[choice[i]-1].Version
			}
		}
	}
	return &ok, witness
}

func TestResolveAgainstBruteForce(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	t.Parallel()
	// Backtracking always chronologically, by default, and never; and the search
	// explanations try first: bottom-up, installed requirements active from the start.
	for _, options := range []solverOptions{{chronoDistance: 0}, defaultSolverOptions, {chronoDistance: 1 << 30},
		{chronoDistance: defaultSolverOptions.chronoDistance, bottomUp: true, activateInstalled: true}} {
		name := fmt.Sprintf("chrono%d", options.chronoDistance)
		if options.bottomUp {
			name += "-bottom-up"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for seed := range n {
				r := rand.New(rand.NewPCG(uint64(seed), 7))
				c, err := genCatalog(r, 2+r.IntN(5), 4, 2+r.IntN(2))
				require.NoError(t, err)
				installed, req := genScenario(r, c)
				t.Run(strconv.Itoa(seed), func(t *testing.T) { checkResolve(t, c, installed, req, options) })
			}
		})
	}
}

// FuzzResolve generates random catalogs, installed sets and requests from the fuzzer's
// input: the resolver must not panic, every plan's result must pass Verify and honour the
// request, and "unsatisfiable" must agree with brute force.
func FuzzResolve(f *testing.F) {
	for _, s := range []struct {
		seed            uint64
		n, vers, degree uint8
	}{{1, 3, 3, 2}, {2, 6, 4, 3}, {3, 5, 2, 4}, {42, 8, 3, 2}, {7, 2, 5, 1}} {
		f.Add(s.seed, s.n, s.vers, s.degree)
	}
	f.Fuzz(func(t *testing.T, seed uint64, n, vers, degree uint8) {
		options := solverOptions{chronoDistance: int32(seed % 3), bottomUp: seed%2 == 1, activateInstalled: seed%4 >= 2} // exercise chronological backtracking hard
		r := rand.New(rand.NewPCG(seed, uint64(n)<<16|uint64(vers)<<8|uint64(degree)))
		c, err := genCatalog(r, 1+int(n%8), 1+int(vers%5), int(degree%5))
		if err != nil {
			t.Fatalf("generated catalog is invalid: %v", err)
		}
		installed, req := genScenario(r, c)
		checkResolve(t, c, installed, req, options)
	})
}
