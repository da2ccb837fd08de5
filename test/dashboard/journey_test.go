package dashboard

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/test/cluster"
)

// TestJourneys are a platform operator's days in the dashboard, in order on one platform:
// the security refusals, two writers at once, a day-2 install of a meta-platform, upgrades
// (a failed one that is rolled back, a scheduled one) and the settings.
func TestJourneys(t *testing.T) {
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	step("security", testSecurity)
	step("two writers", testTwoWriters)
	step("day-2 install", testInstall)
	step("upgrade", testUpgrade)
	step("settings", testSettings)
}

// open navigates a new tab to the printed URL (the token becomes the session cookie) and
// then to path.
func open(t *testing.T, path string, timeout time.Duration) context.Context {
	t.Helper()
	ctx := browse.Tab(t, timeout)
	do(t, ctx, chromedp.Navigate(dashURL), chromedp.WaitVisible(chromedp.CSS("#live-status")))
	require.NotContains(t, eval[string](t, ctx, "location.href"), "token=", "the token leaves the address bar")
	if path != "/" {
		do(t, ctx, chromedp.Navigate("http://"+dashAddr+path))
	}
	waitText(t, ctx, "#live-status", "Live", 20*time.Second)
	return ctx
}

func testInstall(t *testing.T) {
	require.NoError(t, cluster.WaitPlatformReady(context.Background(), k8s, 3*time.Minute), "the two writers' components roll out first")
	ctx := open(t, "/", 8*time.Minute)
	html(t, ctx)
	screenshot(t, ctx, "dashboard", false)
	screenshot(t, ctx, "dashboard-dark", true)

	do(t, ctx, chromedp.Click(chromedp.CSS(`nav a[href="/components"]`)), chromedp.WaitVisible(chromedp.CSS("#installed-only")))
	assert.True(t, eval[bool](t, ctx, `document.getElementById("installed-only").checked`), "installed only is on by default")
	assert.Zero(t, eval[int](t, ctx, `document.querySelectorAll("#row-ai-hub").length`))
	do(t, ctx, chromedp.Click(chromedp.CSS("#installed-only")), chromedp.WaitVisible(chromedp.CSS("#row-ai-hub")))
	assert.Contains(t, text(t, ctx, "#row-ai-hub"), "+ Install")
	assert.Contains(t, text(t, ctx, "#row-grafana"), "Upgrade: 0.2.0")
	html(t, ctx)
	screenshot(t, ctx, "components", false)

	do(t, ctx, chromedp.Click(chromedp.CSS(`#row-ai-hub a[href="/components/ai-hub/install"]`)), chromedp.WaitVisible(chromedp.CSS("#install-dialog")))
	assert.Contains(t, text(t, ctx, `#install-dialog li[data-member="kserve"]`), "already installed")
	assert.Contains(t, text(t, ctx, `#install-dialog li[data-member="vllm"]`), "already installed")
	assert.Contains(t, text(t, ctx, `#install-dialog li[data-member="neo4j"]`), "Neo4j — knowledge graph")
	assert.Contains(t, text(t, ctx, "#plan-summary"), "Plan: 1 to install")

	// Ticking an optional member re-resolves: the plan installs it too.
	do(t, ctx, chromedp.Click(chromedp.CSS("#with-neo4j")))
	waitText(t, ctx, `#install-dialog li[data-member="neo4j"]`, "will be installed", 10*time.Second)
	waitText(t, ctx, "#plan-summary", "Plan: 2 to install", 10*time.Second)
	// Neo4j 2.0.0 (the newest) is a broken release: pick 1.1.0, which re-resolves again.
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#v-neo4j"), "1.1.0"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("v-neo4j").dispatchEvent(new Event("change", {bubbles: true}))`))
	waitText(t, ctx, "#install-plan", "neo4j\t1.1.0", 10*time.Second)
	assert.True(t, eval[bool](t, ctx, `document.getElementById("with-neo4j").checked`))
	html(t, ctx)
	screenshot(t, ctx, "install-dialog", false)

	do(t, ctx, chromedp.Click(chromedp.CSS("#install-button")), chromedp.WaitVisible(chromedp.CSS("#rollout-state")))
	require.Contains(t, eval[string](t, ctx, "location.pathname"), "/progress")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__noReload = "still here"`))
	assert.ElementsMatch(t, []string{"grafana@0.1.0", "kserve@1.2.0", "vllm@0.1.0", "neo4j@1.1.0", "ai-hub@1.1.0"}, specNames(t))
	waitText(t, ctx, "#rollout-state", "Rollout complete", 5*time.Minute)
	assert.Equal(t, "still here", eval[string](t, ctx, `window.__noReload || ""`), "the page updated without a reload")
	for _, name := range []string{"ai-hub", "neo4j"} {
		assert.Equal(t, "Healthy", text(t, ctx, fmt.Sprintf(`tr[data-component=%q] [data-field="state"]`, name)))
	}
	html(t, ctx)
	screenshot(t, ctx, "progress", false)

	// An unsatisfiable choice shows the resolver's explanation and cannot be installed.
	do(t, ctx, chromedp.Navigate("http://"+dashAddr+"/components/feast/install"), chromedp.WaitVisible(chromedp.CSS("#unsatisfiable")))
	assert.Contains(t, text(t, ctx, "#unsatisfiable"), "kserve ~1.0.0")
	assert.True(t, eval[bool](t, ctx, `document.getElementById("install-button").disabled`))
	html(t, ctx)
	screenshot(t, ctx, "install-unsatisfiable", false)
}

func testTwoWriters(t *testing.T) {
	// The dialog is made, then the CLI writes: the dashboard's Install refuses the stale plan.
	ctx := open(t, "/components/langserve/install", 5*time.Minute)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#install-button")))
	r := openova(t, "install", "kserve", "--yes")
	require.Equal(t, 0, r.code, r)
	do(t, ctx, chromedp.Click(chromedp.CSS("#install-button")), chromedp.WaitVisible(chromedp.CSS("#changed")))
	assert.Contains(t, text(t, ctx, "#changed"), "changed since you looked — review the plan again")
	assert.NotContains(t, specNames(t), "langserve@0.1.0", "nothing written")
	assert.Contains(t, specNames(t), "kserve@1.2.0")
	screenshot(t, ctx, "install-changed", false)
	do(t, ctx, chromedp.Click(chromedp.CSS("#install-button")), chromedp.WaitVisible(chromedp.CSS("#rollout-state")))
	assert.ElementsMatch(t, []string{"grafana@0.1.0", "kserve@1.2.0", "langserve@0.1.0"}, specNames(t))

	// Both at the same moment: whichever loses is told so and wrote nothing; no update is lost.
	s := newSession(t)
	var wg sync.WaitGroup
	var cli result
	wg.Add(1)
	go func() {
		defer wg.Done()
		cli = openova(t, "uninstall", "langserve", "--yes")
	}()
	status, body := s.install(t, "vllm", "0.1.0")
	wg.Wait()
	spec := specNames(t)
	t.Logf("dashboard: %d; cli: exit %d; spec %v", status, cli.code, spec)
	assert.True(t, status == 303 || cli.code == 0, "at least one writer succeeds")
	if status == 303 {
		assert.Contains(t, spec, "vllm@0.1.0")
	} else {
		assert.Equal(t, 409, status, body)
		assert.Contains(t, body, "changed since you looked")
		assert.NotContains(t, spec, "vllm@0.1.0")
		status, body = s.install(t, "vllm", "0.1.0")
		require.Equal(t, 303, status, body)
	}
	if cli.code == 0 {
		assert.NotContains(t, specNames(t), "langserve@0.1.0")
	} else {
		assert.Contains(t, cli.stderr, "changed since it was read")
		require.Equal(t, 0, openova(t, "uninstall", "langserve", "--yes").code)
	}
	assert.ElementsMatch(t, []string{"grafana@0.1.0", "kserve@1.2.0", "vllm@0.1.0"}, specNames(t))
}

func testUpgrade(t *testing.T) {
	ctx := open(t, "/", 8*time.Minute)
	n := text(t, ctx, "#t-upgrades-n")
	assert.Equal(t, "upgrades available", text(t, ctx, "#t-upgrades"))
	do(t, ctx, chromedp.Click(chromedp.CSS(`nav a[href="/upgrades"]`)), chromedp.WaitVisible(chromedp.CSS("#up-neo4j")))
	assert.Equal(t, n, fmt.Sprint(eval[int](t, ctx, `document.querySelectorAll("article[id^=up-]").length`)), "the tile counts the upgrades listed")
	assert.Contains(t, text(t, ctx, "#up-neo4j"), "1.1.0 → 2.0.0")
	assert.Contains(t, text(t, ctx, "#up-neo4j .changelog"), "Neo4j 2.0: new storage engine")
	assert.Contains(t, text(t, ctx, "#up-grafana .changelog"), "Grafana 0.2: unified alerting.")
	html(t, ctx)
	screenshot(t, ctx, "upgrades", false)

	// Upgrade now to a version whose pods cannot schedule: Flux rolls it back.
	do(t, ctx, chromedp.Click(chromedp.CSS("#upgrade-neo4j")), chromedp.WaitVisible(chromedp.CSS("#rollout-state")))
	assert.Contains(t, specNames(t), "neo4j@2.0.0")
	waitText(t, ctx, `tr[data-component="neo4j"]`, "rolled back to 1.1.0", 4*time.Minute)
	waitText(t, ctx, "#rollout-state", "did not complete", 10*time.Second)
	screenshot(t, ctx, "upgrade-failed", false)
	do(t, ctx, chromedp.Navigate("http://"+dashAddr+"/upgrades"))
	waitText(t, ctx, `[data-failed="neo4j"]`, "rolled back to 1.1.0", time.Minute)
	do(t, ctx, chromedp.Navigate("http://"+dashAddr+"/"))
	waitText(t, ctx, "#live", "UpgradeRolledBack", time.Minute)
	assert.Contains(t, text(t, ctx, "#live .alert"), "neo4j 2.0.0")
	screenshot(t, ctx, "dashboard-alert", false)

	// Schedule grafana's upgrade: the entry gets notBefore.
	at := time.Now().UTC().Add(3 * time.Hour).Truncate(time.Minute)
	// The page re-renders itself from the watch (the rollback's events are still arriving):
	// fill and click in the page, as a user would, holding no node handle.
	do(t, ctx, chromedp.Navigate("http://"+dashAddr+"/upgrades"), chromedp.WaitVisible(chromedp.CSS("#at-grafana")))
	fill(t, ctx, "#at-grafana", at.Format("2006-01-02T15:04"))
	// A live re-render keeps what the user typed.
	// A bare trigger (one no newer revision stands behind, so app.js's catch-up does not
	// repeat it) can land between a live swap and its settle, when htmx has not yet
	// processed the new element: trigger again each second until the part is re-rendered.
	eval[bool](t, ctx, `(function(){window.oldLive=document.getElementById("live");return true})()`)
	deadline, next := time.Now().Add(10*time.Second), time.Now()
	for ; eval[bool](t, ctx, `document.getElementById("live")===window.oldLive`); time.Sleep(100 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "the refresh never re-rendered the page")
		if time.Now().After(next) {
			eval[bool](t, ctx, `(function(){htmx.trigger(document.body,"refresh");return true})()`)
			next = time.Now().Add(time.Second)
		}
	}
	assert.Equal(t, at.Format("2006-01-02T15:04"), eval[string](t, ctx, `document.getElementById("at-grafana").value`), "the re-render kept the typed time")
	click(t, ctx, "#schedule-grafana")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-scheduled="grafana"]`)))
	assert.Contains(t, text(t, ctx, `[data-scheduled="grafana"]`), "0.1.0 → 0.2.0 not before "+at.Format("2006-01-02 15:04 UTC"))
	p, err := getPlatform(context.Background())
	require.NoError(t, err)
	for _, e := range p.Spec.Components {
		if e.Name == "grafana" {
			assert.Equal(t, "0.2.0", e.Version)
			require.NotNil(t, e.NotBefore)
			assert.True(t, e.NotBefore.Time.Equal(at), "notBefore %s, want %s", e.NotBefore.Time, at)
		}
	}
	html(t, ctx)
	screenshot(t, ctx, "upgrades-scheduled", false)
}

