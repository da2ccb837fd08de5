package catalog

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// synthVersions are the 20 versions of every synthetic component: 1.0.0 … 4.4.0.
var synthVersions = func() []string {
	var vs []string
	for major := 1; major <= 4; major++ {
		for minor := range 5 {
			vs = append(vs, fmt.Sprintf("%d.%d.0", major, minor))
		}
	}
	return vs
}()

// synthCatalog generates n components × 20 versions (1.0.0 … 4.4.0) from seed, shaped
// like a real chart ecosystem: component i depends on about deps components with a
// higher index (no cycles), mostly near neighbours and sometimes far ones. A dependency
// constraint is stated per major version of the dependent (releases of one major share
// their requirements, as charts do): a lower bound that rises with the dependent's major,
// and now and then an upper bound on the dependency's major. Newest versions therefore do
// not always fit together. A planted solution (one version per component that accepts
// the planted versions of its dependencies) makes every instance satisfiable.
func synthCatalog(tb testing.TB, seed uint64, n, deps, capOneIn int) *Catalog {
	tb.Helper()
	c, err := New(fmt.Sprintf("synthetic-%d-%d", n, seed), synthComponents(seed, n, deps, capOneIn))
	require.NoError(tb, err)
	return c
}

// How rarely a requirement caps its dependency's major version: one requirement in 20 by
// default, which makes a platform of 10,000 components need about a hundred conflicts to
// resolve; the conflict-heavy benchmarks use one in 4.
const (
	synthCapOneIn              = 20
	synthCapOneInConflictHeavy = 4
)

func synthComponents(seed uint64, n, deps, capOneIn int) []*Component {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	nv := len(synthVersions)
	const perMajor = 5
	majors := nv / perMajor
	planted := make([]int, n)
	for i := range planted {
		planted[i] = nv/2 + r.IntN(nv/2)
	}
	name := func(i int) string { return fmt.Sprintf("c%05d", i) }
	comps := make([]*Component, n)
	for i := range n {
		c := &Component{Name: name(i), Category: CategoryALaCarte, Description: "synthetic", Namespace: "ns",
			Chart: Chart{Repository: "https://charts.example.com", Name: "c"}}
		var targets []int
		if i+1 < n {
			for range deps {
				t := i + 1 + r.IntN(min(n-i-1, 50))
				if r.IntN(4) == 0 {
					t = i + 1 + r.IntN(n-i-1)
				}
				if !slices.Contains(targets, t) {
					targets = append(targets, t)
				}
			}
		}
		// cons[t][m] is the constraint on targets[t] of this component's major m.
		cons := make([][]string, len(targets))
		for ti, t := range targets {
			cons[ti] = make([]string, majors)
			for m := range majors {
				lo := max(0, m*perMajor-r.IntN(2*perMajor)) // newer majors want newer dependencies
				hi := nv
				if r.IntN(capOneIn) == 0 { // cap the dependency's major
					hi = min(nv, (lo/perMajor+1+r.IntN(2))*perMajor)
				}
				if m == planted[i]/perMajor { // the planted solution must fit
					lo = min(lo, planted[t])
					hi = max(hi, planted[t]+1)
				}
				cons[ti][m] = ">=" + synthVersions[lo]
				if hi < nv {
					cons[ti][m] += " <" + synthVersions[hi]
				}
			}
		}
		for vi, vs := range synthVersions {
			v := Version{Version: vs, ChartVersion: vs}
			for ti, t := range targets {
				v.Requires = append(v.Requires, Requirement{Name: name(t), Constraint: cons[ti][vi/perMajor]})
			}
			c.Versions = append(c.Versions, v)
		}
		comps[i] = c
	}
	return comps
}

// cpuTime is the CPU time the process has used (user and system, every thread).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU starts measuring CPU time; the function it returns, called after the
// b.Loop loop, reports it per operation as cpu-ns/op. Wall time on a machine shared by
// many busy processes mostly measures the wait for a core; CPU time does not.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func BenchmarkResolveAIHub(b *testing.B) {
	c, err := Builtin()
	require.NoError(b, err)
	req := Request{Kind: Install, Names: []string{"ai-hub"}, With: []string{"neo4j"}}
	var mandatory []string
	for _, comp := range c.Mandatory() {
		mandatory = append(mandatory, comp.Name)
	}
	p, err := Resolve(c, nil, Request{Kind: Install, Names: mandatory})
	require.NoError(b, err)
	base := p.Apply(nil)
	for _, bc := range []struct {
		name      string
		installed []Installed
	}{{"empty", nil}, {"on-mandatory", base}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			done := reportCPU(b)
			for b.Loop() {
				if _, err := Resolve(c, bc.installed, req); err != nil {
					b.Fatal(err)
				}
			}
			done()
		})
	}
}

