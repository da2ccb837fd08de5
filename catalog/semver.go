package catalog

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// The catalog uses the constraint syntax of github.com/Masterminds/semver/v3, the library
// Helm uses for chart dependencies, so catalog authors write constraints exactly as they
// would in a Chart.yaml. Masterminds' Check allocates (it builds an error per failed
// comparison), which is far too slow for a resolver that tests millions of
// (constraint, version) pairs, so this file holds an allocation-free evaluator with the
// same semantics: constraints are parsed and validated by Masterminds, and their
// normalised form is compiled into the structures below. TestConstraintMatchesMasterminds
// and FuzzConstraint check the two agree.

// ver is a parsed semantic version, comparable without allocations.
type ver struct {
	major, minor, patch uint64
	pre                 []prePart // nil for a release
}

// prePart is one dot-separated identifier of a pre-release.
type prePart struct {
	s   string
	n   uint64
	num bool
}

func newVer(v *semver.Version) ver {
	out := ver{major: v.Major(), minor: v.Minor(), patch: v.Patch()}
	if p := v.Prerelease(); p != "" {
		parts := strings.Split(p, ".")
		out.pre = make([]prePart, len(parts))
		for i, s := range parts {
			n, err := strconv.ParseUint(s, 10, 64)
			out.pre[i] = prePart{s: s, n: n, num: err == nil}
		}
	}
	return out
}

func (v *ver) isPre() bool { return len(v.pre) > 0 }

// cmp orders versions by semantic-version precedence (build metadata ignored), exactly as
// semver.Version.Compare does.
func (v *ver) cmp(o *ver) int {
	if d := cmpU(v.major, o.major); d != 0 {
		return d
	}
	if d := cmpU(v.minor, o.minor); d != 0 {
		return d
	}
	if d := cmpU(v.patch, o.patch); d != 0 {
		return d
	}
	switch {
	case len(v.pre) == 0 && len(o.pre) == 0:
		return 0
	case len(v.pre) == 0:
		return 1
	case len(o.pre) == 0:
		return -1
	}
	l := max(len(v.pre), len(o.pre))
	for i := range l {
		var a, b prePart
		if i < len(v.pre) {
			a = v.pre[i]
		}
		if i < len(o.pre) {
			b = o.pre[i]
		}
		if d := cmpPrePart(a, b); d != 0 {
			return d
		}
	}
	return 0
}

