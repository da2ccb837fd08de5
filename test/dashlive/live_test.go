package dashlive

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/dashboard"
	"github.com/openova-io/core/test/apiproxy"
	"github.com/openova-io/core/test/browser"
	"github.com/openova-io/core/test/cluster"
	"github.com/openova-io/core/test/testcatalog"
)

// startWatch starts the dashboard's watch of the Platform through the counting proxy.
func startWatch(t *testing.T, ctx context.Context) *dashboard.Watch {
	t.Helper()
	w, err := dashboard.NewWatch(dashboard.WatchOptions{Config: proxyCfg, Namespace: cluster.PlatformNamespace, Platform: cluster.PlatformName})
	require.NoError(t, err)
	require.NoError(t, w.Start(ctx, time.Minute))
	return w
}

// serve runs a dashboard on loopback that reads from src until the test ends.
func serve(t *testing.T, ctx context.Context, src dashboard.Source) *dashboard.Server {
	t.Helper()
	srv, err := dashboard.Listen(dashboard.Options{Watch: src, Client: dash, Catalog: testcatalog.WriteFile(t, "cli", "http://127.0.0.1:1/charts")})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() { require.NoError(t, <-done) })
	return srv
}

// session is a client with the session cookie of srv (traded for the printed URL's
// token); it does not follow redirects.
func session(t *testing.T, srv *dashboard.Server) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(srv.URL())
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Less(t, resp.StatusCode, 400, "the token is accepted")
	return hc
}

