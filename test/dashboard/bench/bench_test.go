// Package bench measures the dashboard's first response on the local cluster: a kwok
// cluster's real API server with a Platform of 60 components (and their Component objects
// with status), the dashboard in this process with its watch. Run by make bench:
//
//	go test -run '^$' -bench . ./test/dashboard/bench/
package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/dashboard"
	"github.com/openova-io/core/test/cluster"
)

const components = 60

// synthCatalog writes a catalog of n components (every tenth a meta-platform of the next
// two, the first mandatory), three versions each.
func synthCatalog(dir string, n int) (string, error) {
	var b strings.Builder
	for i := range n {
		cat := "a-la-carte"
		switch {
		case i == 0:
			cat = "mandatory"
		case i%10 == 9:
			cat = "meta-platform"
		}
		fmt.Fprintf(&b, "---\napiVersion: catalog.openova.io/v1alpha1\nkind: Component\nname: c%02d\ndisplayName: Component %02d\ncategory: %s\n", i, i, cat)
		fmt.Fprintf(&b, "description: Synthetic component %d.\nnamespace: c%02d\nchart: {repository: \"http://127.0.0.1:1/charts\", name: app}\n", i, i)
		fmt.Fprintf(&b, "endpoints: [\"https://c%02d.{{ .Domain }}\"]\nversions:\n", i)
		for _, v := range []string{"1.2.0", "1.1.0", "1.0.0"} {
			fmt.Fprintf(&b, "- version: %s\n  chartVersion: %s\n  released: \"2025-01-01\"\n  changelog: \"Version %s of c%02d.\"\n", v, v, v, i)
			if cat == "meta-platform" {
				fmt.Fprintf(&b, "  requires: [{name: c%02d, constraint: \">=1.0.0\"}]\n  optional: [{name: c%02d, constraint: \">=1.0.0\", description: member}]\n", i-1, i-2)
			}
		}
	}
	path := filepath.Join(dir, "catalog.yaml")
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// seed creates the Platform with n entries at 1.0.0 and their Components with status, as
// the operator would report them.
func seed(ctx context.Context, c client.Client, n int) error {
	ns := openovav1alpha1.DefaultNamespace
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return err
	}
	p := &openovav1alpha1.Platform{ObjectMeta: metav1.ObjectMeta{Name: "bench", Namespace: ns},
		Spec: openovav1alpha1.PlatformSpec{Organization: openovav1alpha1.Organization{Name: "bench", Domain: "bench.example.com"}}}
	for i := range n {
		p.Spec.Components = append(p.Spec.Components, openovav1alpha1.PlatformComponent{Name: fmt.Sprintf("c%02d", i), Version: "1.0.0"})
	}
	if err := c.Create(ctx, p); err != nil {
		return err
	}
	now := metav1.Now()
	for i := range n {
		name := fmt.Sprintf("c%02d", i)
		comp := &openovav1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{openovav1alpha1.PlatformLabel: "bench"}},
			Spec: openovav1alpha1.ComponentSpec{Version: "1.0.0", Category: openovav1alpha1.CategoryALaCarte, TargetNamespace: name,
				Chart: &openovav1alpha1.ChartRef{Repository: "http://127.0.0.1:1/charts", Name: "app", Version: "1.0.0"}}}
		if err := c.Create(ctx, comp); err != nil {
			return err
		}
		comp.Status = openovav1alpha1.ComponentStatus{Health: openovav1alpha1.HealthHealthy, Version: "1.0.0", Endpoints: []string{"https://" + name + ".bench.example.com"},
			AvailableUpgrade: &openovav1alpha1.AvailableUpgrade{Version: "1.2.0"}, LastReconciled: &now}
		if err := c.Status().Update(ctx, comp); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkFirstResponse is the time from a new dashboard (fresh catalog load, no page
// rendered yet) to the complete first page: the token exchange and the Dashboard page, over
// HTTP on loopback, with 60 components. The watch is started once, as the command does
// before it prints the URL.
func BenchmarkFirstResponse(b *testing.B) {
	ctx := context.Background()
	kw, err := cluster.StartKwok(ctx, cluster.KwokOptions{Nodes: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = kw.Stop(b.Failed()) }()
	if err := seed(ctx, kw.Client, components); err != nil {
		b.Fatal(err)
	}
	catPath, err := synthCatalog(b.TempDir(), components)
	if err != nil {
		b.Fatal(err)
	}
	watchCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := dashboard.NewWatch(dashboard.WatchOptions{Config: kw.Config, Namespace: openovav1alpha1.DefaultNamespace, Platform: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Start(watchCtx, time.Minute); err != nil {
		b.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	first := func(b *testing.B, path string) {
		srv, err := dashboard.Listen(dashboard.Options{Watch: w, Client: kw.Client, Catalog: catPath})
		if err != nil {
			b.Fatal(err)
		}
		srvCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = srv.Serve(srvCtx); close(done) }()
		defer func() { stop(); <-done }()
		start := time.Now()
		resp, err := noRedirect.Get(srv.URL())
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		req, _ := http.NewRequest(http.MethodGet, "http://"+srv.Addr()+path, nil)
		for _, c := range resp.Cookies() {
			req.AddCookie(c)
		}
		resp, err = noRedirect.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var buf [64 << 10]byte
		n := 0
		for {
			m, err := resp.Body.Read(buf[:])
			n += m
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || n == 0 {
			b.Fatalf("%s: %d", path, resp.StatusCode)
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "ms/first-response")
	}
	for _, path := range []string{"/", "/components?f=1", "/upgrades"} {
		b.Run(strings.Trim(strings.SplitN(path, "?", 2)[0], "/")+"page", func(b *testing.B) {
			for b.Loop() {
				first(b, path)
			}
		})
	}
}
