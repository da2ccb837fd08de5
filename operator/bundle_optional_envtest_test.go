package operator

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// bundleOptionalCatalog: a bundle (suite) over a required member (core) and an optional one
// (extra), each a one-chart component with two versions.
const bundleOptionalCatalog = `
apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: core
category: a-la-carte
description: The bundle's required member.
namespace: core-system
chart: {repository: "%[1]s", name: app}
versions:
- {version: 1.0.0, chartVersion: 1.0.0}
---
apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: extra
category: a-la-carte
description: The bundle's optional member.
namespace: extra-system
chart: {repository: "%[1]s", name: extra}
versions:
- {version: 1.1.0, chartVersion: 1.1.0}
- {version: 1.0.0, chartVersion: 1.0.0}
---
apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: suite
category: meta-platform
description: A bundle with an optional member.
namespace: suite
delivery: bundle
versions:
- version: 1.0.0
  requires: [{name: core, constraint: ">=1.0.0"}]
  optional: [{name: extra, constraint: ">=1.0.0", description: extras}]
`

// TestBundleOptionalMemberGatesHealth: an installed optional member counts for the bundle's
// health like a required one — the bundle is not Healthy while the member is not Healthy at
// the version the Platform plans for it (first install, then an upgrade of the member), and
// is once it is. A bundle never gets a HelmRelease: a watch on the namespace's
// HelmReleases, open for the whole test, sees none named after it or labelled with it.
func TestBundleOptionalMemberGatesHealth(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	releases := watchBundleReleases(t, ns)

	data := fmt.Sprintf(bundleOptionalCatalog, testRepo)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(data)) }))
	t.Cleanup(srv.Close)
	p := newPlatform(ns,
		entry{Name: "core", Version: "1.0.0", Reason: "dependency of suite"},
		entry{Name: "extra", Version: "1.0.0", Reason: "optional member of suite"},
		entry{Name: "suite", Version: "1.0.0"},
	)
	p.Spec.Catalog = &openovav1alpha1.CatalogSource{URL: srv.URL + "/catalog.yaml"}
	require.NoError(t, k8s.Create(ctx, p))

	suite := waitComponent(t, ns, "suite", "lists both members", func(c *openovav1alpha1.Component) bool {
		return c.Spec.Delivery == openovav1alpha1.DeliveryBundle && len(c.Spec.Dependencies) == 2
	})
	assert.ElementsMatch(t, []string{"core", "extra"}, suite.Spec.Dependencies, "the installed optional member is a member")

	// The required member healthy is not enough while the optional one is not.
	playFluxDeployed(t, waitRelease(t, ns, "core", "1.0.0"))
	extra := waitRelease(t, ns, "extra", "1.0.0")
	waitComponent(t, ns, "core", "healthy", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.0.0"
	})
	waitSuiteWaitsForExtra(t, ns, "(desired 1.0.0)")
	assertSuiteStaysNotHealthy(t, ns)

	playFluxDeployed(t, extra)
	waitComponent(t, ns, "suite", "healthy with its optional member", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.0.0"
	})

	// The optional member's upgrade is planned: healthy at 1.0.0 is no longer enough.
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[1].Version = "1.1.0" })
	extra = waitRelease(t, ns, "extra", "1.1.0")
	waitSuiteWaitsForExtra(t, ns, "(desired 1.1.0)")
	assertSuiteStaysNotHealthy(t, ns)
	playFluxDeployed(t, extra)
	waitComponent(t, ns, "suite", "healthy at the member's planned version", func(c *openovav1alpha1.Component) bool {
		m, err := getComponent(ns, "extra")
		return err == nil && m.Status.Version == "1.1.0" && c.Status.Health == openovav1alpha1.HealthHealthy
	})

	seen := releases()
	assert.ElementsMatch(t, []string{"core", "extra"}, seen, "HelmReleases created in the namespace during the test")
	_, err := getRelease(ns, "suite")
	assert.True(t, client.IgnoreNotFound(err) == nil && err != nil, "no HelmRelease suite: %v", err)
}

// waitSuiteWaitsForExtra waits until the bundle is Progressing with a message containing msg.
func waitSuiteWaitsForExtra(t *testing.T, ns, msg string) {
	t.Helper()
	waitComponent(t, ns, "suite", "waits for extra", func(c *openovav1alpha1.Component) bool {
		cond := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.ReadyCondition)
		return c.Status.Health == openovav1alpha1.HealthProgressing && cond != nil &&
			cond.Reason == openovav1alpha1.MemberNotReadyReason && strings.Contains(cond.Message, "extra") && strings.Contains(cond.Message, msg)
	})
}

// assertSuiteStaysNotHealthy checks, for a while, that the bundle does not turn Healthy on its own.
func assertSuiteStaysNotHealthy(t *testing.T, ns string) {
	t.Helper()
	for range 10 {
		c, err := getComponent(ns, "suite")
		require.NoError(t, err)
		require.NotEqual(t, openovav1alpha1.HealthHealthy, c.Status.Health, "suite is Healthy while extra is not: %+v", c.Status)
		time.Sleep(100 * time.Millisecond)
	}
}

// watchBundleReleases watches the HelmReleases of ns from now on and fails the test at once when
// one belongs to the bundle suite (by name or by the component label); the returned function
// lists the names of the HelmReleases created.
func watchBundleReleases(t *testing.T, ns string) func() []string {
	t.Helper()
	scheme, err := Scheme()
	require.NoError(t, err)
	wc, err := client.NewWithWatch(testCfg, client.Options{Scheme: scheme})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := wc.Watch(ctx, &helmv2.HelmReleaseList{}, client.InNamespace(ns))
	require.NoError(t, err)
	var mu sync.Mutex
	var created []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			hr, ok := ev.Object.(*helmv2.HelmRelease)
			if !ok {
				continue
			}
			mu.Lock()
			if ev.Type == watch.Added {
				created = append(created, hr.Name)
			}
			if hr.Name == "suite" || hr.Labels[openovav1alpha1.ComponentLabel] == "suite" {
				t.Errorf("a HelmRelease of the bundle suite: %s %s (labels %v)", ev.Type, hr.Name, hr.Labels)
			}
			mu.Unlock()
		}
	}()
	t.Cleanup(func() { w.Stop(); cancel(); <-done })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), created...)
	}
}