func BenchmarkResolveSynthetic(b *testing.B) {
	for _, bc := range []struct {
		name     string
		n, capIn int
	}{
		{"1000x20x5", 1000, synthCapOneIn},
		{"10000x20x5", 10000, synthCapOneIn},
		{"conflict-heavy-1000x20x5", 1000, synthCapOneInConflictHeavy},
		{"conflict-heavy-10000x20x5", 10000, synthCapOneInConflictHeavy},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := synthCatalog(b, 1, bc.n, 5, bc.capIn)
			req := Request{Kind: Install, Names: []string{"c00000", "c00001", "c00002"}}
			p, stats, err := resolve(c, nil, req, defaultSolverOptions)
			require.NoError(b, err)
			require.NoError(b, Verify(c, p.Apply(nil)))
			b.ReportAllocs()
			done := reportCPU(b)
			for b.Loop() {
				if _, err := Resolve(c, nil, req); err != nil {
					b.Fatal(err)
				}
			}
			done()
			b.ReportMetric(float64(len(p.Steps)), "components")
			b.ReportMetric(float64(stats.conflicts), "conflicts")
			b.ReportMetric(float64(stats.decisions), "decisions")
		})
	}
}

// BenchmarkCatalogBuild measures validating and compiling the 10,000-component catalog.
func BenchmarkCatalogBuild(b *testing.B) {
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		comps := synthComponents(1, 10000, 5, synthCapOneIn)
		b.StartTimer()
		start := cpuTime()
		if _, err := New("synthetic", comps); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - start
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}

// lateConflictCatalog: the requested root needs a, and through a chain f1 → … → fN
// finally z; every version of a pins b to its own version, but z needs b 1.0.0. The
// conflict shows up only after all of the chain is decided, so a search that backtracks
// chronologically retries every version of every link (m^N); learning jumps back to a.
func lateConflictCatalog(tb testing.TB, chain, versions int, satisfiable bool) *Catalog {
	tb.Helper()
	var lines []string
	ver := func(k int) string { return fmt.Sprintf("%d.0.0", k+1) }
	lines = append(lines, "root 1.0.0: a *, f00 *")
	for k := range versions {
		lines = append(lines, fmt.Sprintf("a %s: b =%s", ver(k), ver(k)))
		lines = append(lines, fmt.Sprintf("b %s", ver(k)))
		for i := range chain {
			next := fmt.Sprintf("f%02d *", i+1)
			if i == chain-1 {
				next = "z *"
			}
			lines = append(lines, fmt.Sprintf("f%02d %s: %s", i, ver(k), next))
		}
	}
	need := "=1.0.0"
	if !satisfiable {
		lines = append(lines, "b 0.1.0")
		need = "=0.1.0"
	}
	lines = append(lines, "z 1.0.0: b "+need)
	c, err := buildTestCatalog(joinLines(lines))
	require.NoError(tb, err)
	return c
}

// descendingChainCatalog: p0 … pN-1 with m versions each, where version k of p_i needs
// p_{i+1} at least k (strictly more than k when unsatisfiable) and the root caps the
// last link at 2.x. Newest-first choices fail at the bottom over and over; the only
// solution takes old versions all the way up.
func descendingChainCatalog(tb testing.TB, chain, versions int, satisfiable bool) *Catalog {
	tb.Helper()
	var lines []string
	ver := func(k int) string { return fmt.Sprintf("%d.0.0", k+1) }
	lines = append(lines, fmt.Sprintf("root 1.0.0: p00 *, p%02d <3.0.0", chain-1))
	op := ">="
	if !satisfiable {
		op = ">"
	}
	for i := range chain {
		for k := range versions {
			if i == chain-1 {
				lines = append(lines, fmt.Sprintf("p%02d %s", i, ver(k)))
				continue
			}
			o := op
			if k == versions-1 {
				o = ">=" // there is nothing newer
			}
			lines = append(lines, fmt.Sprintf("p%02d %s: p%02d %s%s", i, ver(k), i+1, o, ver(k)))
		}
	}
	c, err := buildTestCatalog(joinLines(lines))
	require.NoError(tb, err)
	return c
}

func joinLines(ls []string) string {
	out := ""
	for _, l := range ls {
		out += l + "\n"
	}
	return out
}

