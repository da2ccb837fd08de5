package operator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/testcatalog"
)

// A hosted catalog is read on every update check: on a new refresh annotation, and on a
// spec change (the check then judges the new entries against the catalog as it is now, so
// status never claims "no upgrades" from a catalog read before the spec it reports on).
func TestUpdateCheckReloadsTheCatalog(t *testing.T) {
	ctx := context.Background()
	full, err := testcatalog.Render("operator", testRepo)
	require.NoError(t, err)
	v2 := "- {version: 2.0.0, chartVersion: 2.0.0, changelog: \"Base 2.0: pods that cannot schedule (a broken release).\"}\n"
	v13 := "- {version: 1.3.0, chartVersion: 2.0.0, changelog: \"Base 1.3: pods that cannot schedule (a broken release).\"}\n"
	v12 := "- {version: 1.2.0, chartVersion: 1.2.0, changelog: \"Base 1.2: faster start.\"}\n"
	// The first catalog lacks base 1.2.0, 1.3.0 and 2.0.0; the second release adds 1.2.0.
	second := strings.Replace(strings.Replace(string(full), v2, "", 1), v13, "", 1)
	first := strings.Replace(second, v12, "", 1)
	require.NotEqual(t, second, first)
	var mu sync.Mutex
	served, down := first, false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if down {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(served))
	}))
	t.Cleanup(srv.Close)
	publish := func(release string) {
		mu.Lock()
		defer mu.Unlock()
		served = release
	}

	ns := newNamespace(t)
	p := newPlatform(ns, entry{Name: "base", Version: "1.0.0"})
	p.Spec.Catalog = &openovav1alpha1.CatalogSource{URL: srv.URL + "/catalog.yaml"}
	require.NoError(t, k8s.Create(ctx, p))
	waitComponent(t, ns, "base", "upgrade 1.1.0 offered", func(c *openovav1alpha1.Component) bool {
		return c.Status.AvailableUpgrade != nil && c.Status.AvailableUpgrade.Version == "1.1.0"
	})

	// A release adds 1.2.0; the refresh annotation reads it.
	publish(second)
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) {
		p.Annotations = map[string]string{openovav1alpha1.RefreshAnnotation: "2026-11-25T12:00:00Z"}
	})
	waitPlatform(t, ns, "refresh handled", func(p *openovav1alpha1.Platform) bool {
		return p.Status.LastHandledRefresh == "2026-11-25T12:00:00Z" && p.Status.UpgradesAvailable == 1 &&
			p.Status.Components[0].AvailableUpgrade == "1.2.0"
	})

	// The next release adds 2.0.0 and the entries change (a new reason, as a CLI that
	// resolved against the release would write them): the check of the new spec reads it,
	// without a refresh annotation, and lastUpdateCheck is not older than the spec.
	publish(string(full))
	changed := metav1.Now().Rfc3339Copy() // status times have a resolution of seconds
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Reason = "requested" })
	pl := waitPlatform(t, ns, "the spec change checked against the new release", func(p *openovav1alpha1.Platform) bool {
		return p.Status.ObservedGeneration == p.Generation && p.Status.UpgradesAvailable == 1 &&
			p.Status.Components[0].AvailableUpgrade == "2.0.0"
	})
	assert.Equal(t, "1.0.0", pl.Status.Components[0].DesiredVersion)
	require.NotNil(t, pl.Status.LastUpdateCheck)
	assert.False(t, pl.Status.LastUpdateCheck.Before(&changed), "lastUpdateCheck %s, the spec changed at %s", pl.Status.LastUpdateCheck, changed)
	assert.Equal(t, "2.0.0", mustComponent(t, ns, "base").Status.AvailableUpgrade.Version)

	// The catalog's host fails: a spec change is still delivered, from the loaded copy.
	mu.Lock()
	down = true
	mu.Unlock()
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Version = "1.1.0" })
	waitComponent(t, ns, "base", "at 1.1.0", func(c *openovav1alpha1.Component) bool { return c.Spec.Version == "1.1.0" })
	pl = waitPlatform(t, ns, "the spec change reconciled", func(p *openovav1alpha1.Platform) bool {
		return p.Status.ObservedGeneration == p.Generation && p.Status.Components[0].DesiredVersion == "1.1.0"
	})
	assert.Empty(t, pl.Status.Alerts, "no CatalogUnavailable for a check on a spec change")
}

func TestComponentOfAnotherPlatformIsNotTaken(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	require.NoError(t, k8s.Create(ctx, newPlatform(ns, entry{Name: "base", Version: "1.0.0"})))
	waitComponent(t, ns, "base", "created", func(*openovav1alpha1.Component) bool { return true })
	other := newPlatform(ns, entry{Name: "base", Version: "1.1.0"})
	other.Name = "other"
	require.NoError(t, k8s.Create(ctx, other))
	eventually(t, "conflict reported", func() (bool, string) {
		p := &openovav1alpha1.Platform{}
		if err := k8s.Get(ctx, clientKey(ns, "other"), p); err != nil {
			return false, err.Error()
		}
		for _, c := range p.Status.Conditions {
			if c.Type == openovav1alpha1.ReadyCondition && c.Reason == openovav1alpha1.ComponentConflictReason {
				return strings.Contains(c.Message, `already belongs to platform "acme"`), c.Message
			}
		}
		return false, "no conflict yet"
	})
	assert.Equal(t, "1.0.0", mustComponent(t, ns, "base").Spec.Version, "the first platform keeps its component")
}
