package dashboard

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testGuard(t *testing.T) (*guard, *int) {
	t.Helper()
	sec, err := newSecrets()
	require.NoError(t, err)
	calls := 0
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { calls++; w.WriteHeader(http.StatusNoContent) })
	return newGuard(sec, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242}, next), &calls
}

func TestGuard(t *testing.T) {
	g, calls := testGuard(t)
	cookie := &http.Cookie{Name: sessionCookie, Value: g.session}
	form := func(v url.Values) *strings.Reader { return strings.NewReader(v.Encode()) }
	tests := []struct {
		name   string
		method string
		host   string
		target string
		cookie *http.Cookie
		body   *strings.Reader
		header map[string]string
		want   int
	}{
		{name: "no token, no cookie", method: "GET", target: "/", want: 403},
		{name: "wrong token", method: "GET", target: "/?token=nope", want: 403},
		{name: "token", method: "GET", target: "/components?token=" + g.token, want: 303},
		{name: "cookie", method: "GET", target: "/", cookie: cookie, want: 204},
		{name: "localhost", method: "GET", host: "localhost:4242", target: "/", cookie: cookie, want: 204},
		{name: "wrong cookie", method: "GET", target: "/", cookie: &http.Cookie{Name: sessionCookie, Value: g.token}, want: 403},
		{name: "rebound host", method: "GET", host: "evil.example:4242", target: "/", cookie: cookie, want: 403},
		{name: "other port", method: "GET", host: "127.0.0.1:4243", target: "/", cookie: cookie, want: 403},
		{name: "post without csrf", method: "POST", target: "/settings", cookie: cookie, body: form(url.Values{"x": {"1"}}), want: 403},
		{name: "post with csrf", method: "POST", target: "/settings", cookie: cookie, body: form(url.Values{csrfField: {g.csrf}}), want: 204},
		{name: "post with csrf header", method: "POST", target: "/settings", cookie: cookie, header: map[string]string{csrfHeader: g.csrf}, want: 204},
		{name: "post from another origin", method: "POST", target: "/settings", cookie: cookie, body: form(url.Values{csrfField: {g.csrf}}), header: map[string]string{"Origin": "http://evil.example"}, want: 403},
		{name: "post with csrf, no session", method: "POST", target: "/settings", body: form(url.Values{csrfField: {g.csrf}}), want: 403},
		{name: "put", method: "PUT", target: "/settings", cookie: cookie, header: map[string]string{csrfHeader: g.csrf}, want: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := *calls
			var body *strings.Reader = strings.NewReader("")
			if tt.body != nil {
				body = tt.body
			}
			r := httptest.NewRequest(tt.method, "http://127.0.0.1:4242"+tt.target, body)
			if tt.host != "" {
				r.Host = tt.host
			}
			if tt.body != nil {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if tt.cookie != nil {
				r.AddCookie(tt.cookie)
			}
			w := httptest.NewRecorder()
			g.ServeHTTP(w, r)
			assert.Equal(t, tt.want, w.Code)
			assert.Equal(t, ContentSecurityPolicy, w.Header().Get("Content-Security-Policy"))
			assert.Equal(t, tt.want == 204, *calls == before+1, "reached the handler")
			if tt.want == 303 {
				assert.Equal(t, "/components", w.Header().Get("Location"), "the token leaves the address bar")
				c := w.Result().Cookies()
				require.Len(t, c, 1)
				assert.Equal(t, g.session, c[0].Value)
				assert.True(t, c[0].HttpOnly)
				assert.Equal(t, http.SameSiteStrictMode, c[0].SameSite)
			}
		})
	}
}

// TestHTMXPinned checks the embedded htmx against the version and checksum recorded by
// hack/htmx.sh.
func TestHTMXPinned(t *testing.T) {
	record, err := os.ReadFile("static/htmx.version")
	require.NoError(t, err)
	js, err := staticFS.ReadFile("static/htmx.min.js")
	require.NoError(t, err)
	sum := sha256.Sum256(js)
	assert.Contains(t, string(record), "sha256 "+hex.EncodeToString(sum[:]))
	assert.Contains(t, string(record), "htmx.org 2.0.11")
}
