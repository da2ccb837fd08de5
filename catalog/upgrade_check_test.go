package catalog

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oneByOne is what the operator did before AvailableUpgrades: AvailableUpgrade per
// component of set, stopping at the first error.
func oneByOne(c *Catalog, set []Installed) (map[string]*Version, error) {
	out := map[string]*Version{}
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

// genUpgradeScenario installs a few random components, each pinned at a random version
// (so that upgrades are available), and sometimes breaks the set.
func genUpgradeScenario(r *rand.Rand, c *Catalog) []Installed {
	comps := c.Components()
	var installed []Installed
	for range 1 + r.IntN(4) {
		comp := comps[r.IntN(len(comps))]
		v := comp.Versions[r.IntN(len(comp.Versions))].Version
		p, err := Resolve(c, installed, Request{Kind: Install, Names: []string{comp.Name}, Versions: map[string]string{comp.Name: v}})
		if err == nil {
			installed = p.Apply(installed)
		}
	}
	if len(installed) > 0 && r.IntN(5) == 0 { // an installed version nothing asked for
		i := r.IntN(len(installed))
		comp, _ := c.Component(installed[i].Name)
		installed[i].Version = comp.Versions[r.IntN(len(comp.Versions))].Version
	}
	if len(installed) > 0 && r.IntN(10) == 0 {
		installed = append(installed, Installed{Name: installed[0].Name, Version: installed[0].Version})
	}
	return installed
}

// TestAvailableUpgradesAgreesWithOneByOne is the property AvailableUpgrades is built on:
// over random catalogs and installed sets, consistent or not, it returns exactly what
// AvailableUpgrade returns component by component, errors included.
func TestAvailableUpgradesAgreesWithOneByOne(t *testing.T) {
	t.Parallel()
	n := 3000
	if testing.Short() {
		n = 300
	}
	fast := 0
	for seed := range n {
		r := rand.New(rand.NewPCG(uint64(seed), 17))
		c, err := genCatalog(r, 2+r.IntN(6), 5, 1+r.IntN(3))
		require.NoError(t, err)
		set := genUpgradeScenario(r, c)
		want, wantErr := oneByOne(c, set)
		got, err := AvailableUpgrades(c, set)
		if wantErr != nil {
			require.EqualError(t, err, wantErr.Error(), "seed %d, set %v", seed, set)
			continue
		}
		require.NoError(t, err, "seed %d, set %v", seed, set)
		require.Equal(t, versionsOf(want), versionsOf(got), "seed %d, set %v", seed, set)
		if Verify(c, set) == nil && len(got) > 0 {
			fast++
		}
	}
	assert.Greater(t, fast, n/10, "consistent sets with upgrades should be common")
}

func versionsOf(m map[string]*Version) map[string]string {
	out := map[string]string{}
	for n, v := range m {
		out[n] = v.Version
	}
	return out
}

func TestAvailableUpgrades(t *testing.T) {
	t.Parallel()
	c := mkCatalog(t, platformCatalog)
	got, err := AvailableUpgrades(c, inst("base 1.1.0, db 1.24.0, store 2.0.0, vec 2.4.0, ai 1.2.0"))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"db": "1.25.1"}, versionsOf(got))
	got, err = AvailableUpgrades(c, inst("base 1.0.0, db 1.24.0"))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"base": "1.1.0", "db": "2.0.0"}, versionsOf(got))
	_, err = AvailableUpgrades(c, inst("base 1.1.0, nope 1.0.0"))
	assert.EqualError(t, err, `nope: invalid request: unknown component "nope"`)
}

// upgradeBenchSet is a platform of about n synthetic components installed from a catalog
// that lacks the newest major version, checked against the full catalog: most
// components have an upgrade, and many of those need their dependencies upgraded too.
func upgradeBenchSet(tb testing.TB, n int) (*Catalog, []Installed) {
	tb.Helper()
	old := synthComponents(1, n, 5, synthCapOneIn)
	for _, comp := range old {
		comp.Versions = comp.Versions[:15] // 1.0.0 … 3.4.0
	}
	oldCat, err := New("synthetic-old", old)
	require.NoError(tb, err)
	var names []string
	for i := range min(n, 20) {
		names = append(names, fmt.Sprintf("c%05d", i))
	}
	p, err := Resolve(oldCat, nil, Request{Kind: Install, Names: names})
	require.NoError(tb, err)
	return synthCatalog(tb, 1, n, 5, synthCapOneIn), p.Apply(nil)
}

