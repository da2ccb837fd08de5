package operator

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/test/testcatalog"
)

// catalogServer serves one catalog document that a test can replace (a catalog release),
// with the validators of its kind, and counts full answers and 304s.
type catalogServer struct {
	mu           sync.Mutex
	data         []byte
	modified     time.Time
	etag         bool
	lastModified bool
	full, unmod  int
}

func (s *catalogServer) publish(data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = data
	s.modified = s.modified.Add(time.Minute)
}

func (s *catalogServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	modtime := time.Time{}
	if s.lastModified {
		modtime = s.modified
	}
	if s.etag {
		w.Header().Set("ETag", fmt.Sprintf(`"%d-%d"`, len(s.data), s.modified.Unix()))
	}
	rec := &statusRecorder{ResponseWriter: w}
	http.ServeContent(rec, r, "catalog.yaml", modtime, bytes.NewReader(s.data))
	if rec.status == http.StatusNotModified {
		s.unmod++
	} else {
		s.full++
	}
}

func (s *catalogServer) unmodified() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unmod
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func TestCatalogsReloadIsConditional(t *testing.T) {
	full, err := testcatalog.Render("operator", testRepo)
	require.NoError(t, err)
	older := bytes.Replace(full, []byte("- {version: 1.2.0, chartVersion: 1.2.0, changelog: \"Base 1.2: faster start.\"}\n"), nil, 1)
	require.NotEqual(t, full, older)
	tests := []struct {
		name               string
		etag, lastModified bool
		wantUnmodified     int
	}{
		{"ETag", true, false, 1},
		{"Last-Modified", false, true, 1},
		{"both", true, true, 1},
		{"no validators: a full GET each time", false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := &catalogServer{data: older, modified: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), etag: tt.etag, lastModified: tt.lastModified}
			srv := httptest.NewServer(s)
			t.Cleanup(srv.Close)
			cats := &Catalogs{}
			url := srv.URL + "/catalog.yaml"

			first, err := cats.Get(ctx, url, false)
			require.NoError(t, err)
			again, err := cats.Get(ctx, url, false)
			require.NoError(t, err)
			assert.Same(t, first, again, "kept without a reload")
			assert.Equal(t, 1, s.full)

			unchanged, err := cats.Get(ctx, url, true)
			require.NoError(t, err)
			assert.Equal(t, tt.wantUnmodified, s.unmod, "a reload of an unchanged catalog")
			if tt.wantUnmodified > 0 {
				assert.Same(t, first, unchanged, "a 304 keeps the parsed copy")
			}
			base, _ := unchanged.Component("base")
			_, has := base.Version("1.2.0")
			assert.False(t, has)

			s.publish(full)
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
