package operator

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/test/catalogserver"
	"github.com/openova-io/core/test/testcatalog"
)

func TestCatalogsReloadIsConditional(t *testing.T) {
	full, err := testcatalog.Render("operator", testRepo)
	require.NoError(t, err)
	older := bytes.Replace(full, []byte("- {version: 1.2.0, chartVersion: 1.2.0, changelog: \"Base 1.2: faster start.\"}\n"), nil, 1)
	require.NotEqual(t, full, older)
	tests := []struct {
		name           string
		opts           catalogserver.Options
		wantUnmodified int
	}{
		{"ETag", catalogserver.Options{NoLastModified: true}, 1},
		{"Last-Modified", catalogserver.Options{NoETag: true}, 1},
		{"both", catalogserver.Options{}, 1},
		{"no validators: a full GET each time", catalogserver.Options{NoETag: true, NoLastModified: true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := catalogserver.Start(older, tt.opts)
			t.Cleanup(s.Close)
			cats := &Catalogs{}
			url := s.URL

			first, err := cats.Get(ctx, url, false)
			require.NoError(t, err)
			again, err := cats.Get(ctx, url, false)
			require.NoError(t, err)
			assert.Same(t, first, again, "kept without a reload")
			assert.Equal(t, 1, s.Answers(http.StatusOK))

			unchanged, err := cats.Get(ctx, url, true)
			require.NoError(t, err)
			assert.Equal(t, tt.wantUnmodified, s.Answers(http.StatusNotModified), "a reload of an unchanged catalog")
			if tt.wantUnmodified > 0 {
				assert.Same(t, first, unchanged, "a 304 keeps the parsed copy")
			}
			base, _ := unchanged.Component("base")
			_, has := base.Version("1.2.0")
			assert.False(t, has)

			s.Publish(full)
			fresh, err := cats.Get(ctx, url, true)
			require.NoError(t, err)
			assert.NotSame(t, first, fresh)
			base, _ = fresh.Component("base")
			_, has = base.Version("1.2.0")
			assert.True(t, has, "the new release is read")
		})
	}
}

func TestCatalogsReportServerErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no", http.StatusBadGateway) }))
	t.Cleanup(srv.Close)
	_, err := (&Catalogs{}).Get(context.Background(), srv.URL+"/catalog.yaml", false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "502")
}
