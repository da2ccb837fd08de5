// Package browser drives Debian's headless Chromium with chromedp for the page journeys
// (test/dashboard, test/webboot): one browser with a fresh profile per test package, a tab
// per test, and steps that act and read in the page, so a live re-render cannot outdate a
// node handle.
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/test/cluster"
)

// Browser is one headless Chromium with a fresh profile.
type Browser struct {
	ctx     context.Context
	cancels []context.CancelFunc
	dir     string
}

// EnsureChromium installs Debian's chromium with the project's script when it is missing.
func EnsureChromium() error {
	if _, err := exec.LookPath("chromium"); err == nil {
		return nil
	}
	root, err := cluster.RepoRoot()
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(root, "hack", "debian-packages.sh"), "chromium")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("install chromium: %w\n%s", err, out)
	}
	return nil
}

// Start starts Chromium with the flags of a quiet, sandbox-free headless run.
func Start() (*Browser, error) {
	dir, err := os.MkdirTemp("", "openova-chromium-")
	if err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath("/usr/bin/chromium"),
		chromedp.UserDataDir(dir),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.WindowSize(1280, 1000),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	b := &Browser{ctx: ctx, cancels: []context.CancelFunc{cancel, cancelAlloc}, dir: dir}
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		b.Close()
		return nil, fmt.Errorf("start chromium: %w", err)
	}
	return b, nil
}

// Profile is the browser's profile directory (its storage: cookies, local storage, cache).
func (b *Browser) Profile() string { return b.dir }

// Close stops the browser and removes its profile.
func (b *Browser) Close() {
	for _, c := range b.cancels {
		c()
	}
	_ = os.RemoveAll(b.dir)
}

// Tab opens a new tab for t, closed when t ends; every action on it has timeout.
func (b *Browser) Tab(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(b.ctx)
	if err := chromedp.Do(tab); err != nil { // opens the tab, without the timeout
		cancel()
		t.Fatalf("open a tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(tab, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
	})
	return ctx
}

// Do runs browser steps and fails the test (with the page's text) when one fails.
func Do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		text, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		t.Fatalf("browser: %v\n--- page text:\n%s", err, text)
	}
}

// Text returns the text of the first element matching a CSS selector (waiting for it). It
// reads in the page, holding no node handle that a live re-render could outdate.
func Text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	js := fmt.Sprintf(`(function(){var e=document.querySelector(%q);return e?"+"+e.innerText:""})()`, sel)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if s := Eval[string](t, ctx, js); s != "" {
			return strings.TrimSpace(s[1:])
		}
		require.True(t, time.Now().Before(deadline), "%s: no such element", sel)
	}
}

// Act runs f on the first element matching a CSS selector, in the page (waiting for the
// element): no node handle is held, so a live re-render between finding the element and
// acting on it cannot outdate it. f is a JavaScript function of the element.
func Act(t *testing.T, ctx context.Context, sel, f string) {
	t.Helper()
	js := fmt.Sprintf(`(function(){var e=document.querySelector(%q);if(!e)return false;(%s)(e);return true})()`, sel, f)
	for deadline := time.Now().Add(10 * time.Second); !Eval[bool](t, ctx, js); time.Sleep(100 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "%s: no such element", sel)
	}
}

// Click clicks the element of sel in the page (see Act).
func Click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	Act(t, ctx, sel, `function(e){e.click()}`)
}

// Fill types value into the input of sel in the page, as a user would (an input event).
func Fill(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	Act(t, ctx, sel, fmt.Sprintf(`function(e){e.value=%q;e.dispatchEvent(new Event("input",{bubbles:true}))}`, value))
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	require.NoError(t, err, js)
	return v
}

// WaitText waits until the element of sel contains want, with the page updating by itself
// (no reload: the check runs in the page).
func WaitText(t *testing.T, ctx context.Context, sel, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	js := fmt.Sprintf(`(function(){var e=document.querySelector(%q);return e?e.innerText:""})()`, sel)
	var last string
	for time.Now().Before(deadline) {
		last = Eval[string](t, ctx, js)
		if strings.Contains(last, want) {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s: %q not shown after %s; last seen %q", sel, want, timeout, last)
}

// NoCanary fails when s holds one of the canaries (credential or secret values).
func NoCanary(t *testing.T, where, s string, canaries []string) {
	t.Helper()
	for _, c := range canaries {
		if strings.Contains(s, c) {
			t.Errorf("%s contains a credential or secret value (%.12s…)", where, c)
		}
	}
}

// Screenshot writes a PNG of the page into $OPENOVA_SCREENSHOTS (make screenshots).
func Screenshot(t *testing.T, ctx context.Context, name string, dark bool) {
	t.Helper()
	dir := os.Getenv("OPENOVA_SCREENSHOTS")
	if dir == "" {
		return
	}
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	Do(t, ctx, ColorScheme(scheme), chromedp.Sleep(300*time.Millisecond))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
	if dark {
		Do(t, ctx, ColorScheme("light"))
	}
}

// ColorScheme emulates prefers-color-scheme: light or dark.
func ColorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return chromedp.Void{}, err
	}
}

// Fetch GETs path from the page (with its cookies, as the page's own script would) and
// returns the response's status line, headers and body.
func Fetch(t *testing.T, ctx context.Context, path string) (head, body string) {
	t.Helper()
	js := fmt.Sprintf(`fetch(%q).then(async function(r){var h=r.status+"\n";r.headers.forEach(function(v,k){h+=k+": "+v+"\n"});return JSON.stringify([h, await r.text()])})`, path)
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "fetch %s", path)
	var parts []string
	require.NoError(t, json.Unmarshal([]byte(s), &parts))
	return parts[0], parts[1]
}
