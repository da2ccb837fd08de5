package catalog

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVsetAgainstMaps checks the bitset operations, small and large, against map sets.
func TestVsetAgainstMaps(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		n := 1 + r.IntN(200)
		gen := func() (vset, map[int]bool) {
			var s vset
			m := map[int]bool{}
			for range r.IntN(n + 1) {
				i := r.IntN(n)
				s = s.with(i)
				m[i] = true
			}
			return s, m
		}
		a, am := gen()
		b, bm := gen()
		check := func(name string, got vset, want func(i int) bool) {
			for i := range n + 64 {
				require.Equal(t, want(i), got.has(i), "%s bit %d (n=%d)", name, i, n)
			}
		}
		check("and", a.and(b), func(i int) bool { return am[i] && bm[i] })
		check("or", a.or(b), func(i int) bool { return am[i] || bm[i] })
		check("minus", a.minus(b), func(i int) bool { return am[i] && !bm[i] })
		check("range", rangeSet(n), func(i int) bool { return i < n })
		sub, disj := true, true
		for i := range am {
			sub = sub && bm[i]
			disj = disj && !bm[i]
		}
		require.Equal(t, sub, a.subsetOf(b))
		require.Equal(t, disj, a.disjoint(b))
		require.Equal(t, len(am), a.count())
		require.Equal(t, len(am) == 0, a.empty())
		hi, lo := -1, -1
		for i := range am {
			hi = max(hi, i)
			if lo < 0 || i < lo {
				lo = i
			}
		}
		require.Equal(t, hi, a.highest(n+64))
		require.Equal(t, lo, a.lowest())
		var each []int
		a.each(func(i int) { each = append(each, i) })
		require.Len(t, each, len(am))
	}
}

// TestResolveManyVersions exercises components with more versions than fit in one word.
func TestResolveManyVersions(t *testing.T) {
	var b strings.Builder
	for minor := range 150 {
		fmt.Fprintf(&b, "big 1.%d.0\n", minor)
		fmt.Fprintf(&b, "user 2.%d.0: big >=1.%d.0 <1.%d.0\n", minor, minor/2, minor/2+3)
	}
	b.WriteString("cap 1.0.0: big <1.70.0\n")
	c := mkCatalog(t, b.String())
	p, err := Resolve(c, nil, Request{Kind: Install, Names: []string{"user", "cap"}})
	require.NoError(t, err)
	require.NoError(t, Verify(c, p.Apply(nil)))
	// The newest user whose window reaches below 1.70: user 2.139.0 needs big >=1.69 <1.72.
	assert.Equal(t, []string{"install big 1.69.0 (dependency of user)", "install cap 1.0.0 (requested)", "install user 2.139.0 (requested)"}, steps(p))
	_, err = Resolve(c, inst("big 1.149.0"), Request{Kind: Install, Names: []string{"cap"}})
	var ce *ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, err.Error(), "cap requires big <1.70.0 but big 1.149.0 is installed and is not downgraded")
}

// TestResolveConcurrently resolves on one catalog from many goroutines (run with -race).
func TestResolveConcurrently(t *testing.T) {
	c, err := Builtin()
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for _, comp := range c.Components()[i%3:] {
				p, err := Resolve(c, nil, Request{Kind: Install, Names: []string{comp.Name}})
				if assert.NoError(t, err) {
					assert.NoError(t, Verify(c, p.Apply(nil)))
				}
			}
			_, err := Resolve(c, nil, Request{Kind: Install, Names: []string{"ai-hub", "open-banking"},
				Versions: map[string]string{"ai-hub": "1.2.0", "open-banking": "1.0.0"}})
			assert.ErrorAs(t, err, new(*ConflictError))
		})
	}
	wg.Wait()
}
