// Package bootstrapweb is kubectl openova bootstrap --web: the bootstrap wizard in the
// browser, served on loopback from this machine so credentials never leave it. It has the
// dashboard's security model (package dashboard's guard: a one-time token traded for a
// session cookie, the Host check, CSRF on every POST, strict headers) and its embedded
// assets. Each step is checked by the validation --config uses (bootstrap.Config.Validate),
// with the errors next to their fields; Review shows the exact configuration file; Plan and
// Create run package bootstrap, whose phases the page follows live over server-sent events.
//
// Credentials typed into the Credentials step live in this process's memory only: they are
// never rendered back (not even masked), never written, and reach Terraform only through
// its environment (bootstrap.Credentials).
package bootstrapweb

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/openova-io/core/bootstrap"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/dashboard"
)

// Command is the command the server belongs to (its refusals point at its printed URL).
const Command = "kubectl openova bootstrap --web"

// BootstrapFunc runs package bootstrap (bootstrap.Run with the CLI's Kubernetes phases)
// for a configuration: a plan only when dryRun. Progress goes to out.
type BootstrapFunc func(ctx context.Context, cfg *bootstrap.Config, creds *bootstrap.Credentials, dryRun bool, out io.Writer) (*bootstrap.Result, error)

// Options configure a Server.
type Options struct {
	// Address is the IP address to listen on; 127.0.0.1 when empty.
	Address string
	// Port to listen on; a free one when 0.
	Port int
	// Catalog offers the components.
	Catalog *catalog.Catalog
	// Defaults pre-fill the wizard (--config and flags, defaulted); may be nil.
	Defaults *bootstrap.Config
	// Lookup reads the environment: credentials set there are not asked for (os.LookupEnv
	// when nil).
	Lookup func(string) (string, bool)
	// Bootstrap runs the bootstrap (required).
	Bootstrap BootstrapFunc
	// Log receives a line per run started and ended (the CLI's stderr); nil discards.
	Log io.Writer
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Server is the wizard's listener and state: one wizard per process.
type Server struct {
	opts    Options
	ln      net.Listener
	addr    *net.TCPAddr
	guarded *dashboard.Guarded
	pages   *pages

	mu  sync.Mutex
	wiz *wizard
	run *run
	// lastPlan is the outcome of the last Plan.
	lastPlan *planView
	// base is Serve's context: runs derive from it, so stopping the server interrupts them.
	base context.Context
	// wg counts running bootstraps, so Serve returns only after Terraform stopped.
	wg sync.WaitGroup

	notify *dashboard.Notifier
}

// Listen opens the listener; Serve serves on it.
func Listen(opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Lookup == nil {
		opts.Lookup = func(string) (string, bool) { return "", false }
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Catalog == nil || opts.Bootstrap == nil {
		return nil, errors.New("bootstrap wizard: a catalog and a bootstrap function are required")
	}
	ln, addr, err := dashboard.ListenTCP(opts.Address, opts.Port)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, ln: ln, addr: addr, notify: &dashboard.Notifier{}, base: context.Background()}
	s.wiz = newWizard(opts.Defaults, opts.Lookup)
	if s.pages, err = newPages(s); err != nil {
		_ = ln.Close()
		return nil, err
	}
	if s.guarded, err = dashboard.Guard(s.addr, Command, s.routes()); err != nil {
		_ = ln.Close()
		return nil, err
	}
	return s, nil
}

// Loopback reports whether the server listens on a loopback address only.
func (s *Server) Loopback() bool { return s.addr.IP.IsLoopback() }

// Addr is the address listened on, host:port.
func (s *Server) Addr() string { return s.addr.String() }

// URL is the address to open, with the per-run token.
func (s *Server) URL() string { return s.guarded.URL() }

// Handler is the guarded handler.
func (s *Server) Handler() http.Handler { return s.guarded }

// Serve serves until ctx ends. A running bootstrap is interrupted then (Terraform gets
// its interrupt, as with Ctrl-C) and Serve returns once it stopped, its checkpoint saved.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	s.base = ctx
	s.mu.Unlock()
	// the runs' contexts derive from ctx: they are being interrupted
	return dashboard.Serve(ctx, s.ln, s.guarded, s.wg.Wait)
}

func (s *Server) routes() http.Handler {
	// at most about four updates a second: Terraform prints fast
	mux := dashboard.Mux(s.notify, 250*time.Millisecond)
	mux.Handle("GET /wizard/", http.StripPrefix("/wizard/", http.FileServerFS(wizardStatic())))
	p := s.pages
	mux.HandleFunc("GET /{$}", p.home)
	mux.HandleFunc("GET /step/{step}", p.step)
	mux.HandleFunc("POST /step/{step}", p.submit)
	mux.HandleFunc("POST /step/components/preview", p.previewComponents)
	mux.HandleFunc("GET /config.yaml", p.download)
	mux.HandleFunc("POST /plan", p.plan)
	mux.HandleFunc("POST /create", p.create)
	mux.HandleFunc("GET /run", p.runPage)
	mux.HandleFunc("POST /run/cancel", p.cancel)
	return mux
}
