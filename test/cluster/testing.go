package cluster

import (
	"context"
	"testing"
	"time"
)

// KwokT starts a kwok cluster for one test and stops it when the test ends, keeping the logs
// when the test failed.
func KwokT(t testing.TB, ctx context.Context, opts KwokOptions) *Kwok {
	t.Helper()
	k, err := StartKwok(ctx, opts)
	if err != nil {
		t.Fatalf("start kwok cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := k.Stop(t.Failed()); err != nil {
			t.Errorf("stop kwok cluster: %v", err)
		}
	})
	return k
}

// Eventually polls check every interval until it reports done or timeout passes, then fails
// the test with what the last check saw.
func Eventually(t testing.TB, timeout, interval time.Duration, what string, check func() (done bool, state string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var state string
	for {
		var done bool
		done, state = check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s; last seen: %s", what, timeout, state)
		}
		time.Sleep(interval)
	}
}
