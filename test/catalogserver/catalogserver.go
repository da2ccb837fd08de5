// Package catalogserver serves a catalog on loopback the way a hosted catalog is served:
// one document, with an ETag and a Last-Modified (each can be turned off), answering
// conditional GETs with 304 Not Modified. Publish replaces the document, as a catalog
// release does.
package catalogserver

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Options say which validators the server sends.
type Options struct {
	NoETag, NoLastModified bool
}

// Server is a running catalog server.
type Server struct {
	// URL is the catalog's URL.
	URL string

	srv      *httptest.Server
	opts     Options
	mu       sync.Mutex
	data     []byte
	release  int
	modified time.Time
	answers  map[int]int
}

// Start serves data at /catalog.yaml.
func Start(data []byte, opts Options) *Server {
	s := &Server{opts: opts, data: data, modified: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), answers: map[int]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/catalog.yaml"
	return s
}

// Publish replaces the catalog (a new release: new ETag, Last-Modified a minute later).
func (s *Server) Publish(data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data, s.release, s.modified = data, s.release+1, s.modified.Add(time.Minute)
}

// Answers returns how many requests got the HTTP status code (200, 304).
func (s *Server) Answers(code int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answers[code]
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/catalog.yaml" {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.opts.NoETag {
		w.Header().Set("ETag", fmt.Sprintf(`"release-%d"`, s.release))
	}
	modtime := s.modified
	if s.opts.NoLastModified {
		modtime = time.Time{}
	}
	rec := &codeRecorder{ResponseWriter: w, code: http.StatusOK}
	http.ServeContent(rec, r, "catalog.yaml", modtime, bytes.NewReader(s.data))
	s.answers[rec.code]++
}

type codeRecorder struct {
	http.ResponseWriter
	code int
}

func (r *codeRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}