func cmpPrePart(a, b prePart) int {
	if a.s == b.s {
		return 0
	}
	if a.s == "" {
		return -1
	}
	if b.s == "" {
		return 1
	}
	switch {
	case !a.num && !b.num:
		if a.s > b.s {
			return 1
		}
		return -1
	case !b.num:
		return -1
	case !a.num:
		return 1
	}
	if a.n > b.n {
		return 1
	}
	return -1
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseVersion parses a full semantic version MAJOR.MINOR.PATCH[-PRE][+BUILD]; a leading
// "v" is accepted (Platform objects may carry one), partial versions are not.
func parseVersion(s string) (ver, error) {
	if isRelease(s) { // the common case, without the parser's allocations
		var n [3]uint64
		rest := s
		for k := range n {
			part, r, _ := strings.Cut(rest, ".")
			n[k], _ = strconv.ParseUint(part, 10, 64)
			rest = r
		}
		return ver{major: n[0], minor: n[1], patch: n[2]}, nil
	}
	sv, err := semver.StrictNewVersion(strings.TrimPrefix(s, "v"))
	if err != nil {
		return ver{}, fmt.Errorf("%q is not a semantic version (MAJOR.MINOR.PATCH[-PRERELEASE]): %w", s, err)
	}
	return newVer(sv), nil
}

type op uint8

const (
	opTildeOrEqual op = iota // "" and "="
	opNotEqual
	opGreater
	opLess
	opGreaterEqual
	opLessEqual
	opTilde
	opCaret
)

// atom is one comparison of a constraint, mirroring Masterminds' internal constraint.
type atom struct {
	op                            op
	con                           ver
	dirty, minorDirty, patchDirty bool
}

// constraint is a compiled version constraint: an OR of AND-groups.
type constraint struct {
	src      string
	mc       *semver.Constraints // Masterminds' own parse; Verify checks with it
	groups   [][]atom
	groupPre []bool // the group names a pre-release, so pre-releases may match it
}

// parseConstraint validates s with Masterminds and compiles its normalised form.
func parseConstraint(s string) (*constraint, error) {
	mc, err := semver.NewConstraint(s)
	if err != nil {
		return nil, fmt.Errorf("invalid constraint %q: %w", s, err)
	}
	c := &constraint{src: s, mc: mc}
	for _, g := range strings.Split(mc.String(), " || ") {
		var group []atom
		hasPre := false
		for _, a := range strings.Fields(g) {
			at, err := compileAtom(a)
			if err != nil {
				return nil, fmt.Errorf("invalid constraint %q: %w", s, err)
			}
			hasPre = hasPre || at.con.isPre()
			group = append(group, at)
		}
		if len(group) == 0 { // "" normalises to an empty group: any version
			group = append(group, atom{op: opTildeOrEqual, dirty: true})
		}
		c.groups = append(c.groups, group)
		c.groupPre = append(c.groupPre, hasPre)
	}
	return c, nil
}

var opPrefixes = []struct {
	s  string
	op op
}{
	{"!=", opNotEqual}, {">=", opGreaterEqual}, {"=>", opGreaterEqual}, {"<=", opLessEqual},
	{"=<", opLessEqual}, {"~>", opTilde}, {"=", opTildeOrEqual}, {">", opGreater},
	{"<", opLess}, {"~", opTilde}, {"^", opCaret},
}

func isX(s string) bool { return s == "x" || s == "X" || s == "*" }

// compileAtom compiles one normalised comparison such as ">=1.2" or "^2.x".
func compileAtom(s string) (atom, error) {
	a := atom{op: opTildeOrEqual}
	for _, p := range opPrefixes {
		if strings.HasPrefix(s, p.s) {
			a.op, s = p.op, s[len(p.s):]
			break
		}
	}
	orig := s
	body := strings.TrimPrefix(s, "v")
	if i := strings.IndexByte(body, '+'); i >= 0 {
		body = body[:i]
	}
	pre := ""
	if i := strings.IndexByte(body, '-'); i >= 0 {
		body, pre = body[:i], body[i:]
	}
	parts := strings.Split(body, ".")
	var full string
	switch {
	case isX(parts[0]) || parts[0] == "":
		full, a.dirty = "0.0.0"+pre, true
	case len(parts) < 2 || isX(parts[1]):
		full, a.dirty, a.minorDirty = parts[0]+".0.0"+pre, true, true
	case len(parts) < 3 || isX(parts[2]):
		full, a.dirty, a.patchDirty = parts[0]+"."+parts[1]+".0"+pre, true, true
	default:
		full = orig
	}
	sv, err := semver.NewVersion(full)
	if err != nil {
		return a, fmt.Errorf("comparison %q: %w", s, err)
	}
	a.con = newVer(sv)
	return a, nil
}

// match reports whether v satisfies the constraint, as semver.Constraints.Check does.
func (c *constraint) match(v *ver) bool {
	for i, g := range c.groups {
		includePre := c.groupPre[i]
		ok := true
		for j := range g {
			if !g[j].match(v, includePre) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (a *atom) match(v *ver, includePre bool) bool {
	if v.isPre() && !includePre {
		return false
	}
	c := &a.con
	switch a.op {
	case opNotEqual:
		if a.dirty {
			if c.major != v.major {
				return true
			}
			switch {
			case c.minor != v.minor && !a.minorDirty:
				return true
			case a.minorDirty:
				return false
			case c.patch != v.patch && !a.patchDirty:
				return true
			case a.patchDirty:
				if v.isPre() || c.isPre() {
					return cmpPre(v, c) != 0
				}
				return false
			}
		}
		return v.cmp(c) != 0
	case opGreater:
		if !a.dirty {
			return v.cmp(c) > 0
		}
		switch {
		case v.major > c.major:
			return true
		case v.major < c.major:
			return false
		case a.minorDirty:
			return false
		case a.patchDirty:
			return v.minor > c.minor
		}
		return v.cmp(c) > 0
	case opLess:
		return v.cmp(c) < 0
	case opGreaterEqual:
		return v.cmp(c) >= 0
	case opLessEqual:
		if !a.dirty {
			return v.cmp(c) <= 0
		}
		if v.major > c.major {
			return false
		}
		if v.major == c.major && v.minor > c.minor && !a.minorDirty {
			return false
		}
		return true
	case opTilde:
		return a.tilde(v)
	case opTildeOrEqual:
		if a.dirty {
			return a.tilde(v)
		}
		return v.cmp(c) == 0
	case opCaret:
		if v.cmp(c) < 0 {
			return false
		}
		if c.major > 0 || a.minorDirty {
			return v.major == c.major
		}
		if v.major > 0 {
			return false
		}
		if c.minor > 0 || a.patchDirty {
			return v.minor == c.minor
		}
		if v.minor > 0 {
			return false
		}
		return c.patch == v.patch
	}
	return false
}

func (a *atom) tilde(v *ver) bool {
	c := &a.con
	if v.cmp(c) < 0 {
		return false
	}
	if c.major == 0 && c.minor == 0 && c.patch == 0 && !a.minorDirty && !a.patchDirty {
		return true
	}
	if v.major != c.major {
		return false
	}
	if v.minor != c.minor && !a.minorDirty {
		return false
	}
	return true
}

// cmpPre compares only the pre-release parts of two versions.
func cmpPre(a, b *ver) int {
	x, y := ver{pre: a.pre}, ver{pre: b.pre}
	return x.cmp(&y)
}
