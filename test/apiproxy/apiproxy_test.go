package apiproxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/rest"
)

func TestProxyCountsAndHolds(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Method+" "+r.URL.Path)
	}))
	defer backend.Close()
	p, err := Start(&rest.Config{Host: backend.URL})
	require.NoError(t, err)
	defer p.Close()

	resp, err := http.Get(p.URL + "/api?x=1")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "GET /api", string(body))
	assert.Equal(t, []string{"GET /api?x=1"}, paths(p.Requests()))
	p.Reset()
	assert.Empty(t, p.Requests())

	// Two PATCHes are held until both arrived, then both go through.
	p.HoldUntil(2, 10*time.Second, func(r *http.Request) bool { return r.Method == http.MethodPatch })
	var wg sync.WaitGroup
	done := make(chan time.Time, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPatch, p.URL+"/apis/x", nil)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			done <- time.Now()
		}()
		time.Sleep(200 * time.Millisecond)
	}
	wg.Wait()
	first, second := <-done, <-done
	assert.Less(t, second.Sub(first).Abs(), 150*time.Millisecond, "released together")
	assert.Len(t, p.Requests(), 2)
}

func paths(rs []Request) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}
