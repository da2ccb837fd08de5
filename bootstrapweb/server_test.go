package bootstrapweb

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/bootstrap"
	"github.com/openova-io/core/catalog"
)

// fakeBootstrap records what the wizard asks of package bootstrap (the real one runs in
// test/webboot); a run prints bootstrap's phase lines and waits for release or cancel.
type fakeBootstrap struct {
	mu      sync.Mutex
	calls   []call
	release chan struct{}
}

type call struct {
	cfg    *bootstrap.Config
	env    map[string]string
	secret []string
	dryRun bool
}

func (f *fakeBootstrap) run(ctx context.Context, cfg *bootstrap.Config, creds *bootstrap.Credentials, dryRun bool, out io.Writer) (*bootstrap.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, call{cfg: cfg, env: creds.Env(), secret: creds.SecretValues(), dryRun: dryRun})
	f.mu.Unlock()
	if dryRun {
		return &bootstrap.Result{Plan: &bootstrap.PlanResult{Changes: true, Text: "  + resource\n\nPlan: 2 to add, 0 to change, 0 to destroy.\n"}}, nil
	}
	for i, p := range bootstrap.Phases[:5] {
		fmt.Fprintf(out, "==> [%d/%d] %s\n", i+1, len(bootstrap.Phases), p)
		fmt.Fprintf(out, "output of %s\n", p)
	}
	select {
	case <-ctx.Done():
		return nil, &bootstrap.PhaseError{Phase: bootstrap.PhaseApply, Interrupted: true, Err: ctx.Err()}
	case <-f.release:
		return &bootstrap.Result{}, nil
	}
}

type client struct {
	t    *testing.T
	http *http.Client
	base string
	csrf string
}

