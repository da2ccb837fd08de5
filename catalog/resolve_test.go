package catalog

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const platformCatalog = `
!base 1.0.0
!base 1.1.0
db 1.22.0: base >=1.0.0
db 1.24.0: base >=1.0.0
db 1.25.1: base >=1.1.0
db 2.0.0: base >=1.1.0
db 2.1.0-rc.1: base >=1.1.0
store 1.0.0
store 2.0.0
vec 2.3.0: store ^1.0.0, db ^1.22.0
vec 2.4.0: store >=1.0.0, db ^1.24.0
vec 2.5.0: store ^2.0.0, db ^1.25.0
graph 5.20.0
graph 5.26.0
graph 6.0.0
rag 0.2.0: vec >=2.3.0
tool 1.0.0: db >=2.0.0-0
@ai 1.0.0: vec ~2.3.0, db ^1.22.0 | graph ^5.0.0, rag ~0.2.0
@ai 1.1.0: vec ^2.4.0, db ^1.24.0 | graph ^5.20.0, rag ~0.2.0
@ai 1.2.0: vec ~2.4.0, db ^1.24.0 | graph ^5.26.0
@bank 1.0.0: db ^1.22.0
@bank 2.0.0: db ^2.0.0
@bank 2.1.0: db ^2.0.0 | graph >=6.0.0
`