func testSettings(t *testing.T) {
	ctx := open(t, "/settings", 3*time.Minute)
	assert.Equal(t, catalogURL, eval[string](t, ctx, `document.getElementById("catalog").value`))
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#interval"), "2h"),
		chromedp.SetValue(chromedp.CSS("#start"), "02:00"),
		chromedp.SetValue(chromedp.CSS("#duration"), "3h"),
		chromedp.Click(chromedp.CSS("#day-Saturday")),
		chromedp.Click(chromedp.CSS("#save-settings")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	assert.Contains(t, text(t, ctx, "#flash"), "Settings saved.")
	p, err := getPlatform(context.Background())
	require.NoError(t, err)
	require.NotNil(t, p.Spec.Updates)
	assert.Equal(t, 2*time.Hour, p.Spec.Updates.CheckInterval.Duration)
	require.NotNil(t, p.Spec.Updates.MaintenanceWindow)
	assert.Equal(t, "02:00", p.Spec.Updates.MaintenanceWindow.Start)
	assert.Equal(t, 3*time.Hour, p.Spec.Updates.MaintenanceWindow.Duration.Duration)
	assert.Equal(t, "Saturday", fmt.Sprint(p.Spec.Updates.MaintenanceWindow.Days[0]))
	assert.Equal(t, catalogURL, p.Spec.Catalog.URL, "the catalog URL is kept")
	assert.Contains(t, specNames(t), "ai-hub@1.1.0", "spec.components untouched")

	// The page still shows the "Settings saved." flash and updates itself from the watch, so
	// click and read in the page (no node handles that a swap or the redirect can outdate).
	click(t, ctx, "#check-now")
	waitText(t, ctx, "#flash", "Asked the operator to check the catalog", 30*time.Second)
	// First the operator (it handles the annotation), then the page (it shows that): a
	// failure says which of the two did not happen.
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		p, err = getPlatform(context.Background())
		require.NoError(t, err)
		ann := p.Annotations["openova.io/refresh"]
		require.NotEmpty(t, ann)
		if ann == p.Status.LastHandledRefresh {
			break
		}
		require.True(t, time.Now().Before(deadline), "the operator never handled the refresh %q: lastHandledRefresh %q, conditions %+v",
			ann, p.Status.LastHandledRefresh, p.Status.Conditions)
	}
	// The page updates itself from the watch, without a reload.
	waitText(t, ctx, "#last-check", "Last checked", 30*time.Second)
	html(t, ctx)
	screenshot(t, ctx, "settings", false)
	do(t, ctx, chromedp.Navigate("http://"+dashAddr+"/upgrades"), chromedp.WaitVisible(chromedp.CSS("#live")))
	assert.Contains(t, text(t, ctx, "#live"), "Maintenance window: Saturday from 02:00 for 3h0m0s (UTC).")
}