// bump changes the Platform's metadata (an annotation): a change the watch sees and every
// page re-renders for, which shows nothing new.
func bump(t *testing.T, n int) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{"test.openova.io/bump":"%d"}}}`, n)
	require.NoError(t, k8s.Patch(context.Background(), platform(), client.RawPatch(types.MergePatchType, []byte(patch))))
}

// askRefresh sets the refresh annotation (the settings page shows "checking…") and
// handled marks it handled in the status ("Last checked …"), as the operator does.
func askRefresh(t *testing.T, value string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, openovav1alpha1.RefreshAnnotation, value)
	require.NoError(t, k8s.Patch(context.Background(), platform(), client.RawPatch(types.MergePatchType, []byte(patch))))
}

func handled(t *testing.T, value string) {
	t.Helper()
	patch, _ := json.Marshal(map[string]any{"status": map[string]any{"lastHandledRefresh": value, "lastUpdateCheck": time.Now().UTC().Format(time.RFC3339)}})
	require.NoError(t, k8s.Status().Patch(context.Background(), platform(), client.RawPatch(types.MergePatchType, patch)))
}

func platform() *openovav1alpha1.Platform {
	p := &openovav1alpha1.Platform{}
	p.Name, p.Namespace = cluster.PlatformName, cluster.PlatformNamespace
	return p
}

// TestOneWatchManyTabs opens the event streams of many tabs on one dashboard: the API server
// sees one list and one watch of Platforms and of Components, and no request more while
// the tabs follow changes.
func TestOneWatchManyTabs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	proxy.Reset()
	w := startWatch(t, ctx)
	srv := serve(t, ctx, w)
	atStart := proxy.Requests()
	assert.ElementsMatch(t, []string{"platforms", "components"}, watched(atStart), "a watch of each resource type: %v", atStart)

	const tabs = 12
	hc := session(t, srv)

	streams := make([]*bufio.Reader, tabs)
	for i := range streams {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+srv.Addr()+"/events", nil)
		require.NoError(t, err)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { _ = resp.Body.Close() })
		require.Equal(t, http.StatusOK, resp.StatusCode)
		streams[i] = bufio.NewReader(resp.Body)
		require.Equal(t, "hello", nextEvent(t, streams[i]))
	}
	// Every tab follows every change, through the one watch.
	for n := 0; n < 3; n++ {
		bump(t, n)
		for i, s := range streams {
			require.Equal(t, "update", nextEvent(t, s), "tab %d, change %d", i, n)
		}
	}
	// A watch the API server refused while its watch cache of a new resource was starting
	// is retried by the same informer: so no count of watch requests, but no request at
	// all for the tabs.
	all := proxy.Requests()
	assert.Equal(t, atStart, all, "%d tabs opened no watch and made no request", tabs)
}

// watched lists the resources of the watch requests, each once.
func watched(reqs []apiproxy.Request) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range reqs {
		path, query, _ := strings.Cut(r.Path, "?")
		if !strings.Contains("&"+query+"&", "&watch=true&") {
			continue
		}
		res := path[strings.LastIndex(path, "/")+1:]
		if !seen[res] {
			seen[res] = true
			out = append(out, res)
		}
	}
	return out
}

// nextEvent reads the stream up to its next event and returns the event's name.
func nextEvent(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	type line struct {
		s   string
		err error
	}
	for {
		got := make(chan line, 1)
		go func() {
			s, err := r.ReadString('\n')
			got <- line{s, err}
		}()
		select {
		case l := <-got:
			require.NoError(t, l.err)
			if name, ok := strings.CutPrefix(strings.TrimSpace(l.s), "event: "); ok {
				return name
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no event within 30 s")
		}
	}
}

// heldSource is the real watch, whose snapshots can be held back once read: a page's
// re-render that is slow to arrive, so a change can happen while it is in flight.
type heldSource struct {
	*dashboard.Watch
	mu      sync.Mutex
	hold    chan struct{} // closed to let the held snapshot go
	entered chan uint64   // the revision of the held snapshot
}

func (h *heldSource) Snapshot(ctx context.Context) (*dashboard.State, error) {
	st, err := h.Watch.Snapshot(ctx)
	h.mu.Lock()
	hold, entered := h.hold, h.entered
	h.hold, h.entered = nil, nil
	h.mu.Unlock()
	if hold != nil && err == nil {
		entered <- st.Revision
		<-hold
	}
	return st, err
}

// holdNext holds the next snapshot until release is closed.
func (h *heldSource) holdNext() (entered <-chan uint64, release chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hold, h.entered = make(chan struct{}), make(chan uint64, 1)
	return h.entered, h.hold
}

// TestPageKeepsUp: the settings page follows the refresh from "checking…" to "Last
// checked" by itself, when the change that shows it arrives while the page is
// re-rendering for an earlier change (held on purpose), and through bursts of changes.
func TestPageKeepsUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &heldSource{Watch: startWatch(t, ctx)}
	srv := serve(t, ctx, src)
	tab := browse.Tab(t, 3*time.Minute)
	browser.Do(t, tab, chromedp.Navigate(srv.URL()), chromedp.Navigate("http://"+srv.Addr()+"/settings"))
	browser.WaitText(t, tab, "#live-status", "Live", 20*time.Second)

	t.Run("change during a re-render", func(t *testing.T) {
		askRefresh(t, "held")
		browser.WaitText(t, tab, "#last-check", "checking", 10*time.Second)
		entered, release := src.holdNext()
		bump(t, 100) // the page re-renders for it: that snapshot is held
		var heldAt uint64
		select {
		case heldAt = <-entered:
		case <-time.After(20 * time.Second):
			t.Fatal("the page did not re-render after a change")
		}
		handled(t, "held") // arrives while the re-render is in flight
		latest := waitRevisionAbove(t, src.Watch, heldAt)
		for deadline := time.Now().Add(10 * time.Second); browser.Eval[string](t, tab, `document.body.getAttribute("data-revision")`) != fmt.Sprint(latest); time.Sleep(50 * time.Millisecond) {
			require.True(t, time.Now().Before(deadline), "the page's event stream did not announce revision %d", latest)
		}
		close(release) // the re-render of the older change arrives now
		browser.WaitText(t, tab, "#last-check", "Last checked", 10*time.Second)
	})

	t.Run("bursts", func(t *testing.T) {
		for round := 0; round < 5; round++ {
			value := fmt.Sprintf("burst-%d", round)
			askRefresh(t, value)
			browser.WaitText(t, tab, "#last-check", "checking", 10*time.Second)
			for i := 0; i < 15; i++ {
				bump(t, 1000*round+i)
			}
			handled(t, value)
			browser.WaitText(t, tab, "#last-check", "Last checked", 10*time.Second)
		}
	})
}

// waitRevisionAbove waits until the watch has seen a change after revision rev.
func waitRevisionAbove(t *testing.T, w *dashboard.Watch, rev uint64) uint64 {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); w.Revision() <= rev; time.Sleep(10 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "the watch saw no change after revision %d", rev)
	}
	return w.Revision()
}
