// Package bench holds the benchmarks that need a cluster: the operator at scale on envtest.
// make bench runs them; they report their numbers with b.ReportMetric.
package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/operator"
	"github.com/openova-io/core/test/cluster"
)

// BenchmarkOperatorScale500 measures, for a Platform of 500 components on envtest: the time
// until every HelmRelease exists, and the operator's API writes per minute afterwards.
func BenchmarkOperatorScale500(b *testing.B) { benchmarkOperatorScale(b, 500, time.Minute) }

// BenchmarkOperatorScale1000 measures the operator's resident memory with 1,000 Components.
func BenchmarkOperatorScale1000(b *testing.B) { benchmarkOperatorScale(b, 1000, 20*time.Second) }

func benchmarkOperatorScale(b *testing.B, n int, quiet time.Duration) {
	for range b.N {
		dir := b.TempDir()
		audit := filepath.Join(dir, "audit.log")
		env, err := cluster.StartEnvtest(cluster.EnvtestOptions{FluxCRDs: true, AuditLog: audit})
		require.NoError(b, err)
		ctx := context.Background()
		// The operator runs with its ServiceAccount's token and the RBAC of manifests/.
		opCfg, err := cluster.OperatorConfig(ctx, env.Config)
		require.NoError(b, err)
		kubeconfig := filepath.Join(dir, "kubeconfig")
		require.NoError(b, cluster.WriteTokenKubeconfig(opCfg, kubeconfig))
		scheme, err := operator.Scheme()
		require.NoError(b, err)
		c, err := client.New(env.Config, client.Options{Scheme: scheme})
		require.NoError(b, err)
		catalogFile := filepath.Join(dir, "catalog.yaml")
		require.NoError(b, os.WriteFile(catalogFile, syntheticCatalog(n), 0o644))

		bin, err := cluster.Build()
		require.NoError(b, err)
		pprof, err := cluster.FreePort()
		require.NoError(b, err)
		op, err := cluster.StartOperator(filepath.Join(bin, "openova-operator"), kubeconfig, dir, "operator",
			"--catalog="+catalogFile, fmt.Sprintf("--pprof-bind-address=127.0.0.1:%d", pprof))
		require.NoError(b, err)

		p := &openovav1alpha1.Platform{
			ObjectMeta: metav1.ObjectMeta{Name: "scale", Namespace: "openova-system"},
			Spec:       openovav1alpha1.PlatformSpec{Organization: openovav1alpha1.Organization{Name: "scale", Domain: "scale.example.com"}},
		}
		for i := range n {
			p.Spec.Components = append(p.Spec.Components, openovav1alpha1.PlatformComponent{Name: fmt.Sprintf("c%04d", i), Version: "1.0.0"})
		}
		profDir := os.Getenv("OPENOVA_BENCH_PROFILES")
		cpuDone := make(chan struct{})
		go func() { // the operator's CPU over the first 40 s, when asked
			defer close(cpuDone)
			if profDir == "" {
				return
			}
			url := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=40", pprof)
			for range 50 { // the operator's listener may not be up yet
				resp, err := http.Get(url)
				if err != nil {
					time.Sleep(200 * time.Millisecond)
					continue
				}
				defer resp.Body.Close()
				data, err := io.ReadAll(resp.Body)
				if err == nil {
					err = os.WriteFile(filepath.Join(profDir, fmt.Sprintf("operator-cpu-%d.pprof", n)), data, 0o644)
				}
				if err != nil {
					b.Errorf("CPU profile: %v", err)
				}
				return
			}
			b.Errorf("CPU profile: the operator's pprof listener never answered")
		}()
		start := time.Now()
		require.NoError(b, c.Create(ctx, p))
		for {
			var list helmv2.HelmReleaseList
			require.NoError(b, c.List(ctx, &list, client.InNamespace("openova-system")))
			if len(list.Items) == n {
				break
			}
			if time.Since(start) > 10*time.Minute {
				b.Fatalf("%d of %d HelmReleases after 10 minutes", len(list.Items), n)
			}
			time.Sleep(100 * time.Millisecond)
		}
		allReleases := time.Since(start)
		// Wait until the Platform reports every component with its available upgrade (the
		// last thing the operator computes) and the operator has then written nothing for
		// 5 s; then count its writes over the quiet period.
		for {
			require.NoError(b, c.Get(ctx, client.ObjectKeyFromObject(p), p))
			if p.Status.ComponentCount == int32(n) && p.Status.UpgradesAvailable == int32(n) {
				break
			}
			if time.Since(start) > 15*time.Minute {
				b.Fatalf("platform never reported %d upgrades: %+v", n, p.Status.UpgradesAvailable)
			}
			time.Sleep(time.Second)
		}
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
		settled := time.Since(start)
		var toSettle []string
		countWrites(b, audit, 0, &toSettle)
		time.Sleep(quiet)
		var writes []string
		countWrites(b, audit, mark, &writes)
		rss := residentMiB(b, op.Pid(), "VmRSS:")
		anon := residentMiB(b, op.Pid(), "RssAnon:")
		if profDir != "" {
			saveProfile(b, fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/heap", pprof), filepath.Join(profDir, fmt.Sprintf("operator-heap-%d.pprof", n)))
		}
		<-cpuDone
		if d := os.Getenv("OPENOVA_BENCH_AUDIT"); d != "" {
			data, _ := os.ReadFile(audit)
			_ = os.WriteFile(d, data, 0o644)
		}
		_ = op.Stop(10 * time.Second)
		require.NoError(b, env.Stop())

		b.ReportMetric(allReleases.Seconds(), "s-to-all-helmreleases")
		b.ReportMetric(settled.Seconds(), "s-to-settled")
		b.ReportMetric(float64(len(toSettle)), "writes-to-settle")
		b.Logf("writes until settled, by kind: %v", writeKinds(toSettle))
		b.ReportMetric(float64(len(writes))*float64(time.Minute)/float64(quiet), "writes/min-steady")
		b.ReportMetric(rss, "MiB-rss")
		b.ReportMetric(anon, "MiB-rss-anon")
		if len(writes) > 0 {
			b.Logf("writes in the steady state: %v", writes[:min(5, len(writes))])
		}
	}
}

// syntheticCatalog is n independent components, each with two versions of one chart.
func syntheticCatalog(n int) []byte {
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, `---
apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: c%04d
displayName: C%04d
category: a-la-carte
description: Synthetic component %d.
namespace: scale-%d
chart: {repository: "http://127.0.0.1:1/charts", name: app}
versions:
- {version: 1.1.0, chartVersion: 1.1.0, changelog: "newer"}
- {version: 1.0.0, chartVersion: 1.0.0, changelog: "first"}
`, i, i, i, i%20)
	}
	return []byte(sb.String())
}

