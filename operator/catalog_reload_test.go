package operator

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/catalogserver"
	"github.com/openova-io/core/test/testcatalog"
)

// A Platform that names a version the operator's copy of the catalog lacks makes it
// reload the catalog (conditionally); an entry the catalog really lacks stops only that
// entry: removals and the other entries' changes are delivered.
func TestMissingVersionReloadsCatalogAndStopsOnlyItsEntry(t *testing.T) {
	ctx := context.Background()
	full, err := testcatalog.Render("operator", testRepo)
	require.NoError(t, err)
	older := bytes.Replace(full, []byte("- {version: 1.2.0, chartVersion: 1.2.0, changelog: \"Base 1.2: faster start.\"}\n"), nil, 1)
	require.NotEqual(t, full, older)
	s := catalogserver.Start(older, catalogserver.Options{})
	t.Cleanup(s.Close)

	ns := newNamespace(t)
	p := newPlatform(ns, stack()...)
	p.Spec.Catalog = &openovav1alpha1.CatalogSource{URL: s.URL}
	require.NoError(t, k8s.Create(ctx, p))
	deployAll(t, ns, waitRelease(t, ns, "base", "1.0.0").Name, waitRelease(t, ns, "middle", "0.1.0").Name, waitRelease(t, ns, "top", "1.0.0").Name)
	waitPlatform(t, ns, "ready", func(p *openovav1alpha1.Platform) bool { return p.Status.Phase == openovav1alpha1.PhaseReady })

	// A release of the catalog adds base 1.2.0; a client that read it writes the Platform.
	// No refresh annotation: the operator reloads because its copy lacks 1.2.0.
	s.Publish(full)
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Version = "1.2.0" })
	playFluxDeployed(t, waitRelease(t, ns, "base", "1.2.0"))
	waitPlatform(t, ns, "ready at base 1.2.0", func(p *openovav1alpha1.Platform) bool {
		return meta.IsStatusConditionTrue(p.Status.Conditions, openovav1alpha1.ReadyCondition) && p.Status.Components[0].Version == "1.2.0"
	})
	assert.Empty(t, getPlatform(t, ns).Annotations[openovav1alpha1.RefreshAnnotation])

	// One entry names a version no catalog has; in the same change base moves and top is
	// removed. middle stays as it runs and is reported; the rest is delivered.
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) {
		p.Spec.Components = []entry{{Name: "base", Version: "1.1.0"}, {Name: "middle", Version: "9.9.9"}}
	})
	eventually(t, "top removed", func() (bool, string) {
		_, err := getComponent(ns, "top")
		return apierrors.IsNotFound(err), "still there"
	})
	playFluxDeployed(t, waitRelease(t, ns, "base", "1.1.0"))
	pl := waitPlatform(t, ns, "middle reported on its entry", func(p *openovav1alpha1.Platform) bool {
		return len(p.Status.Components) == 2 && p.Status.Components[1].Reason == openovav1alpha1.UnknownVersionReason &&
			p.Status.Components[0].Ready && p.Status.ObservedGeneration == p.Generation
	})
	ready := meta.FindStatusCondition(pl.Status.Conditions, openovav1alpha1.ReadyCondition)
	assert.Equal(t, metav1.ConditionFalse, ready.Status)
	assert.Equal(t, openovav1alpha1.UnknownVersionReason, ready.Reason)
	assert.Contains(t, ready.Message, "middle has no version 9.9.9")
	assert.True(t, meta.IsStatusConditionTrue(pl.Status.Conditions, openovav1alpha1.StalledCondition), "a terminal reason stalls the Platform")
	assert.Contains(t, pl.Status.Components[1].Message, "middle has no version 9.9.9")
	assert.Equal(t, "0.1.0", pl.Status.Components[1].Version, "middle keeps running what it ran")
	require.NotEmpty(t, pl.Status.Alerts)
	assert.Equal(t, "middle", pl.Status.Alerts[0].Component)
	assert.Equal(t, "0.1.0", mustComponent(t, ns, "middle").Spec.Version)
	assert.Equal(t, "0.1.0", mustRelease(t, ns, "middle").Spec.Chart.Spec.Version, "middle's release stays as it was")
	assert.True(t, hasEvent(eventsFor(t, ns, "Platform", "acme"), "Warning", openovav1alpha1.UnknownVersionReason))
	assert.Positive(t, s.Answers(http.StatusNotModified), "the reload for 9.9.9 was a conditional GET answered 304")

	// The entry fixed, the Platform is Ready again.
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[1].Version = "0.1.0" })
	waitPlatform(t, ns, "ready again", func(p *openovav1alpha1.Platform) bool {
		return meta.IsStatusConditionTrue(p.Status.Conditions, openovav1alpha1.ReadyCondition) && len(p.Status.Alerts) == 0
	})
}
