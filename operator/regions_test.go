package operator

import (
	"context"
	"fmt"
	"testing"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// A two-region Platform: the standby's kubeconfig Secret points at this test's own API
// server (loopback), so the probe really reaches an API server, and at a closed port to make
// the region unreachable. Flux is played (helpers_test.go); test/regions runs real Flux.
func TestTwoRegionsDeliverStandbyFirst(t *testing.T) {
	ctx := context.Background()
	ns := "openova-system" // the operator's Role reads kubeconfig Secrets only here
	secret, reachable := standbySecret(t, ns)

	// The platform starts in one region; adding the standby keeps the primary's release
	// (the same object: nothing is uninstalled or reinstalled there).
	p := newPlatform(ns, entry{Name: "base", Version: "1.0.0"})
	require.NoError(t, k8s.Create(ctx, p))
	t.Cleanup(func() { _ = k8s.Delete(ctx, p) })
	first := waitRelease(t, ns, "base", "1.0.0")
	playFluxDeployed(t, first)
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) {
		p.Spec.Regions = twoRegions()
	})

	c := waitComponent(t, ns, "base", "placed in both regions", func(c *openovav1alpha1.Component) bool { return len(c.Spec.Regions) == 2 })
	assert.Equal(t, "hel1", c.Spec.Regions[0].Name, "standby first")
	standby := waitRelease(t, ns, "base-hel1", "1.0.0")
	var primary *helmv2.HelmRelease
	eventually(t, "the primary's release delivered per region", func() (bool, string) {
		var err error
		if primary, err = getRelease(ns, "base"); err != nil {
			return false, err.Error()
		}
		return primary.Labels[regionLabel] == "fsn1", "labels " + fmt.Sprint(primary.Labels)
	})
	require.NotNil(t, standby.Spec.KubeConfig, "the standby's release reaches it through its kubeconfig")
	assert.Equal(t, "acme-hel1-kubeconfig", standby.Spec.KubeConfig.SecretRef.Name)
	assert.Equal(t, "value", standby.Spec.KubeConfig.SecretRef.Key)
	assert.Nil(t, primary.Spec.KubeConfig)
	assert.Equal(t, "base", standby.Spec.ReleaseName)
	assert.Equal(t, first.UID, primary.UID, "adding the standby kept the primary's HelmRelease")
	assert.Nil(t, primary.DeletionTimestamp)
	playFluxDeployed(t, standby)
	playFluxDeployed(t, primary)
	waitComponent(t, ns, "base", "healthy in both", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.0.0" && len(c.Status.Regions) == 2 &&
			c.Status.Regions[0].Health == openovav1alpha1.HealthHealthy && c.Status.Regions[1].Health == openovav1alpha1.HealthHealthy
	})
	waitPlatform(t, ns, "regions summarized", func(p *openovav1alpha1.Platform) bool {
		return len(p.Status.Regions) == 2 && p.Status.Regions[1].Reachable && p.Status.Regions[1].HealthPercent == 100 &&
			len(p.Status.Components) == 1 && len(p.Status.Components[0].Regions) == 2
	})

	// An upgrade goes to the standby first; the standby's failure is rolled back there and
	// the primary stays at 1.0.0.
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Version = "2.0.0" })
	standby = waitRelease(t, ns, "base-hel1", "2.0.0")
	assert.Equal(t, "1.0.0", mustRelease(t, ns, "base").Spec.Chart.Spec.Version, "the primary waits for the standby")
	playFluxRolledBack(t, standby, "1.0.0")
	playFluxDeployed(t, waitRelease(t, ns, "base-hel1", "1.0.0"))
	c = waitComponent(t, ns, "base", "standby rolled back", func(c *openovav1alpha1.Component) bool {
		return c.Status.FailedVersion == "2.0.0" && c.Status.Regions[0].Version == "1.0.0"
	})
	assert.Equal(t, "1.0.0", mustRelease(t, ns, "base").Spec.Chart.Spec.Version, "a failed standby upgrade never reaches the primary")
	assert.Contains(t, c.Status.Regions[1].Message, "primary is not upgraded")

	// A new version that the standby takes moves the primary once the standby is Healthy.
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Version = "1.2.0" })
	playFluxDeployed(t, waitRelease(t, ns, "base-hel1", "1.2.0"))
	playFluxDeployed(t, waitRelease(t, ns, "base", "1.2.0"))
	waitComponent(t, ns, "base", "1.2.0 everywhere", func(c *openovav1alpha1.Component) bool {
		return c.Status.Version == "1.2.0" && c.Status.Health == openovav1alpha1.HealthHealthy
	})

	// The standby's API server stops answering: Unknown there, an alert, the primary unchanged.
	secret.Data["value"] = []byte(unreachableKubeconfig)
	require.NoError(t, k8s.Update(ctx, secret))
	c = waitComponent(t, ns, "base", "Unknown in hel1", func(c *openovav1alpha1.Component) bool {
		return len(c.Status.Regions) == 2 && c.Status.Regions[0].Health == openovav1alpha1.HealthUnknown
	})
	assert.Contains(t, c.Status.Regions[0].Message, "region hel1 is unreachable")
	assert.Equal(t, openovav1alpha1.HealthHealthy, c.Status.Regions[1].Health)
	waitPlatform(t, ns, "RegionUnreachable alert", func(p *openovav1alpha1.Platform) bool {
		for _, a := range p.Status.Alerts {
			if a.Region == "hel1" && a.Reason == RegionUnreachableReason {
				return len(p.Status.Regions) == 2 && !p.Status.Regions[1].Reachable
			}
		}
		return false
	})
	secret.Data["value"] = reachable
	require.NoError(t, k8s.Update(ctx, secret))
	waitComponent(t, ns, "base", "back", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Regions[0].Health == openovav1alpha1.HealthHealthy
	})

	// Removing the standby deletes only its release.
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) {
		p.Spec.Regions = []openovav1alpha1.Region{{Name: "fsn1", Role: openovav1alpha1.RegionPrimary}}
	})
	eventually(t, "standby release deleted", func() (bool, string) {
		_, err := getRelease(ns, "base-hel1")
		return apierrors.IsNotFound(err), "still there"
	})
	kept := mustRelease(t, ns, "base")
	assert.Equal(t, "1.2.0", kept.Spec.Chart.Spec.Version, "the primary's release stays")
	assert.Equal(t, first.UID, kept.UID, "the same HelmRelease from one region to two and back")
}
