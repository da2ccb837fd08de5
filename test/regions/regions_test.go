// Package regions runs one platform in two local regions: a primary kwok cluster with the
// real Flux controllers and the operator as local processes, a standby kwok cluster reached
// through its kubeconfig Secret. Components become Healthy in both (a multi-part one with
// its chart parts and its resource part in each region), a primary-placed one only in the
// primary, a stopped standby makes its components Unknown with an alert and
// converges when it returns, and an upgrade that cannot schedule in the standby is rolled
// back there and never reaches the primary.
package regions

import (
	"context"
	"fmt"
	"testing"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/lifecycle"
	"github.com/openova-io/core/operator"
	"github.com/openova-io/core/test/cluster"
)

const (
	ns      = cluster.PlatformNamespace
	primary = cluster.PrimaryRegion
	standby = cluster.StandbyRegion
	// probe is the operator's --region-probe-interval here.
	probe = 3 * time.Second
)

func TestOnePlatformTwoRegions(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two kwok clusters")
	}
	ctx := context.Background()
	require.Equal(t, lifecycle.RegionSecretName(cluster.PlatformName, standby), cluster.StandbySecret, "the Secret bootstrap writes")
	r, err := cluster.StartRegions(ctx, cluster.RegionsOptions{
		Catalog:      "regions",
		OperatorArgs: []string{"--region-probe-interval=" + probe.String(), "--region-timeout=2s"},
		Entries: []openovav1alpha1.PlatformComponent{
			{Name: "grafana", Version: "0.1.0"}, {Name: "neo4j", Version: "1.0.0"}, {Name: "portal", Version: "0.1.0"},
			{Name: "widgets", Version: "1.0.0"},
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { r.Stop(t.Failed()) })
	scheme, err := operator.Scheme()
	require.NoError(t, err)
	c, err := client.New(r.Primary.Config, client.Options{Scheme: scheme})
	require.NoError(t, err)
	sc, err := client.New(r.Standby.Config, client.Options{Scheme: scheme})
	require.NoError(t, err)

	component := func(name string) *openovav1alpha1.Component {
		comp := &openovav1alpha1.Component{}
		_ = c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, comp)
		return comp
	}
	regionOf := func(comp *openovav1alpha1.Component, region string) openovav1alpha1.RegionStatus {
		for _, rs := range comp.Status.Regions {
			if rs.Name == region {
				return rs
			}
		}
		return openovav1alpha1.RegionStatus{}
	}
	healthyIn := func(name, version string, regions ...string) func() (bool, string) {
		return func() (bool, string) {
			comp := component(name)
			for _, reg := range regions {
				if rs := regionOf(comp, reg); rs.Health != openovav1alpha1.HealthHealthy || rs.Version != version {
					return false, fmt.Sprintf("%+v", comp.Status.Regions)
				}
			}
			return len(comp.Status.Regions) == len(regions) && comp.Status.Health == openovav1alpha1.HealthHealthy, fmt.Sprintf("%+v", comp.Status)
		}
	}

	// Installed: Healthy in both regions; portal only in the primary.
	cluster.Eventually(t, 3*time.Minute, time.Second, "neo4j Healthy in both", healthyIn("neo4j", "1.0.0", standby, primary))
	cluster.Eventually(t, time.Minute, time.Second, "grafana Healthy in both", healthyIn("grafana", "0.1.0", standby, primary))
	cluster.Eventually(t, time.Minute, time.Second, "portal Healthy in the primary", healthyIn("portal", "0.1.0", primary))
	cluster.Eventually(t, 2*time.Minute, time.Second, "widgets (multi-part) Healthy in both", healthyIn("widgets", "1.0.0", standby, primary))
	for _, cl := range []client.Client{sc, c} {
		require.NoError(t, cl.Get(ctx, client.ObjectKey{Namespace: "widgets", Name: "widgets"}, &appsv1.Deployment{}), "the second chart part runs in each region")
		var cm corev1.ConfigMap
		require.NoError(t, cl.Get(ctx, client.ObjectKey{Namespace: "widgets", Name: "widgets-settings"}, &cm), "the resource part is applied in each region")
		assert.Equal(t, "1.0.0", cm.Data["version"])
	}
	var d appsv1.Deployment
	require.NoError(t, sc.Get(ctx, client.ObjectKey{Namespace: "neo4j", Name: "neo4j"}, &d), "neo4j runs in the standby's cluster")
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "neo4j", Name: "neo4j"}, &d), "and in the primary's")
	assert.Error(t, sc.Get(ctx, client.ObjectKey{Namespace: "portal", Name: "portal"}, &appsv1.Deployment{}), "portal is not in the standby")
	releases := func() []string {
		var list helmv2.HelmReleaseList
		require.NoError(t, c.List(ctx, &list, client.InNamespace(ns)))
		var names []string
		for _, hr := range list.Items {
			names = append(names, hr.Name)
		}
		return names
	}
	before := releases()
	assert.ElementsMatch(t, []string{"grafana", "grafana-hel1", "neo4j", "neo4j-hel1", "portal",
		"widgets-crds", "widgets-crds-hel1", "widgets", "widgets-hel1"}, before)
	cluster.Eventually(t, time.Minute, time.Second, "platform Ready with regions", func() (bool, string) {
		p, err := cluster.GetPlatform(ctx, c)
		if err != nil {
			return false, err.Error()
		}
		return p.Status.Phase == openovav1alpha1.PhaseReady && len(p.Status.Regions) == 2 && p.Status.Regions[1].HealthPercent == 100,
			fmt.Sprintf("%s %+v", p.Status.Phase, p.Status.Regions)
	})

	// The standby's API server stops: Unknown there with an alert within a probe interval
	// (plus the reconcile), the primary keeps reconciling.
	require.NoError(t, r.StopStandby(ctx))
	stopped := time.Now()
	cluster.Eventually(t, 4*probe+10*time.Second, 500*time.Millisecond, "neo4j Unknown in the standby", func() (bool, string) {
		rs := regionOf(component("neo4j"), standby)
		return rs.Health == openovav1alpha1.HealthUnknown, fmt.Sprintf("%+v", rs)
	})
	t.Logf("standby Unknown %s after its API server stopped", time.Since(stopped).Round(100*time.Millisecond))
	cluster.Eventually(t, 30*time.Second, 500*time.Millisecond, "RegionUnreachable alert", func() (bool, string) {
		p, _ := cluster.GetPlatform(ctx, c)
		for _, a := range p.Status.Alerts {
			if a.Region == standby && a.Reason == operator.RegionUnreachableReason {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", p.Status.Alerts)
	})
	assert.Equal(t, openovav1alpha1.HealthHealthy, regionOf(component("neo4j"), primary).Health, "the primary is untouched")
	assert.Equal(t, openovav1alpha1.HealthHealthy, component("portal").Status.Health, "a primary-only component stays Healthy")

	// It comes back: everything converges, no new release.
	require.NoError(t, r.StartStandby(ctx))
	cluster.Eventually(t, 2*time.Minute, time.Second, "neo4j Healthy in both again", healthyIn("neo4j", "1.0.0", standby, primary))
	cluster.Eventually(t, time.Minute, time.Second, "grafana Healthy in both again", healthyIn("grafana", "0.1.0", standby, primary))
	cluster.Eventually(t, time.Minute, time.Second, "widgets Healthy in both again", healthyIn("widgets", "1.0.0", standby, primary))
	assert.ElementsMatch(t, before, releases(), "no duplicate release")

	// An upgrade whose pods cannot schedule: the standby goes first, Flux rolls it back
	// there, the primary is never upgraded.
	// (the operator writes the Platform's status meanwhile: read again on a conflict)
	require.NoError(t, retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := cluster.GetPlatform(ctx, c)
		if err != nil {
			return err
		}
		for i := range p.Spec.Components {
			if p.Spec.Components[i].Name == "neo4j" {
				p.Spec.Components[i].Version = "2.0.0"
			}
		}
		return c.Update(ctx, p)
	}))
	cluster.Eventually(t, 2*time.Minute, time.Second, "neo4j's standby upgrade rolled back", func() (bool, string) {
		comp := component("neo4j")
		return comp.Status.FailedVersion == "2.0.0" && meta.IsStatusConditionTrue(comp.Status.Conditions, openovav1alpha1.UpgradeFailedCondition),
			fmt.Sprintf("%+v", comp.Status)
	})
	primaryRelease := func() string {
		hr := &helmv2.HelmRelease{}
		require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "neo4j"}, hr))
		return hr.Spec.Chart.Spec.Version
	}
	assert.Equal(t, "1.0.0", primaryRelease(), "the primary is not upgraded")
	cluster.Eventually(t, time.Minute, time.Second, "neo4j back on 1.0.0 in the standby", healthyIn("neo4j", "1.0.0", standby, primary))
	comp := component("neo4j")
	assert.Contains(t, regionOf(comp, primary).Message, "primary is not upgraded")
	time.Sleep(2 * probe)
	assert.Equal(t, "1.0.0", primaryRelease(), "still not upgraded")
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "neo4j", Name: "neo4j"}, &d))
	assert.Equal(t, "1.0", d.Spec.Template.Labels["app.kubernetes.io/version"], "the primary's workload runs 1.0")
}
