package webboot

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/browser"
	"github.com/openova-io/core/test/cluster"
)

// testCanary: the credential typed into the Credentials step reached Terraform (the
// local module's processes have it in their environment) and nothing else: no file in the
// home and work directory (state, tfvars, checkpoint, logs, kubeconfigs, the clusters'
// data), not the wizard's log, not the browser's profile (its storage), no object in the
// cluster, no response of the wizard.
func testCanary(t *testing.T, ctx context.Context, w *wizard) {
	assert.True(t, inSomeEnviron(t, canary), "the credential reached Terraform's environment (and its local-exec children)")

	for _, dir := range []string{w.home, filepath.Dir(w.proc.LogPath), browse.Profile()} {
		noCanaryInFiles(t, dir)
	}
	assert.NotContains(t, w.log(t), canary)

	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(w.workDir, "kubeconfig-dev.yaml"))
	require.NoError(t, err)
	cfg.WarningHandler = rest.NoWarnings{}
	noCanaryInCluster(t, cfg)

	for _, path := range []string{"/", "/run", "/step/credentials", "/step/review", "/config.yaml", "/wizard/wizard.js", "/static/app.js"} {
		head, body := browser.Fetch(t, ctx, path)
		require.True(t, strings.HasPrefix(head, "200"), "GET %s: %s", path, head)
		browser.NoCanary(t, "GET "+path, head+body, []string{canary})
	}
}

// inSomeEnviron reports whether a process of this machine has s in its environment.
func inSomeEnviron(t *testing.T, s string) bool {
	t.Helper()
	procs, err := filepath.Glob("/proc/[0-9]*/environ")
	require.NoError(t, err)
	for _, p := range procs {
		if data, err := os.ReadFile(p); err == nil && strings.Contains(string(data), s) {
			return true
		}
	}
	return false
}

func noCanaryInFiles(t *testing.T, root string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // gone while walking (a process's temporary file)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		files++
		if strings.Contains(string(data), canary) {
			t.Errorf("%s holds the credential typed into the wizard", path)
		}
		return nil
	})
	require.NoError(t, err)
	t.Logf("%d files under %s hold no credential", files, root)
}

// noCanaryInCluster reads every object of every listable resource of the cluster.
func noCanaryInCluster(t *testing.T, cfg *rest.Config) {
	t.Helper()
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	require.NoError(t, err)
	lists, err := disc.ServerPreferredResources()
	if err != nil && len(lists) == 0 {
		require.NoError(t, err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	require.NoError(t, err)
	objects := 0
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		require.NoError(t, err)
		for _, r := range l.APIResources {
			if !contains(r.Verbs, "list") || strings.Contains(r.Name, "/") {
				continue
			}
			items, err := dyn.Resource(gv.WithResource(r.Name)).List(context.Background(), metav1.ListOptions{})
			if err != nil {
				continue
			}
			for i := range items.Items {
				objects++
				data, _ := json.Marshal(items.Items[i].Object)
				if strings.Contains(string(data), canary) {
					t.Errorf("%s %s/%s holds the credential", r.Name, items.Items[i].GetNamespace(), items.Items[i].GetName())
				}
			}
		}
	}
	require.NotZero(t, objects)
	t.Logf("%d objects in the cluster hold no credential", objects)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func clusterClient(t *testing.T, kubeconfig string) client.Client {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	require.NoError(t, err)
	c, err := client.New(cfg, client.Options{Scheme: cluster.Scheme()})
	require.NoError(t, err)
	return c
}

func platform(t *testing.T, c client.Client) *openovav1alpha1.Platform {
	t.Helper()
	var p openovav1alpha1.Platform
	require.NoError(t, c.Get(context.Background(), client.ObjectKey{Namespace: openovav1alpha1.DefaultNamespace, Name: org}, &p))
	return &p
}

func nodes(t *testing.T, c client.Client) []corev1.Node {
	t.Helper()
	var list corev1.NodeList
	require.NoError(t, c.List(context.Background(), &list))
	return list.Items
}
