package dashboard

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/openova-io/core/test/browser"
)

// The browser steps of the journeys: test/browser's, with this package's canaries.

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browser.Do(t, ctx, steps...)
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return browser.Text(t, ctx, sel)
}

func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	browser.Click(t, ctx, sel)
}

func fill(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	browser.Fill(t, ctx, sel, value)
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	return browser.Eval[T](t, ctx, js)
}

func waitText(t *testing.T, ctx context.Context, sel, want string, timeout time.Duration) {
	t.Helper()
	browser.WaitText(t, ctx, sel, want, timeout)
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
	browser.NoCanary(t, where, s, canaries)
}

func screenshot(t *testing.T, ctx context.Context, name string, dark bool) {
	t.Helper()
	browser.Screenshot(t, ctx, name, dark)
}
