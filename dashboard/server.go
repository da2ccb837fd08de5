// Package dashboard is the browser UI of kubectl openova: an HTTP server on loopback that
// renders the platform's pages from one watch of the Platform and its Components, pushes
// changes to every open tab with server-sent events, and acts through package lifecycle
// (the same planning, server-side apply and conflict handling as the CLI) with the user's
// own kubeconfig credentials.
package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Options configure a Server.
type Options struct {
	// Address is the IP address (or localhost) to listen on; 127.0.0.1 when empty.
	Address string
	// Port to listen on; a free one when 0.
	Port int
	// Watch is the started watch of the Platform and its Components (a *Watch).
	Watch Source
	// Client writes (through package lifecycle) with the user's credentials.
	Client client.Client
	// Catalog overrides the Platform's catalog (--catalog: a file, folder or URL).
	Catalog string
	// Context names the kubeconfig context, for the header (its name only).
	Context string
	// Now returns the time (time.Now when nil).
	Now func() time.Time
}

// Source is what the pages read and the event streams follow: the watch's cache.
type Source interface {
	// Snapshot returns the watched objects now; an error when the Platform is gone.
	Snapshot(ctx context.Context) (*State, error)
	// Notifier announces the changes (to the event streams).
	Notifier() *Notifier
}

// Server is a running dashboard listener.
type Server struct {
	opts    Options
	ln      net.Listener
	addr    *net.TCPAddr
	secrets secrets
	pages   *pages
	handler http.Handler
}

// Listen opens the dashboard's listener; Serve serves on it.
func Listen(opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Watch == nil || opts.Client == nil {
		return nil, errors.New("dashboard: a watch and a client are required")
	}
	sec, err := newSecrets()
	if err != nil {
		return nil, err
	}
	ln, addr, err := ListenTCP(opts.Address, opts.Port)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, ln: ln, addr: addr, secrets: sec}
	if s.pages, err = newPages(s); err != nil {
		_ = ln.Close()
		return nil, err
	}
	s.handler = newGuard(sec, s.addr, s.routes())
	return s, nil
}

// Loopback reports whether the server listens on a loopback address only.
func (s *Server) Loopback() bool { return s.addr.IP.IsLoopback() }

// TCPAddr is the address listened on.
func (s *Server) TCPAddr() *net.TCPAddr { return s.addr }

// Addr is the address listened on, host:port.
func (s *Server) Addr() string { return s.addr.String() }

// URL is the address to open, with the per-run token: whoever has it can act on the
// platform as the user, so it is printed for the user alone.
func (s *Server) URL() string {
	u := url.URL{Scheme: "http", Host: s.addr.String(), Path: "/", RawQuery: url.Values{tokenParam: {s.secrets.token}}.Encode()}
	return u.String()
}

// Handler is the guarded handler (for tests and benchmarks that serve it themselves).
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves until ctx ends, then shuts down (open event streams end at once).
func (s *Server) Serve(ctx context.Context) error {
	return Serve(ctx, s.ln, s.handler, nil)
}

func (s *Server) routes() http.Handler {
	mux := Mux(s.opts.Watch.Notifier(), 0)
	p := s.pages
	mux.HandleFunc("GET /{$}", p.dashboard)
	mux.HandleFunc("GET /components", p.components)
	mux.HandleFunc("GET /components/{name}/install", p.installDialog)
	mux.HandleFunc("POST /components/{name}/install", p.install)
	mux.HandleFunc("GET /progress", p.progress)
	mux.HandleFunc("GET /upgrades", p.upgrades)
	mux.HandleFunc("POST /upgrades/{name}", p.upgrade)
	mux.HandleFunc("GET /settings", p.settings)
	mux.HandleFunc("POST /settings", p.saveSettings)
	mux.HandleFunc("POST /settings/refresh", p.refresh)
	return mux
}

// ServeEvents streams the protocol app.js speaks: "hello" with the current revision, then
// "update" with the revision after each notification of subscribe, at most one per pace
// (0: as they come), and a comment line every 20 seconds to keep the stream open through
// idle periods.
func ServeEvents(w http.ResponseWriter, r *http.Request, subscribe func() (<-chan struct{}, func()), revision func() uint64, pace time.Duration) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	ch, done := subscribe()
	defer done()
	fmt.Fprintf(w, "retry: 2000\nevent: hello\ndata: %d\n\n", revision())
	flusher.Flush()
	keepalive := time.NewTicker(20 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ch:
			fmt.Fprintf(w, "event: update\ndata: %d\n\n", revision())
		case <-keepalive.C:
			fmt.Fprint(w, ": keepalive\n\n")
		}
		flusher.Flush()
		if pace > 0 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(pace):
			}
		}
	}
}
