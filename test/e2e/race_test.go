package e2e

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/plugin"
	"github.com/openova-io/core/test/apiproxy"
)

// TestRacingInstalls: two CLIs read the same Platform and write it at the same moment (a
// proxy holds both writes until each has arrived). One wins; the other fails with the
// conflict error instead of overwriting, and nothing the winner wrote is lost.
func TestRacingInstalls(t *testing.T) {
	proxy, err := apiproxy.Start(kw.Config)
	require.NoError(t, err)
	defer proxy.Close()
	kubeconfig, err := proxy.WriteKubeconfig(t.TempDir())
	require.NoError(t, err)
	before := specNames(t)

	proxy.HoldUntil(2, 30*time.Second, func(r *http.Request) bool {
		return r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/platforms/")
	})
	requests := map[string][]string{"vllm": {"install", "vllm", "--yes"}, "langserve": {"install", "langserve", "--yes"}}
	results := map[string]result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, args := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := runWith(t, kubeconfig, args...)
			mu.Lock()
			results[name] = r
			mu.Unlock()
		}()
	}
	wg.Wait()

	var winner, loser string
	for name, r := range results {
		switch r.code {
		case plugin.ExitOK:
			winner = name
		case plugin.ExitFailure:
			loser = name
			assert.Contains(t, r.stderr, "Error: the platform acme changed since it was read (another client wrote spec.components); nothing was written: run the command again to see the new plan")
		default:
			t.Errorf("install %s: unexpected %s", name, r)
		}
	}
	require.NotEmpty(t, winner, "one install wins")
	require.NotEmpty(t, loser, "the other gets the conflict")
	after := specNames(t)
	for _, e := range before {
		assert.Contains(t, after, e, "nothing that was there is lost")
	}
	assert.Contains(t, strings.Join(after, " "), winner+"@", "the winner's write stands")
	assert.NotContains(t, strings.Join(after, " "), loser+"@")

	// Run again, the loser plans against the new Platform and succeeds.
	r := openova(t, requests[loser]...)
	require.Equal(t, plugin.ExitOK, r.code, r)
	after = specNames(t)
	assert.Contains(t, strings.Join(after, " "), winner+"@")
	assert.Contains(t, strings.Join(after, " "), loser+"@")

	r = openova(t, "uninstall", "vllm", "langserve", "--yes", "--wait", "--timeout", "3m")
	require.Equal(t, plugin.ExitOK, r.code, r)
	assert.Equal(t, before, specNames(t))
}
