package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	fluxmeta "github.com/fluxcd/pkg/apis/meta"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/operator"
	"github.com/openova-io/core/test/cluster"
)

// BenchmarkOperatorRegions200 measures a Platform of 200 components in two regions on two
// envtest API servers (the standby reached through its kubeconfig Secret): the time until
// all 400 HelmReleases exist, the time until every component is Healthy in both regions
// (Flux's status played by the benchmark: envtest runs no helm-controller), and the
// operator's API requests per region per minute at steady state (writes to the primary; every
// request to the standby, i.e. its probes).
func BenchmarkOperatorRegions200(b *testing.B) {
	const n, quiet = 200, time.Minute
	for range b.N {
		dir := b.TempDir()
		audit, standbyAudit := filepath.Join(dir, "audit.log"), filepath.Join(dir, "standby-audit.log")
		env, err := cluster.StartEnvtest(cluster.EnvtestOptions{FluxCRDs: true, AuditLog: audit})
		require.NoError(b, err)
		sby, err := cluster.StartEnvtest(cluster.EnvtestOptions{AuditLog: standbyAudit, AuditReads: true})
		require.NoError(b, err)
		ctx := context.Background()
		opCfg, err := cluster.OperatorConfig(ctx, env.Config)
		require.NoError(b, err)
		kubeconfig := filepath.Join(dir, "kubeconfig")
		require.NoError(b, cluster.WriteTokenKubeconfig(opCfg, kubeconfig))
		scheme, err := operator.Scheme()
		require.NoError(b, err)
		c, err := client.New(env.Config, client.Options{Scheme: scheme})
		require.NoError(b, err)
		standbyKubeconfig := filepath.Join(dir, "standby.kubeconfig")
		require.NoError(b, sby.WriteKubeconfig(standbyKubeconfig))
		data, err := os.ReadFile(standbyKubeconfig)
		require.NoError(b, err)
		require.NoError(b, c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "openova-system", Name: "scale-hel1-kubeconfig"},
			Data: map[string][]byte{"value": data}}))
		catalogFile := filepath.Join(dir, "catalog.yaml")
		require.NoError(b, os.WriteFile(catalogFile, syntheticCatalog(n), 0o644))
		bin, err := cluster.Build()
		require.NoError(b, err)
		op, err := cluster.StartOperator(filepath.Join(bin, "openova-operator"), kubeconfig, dir, "operator", "--catalog="+catalogFile)
		require.NoError(b, err)

		p := &openovav1alpha1.Platform{
			ObjectMeta: metav1.ObjectMeta{Name: "scale", Namespace: "openova-system"},
			Spec: openovav1alpha1.PlatformSpec{Organization: openovav1alpha1.Organization{Name: "scale", Domain: "scale.example.com"},
				Regions: []openovav1alpha1.Region{{Name: "fsn1", Role: openovav1alpha1.RegionPrimary},
					{Name: "hel1", Role: openovav1alpha1.RegionStandby, KubeConfig: &openovav1alpha1.KubeConfigReference{
						SecretRef: openovav1alpha1.SecretKeyReference{Name: "scale-hel1-kubeconfig", Key: "value"}}}}},
		}
		for i := range n {
			p.Spec.Components = append(p.Spec.Components, openovav1alpha1.PlatformComponent{Name: fmt.Sprintf("c%04d", i), Version: "1.0.0"})
		}
		start := time.Now()
		require.NoError(b, c.Create(ctx, p))
		deployed := map[string]bool{}
		var allReleases time.Duration
		for len(deployed) < 2*n {
			var list helmv2.HelmReleaseList
			require.NoError(b, c.List(ctx, &list, client.InNamespace("openova-system")))
			for i := range list.Items {
				hr := &list.Items[i]
				if !deployed[hr.Name] {
					playDeployed(b, c, hr)
					deployed[hr.Name] = true
				}
			}
			if time.Since(start) > 10*time.Minute {
				b.Fatalf("%d of %d HelmReleases after 10 minutes", len(deployed), 2*n)
			}
			time.Sleep(200 * time.Millisecond)
		}
		allReleases = time.Since(start)
		for {
			require.NoError(b, c.Get(ctx, client.ObjectKeyFromObject(p), p))
			if p.Status.Phase == openovav1alpha1.PhaseReady && len(p.Status.Regions) == 2 &&
				p.Status.Regions[0].HealthPercent == 100 && p.Status.Regions[1].HealthPercent == 100 && p.Status.UpgradesAvailable == int32(n) {
				break
			}
			if time.Since(start) > 15*time.Minute {
				b.Fatalf("platform never Ready in both regions: %s %+v", p.Status.Phase, p.Status.Regions)
			}
			time.Sleep(time.Second)
		}
		allHealthy := time.Since(start)
		mark := countWrites(b, audit, 0, nil)
		for quietSince := time.Now(); time.Since(quietSince) < 5*time.Second; {
			time.Sleep(time.Second)
			var w []string
			next := countWrites(b, audit, mark, &w)
			if len(w) > 0 {
				quietSince = time.Now()
			}
			mark = next
			if time.Since(start) > 15*time.Minute {
				b.Fatal("the operator never settled")
			}
		}
		standbyMark := countRequests(b, standbyAudit, 0, nil)
		time.Sleep(quiet)
		var writes, standbyRequests []string
		countWrites(b, audit, mark, &writes)
		countRequests(b, standbyAudit, standbyMark, &standbyRequests)
		_ = op.Stop(10 * time.Second)
		require.NoError(b, sby.Stop())
		require.NoError(b, env.Stop())

		perMinute := func(k int) float64 { return float64(k) * float64(time.Minute) / float64(quiet) }
		b.ReportMetric(allReleases.Seconds(), "s-to-all-helmreleases")
		b.ReportMetric(allHealthy.Seconds(), "s-to-all-healthy")
		b.ReportMetric(perMinute(len(writes)), "primary-writes/min-steady")
		b.ReportMetric(perMinute(len(standbyRequests)), "standby-requests/min-steady")
		if len(writes) > 0 {
			b.Logf("writes in the steady state: %v", writes[:min(5, len(writes))])
		}
		b.Logf("standby requests in the steady state: %v", standbyRequests[:min(5, len(standbyRequests))])
	}
}

