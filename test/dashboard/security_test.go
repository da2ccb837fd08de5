package dashboard

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/dashboard"
)

// session is a plain HTTP client of the dashboard, with the session cookie the printed
// URL's token gives.
type session struct {
	client *http.Client
	cookie *http.Cookie
	csrf   string
}

var noRedirect = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func newSession(t *testing.T) *session {
	t.Helper()
	resp, err := noRedirect.Get(dashURL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	s := &session{client: noRedirect}
	for _, c := range resp.Cookies() {
		s.cookie = c
	}
	require.NotNil(t, s.cookie, "the token is traded for a cookie")
	_, body := s.get(t, "/")
	m := regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`).FindStringSubmatch(body)
	require.NotNil(t, m, "the page carries the CSRF token")
	s.csrf = m[1]
	return s
}

func (s *session) do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	if s.cookie != nil {
		req.AddCookie(s.cookie)
	}
	resp, err := s.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	noCanary(t, req.Method+" "+req.URL.Path, string(b))
	for k, vs := range resp.Header {
		noCanary(t, "header "+k, strings.Join(vs, " "))
	}
	return resp.StatusCode, string(b)
}

func (s *session) get(t *testing.T, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+dashAddr+path, nil)
	require.NoError(t, err)
	return s.do(t, req)
}

func (s *session) post(t *testing.T, path string, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+dashAddr+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(t, req)
}

var seenField = regexp.MustCompile(`name="seen" value="([^"]+)"`)

// install opens the install dialog of name and submits it with the CSRF token.
func (s *session) install(t *testing.T, name, version string) (int, string) {
	t.Helper()
	status, body := s.get(t, "/components/"+name+"/install?version="+version)
	require.Equal(t, http.StatusOK, status, body)
	m := seenField.FindStringSubmatch(body)
	require.NotNil(t, m)
	return s.post(t, "/components/"+name+"/install", url.Values{"csrf": {s.csrf}, "seen": {m[1]}, "version": {version}})
}

func testSecurity(t *testing.T) {
	before, err := getPlatform(context.Background())
	require.NoError(t, err)
	anon := &session{client: noRedirect}

	t.Run("no token, no cookie", func(t *testing.T) {
		for _, path := range []string{"/", "/components", "/events", "/static/app.js", "/settings"} {
			status, body := anon.get(t, path)
			assert.Equal(t, http.StatusForbidden, status, path)
			assert.Contains(t, body, "Forbidden")
		}
		status, _ := anon.get(t, "/?token=not-the-token")
		assert.Equal(t, http.StatusForbidden, status)
	})

	s := newSession(t)
	assert.True(t, s.cookie.HttpOnly, "HttpOnly cookie")
	assert.Equal(t, http.SameSiteStrictMode, s.cookie.SameSite)

	t.Run("foreign Host header", func(t *testing.T) {
		for _, host := range []string{"evil.example", "evil.example:" + strings.Split(dashAddr, ":")[1], "127.0.0.2:" + strings.Split(dashAddr, ":")[1]} {
			req, err := http.NewRequest(http.MethodGet, "http://"+dashAddr+"/", nil)
			require.NoError(t, err)
			req.Host = host
			status, _ := s.do(t, req)
			assert.Equal(t, http.StatusForbidden, status, host)
		}
	})

	t.Run("strict headers", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, "http://"+dashAddr+"/", nil)
		require.NoError(t, err)
		req.AddCookie(s.cookie)
		resp, err := noRedirect.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, dashboard.ContentSecurityPolicy, resp.Header.Get("Content-Security-Policy"))
		assert.Contains(t, dashboard.ContentSecurityPolicy, "script-src 'self';")
		assert.NotContains(t, dashboard.ContentSecurityPolicy, "unsafe")
		assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	})

	t.Run("mutations need POST with the CSRF token", func(t *testing.T) {
		_, dialog := s.get(t, "/components/langserve/install")
		seen := seenField.FindStringSubmatch(dialog)[1]
		status, _ := s.post(t, "/components/langserve/install", url.Values{"seen": {seen}})
		assert.Equal(t, http.StatusForbidden, status, "no CSRF token")
		status, _ = s.post(t, "/components/langserve/install", url.Values{"seen": {seen}, "csrf": {"wrong"}})
		assert.Equal(t, http.StatusForbidden, status, "wrong CSRF token")
		req, err := http.NewRequest(http.MethodPost, "http://"+dashAddr+"/components/langserve/install",
			strings.NewReader(url.Values{"seen": {seen}, "csrf": {s.csrf}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "http://evil.example")
		status, _ = s.do(t, req)
		assert.Equal(t, http.StatusForbidden, status, "cross-origin POST")
		for _, path := range []string{"/settings", "/settings/refresh", "/upgrades/grafana"} {
			status, _ = s.post(t, path, url.Values{"to": {"0.2.0"}, "action": {"now"}, "interval": {"1h"}})
			assert.Equal(t, http.StatusForbidden, status, path)
		}
		req, err = http.NewRequest(http.MethodDelete, "http://"+dashAddr+"/components/langserve/install", nil)
		require.NoError(t, err)
		status, _ = s.do(t, req)
		assert.Equal(t, http.StatusMethodNotAllowed, status)
		status, _ = anon.post(t, "/components/langserve/install", url.Values{"seen": {seen}, "csrf": {s.csrf}})
		assert.Equal(t, http.StatusForbidden, status, "CSRF token without the session")

		after, err := getPlatform(context.Background())
		require.NoError(t, err)
		assert.Equal(t, before.Generation, after.Generation, "nothing was written")
		assert.Equal(t, before.Spec, after.Spec)
		assert.Equal(t, before.Annotations, after.Annotations)
	})

	t.Run("no credential in any response", func(t *testing.T) {
		for _, path := range []string{"/", "/components", "/components?f=1", "/components/ai-hub/install?with=neo4j", "/components/feast/install",
			"/upgrades", "/settings", "/progress?c=grafana@0.1.0", "/static/app.js", "/static/style.css", "/static/htmx.min.js", "/nope"} {
			status, _ := s.get(t, path)
			assert.Contains(t, []int{200, 404}, status, path)
		}
		// The event stream's first event.
		req, err := http.NewRequest(http.MethodGet, "http://"+dashAddr+"/events", nil)
		require.NoError(t, err)
		req.AddCookie(s.cookie)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "retry: 2000\n", line)
	})
}
