package dashboard

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// Browser is one headless Chromium (Debian's) with a fresh profile, shared by the tests;
// each test opens its own tab.
type Browser struct {
	ctx     context.Context
	cancels []context.CancelFunc
	dir     string
}

// StartBrowser starts Chromium with the flags of a quiet, sandbox-free headless run.
func StartBrowser() (*Browser, error) {
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

// do runs browser steps and fails the test (with the page's text) when one fails.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		text, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		t.Fatalf("browser: %v\n--- page text:\n%s", err, text)
	}
}

// text returns the text of the first element matching a CSS selector (waiting for it). It
// reads in the page, holding no node handle that a live re-render could outdate.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	js := fmt.Sprintf(`(function(){var e=document.querySelector(%q);return e?"+"+e.innerText:""})()`, sel)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if s := eval[string](t, ctx, js); s != "" {
			return strings.TrimSpace(s[1:])
		}
		require.True(t, time.Now().Before(deadline), "%s: no such element", sel)
	}
}

// act runs f on the first element matching a CSS selector, in the page (waiting for the
// element): no node handle is held, so a live re-render between finding the element and
// acting on it cannot outdate it. f is a JavaScript function of the element.
func act(t *testing.T, ctx context.Context, sel, f string) {
	t.Helper()
	js := fmt.Sprintf(`(function(){var e=document.querySelector(%q);if(!e)return false;(%s)(e);return true})()`, sel, f)
	for deadline := time.Now().Add(10 * time.Second); !eval[bool](t, ctx, js); time.Sleep(100 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "%s: no such element", sel)
	}
}

// click clicks the element of sel in the page (see act).
func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	act(t, ctx, sel, `function(e){e.click()}`)
}

// fill types value into the input of sel in the page, as a user would (an input event).
func fill(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	act(t, ctx, sel, fmt.Sprintf(`function(e){e.value=%q;e.dispatchEvent(new Event("input",{bubbles:true}))}`, value))
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	require.NoError(t, err, js)
	return v
}

// waitText waits until the element of sel contains want, with the page updating by itself
// (no reload: the check runs in the page).
func waitText(t *testing.T, ctx context.Context, sel, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	js := fmt.Sprintf(`(function(){var e=document.querySelector(%q);return e?e.innerText:""})()`, sel)
	var last string
	for time.Now().Before(deadline) {
		last = eval[string](t, ctx, js)
		if strings.Contains(last, want) {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s: %q not shown after %s; last seen %q", sel, want, timeout, last)
}

// html checks the page's source, as the browser has it now, for canaries.
func html(t *testing.T, ctx context.Context) {
	t.Helper()
	s := eval[string](t, ctx, "document.documentElement.outerHTML")
	noCanary(t, "page "+eval[string](t, ctx, "location.pathname"), s)
}

// noCanary fails when s holds a credential or secret value.
func noCanary(t *testing.T, where, s string) {
	t.Helper()
	for _, c := range canaries {
		if strings.Contains(s, c) {
			t.Errorf("%s contains a credential or secret value (%.12s…)", where, c)
		}
	}
}

// screenshot writes a PNG of the page into $OPENOVA_SCREENSHOTS (make screenshots).
func screenshot(t *testing.T, ctx context.Context, name string, dark bool) {
	t.Helper()
	dir := os.Getenv("OPENOVA_SCREENSHOTS")
	if dir == "" {
		return
	}
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	do(t, ctx, colorScheme(scheme), chromedp.Sleep(300*time.Millisecond))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
	if dark {
		do(t, ctx, colorScheme("light"))
	}
}

// colorScheme emulates prefers-color-scheme: light or dark.
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return chromedp.Void{}, err
	}
}
