// Package dashlive tests the dashboard's live updates against a real API server (envtest,
// reached through test/apiproxy, which counts the requests): one watch per resource type
// however many tabs follow it, and a page in Debian's headless Chromium that keeps up with
// bursts of changes, including the change that arrives while the page is re-rendering.
package dashlive

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/dashboard"
	"github.com/openova-io/core/test/apiproxy"
	"github.com/openova-io/core/test/browser"
	"github.com/openova-io/core/test/cluster"
)

var (
	env   *cluster.Envtest
	proxy *apiproxy.Proxy
	// k8s writes directly to the API server (not through the proxy: its requests are not
	// the dashboard's); dash is the dashboard's client, through the proxy.
	k8s, dash client.Client
	proxyCfg  *rest.Config
	browse    *browser.Browser
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("skipping the dashboard's live-update tests in -short mode")
		os.Exit(0)
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "dashlive setup:", err)
		return 1
	}
	var err error
	if env, err = cluster.StartEnvtest(cluster.EnvtestOptions{}); err != nil {
		return fail(err)
	}
	defer func() { _ = env.Stop() }()
	if k8s, err = client.New(env.Config, client.Options{Scheme: dashboard.Scheme()}); err != nil {
		return fail(err)
	}
	if proxy, err = apiproxy.Start(env.Config); err != nil {
		return fail(err)
	}
	defer proxy.Close()
	proxyCfg = &rest.Config{Host: proxy.URL}
	if dash, err = client.New(proxyCfg, client.Options{Scheme: dashboard.Scheme()}); err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cluster.PlatformNamespace}}); err != nil {
		return fail(err)
	}
	if err := cluster.ApplyPlatform(ctx, k8s, "http://127.0.0.1:1/catalog.yaml", openovav1alpha1.PlatformComponent{Name: "grafana", Version: "0.1.0"}); err != nil {
		return fail(err)
	}
	if err := browser.EnsureChromium(); err != nil {
		return fail(err)
	}
	if browse, err = browser.Start(); err != nil {
		return fail(err)
	}
	defer browse.Close()
	return m.Run()
}
