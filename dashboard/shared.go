package dashboard

import (
	"io/fs"
	"net"
	"net/http"
	"net/url"
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
