package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// The pieces other loopback pages of kubectl openova (the bootstrap wizard, kubectl
// openova bootstrap --web) share with the dashboard, so they have the same security model
// and the same look.

// Guarded is a handler behind the dashboard's guard (see security.go) with its per-run
// secrets.
type Guarded struct {
	http.Handler
	addr *net.TCPAddr
	s    secrets
}

// Guard puts next behind the dashboard's checks for a server listening on addr: the
// one-time token traded for a session cookie, the Host check, CSRF on every POST, the
// strict headers. command names the command whose printed URL the refusals point at.
func Guard(addr *net.TCPAddr, command string, next http.Handler) (*Guarded, error) {
	s, err := newSecrets()
	if err != nil {
		return nil, err
	}
	g := newGuard(s, addr, next)
	if command != "" {
		g.command = command
	}
	return &Guarded{Handler: g, addr: addr, s: s}, nil
}

// URL is the address to open, with the per-run token.
func (g *Guarded) URL() string {
	u := url.URL{Scheme: "http", Host: g.addr.String(), Path: "/", RawQuery: url.Values{tokenParam: {g.s.token}}.Encode()}
	return u.String()
}

// CSRF is the token every POST must carry (form field "csrf" or header X-CSRF-Token).
func (g *Guarded) CSRF() string { return g.s.csrf }

// Static is the dashboard's embedded style sheet, script (app.js) and pinned htmx, to serve
// under /static/.
func Static() fs.FS {
	static, _ := fs.Sub(staticFS, "static")
	return static
}

// ListenTCP opens the listener of a loopback page on address (127.0.0.1 when empty) and
// port (a free one when 0).
func ListenTCP(address string, port int) (net.Listener, *net.TCPAddr, error) {
	if address == "" {
		address = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(address, strconv.Itoa(port)))
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s port %d: %w", address, port, err)
	}
	return ln, ln.Addr().(*net.TCPAddr), nil
}

// Notifier counts changes and tells its subscribers (the event streams) after each, a
// pending notification standing for any number of changes. The zero value is ready.
type Notifier struct {
	mu   sync.Mutex
	rev  uint64
	subs map[chan struct{}]struct{}
}

// Changed counts a change and notifies every subscriber.
func (n *Notifier) Changed() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.rev++
	for ch := range n.subs {
		select {
		case ch <- struct{}{}:
		default: // a notification is pending already: changes coalesce
		}
	}
}

// Revision counts the changes so far.
func (n *Notifier) Revision() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.rev
}

// Subscribe returns a channel that receives a value after changes, and a function that
// ends the subscription.
func (n *Notifier) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	if n.subs == nil {
		n.subs = map[chan struct{}]struct{}{}
	}
	n.subs[ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		delete(n.subs, ch)
		n.mu.Unlock()
	}
}

// Subscribers counts the open subscriptions (event streams).
func (n *Notifier) Subscribers() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.subs)
}

// Mux serves what every loopback page of kubectl openova has: the embedded static files
// under /static/ and, at /events, the event stream of n (see ServeEvents, at most one
// update per pace). The caller adds its pages.
func Mux(n *Notifier, pace time.Duration) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(Static())))
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		ServeEvents(w, r, n.Subscribe, n.Revision, pace)
	})
	return mux
}

// Serve serves handler on ln until ctx ends (its requests' contexts derive from ctx, so
// event streams end at once), then calls drain (when set: to wait for work that ctx
// interrupts) and shuts the server down.
func Serve(ctx context.Context, ln net.Listener, handler http.Handler, drain func()) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	if drain != nil {
		drain()
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if serr := srv.Shutdown(shutdown); serr != nil {
		_ = srv.Close()
	}
	if err == nil {
		err = <-errc
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