func BenchmarkResolveAdversarial(b *testing.B) {
	for _, bc := range []struct {
		name string
		c    *Catalog
	}{
		{"late-conflict-30x20", lateConflictCatalog(b, 30, 20, true)},
		{"descending-chain-20x40", descendingChainCatalog(b, 20, 40, true)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := Request{Kind: Install, Names: []string{"root"}}
			b.ReportAllocs()
			done := reportCPU(b)
			for b.Loop() {
				if _, err := Resolve(bc.c, nil, req); err != nil {
					b.Fatal(err)
				}
			}
			done()
		})
	}
}

// unsatSynthetic is a platform of about n synthetic components, installed by resolving
// c00000, c00001 and c00002, and a request to install "downgrader", which needs the
// last component, which almost everything depends on, older than the installed one:
// unsatisfiable, because installed components are not downgraded, and explained with
// hints that take trial resolutions of the whole platform.
func unsatSynthetic(tb testing.TB, n int) (*Catalog, []Installed, Request) {
	tb.Helper()
	comps := synthComponents(1, n, 5, synthCapOneIn)
	bottom := comps[n-1].Name
	comps = append(comps, &Component{Name: "downgrader", Category: CategoryALaCarte, Description: "synthetic", Namespace: "ns",
		Chart:    Chart{Repository: "https://charts.example.com", Name: "c"},
		Versions: []Version{{Version: "1.0.0", ChartVersion: "1.0.0", Requires: []Requirement{{Name: bottom, Constraint: "<2.0.0"}}}}})
	c, err := New(fmt.Sprintf("synthetic-unsat-%d", n), comps)
	require.NoError(tb, err)
	p, err := Resolve(c, nil, Request{Kind: Install, Names: []string{"c00000", "c00001", "c00002"}})
	require.NoError(tb, err)
	installed := p.Apply(nil)
	i := slices.IndexFunc(installed, func(in Installed) bool { return in.Name == bottom })
	require.GreaterOrEqual(tb, i, 0, "%s is installed", bottom)
	require.False(tb, strings.HasPrefix(installed[i].Version, "1."), "%s is installed at 2.0.0 or later", bottom)
	return c, installed, Request{Kind: Install, Names: []string{"downgrader"}}
}

// disagreeingSynthetic is the synthetic catalog of n components plus two that disagree
// about the last one, which almost everything depends on: left needs it at 4.x, right
// before 2.0.0; the request installs both with c00000, c00001 and c00002.
func disagreeingSynthetic(tb testing.TB, n int) (*Catalog, []Installed, Request) {
	tb.Helper()
	comps := synthComponents(1, n, 5, synthCapOneIn)
	bottom := comps[n-1].Name
	for _, side := range []struct{ name, cons string }{{"left", ">=4.0.0"}, {"right", "<2.0.0"}} {
		comps = append(comps, &Component{Name: side.name, Category: CategoryALaCarte, Description: "synthetic", Namespace: "ns",
			Chart: Chart{Repository: "https://charts.example.com", Name: "c"},
			Versions: []Version{{Version: "1.0.0", ChartVersion: "1.0.0", Requires: []Requirement{
				{Name: comps[0].Name, Constraint: "*"}, {Name: bottom, Constraint: side.cons}}}}})
	}
	c, err := New(fmt.Sprintf("synthetic-disagreeing-%d", n), comps)
	require.NoError(tb, err)
	return c, nil, Request{Kind: Install, Names: []string{"c00000", "c00001", "c00002", "left", "right"}}
}

func BenchmarkResolveUnsatisfiable(b *testing.B) {
	root := Request{Kind: Install, Names: []string{"root"}}
	for _, bc := range []struct {
		name  string
		setup func() (*Catalog, []Installed, Request)
	}{
		{"late-conflict-30x20", func() (*Catalog, []Installed, Request) { return lateConflictCatalog(b, 30, 20, false), nil, root }},
		{"descending-chain-20x40", func() (*Catalog, []Installed, Request) { return descendingChainCatalog(b, 20, 40, false), nil, root }},
		{"disagreeing-10000x20x5", func() (*Catalog, []Installed, Request) { return disagreeingSynthetic(b, 10000) }},
		{"installed-10000x20x5", func() (*Catalog, []Installed, Request) { return unsatSynthetic(b, 10000) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c, installed, req := bc.setup()
			b.ReportAllocs()
			done := reportCPU(b)
			for b.Loop() {
				_, err := Resolve(c, installed, req)
				if !errors.As(err, new(*ConflictError)) {
					b.Fatalf("want a conflict, got %v", err)
				}
			}
			done()
		})
	}
}