// writeKinds counts "VERB URI" writes by verb, resource and subresource.
func writeKinds(writes []string) map[string]int {
	out := map[string]int{}
	for _, w := range writes {
		verb, uri, _ := strings.Cut(w, " ")
		uri, _, _ = strings.Cut(uri, "?")
		parts := strings.Split(strings.Trim(uri, "/"), "/")
		key := verb
		for i := 0; i < len(parts); i++ {
			if parts[i] == "namespaces" && i+2 < len(parts) {
				key += " " + parts[i+2]
				if i+4 < len(parts) {
					key += "/" + parts[i+4]
				}
				break
			}
		}
		out[key]++
	}
	return out
}

// countWrites counts the operator's write requests in the audit log after line from
// (the audit policy logs writes), collecting them into writes when given, and returns the
// number of lines read.
func countWrites(b *testing.B, path string, from int, writes *[]string) int {
	return readAudit(b, path, from, writes, func(ev auditEvent) bool { return !strings.Contains(ev.RequestURI, "/leases/") })
}

// auditEvent is what the benchmarks read of an audit log line.
type auditEvent struct {
	Verb       string `json:"verb"`
	UserAgent  string `json:"userAgent"`
	RequestURI string `json:"requestURI"`
	Stage      string `json:"stage"`
}

// readAudit collects "VERB URI" of the operator's requests that keep accepts in the audit
// log at path after line from (none when out is nil) and returns the number of lines read.
func readAudit(b *testing.B, path string, from int, out *[]string, keep func(auditEvent) bool) int {
	f, err := os.Open(path)
	require.NoError(b, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	lines := 0
	for sc.Scan() {
		lines++
		if lines <= from || out == nil {
			continue
		}
		var ev auditEvent
		if json.Unmarshal(sc.Bytes(), &ev) == nil && strings.HasPrefix(ev.UserAgent, "openova-operator") && keep(ev) {
			*out = append(*out, ev.Verb+" "+ev.RequestURI)
		}
	}
	return lines
}

// residentMiB reads a process's resident memory from /proc: field VmRSS: (all of it) or
// RssAnon: (without the binary's mapped pages).
func residentMiB(b *testing.B, pid int, field string) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(b, err)
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field) {
			kb, err := strconv.ParseFloat(strings.Fields(line)[1], 64)
			require.NoError(b, err)
			return kb / 1024
		}
	}
	b.Fatal("no " + field)
	return 0
}

// saveProfile saves the pprof profile at url (the heap, or a CPU profile) to path.
func saveProfile(b *testing.B, url, path string) {
	resp, err := http.Get(url)
	require.NoError(b, err)
	defer resp.Body.Close()
	f, err := os.Create(path)
	require.NoError(b, err)
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	require.NoError(b, err)
}