func TestResolve(t *testing.T) {
	c := mkCatalog(t, platformCatalog)
	tests := []struct {
		name      string
		installed string
		req       Request
		want      []string
		changes   bool
	}{
		{
			name: "install pulls dependencies, newest versions, dependencies first",
			req:  Request{Kind: Install, Names: []string{"ai"}},
			want: []string{
				"install base 1.1.0 (dependency of ai)",
				"install db 1.25.1 (dependency of ai)",
				"install store 2.0.0 (dependency of ai)",
				"install vec 2.4.0 (dependency of ai)",
				"install ai 1.2.0 (requested)",
			},
			changes: true,
		},
		{
			name: "optional members with constraints",
			req:  Request{Kind: Install, Names: []string{"ai"}, With: []string{"graph"}},
			want: []string{
				"install base 1.1.0 (dependency of ai)",
				"install db 1.25.1 (dependency of ai)",
				"install graph 5.26.0 (optional member of ai)",
				"install store 2.0.0 (dependency of ai)",
				"install vec 2.4.0 (dependency of ai)",
				"install ai 1.2.0 (requested)",
			},
			changes: true,
		},
		{
			name: "an optional member only older versions offer selects an older version",
			req:  Request{Kind: Install, Names: []string{"ai"}, With: []string{"rag"}},
			want: []string{
				"install base 1.1.0 (dependency of ai)",
				"install db 1.25.1 (dependency of ai)",
				"install store 2.0.0 (dependency of ai)",
				"install vec 2.5.0 (dependency of ai)",
				"install rag 0.2.0 (optional member of ai)",
				"install ai 1.1.0 (requested)",
			},
			changes: true,
		},
		{
			name: "pinned version",
			req:  Request{Kind: Install, Names: []string{"ai"}, Versions: map[string]string{"ai": "1.0.0"}},
			want: []string{
				"install base 1.1.0 (dependency of ai)",
				"install db 1.25.1 (dependency of ai)",
				"install store 1.0.0 (dependency of ai)",
				"install vec 2.3.0 (dependency of ai)",
				"install ai 1.0.0 (requested)",
			},
			changes: true,
		},
		{
			name:      "installed dependencies are kept when they fit",
			installed: "base 1.0.0, db 1.24.0",
			req:       Request{Kind: Install, Names: []string{"ai"}},
			want: []string{
				"keep base 1.0.0 (requested)",
				"keep db 1.24.0 (requested)",
				"install store 2.0.0 (dependency of ai)",
				"install vec 2.4.0 (dependency of ai)",
				"install ai 1.2.0 (requested)",
			},
			changes: true,
		},
		{
			name:      "an installed dependency that no longer fits is upgraded, within the constraint",
			installed: "base 1.0.0, db 1.22.0, bank 1.0.0",
			req:       Request{Kind: Install, Names: []string{"ai"}},
			want: []string{
				"keep base 1.0.0 (requested)",
				"upgrade db 1.22.0 -> 1.24.0 (requested)",
				"install store 2.0.0 (dependency of ai)",
				"install vec 2.4.0 (dependency of ai)",
				"install ai 1.2.0 (requested)",
			},
			changes: true,
		},
		{
			name:      "installing what is installed as a dependency makes it explicit",
			installed: "base 1.1.0, db 1.25.1 dependency of bank, bank 1.0.0",
			req:       Request{Kind: Install, Names: []string{"db"}},
			want:      []string{"keep base 1.1.0 (requested)", "keep db 1.25.1 (requested)"},
		},
		{
			name:    "pre-releases are not picked unless pinned",
			req:     Request{Kind: Install, Names: []string{"db"}},
			want:    []string{"install base 1.1.0 (dependency of db)", "install db 2.0.0 (requested)"},
			changes: true,
		},
		{
			name:    "a pinned pre-release",
			req:     Request{Kind: Install, Names: []string{"db"}, Versions: map[string]string{"db": "2.1.0-rc.1"}},
			want:    []string{"install base 1.1.0 (dependency of db)", "install db 2.1.0-rc.1 (requested)"},
			changes: true,
		},
		{
			name:      "an installed pre-release is kept",
			installed: "base 1.1.0, db 2.1.0-rc.1",
			req:       Request{Kind: Install, Names: []string{"tool"}},
			want:      []string{"keep base 1.1.0 (requested)", "keep db 2.1.0-rc.1 (requested)", "install tool 1.0.0 (requested)"},
			changes:   true,
		},
		{
			name:    "a constraint that admits pre-releases still gets a release unless one is installed",
			req:     Request{Kind: Install, Names: []string{"tool"}},
			want:    []string{"install base 1.1.0 (dependency of tool)", "install db 2.0.0 (dependency of tool)", "install tool 1.0.0 (requested)"},
			changes: true,
		},
		{
			name:      "upgrade goes to the newest version installed dependents accept",
			installed: "base 1.1.0, db 1.24.0 dependency of ai, store 1.0.0 dependency of ai, vec 2.4.0 dependency of ai, ai 1.2.0",
			req:       Request{Kind: Upgrade, Names: []string{"db"}},
			want:      []string{"upgrade db 1.24.0 -> 1.25.1 (dependency of ai)"},
			changes:   true,
		},
		{
			name:      "upgrade to a pinned version upgrades dependents that must follow",
			installed: "base 1.1.0, db 1.25.1, bank 1.0.0",
			req:       Request{Kind: Upgrade, Names: []string{"db"}, Versions: map[string]string{"db": "2.0.0"}},
			want:      []string{"upgrade db 1.25.1 -> 2.0.0 (requested)", "upgrade bank 1.0.0 -> 2.0.0 (requested)"},
			changes:   true,
		},
		{
			name:      "upgrade takes the newest version; dependencies move as little as they must",
			installed: "base 1.0.0, db 1.22.0 dependency of ai, store 1.0.0 dependency of ai, vec 2.3.0 dependency of ai, ai 1.0.0",
			req:       Request{Kind: Upgrade, Names: []string{"ai"}},
			want: []string{
				"upgrade db 1.22.0 -> 1.24.0 (dependency of ai)",
				"upgrade vec 2.3.0 -> 2.4.0 (dependency of ai)",
				"upgrade ai 1.0.0 -> 1.2.0 (requested)",
			},
			changes: true,
		},
		{
			name:      "upgrade all",
			installed: "base 1.0.0, db 1.22.0 dependency of bank, bank 1.0.0",
			req:       Request{Kind: Upgrade, All: true},
			want: []string{
				"upgrade base 1.0.0 -> 1.1.0 (requested)",
				"upgrade db 1.22.0 -> 2.0.0 (dependency of bank)",
				"upgrade bank 1.0.0 -> 2.1.0 (requested)",
			},
			changes: true,
		},
		{
			name:      "upgrade of something up to date changes nothing",
			installed: "base 1.1.0, db 2.0.0",
			req:       Request{Kind: Upgrade, Names: []string{"db"}},
			want:      []string{"keep db 2.0.0 (requested)"},
		},
		{
			name:      "downgrade only when allowed and pinned",
			installed: "base 1.1.0, db 2.0.0",
			req:       Request{Kind: Upgrade, Names: []string{"db"}, Versions: map[string]string{"db": "1.24.0"}, AllowDowngrade: true},
			want:      []string{"downgrade db 2.0.0 -> 1.24.0 (requested)"},
			changes:   true,
		},
		{
			name:      "an upgrade that drops a dependency prunes it",
			installed: "base 1.1.0, store 1.0.0 dependency of ai, db 1.22.0 dependency of ai, vec 2.3.0 dependency of ai, rag 0.2.0 optional member of ai, ai 1.0.0",
			req:       Request{Kind: Upgrade, Names: []string{"ai"}, Versions: map[string]string{"ai": "1.2.0"}},
			want: []string{
				"upgrade db 1.22.0 -> 1.24.0 (dependency of ai)",
				"upgrade vec 2.3.0 -> 2.4.0 (dependency of ai)",
				"upgrade ai 1.0.0 -> 1.2.0 (requested)",
				"remove rag 0.2.0 (no longer needed)",
			},
			changes: true,
		},
		{
			name:      "uninstall prunes what nothing else needs and keeps what is shared",
			installed: "base 1.1.0, db 1.25.1 dependency of ai, store 2.0.0 dependency of ai, vec 2.4.0 dependency of ai, graph 5.26.0 optional member of ai, ai 1.2.0, bank 1.0.0",
			req:       Request{Kind: Uninstall, Names: []string{"ai"}},
			want: []string{
				"keep db 1.25.1 (dependency of bank)",
				"remove ai 1.2.0 (requested)",
				"remove graph 5.26.0 (no longer needed)",
				"remove vec 2.4.0 (no longer needed)",
				"remove store 2.0.0 (no longer needed)",
			},
			changes: true,
		},
		{
			name:      "uninstall never prunes explicit or mandatory components",
			installed: "base 1.1.0 dependency of ai, db 1.25.1, store 2.0.0 dependency of ai, vec 2.4.0 dependency of ai, ai 1.2.0",
			req:       Request{Kind: Uninstall, Names: []string{"ai"}},
			want: []string{
				"keep base 1.1.0 (dependency of db)",
				"remove ai 1.2.0 (requested)",
				"remove vec 2.4.0 (no longer needed)",
				"remove store 2.0.0 (no longer needed)",
			},
			changes: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			installed := inst(tt.installed)
			p, err := Resolve(c, installed, tt.req)
			require.NoError(t, err)
			assert.Equal(t, tt.want, steps(p))
			assert.Equal(t, tt.changes, p.HasChanges())
			assert.NoError(t, Verify(c, p.Apply(installed)))
		})
	}
}