func start(t *testing.T, f *fakeBootstrap) (*Server, *client) {
	t.Helper()
	cat, err := catalog.Builtin()
	require.NoError(t, err)
	t.Setenv(bootstrap.WorkDirEnv, t.TempDir())
	s, err := Listen(Options{Catalog: cat, Bootstrap: f.run})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: "http://" + s.Addr(), http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	resp, err := c.http.Get(s.URL())
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "the token is traded for a cookie")
	_, body := c.get("/step/organization")
	m := regexp.MustCompile(`name="csrf-token" content="([^"]+)"`).FindStringSubmatch(body)
	require.NotNil(t, m)
	c.csrf = m[1]
	return s, c
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post sends a form; it returns the status and the body, or the redirect's target.
func (c *client) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	form.Set("csrf", c.csrf)
	resp, err := c.http.PostForm(c.base+path, form)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSeeOther {
		return resp.StatusCode, resp.Header.Get("Location")
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestGuarded(t *testing.T) {
	s, c := start(t, &fakeBootstrap{})
	for name, req := range map[string]func() *http.Request{
		"no session": func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, c.base+"/step/organization", nil)
			return r
		},
		"wrong host": func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, c.base+"/step/organization", nil)
			r.Host = "evil.example:80"
			return r
		},
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(req())
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			assert.Contains(t, string(b), Command)
		})
	}
	resp, err := c.http.PostForm(c.base+"/step/organization", url.Values{"organization.name": {"acme"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a POST without the CSRF token")
	resp, err = c.http.Get(c.base + "/step/organization")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'")
	assert.True(t, s.Loopback())
}

// TestStepsValidate: each step is refused with the configuration's own messages next to
// the field, accepted when valid; a later step cannot be skipped to.
func TestStepsValidate(t *testing.T) {
	_, c := start(t, &fakeBootstrap{})
	code, loc := c.get("/step/review")
	assert.Equal(t, http.StatusSeeOther, code, "review before the steps: %s", loc)

	steps := []struct {
		step      string
		bad, good url.Values
		errID     string
		message   string
	}{
		{"organization", url.Values{"organization.name": {"-x"}, "organization.domain": {"acme.example.com"}},
			url.Values{"organization.name": {"acme"}, "organization.domain": {"acme.example.com"}}, "err-organization-name", "not a lowercase DNS label"},
		{"provider", url.Values{"provider": {"azure"}}, url.Values{"provider": {"local"}}, "err-provider", `unknown provider &#34;azure&#34;`},
		{"credentials", url.Values{"token.value": {"secret-value-1"}}, url.Values{"token.name": {"TF_TOKEN_example_com"}, "token.value": {"secret-value-1"}}, "err-token-name", "required with a token value"},
		{"regions", url.Values{"regions[0].name": {"eu"}, "regions[1].name": {"eu"}, "two": {"on"}, "primary": {"1"}, "nodes.count": {"1"}},
			url.Values{"regions[0].name": {"eu"}, "nodes.count": {"1"}, "primary": {"0"}}, "err-regions-1-name", "is already regions[0].name"},
		{"components", url.Values{"component": {"keycloak", "nosuchthing"}}, url.Values{"component": {"keycloak"}}, "err-components", "nosuchthing"},
	}
	for i, st := range steps {
		t.Run(st.step, func(t *testing.T) {
			code, body := c.post("/step/"+st.step, st.bad)
			assert.Equal(t, http.StatusUnprocessableEntity, code)
			assert.Regexp(t, `id="`+st.errID+`"[^>]*>[^<]*`+regexp.QuoteMeta(st.message), body)
			assert.NotContains(t, body, "secret-value-1", "a credential is never sent back")
			code, loc := c.post("/step/"+st.step, st.good)
			require.Equal(t, http.StatusSeeOther, code, loc)
			want := "/step/review"
			if i+1 < len(steps) {
				want = "/step/" + steps[i+1].step
			}
			assert.Equal(t, want, loc)
		})
	}
	_, review := c.get("/step/review")
	assert.Contains(t, review, "name: keycloak")
	assert.NotContains(t, review, "secret-value-1")
	_, file := c.get("/config.yaml")
	cfg, err := bootstrap.ParseConfig([]byte(file))
	require.NoError(t, err)
	assert.Equal(t, "acme", cfg.Organization.Name)
	assert.NotContains(t, file, "secret-value-1")
}

// TestRunCancelResume: Create runs bootstrap with the typed credential in Terraform's
// environment (and redacted), the page follows its phases, Cancel interrupts it, Create
// again resumes.
func TestRunCancelResume(t *testing.T) {
	f := &fakeBootstrap{release: make(chan struct{})}
	s, c := start(t, f)
	for _, st := range []struct {
		step string
		form url.Values
	}{
		{"organization", url.Values{"organization.name": {"acme"}, "organization.domain": {"acme.example.com"}}},
		{"provider", url.Values{"provider": {"local"}}},
		{"credentials", url.Values{"token.name": {"TF_TOKEN_example_com"}, "token.value": {"secret-value-2"}}},
		{"regions", url.Values{"regions[0].name": {"dev"}, "nodes.count": {"1"}}},
		{"components", url.Values{}},
	} {
		code, loc := c.post("/step/"+st.step, st.form)
		require.Equal(t, http.StatusSeeOther, code, "%s: %s", st.step, loc)
	}
	code, loc := c.post("/plan", url.Values{})
	require.Equal(t, http.StatusSeeOther, code, loc)
	_, review := c.get("/step/review")
	assert.Contains(t, review, "Plan: 2 to add, 0 to change, 0 to destroy.")

	code, loc = c.post("/create", url.Values{})
	require.Equal(t, http.StatusSeeOther, code, loc)
	assert.Equal(t, "/run", loc)
	waitFor(t, c, `id="phase-apply" data-state="running"`)
	_, page := c.get("/run")
	assert.Contains(t, page, "output of apply")
	code, loc = c.get("/step/organization")
	assert.Equal(t, http.StatusSeeOther, code, "the steps are closed while a bootstrap runs: %s", loc)

	c.post("/run/cancel", url.Values{})
	waitFor(t, c, `id="phase-apply" data-state="interrupted"`)
	_, page = c.get("/run")
	assert.Contains(t, page, `id="resume-button"`)

	c.post("/create", url.Values{})
	waitFor(t, c, `id="phase-apply" data-state="running"`)
	close(f.release)
	waitFor(t, c, `data-state="done">`)

	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.calls, 3)
	assert.True(t, f.calls[0].dryRun)
	for _, cl := range f.calls {
		assert.Equal(t, "secret-value-2", cl.env["TF_TOKEN_example_com"], "the credential goes to Terraform's environment")
		assert.Contains(t, cl.secret, "secret-value-2", "and is redacted from its output")
	}
	assert.Equal(t, f.calls[1].cfg, f.calls[2].cfg, "Resume runs the same configuration (its checkpoint resumes)")
	_ = s
}

func waitFor(t *testing.T, c *client, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, page := c.get("/run")
		if strings.Contains(page, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the progress page never showed %s:\n%s", want, page)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
