package dashboard

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The dashboard acts with the user's kubeconfig credentials, so anything that can make the
// browser (or another local program) send it a request could act as the user. Every request
// must therefore prove it comes from the browser the user opened with the printed URL:
//
//   - the per-run token (in the printed URL) is traded once for an HttpOnly, SameSite=Strict
//     session cookie; a request with neither is refused (403);
//   - the Host header must be the address served, so a DNS-rebound name pointing at
//     127.0.0.1 gets nothing;
//   - a mutation is a POST carrying the per-run CSRF token (form field or header), and its
//     Origin, when sent, must be the served origin;
//   - every response carries a strict Content-Security-Policy: only the embedded script
//     and style, no inline script, no framing, no outside connections.
//
// Nothing the dashboard renders comes from the kubeconfig (only the context's name) or from
// a Secret (it never reads Secrets).

const (
	sessionCookie = "openova_dashboard"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
	tokenParam    = "token"
)

// ContentSecurityPolicy is the policy of every response.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secrets are the per-run values the guard checks.
type secrets struct {
	token   string // in the printed URL
	session string // the cookie's value
	csrf    string // in every page, sent back with every POST
}

func newSecrets() (secrets, error) {
	var s secrets
	for _, p := range []*string{&s.token, &s.session, &s.csrf} {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return s, err
		}
		*p = base64.RawURLEncoding.EncodeToString(b)
	}
	return s, nil
}

func equal(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// guard wraps the dashboard's handlers with the checks above.
type guard struct {
	secrets
	// hosts are the Host headers accepted: the served host:port (and localhost:port when
	// serving on a loopback address).
	hosts map[string]bool
	next  http.Handler
	// command is the command whose printed URL the refusals point at.
	command string
}

func newGuard(s secrets, addr *net.TCPAddr, next http.Handler) *guard {
	g := &guard{secrets: s, hosts: map[string]bool{addr.String(): true}, next: next, command: "kubectl openova dashboard"}
	if addr.IP.IsLoopback() {
		g.hosts[net.JoinHostPort("localhost", strconv.Itoa(addr.Port))] = true
	}
	return g
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on form
	// posts, and the Origin check below needs the real one.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")

	if !g.hosts[strings.ToLower(r.Host)] {
		forbid(w, "this address is not the one "+g.command+" serves")
		return
	}
	if tok := r.URL.Query().Get(tokenParam); tok != "" {
		if !equal(tok, g.token) {
			forbid(w, "the token does not match: open the URL "+g.command+" printed")
			return
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: g.session, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		// Take the token out of the address bar (and the history).
		q := r.URL.Query()
		q.Del(tokenParam)
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
		return
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || !equal(c.Value, g.session) {
		forbid(w, "no session: open the URL "+g.command+" printed (it carries the token)")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if r.Method != http.MethodPost {
			h.Set("Allow", "GET, HEAD, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if o := r.Header.Get("Origin"); o != "" && !g.hosts[strings.TrimPrefix(strings.ToLower(o), "http://")] {
			forbid(w, "cross-origin request refused")
			return
		}
		sent := r.Header.Get(csrfHeader)
		if sent == "" {
			sent = r.PostFormValue(csrfField)
		}
		if !equal(sent, g.csrf) {
			forbid(w, "missing or wrong CSRF token: reload the page and try again")
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

func forbid(w http.ResponseWriter, why string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte("Forbidden: " + why + "\n"))
}
