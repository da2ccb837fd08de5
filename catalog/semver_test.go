package catalog

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var semverVersions = []string{
	"0.0.0", "0.0.1", "0.0.3", "0.1.0", "0.2.0", "0.2.3", "0.2.4", "0.3.0", "1.0.0", "1.0.0-rc.1",
	"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.1.0",
	"1.2.0", "1.2.3", "1.2.3-pre", "1.2.4", "1.3.0", "1.3.0-rc.0", "1.24.0", "1.24.1", "1.25.0",
	"2.0.0", "2.0.0-rc.1", "2.0.1", "2.1.0", "3.0.0", "4.5.6", "10.0.0", "11.2.0+build.7",
}

var semverConstraints = []string{
	"*", "x", "1", "1.x", "1.2", "1.2.x", "=1.2.3", "1.2.3", "!=1.2.3", "!=1.2", "!=1.x", "!=1.2.x-pre",
	">1.2", ">1", ">1.2.3", ">=1.2.3", "=>1.2", "<2", "<2.0.0", "<=1.2", "<=1.2.3", "=<1", "<=1.x",
	"~1.2.3", "~1.2", "~1", "~0", "~0.0.0", "~>1.2", "^1.2.3", "^1.2", "^1", "^0.2.3", "^0.2", "^0.0.3",
	"^0.0", "^0", "^0.x", "^1.24", "^2.0", ">=1.2.0, <3.0.0", ">=1.2.0 <3.0.0", "1.2 - 1.4.5",
	"1.0.0 - 2.0.0", "^1.0.0 || ^2.0.0", ">=1.0.0-0", ">=1.0.0-0 <2.0.0", "^1.0.0-alpha", "~1.2.3-beta",
	">= 1.2, < 2", "1.2.3-pre", "v1.2.3", ">v1.0", "2.x.x", "~2.x.x", "<1.0.0-rc.1",
}

func TestConstraintMatchesMasterminds(t *testing.T) {
	for _, cs := range semverConstraints {
		mc, err := semver.NewConstraint(cs)
		require.NoError(t, err, cs)
		c, err := parseConstraint(cs)
		require.NoError(t, err, cs)
		for _, vs := range semverVersions {
			mv := semver.MustParse(vs)
			v := newVer(mv)
			assert.Equal(t, mc.Check(mv), c.match(&v), "constraint %q version %q", cs, vs)
		}
	}
}

func TestVersionCompareMatchesMasterminds(t *testing.T) {
	for _, a := range semverVersions {
		for _, b := range semverVersions {
			ma, mb := semver.MustParse(a), semver.MustParse(b)
			va, vb := newVer(ma), newVer(mb)
			assert.Equal(t, ma.Compare(mb), va.cmp(&vb), "%s vs %s", a, b)
		}
	}
}

func TestParseConstraintErrors(t *testing.T) {
	for _, cs := range []string{"", "^^1", "1.2.3.4", ">= x.y", "foo", "1 || || 2"} {
		_, err := parseConstraint(cs)
		_, merr := semver.NewConstraint(cs)
		assert.Equal(t, merr != nil, err != nil, "%q: masterminds %v, ours %v", cs, merr, err)
	}
}

// FuzzConstraint checks the allocation-free evaluator against Masterminds on random
// constraints and versions.
func FuzzConstraint(f *testing.F) {
	for i, cs := range semverConstraints {
		f.Add(cs, semverVersions[i%len(semverVersions)])
	}
	f.Fuzz(func(t *testing.T, cs, vs string) {
		mc, merr := semver.NewConstraint(cs)
		c, err := parseConstraint(cs)
		if merr != nil {
			if err == nil {
				t.Fatalf("%q: Masterminds rejects (%v) but parseConstraint accepts", cs, merr)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: Masterminds accepts but parseConstraint fails: %v", cs, err)
		}
		mv, err := semver.NewVersion(vs)
		if err != nil {
			return
		}
		v := newVer(mv)
		if got, want := c.match(&v), mc.Check(mv); got != want {
			t.Fatalf("constraint %q version %q: got %v, Masterminds %v", cs, vs, got, want)
		}
	})
}

func TestRandomConstraintsMatchMasterminds(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ops := []string{"", "=", "!=", ">", "<", ">=", "<=", "~", "^", "~>"}
	part := func() string {
		switch r.IntN(6) {
		case 0:
			return "x"
		default:
			return []string{"0", "1", "2", "3", "10"}[r.IntN(5)]
		}
	}
	ver := func() string {
		n := 1 + r.IntN(3)
		ps := make([]string, n)
		for i := range ps {
			ps[i] = part()
		}
		s := strings.Join(ps, ".")
		if r.IntN(4) == 0 {
			s += "-" + []string{"rc.1", "alpha", "0", "beta.2"}[r.IntN(4)]
		}
		return s
	}
	for range 20000 {
		cs := ops[r.IntN(len(ops))] + ver()
		if r.IntN(3) == 0 {
			cs += ", " + ops[r.IntN(len(ops))] + ver()
		}
		if r.IntN(4) == 0 {
			cs += " || " + ops[r.IntN(len(ops))] + ver()
		}
		mc, merr := semver.NewConstraint(cs)
		c, err := parseConstraint(cs)
		require.Equal(t, merr == nil, err == nil, "%q: %v / %v", cs, merr, err)
		if err != nil {
			continue
		}
		for _, vs := range semverVersions {
			mv := semver.MustParse(vs)
			v := newVer(mv)
			require.Equal(t, mc.Check(mv), c.match(&v), "constraint %q version %q", cs, vs)
		}
	}
}

// TestParseVersionFastPath: plain MAJOR.MINOR.PATCH skips the parser and gets the same
// result; anything else takes the parser.
func TestParseVersionFastPath(t *testing.T) {
	for _, s := range []string{"0.0.0", "1.2.3", "10.20.30", "18446744073709551615.0.1", "01.2.3", "1.02.3", "1.2", "1.2.3.4", "1.2.3-rc.1", "1.2.3+b", "v1.2.3", "1..3", ".1.2", "1.2.", ""} {
		pv, err := parseVersion(s)
		want, wantErr := semver.StrictNewVersion(s)
		if wantErr != nil {
			if isRelease(s) {
				t.Errorf("%q: isRelease but the parser refuses it: %v", s, wantErr)
			}
			continue
		}
		require.NoError(t, err, s)
		assert.Equal(t, newVer(want), pv, s)
		v := Version{Version: s, v: pv}
		assert.Equal(t, want, v.Semver(), s)
	}
}