// independentBenchSet is n components without requirements, each installed at 1.0.0
// with 1.1.0 available: the operator's scale benchmark.
func independentBenchSet(tb testing.TB, n int) (*Catalog, []Installed) {
	tb.Helper()
	var comps []*Component
	var set []Installed
	for i := range n {
		name := fmt.Sprintf("c%04d", i)
		comps = append(comps, &Component{Name: name, Category: CategoryALaCarte, Description: "synthetic", Namespace: "ns",
			Chart:    Chart{Repository: "https://charts.example.com", Name: "c"},
			Versions: []Version{{Version: "1.1.0", ChartVersion: "1.1.0"}, {Version: "1.0.0", ChartVersion: "1.0.0"}}})
		set = append(set, Installed{Name: name, Version: "1.0.0"})
	}
	c, err := New("independent", comps)
	require.NoError(tb, err)
	return c, set
}

func BenchmarkAvailableUpgrades(b *testing.B) {
	for _, bc := range []struct {
		name  string
		setup func(testing.TB, int) (*Catalog, []Installed)
		n     int
	}{
		{"independent-1000", independentBenchSet, 1000},
		{"synthetic-1000x20x5", upgradeBenchSet, 1000},
	} {
		c, set := bc.setup(b, bc.n)
		b.Run(bc.name+"/together", func(b *testing.B) {
			done := reportCPU(b)
			for b.Loop() {
				if _, err := AvailableUpgrades(c, set); err != nil {
					b.Fatal(err)
				}
			}
			done()
			b.ReportMetric(float64(len(set)), "components")
		})
		b.Run(bc.name+"/one-by-one", func(b *testing.B) {
			done := reportCPU(b)
			for b.Loop() {
				if _, err := oneByOne(c, set); err != nil {
					b.Fatal(err)
				}
			}
			done()
			b.ReportMetric(float64(len(set)), "components")
		})
	}
}

// TestAvailableUpgradesAgreesOnSyntheticCatalogs holds the solves AvailableUpgrades
// shares between components to the answer of one resolution per candidate, on random
// synthetic catalogs shaped like the benchmark's (synthComponents, with version caps
// from rare to frequent): the platform is installed from the catalog without its
// newest versions (a random number of them), then checked against the full one.
func TestAvailableUpgradesAgreesOnSyntheticCatalogs(t *testing.T) {
	t.Parallel()
	n := 60
	if testing.Short() {
		n = 12
	}
	solved := 0
	for seed := range n {
		r := rand.New(rand.NewPCG(uint64(seed), 23))
		size, deps := 15+r.IntN(50), 1+r.IntN(5)
		capOneIn := []int{2, 3, 4, synthCapOneIn}[r.IntN(4)]
		old := synthComponents(uint64(seed), size, deps, capOneIn)
		cut := 5 + r.IntN(len(synthVersions)-5)
		for _, comp := range old {
			comp.Versions = comp.Versions[:cut]
		}
		oldCat, err := New("synthetic-old", old)
		require.NoError(t, err)
		var names []string
		for range 1 + r.IntN(4) {
			names = append(names, fmt.Sprintf("c%05d", r.IntN(size)))
		}
		p, err := Resolve(oldCat, nil, Request{Kind: Install, Names: names})
		if err != nil {
			continue // the truncated catalog may have no solution
		}
		set := p.Apply(nil)
		c, err := New("synthetic", synthComponents(uint64(seed), size, deps, capOneIn))
		require.NoError(t, err)
		require.NoError(t, Verify(c, set))
		if len(newUpgradeCheck(c, set).quick(map[string]*Version{})) > 0 {
			solved++
		}
		want, wantErr := oneByOne(c, set)
		require.NoError(t, wantErr)
		got, err := AvailableUpgrades(c, set)
		require.NoError(t, err, "seed %d", seed)
		require.Equal(t, versionsOf(want), versionsOf(got), "seed %d, set %v", seed, set)
	}
	assert.Greater(t, solved, n/3, "most platforms should need solves beyond the quick checks")
}