// greedyResolve is the baseline: walk the dependencies breadth-first from the requested
// components and give each component the newest release that satisfies the constraints
// seen so far; never revisit a choice. It fails when a later constraint excludes a version
// already chosen.
func greedyResolve(c *Catalog, names []string) (map[string]*Version, bool) {
	chosen := map[string]*Version{}
	cons := map[string][]*constraint{}
	queue := slices.Clone(names)
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if v, ok := chosen[n]; ok {
			for _, k := range cons[n] {
				if !k.match(&v.v) {
					return nil, false
				}
			}
			continue
		}
		comp, _ := c.Component(n)
		var pick *Version
		for i := range comp.Versions {
			v := &comp.Versions[i]
			if v.prer {
				continue
			}
			ok := true
			for _, k := range cons[n] {
				if !k.match(&v.v) {
					ok = false
					break
				}
			}
			if ok {
				pick = v
				break
			}
		}
		if pick == nil {
			return nil, false
		}
		chosen[n] = pick
		for _, r := range pick.Requires {
			cons[r.Name] = append(cons[r.Name], r.c)
			queue = append(queue, r.Name)
		}
	}
	return chosen, true
}

func verifyGreedy(c *Catalog, chosen map[string]*Version) bool {
	var set []Installed
	for n, v := range chosen {
		set = append(set, Installed{Name: n, Version: v.Version})
	}
	return Verify(c, set) == nil
}

// BenchmarkGreedyBaseline compares the resolver with the greedy baseline on 50 random
// satisfiable instances (50 components × 20 versions × 4 requirements each): how many of
// them each solves, and the resolver's time relative to the greedy one.
func BenchmarkGreedyBaseline(b *testing.B) {
	const instances = 50
	cats := make([]*Catalog, instances)
	for i := range cats {
		cats[i] = synthCatalog(b, uint64(100+i), 50, 4, synthCapOneIn)
	}
	names := []string{"c00000"}
	var greedySolved, solved int
	var greedyTime, resolverTime time.Duration
	done := reportCPU(b)
	for b.Loop() {
		greedySolved, solved = 0, 0
		for _, c := range cats {
			t0 := time.Now()
			if chosen, ok := greedyResolve(c, names); ok && verifyGreedy(c, chosen) {
				greedySolved++
			}
			t1 := time.Now()
			p, err := Resolve(c, nil, Request{Kind: Install, Names: names})
			t2 := time.Now()
			if err == nil && Verify(c, p.Apply(nil)) == nil {
				solved++
			}
			greedyTime += t1.Sub(t0)
			resolverTime += t2.Sub(t1)
		}
	}
	done()
	b.ReportMetric(float64(solved), "solved/50")
	b.ReportMetric(float64(greedySolved), "greedy-solved/50")
	b.ReportMetric(float64(resolverTime)/float64(greedyTime), "time-ratio")
}

// TestGreedyBaselineFailsWhereResolverSucceeds keeps the comparison honest: every
// instance is satisfiable, the resolver solves all, the greedy baseline not all.
func TestGreedyBaselineFailsWhereResolverSucceeds(t *testing.T) {
	greedy := 0
	for i := range 20 {
		c := synthCatalog(t, uint64(100+i), 50, 4, synthCapOneIn)
		p, err := Resolve(c, nil, Request{Kind: Install, Names: []string{"c00000"}})
		require.NoError(t, err)
		require.NoError(t, Verify(c, p.Apply(nil)))
		if chosen, ok := greedyResolve(c, []string{"c00000"}); ok {
			require.True(t, verifyGreedy(c, chosen), "a greedy success is a valid solution")
			greedy++
		}
	}
	require.Less(t, greedy, 20, "the instances should defeat the greedy baseline sometimes")
	require.Positive(t, greedy, "and not always")
}

func TestAdversarialCatalogs(t *testing.T) {
	for _, c := range []*Catalog{lateConflictCatalog(t, 40, 30, true), descendingChainCatalog(t, 30, 50, true)} {
		start := time.Now()
		p, err := Resolve(c, nil, Request{Kind: Install, Names: []string{"root"}})
		require.NoError(t, err)
		require.NoError(t, Verify(c, p.Apply(nil)))
		require.Less(t, time.Since(start), time.Second)
		_, ok := greedyResolve(c, []string{"root"})
		require.False(t, ok, "greedy newest-first cannot solve it")
	}
	for _, c := range []*Catalog{lateConflictCatalog(t, 40, 30, false), descendingChainCatalog(t, 30, 50, false)} {
		start := time.Now()
		_, err := Resolve(c, nil, Request{Kind: Install, Names: []string{"root"}})
		var ce *ConflictError
		require.ErrorAs(t, err, &ce)
		require.Less(t, time.Since(start), time.Second)
		t.Log(err)
	}
}