func TestResolveInputErrors(t *testing.T) {
	c := mkCatalog(t, platformCatalog)
	tests := []struct {
		name      string
		installed string
		req       Request
		want      string
	}{
		{"unknown component", "", Request{Kind: Install, Names: []string{"vek"}}, `invalid request: unknown component "vek" (did you mean vec?)`},
		{"unknown version", "", Request{Kind: Install, Names: []string{"ai"}, Versions: map[string]string{"ai": "3.0.0"}},
			"invalid request: ai has no version 3.0.0 (has 1.2.0, 1.1.0 and 1.0.0)"},
		{"not an optional member", "", Request{Kind: Install, Names: []string{"ai"}, With: []string{"store"}},
			"invalid request: store is not an optional member of ai (optional members: graph, rag)"},
		{"uninstall mandatory", "base 1.1.0", Request{Kind: Uninstall, Names: []string{"base"}},
			"invalid request: base is mandatory and cannot be uninstalled"},
		{"uninstall what is not installed", "base 1.1.0", Request{Kind: Uninstall, Names: []string{"db"}},
			"invalid request: db is not installed"},
		{"upgrade what is not installed", "", Request{Kind: Upgrade, Names: []string{"db"}},
			"invalid request: db is not installed; install it instead"},
		{"downgrade not allowed", "base 1.1.0, db 2.0.0", Request{Kind: Upgrade, Names: []string{"db"}, Versions: map[string]string{"db": "1.24.0"}},
			"invalid request: db 1.24.0 is older than the installed 2.0.0; allow downgrades to go back"},
		{"installed version unknown", "base 1.1.0, db 1.23.0", Request{Kind: Install, Names: []string{"ai"}},
			"invalid request: installed db 1.23.0 is not in the catalog (has 2.1.0-rc.1, 2.0.0, 1.25.1, 1.24.0 and 1.22.0); upgrade it to a version the catalog has"},
		{"several problems at once", "", Request{Kind: Install, Names: []string{"x", "y"}},
			`invalid request: unknown component "x"; unknown component "y"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(c, inst(tt.installed), tt.req)
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestResolveInstalledUnknownVersionCanBeUpgraded(t *testing.T) {
	c := mkCatalog(t, platformCatalog)
	p, err := Resolve(c, inst("base 1.1.0, db 1.23.0"), Request{Kind: Upgrade, Names: []string{"db"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"upgrade db 1.23.0 -> 2.0.0 (requested)"}, steps(p))
}

func TestResolveConflicts(t *testing.T) {
	c := mkCatalog(t, `
cnpg 1.24.0
cnpg 1.25.0
cnpg 2.0.0
milvus 2.4.0: cnpg ^1.24
@ai-hub 1.1.0: milvus ^2.4
@ai-hub 1.2.0: milvus ^2.4
@open-banking 1.4.0: cnpg ^1.24
@open-banking 2.0.0: cnpg ^2.0
`)
	tests := []struct {
		name      string
		installed string
		req       Request
		want      string
	}{
		{
			name:      "chains of two requests meet on one component",
			installed: "cnpg 2.0.0 dependency of open-banking, open-banking 2.0.0",
			req:       Request{Kind: Install, Names: []string{"ai-hub"}},
			want: "cannot install ai-hub: ai-hub requires cnpg ^1.24 (via ai-hub → milvus ^2.4 → cnpg ^1.24) " +
				"but open-banking 2.0.0 requires cnpg ^2.0\n" +
				"hint: it would fit with downgrades: cnpg 2.0.0 → 1.25.0, open-banking 2.0.0 → 1.4.0 (pin those versions and allow downgrades)\n" +
				"hint: it would fit without open-banking 2.0.0 (uninstall open-banking first)",
		},
		{
			name:      "a pinned version against an installed dependent",
			installed: "cnpg 1.25.0 dependency of ai-hub, milvus 2.4.0 dependency of ai-hub, ai-hub 1.2.0",
			req:       Request{Kind: Install, Names: []string{"open-banking"}, Versions: map[string]string{"open-banking": "2.0.0"}},
			want: "cannot install open-banking: open-banking 2.0.0 requires cnpg ^2.0 " +
				"but ai-hub 1.2.0 requires cnpg ^1.24 (via ai-hub → milvus ^2.4 → cnpg ^1.24)\n" +
				"hint: open-banking 1.4.0 would fit instead of the requested 2.0.0\n" +
				"hint: it would fit without ai-hub 1.2.0 (uninstall ai-hub first)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(c, inst(tt.installed), tt.req)
			var ce *ConflictError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.want, err.Error())
			assert.NotEmpty(t, ce.Facts)
		})
	}
}

func TestResolveGreedyFails(t *testing.T) {
	// The newest b needs the newest c, which a does not accept; only an older b works.
	c := mkCatalog(t, `
c 1.0.0
c 2.0.0
b 1.0.0: c ^1.0.0
b 2.0.0: c ^2.0.0
a 1.0.0: b >=1.0.0, c ^1.0.0
`)
	p, err := Resolve(c, nil, Request{Kind: Install, Names: []string{"a"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"install c 1.0.0 (dependency of a)", "install b 1.0.0 (dependency of a)", "install a 1.0.0 (requested)"}, steps(p))
}

func TestResolveCycles(t *testing.T) {
	c := mkCatalog(t, `
a 1.0.0: b ^1.0.0
b 1.0.0: c ^1.0.0
c 1.0.0: a ^1.0.0
x 1.0.0: y ^1.0.0
x 2.0.0: y ^2.0.0
y 1.0.0
y 2.0.0: x ^2.0.0
`)
	_, err := Resolve(c, nil, Request{Kind: Install, Names: []string{"a"}})
	var ce *CycleError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{"a", "b", "c", "a"}, ce.Cycle)
	assert.Equal(t, "cannot install a: dependency cycle a → b → c → a (a requires b ^1.0.0, b requires c ^1.0.0, c requires a ^1.0.0)", err.Error())

	// The newest x forms a cycle with y 2.0.0; x 1.0.0 does not.
	p, err := Resolve(c, nil, Request{Kind: Install, Names: []string{"x"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"install y 1.0.0 (dependency of x)", "install x 1.0.0 (requested)"}, steps(p))
}

func TestResolvePrereleaseOnlyMatch(t *testing.T) {
	c := mkCatalog(t, `
b 1.0.0
b 2.0.0-rc.1
a 1.0.0: b >=2.0.0-0
`)
	_, err := Resolve(c, nil, Request{Kind: Install, Names: []string{"a"}})
	var ce *ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "cannot install a: a requires b >=2.0.0-0 but only pre-releases of b would fit, and pre-releases are used only when pinned\n"+
		"hint: the pre-release b 2.0.0-rc.1 would fit; pin it to use it", err.Error())
	p, err := Resolve(c, nil, Request{Kind: Install, Names: []string{"a", "b"}, Versions: map[string]string{"b": "2.0.0-rc.1"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"install b 2.0.0-rc.1 (requested)", "install a 1.0.0 (requested)"}, steps(p))
}

func TestUninstallRequiredComponent(t *testing.T) {
	c := mkCatalog(t, platformCatalog)
	_, err := Resolve(c, inst("base 1.1.0, db 1.25.1, store 2.0.0 dependency of ai, vec 2.4.0 dependency of ai, ai 1.2.0"),
		Request{Kind: Uninstall, Names: []string{"db"}})
	var ce *ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "cannot uninstall db: db is still required: ai 1.2.0 requires db ^1.24.0 (via ai → vec ~2.4.0 → db ^1.24.0); ai 1.2.0 requires db ^1.24.0\n"+
		"hint: uninstall ai as well, or first", err.Error())
}

func TestPlanApply(t *testing.T) {
	c := mkCatalog(t, platformCatalog)
	installed := []Installed{{Name: "base", Version: "1.0.0"}, {Name: "db", Version: "1.22.0", Reason: "dependency of bank"}, {Name: "bank", Version: "1.0.0", Reason: "requested"}}
	p, err := Resolve(c, installed, Request{Kind: Install, Names: []string{"ai", "db"}, With: []string{"graph"}})
	require.NoError(t, err)
	assert.Equal(t, []Installed{
		{Name: "base", Version: "1.0.0"},
		{Name: "db", Version: "1.24.0", Reason: "requested"},
		{Name: "bank", Version: "1.0.0", Reason: "requested"},
		{Name: "graph", Version: "5.26.0", Reason: "optional member of ai"},
		{Name: "store", Version: "2.0.0", Reason: "dependency of ai"},
		{Name: "vec", Version: "2.4.0", Reason: "dependency of ai"},
		{Name: "ai", Version: "1.2.0", Reason: "requested"},
	}, p.Apply(installed))
}

func TestPlanJSON(t *testing.T) {
	c := mkCatalog(t, platformCatalog)
	p, err := Resolve(c, inst("base 1.1.0, db 1.24.0 dependency of bank, bank 1.0.0"), Request{Kind: Uninstall, Names: []string{"bank"}})
	require.NoError(t, err)
	b, err := json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, `{"steps":[
		{"action":"remove","component":"bank","from":"1.0.0","to":"","reason":"requested"},
		{"action":"remove","component":"db","from":"1.24.0","to":"","reason":"no longer needed"}]}`, string(b))
	var back Plan
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, p, &back)
}

func TestErrorsAreTyped(t *testing.T) {
	var err error = &ConflictError{Request: "install x"}
	assert.True(t, errors.As(err, new(*ConflictError)))
}

func TestStepVersions(t *testing.T) {
	for _, tt := range []struct {
		step Step
		want string
	}{
		{Step{Action: ActionInstall, To: "1.2.0"}, "1.2.0"},
		{Step{Action: ActionKeep, From: "1.0.0", To: "1.0.0"}, "1.0.0"},
		{Step{Action: ActionRemove, From: "1.0.0"}, "1.0.0"},
		{Step{Action: ActionUpgrade, From: "1.0.0", To: "2.0.0"}, "1.0.0 → 2.0.0"},
		{Step{Action: ActionDowngrade, From: "2.0.0", To: "1.0.0"}, "2.0.0 → 1.0.0"},
	} {
		assert.Equal(t, tt.want, tt.step.Versions(), string(tt.step.Action))
	}
}

// TestDowngradeHintIsBounded: on a big platform the downgrade hint names at most
// maxHintDowngrades components and says how many more there are, instead of thousands.
func TestDowngradeHintIsBounded(t *testing.T) {
	c, installed, req := unsatSynthetic(t, 500)
	_, err := Resolve(c, installed, req)
	var ce *ConflictError
	require.ErrorAs(t, err, &ce)
	var hint string
	for _, h := range ce.Hints {
		if strings.HasPrefix(h, "it would fit with downgrades: ") {
			hint = h
		}
	}
	require.NotEmpty(t, hint, "hints: %q", ce.Hints)
	assert.Regexp(t, `, and \d+ more \(pin those versions`, hint)
	assert.Equal(t, maxHintDowngrades, strings.Count(hint, " → "), hint)
}

// TestProvesIsSound: a relaxation that proves says keeps every fact of a proof must be
// unsatisfiable, on random unsatisfiable problems with random facts dropped; and the
// relaxations that drop a fact the proof used are not all claimed proven.
func TestProvesIsSound(t *testing.T) {
	t.Parallel()
	checked, refused := 0, 0
	for seed := range 2000 {
		r := rand.New(rand.NewPCG(uint64(seed), 29))
		c, err := genCatalog(r, 2+r.IntN(5), 4, 2+r.IntN(2))
		require.NoError(t, err)
		installed, req := genScenario(r, c)
		if req.Kind == Uninstall {
			continue
		}
		res, err := newResolution(c, installed, req)
		if err != nil {
			continue
		}
		problem := res.encode()
		_, err = newSolver(res.index, problem).solve()
		u := (*errUnsat)(nil)
		if !errors.As(err, &u) {
			continue
		}
		ls := leaves(u.inc)
		for range 4 {
			relaxed := *problem
			relaxed.facts = slices.DeleteFunc(slices.Clone(problem.facts), func(*incompat) bool { return r.IntN(3) == 0 })
			if !proves(ls, &relaxed) {
				refused++
				continue
			}
			checked++
			_, err := newSolver(res.index, &relaxed).solve()
			require.ErrorAs(t, err, &u, "seed %d: proves holds for a satisfiable relaxation", seed)
		}
	}
	assert.Greater(t, checked, 100)
	assert.Greater(t, refused, 100)
}
