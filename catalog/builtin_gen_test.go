package catalog_test

import (
	"context"
	"encoding/json"
	"os"
	"path"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/catalog/internal/builtinsrc"
)

// TestBuiltinGeneratedIsFresh fails when catalog/data changed and builtin_gen.go was not
// regenerated.
func TestBuiltinGeneratedIsFresh(t *testing.T) {
	want, err := builtinsrc.Generate(context.Background(), "data")
	require.NoError(t, err)
	got, err := os.ReadFile("builtin_gen.go")
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "builtin_gen.go is stale: run make generate (or go generate ./catalog/)")
}

// TestBuiltinGeneratedMatchesYAML: the generated built-in catalog is the one Load reads
// from catalog/data, field for field, and resolves and renders the same way.
func TestBuiltinGeneratedMatchesYAML(t *testing.T) {
	gen, err := catalog.Builtin()
	require.NoError(t, err)
	yml, err := catalog.Load(context.Background(), "data")
	require.NoError(t, err)
	assert.Equal(t, catalog.BuiltinSource, gen.Source())
	require.Len(t, gen.Components(), len(yml.Components()))
	for i, want := range yml.Components() {
		got := gen.Components()[i]
		wj, err := json.Marshal(want)
		require.NoError(t, err)
		gj, err := json.Marshal(got)
		require.NoError(t, err)
		require.JSONEq(t, string(wj), string(gj), want.Name)
		assert.Equal(t, "catalog/data/"+path.Base(want.Source), got.Source)

		we, werr := want.RenderEndpoints("example.org")
		ge, gerr := got.RenderEndpoints("example.org")
		assert.Equal(t, werr, gerr)
		assert.Equal(t, we, ge)

		wp, werr := catalog.Resolve(yml, nil, catalog.Request{Kind: catalog.Install, Names: []string{want.Name}})
		gp, gerr := catalog.Resolve(gen, nil, catalog.Request{Kind: catalog.Install, Names: []string{want.Name}})
		require.Equal(t, werr == nil, gerr == nil, want.Name)
		if werr != nil {
			assert.Equal(t, werr.Error(), gerr.Error())
			continue
		}
		set := wp.Apply(nil)
		assert.Equal(t, set, gp.Apply(nil), want.Name)
		wc, err := catalog.PlatformComponents(yml, "example.org", set)
		require.NoError(t, err)
		gc, err := catalog.PlatformComponents(gen, "example.org", set)
		require.NoError(t, err)
		for _, in := range set {
			wm, _ := yml.Component(in.Name)
			gm, _ := gen.Component(in.Name)
			wv, _ := wm.Version(in.Version)
			gv, _ := gm.Version(in.Version)
			wr, werr := wm.Render(wv, wm.Context(wv.Version, "example.org", "Org", wc))
			gr, gerr := gm.Render(gv, gm.Context(gv.Version, "example.org", "Org", gc))
			require.NoError(t, werr)
			require.NoError(t, gerr)
			assert.Equal(t, wr, gr, "%s %s", in.Name, in.Version)
		}
	}
}
