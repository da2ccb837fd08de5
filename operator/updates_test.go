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

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/testcatalog"
)

// A hosted catalog is read once and kept until the next update check; the refresh
// annotation makes the operator read it again now.
func TestRefreshAnnotationReloadsTheCatalog(t *testing.T) {
	ctx := context.Background()
	full, err := testcatalog.Render("operator", testRepo)
	require.NoError(t, err)
	// The first catalog lacks base 1.2.0, 1.3.0 and 2.0.0.
	old := strings.Replace(string(full), "- {version: 2.0.0, chartVersion: 2.0.0, changelog: \"Base 2.0: pods that cannot schedule (a broken release).\"}\n", "", 1)
	old = strings.Replace(old, "- {version: 1.2.0, chartVersion: 1.2.0, changelog: \"Base 1.2: faster start.\"}\n", "", 1)
	old = strings.Replace(old, "- {version: 1.3.0, chartVersion: 2.0.0, changelog: \"Base 1.3: pods that cannot schedule (a broken release).\"}\n", "", 1)
	require.NotEqual(t, string(full), old)
	var mu sync.Mutex
	served := old
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_, _ = w.Write([]byte(served))
	}))
	t.Cleanup(srv.Close)

	ns := newNamespace(t)
	p := newPlatform(ns, entry{Name: "base", Version: "1.0.0"})
	p.Spec.Catalog = &openovav1alpha1.CatalogSource{URL: srv.URL + "/catalog.yaml"}
	require.NoError(t, k8s.Create(ctx, p))
	waitComponent(t, ns, "base", "upgrade 1.1.0 offered", func(c *openovav1alpha1.Component) bool {
		return c.Status.AvailableUpgrade != nil && c.Status.AvailableUpgrade.Version == "1.1.0"
	})

	// The hosted catalog gains 2.0.0; a spec change does not re-read it ...
	mu.Lock()
	served = string(full)
	mu.Unlock()
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Reason = "requested" })
	waitPlatform(t, ns, "spec change seen", func(p *openovav1alpha1.Platform) bool { return p.Status.ObservedGeneration == p.Generation })
	assert.Equal(t, "1.1.0", mustComponent(t, ns, "base").Status.AvailableUpgrade.Version)

	// ... the refresh annotation does.
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) {
		p.Annotations = map[string]string{openovav1alpha1.RefreshAnnotation: "2026-11-25T12:00:00Z"}
	})
	waitComponent(t, ns, "base", "upgrade 2.0.0 offered", func(c *openovav1alpha1.Component) bool {
		return c.Status.AvailableUpgrade != nil && c.Status.AvailableUpgrade.Version == "2.0.0"
	})
	pl := waitPlatform(t, ns, "refresh handled", func(p *openovav1alpha1.Platform) bool {
		return p.Status.LastHandledRefresh == "2026-11-25T12:00:00Z" && p.Status.UpgradesAvailable == 1 &&
			p.Status.Components[0].AvailableUpgrade == "2.0.0"
	})
	assert.Equal(t, "1.0.0", pl.Status.Components[0].DesiredVersion)
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