// playDeployed writes the status helm-controller writes after a successful install.
func playDeployed(b *testing.B, c client.Client, hr *helmv2.HelmRelease) {
	now := metav1.Now()
	hr.Status.ObservedGeneration = hr.Generation
	hr.Status.LastAttemptedRevision = hr.Spec.Chart.Spec.Version
	hr.Status.History = helmv2.Snapshots{{Name: hr.Spec.ReleaseName, Namespace: hr.Spec.TargetNamespace, Version: 1, Status: "deployed",
		ChartName: hr.Spec.Chart.Spec.Chart, ChartVersion: hr.Spec.Chart.Spec.Version, ConfigDigest: "sha256:0", Digest: "sha256:0",
		FirstDeployed: now, LastDeployed: now}}
	meta.SetStatusCondition(&hr.Status.Conditions, metav1.Condition{Type: fluxmeta.ReadyCondition, Status: metav1.ConditionTrue,
		Reason: helmv2.InstallSucceededReason, Message: "installed", ObservedGeneration: hr.Generation})
	meta.SetStatusCondition(&hr.Status.Conditions, metav1.Condition{Type: helmv2.ReleasedCondition, Status: metav1.ConditionTrue,
		Reason: helmv2.InstallSucceededReason, Message: "installed", ObservedGeneration: hr.Generation})
	require.NoError(b, c.Status().Update(context.Background(), hr))
}

// countRequests counts the operator's requests (any verb) in an audit log after line from.
func countRequests(b *testing.B, path string, from int, reqs *[]string) int {
	return readAudit(b, path, from, reqs, func(ev auditEvent) bool { return ev.Stage == "ResponseComplete" })
}
