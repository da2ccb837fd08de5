package delivery

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/test/catalogserver"
	"github.com/openova-io/core/test/cluster"
	"github.com/openova-io/core/test/testcatalog"
)

// The README's next step: a new catalog release is published, the CLI upgrades against it,
// and the operator — which loaded the catalog before the release — delivers the upgrade on
// its own (it reloads the catalog when the Platform names a version its copy lacks), with
// no refresh annotation.
func TestCatalogReleaseUpgradeThroughTheCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kwok cluster, Flux and the operator")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	e := start(t, ctx, 1)
	k, c := e.k, e.c
	full, err := testcatalog.Render("operator", e.repo.URL)
	require.NoError(t, err)
	// This journey has no failing upgrade: give installs time on a loaded machine.
	full = []byte(strings.ReplaceAll(string(full), "upgrade: {timeout: 20s}", "upgrade: {timeout: 2m}"))
	// The release before: base without 1.2.0 and what came after it.
	older := string(full)
	for _, v := range []string{
		"- {version: 2.0.0, chartVersion: 2.0.0, changelog: \"Base 2.0: pods that cannot schedule (a broken release).\"}\n",
		"- {version: 1.3.0, chartVersion: 2.0.0, changelog: \"Base 1.3: pods that cannot schedule (a broken release).\"}\n",
		"- {version: 1.2.0, chartVersion: 1.2.0, changelog: \"Base 1.2: faster start.\"}\n",
	} {
		require.Contains(t, older, v)
		older = strings.Replace(older, v, "", 1)
	}
	host := catalogserver.Start([]byte(older), catalogserver.Options{})
	t.Cleanup(host.Close)
	catalogURL := host.URL
	_, err = k.StartOperator(ctx, "operator", "--leader-elect=false")
	require.NoError(t, err)
	p := &openovav1alpha1.Platform{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: ns},
		Spec: openovav1alpha1.PlatformSpec{
			Organization: openovav1alpha1.Organization{Name: "acme", Domain: "acme.example.com"},
			Catalog:      &openovav1alpha1.CatalogSource{URL: catalogURL},
			Components:   []openovav1alpha1.PlatformComponent{{Name: "base", Version: "1.1.0"}},
		},
	}
	// Created as bootstrap creates it: a server-side apply by the CLI's field manager, so the
	// CLI's later writes own the same fields.
	require.NoError(t, kube.ApplyObject(ctx, c, install.FieldManager, p))
	require.NoError(t, kubectlWait(ctx, k.Kubeconfig, "platform/acme", 3*time.Minute))

	// The release: base 1.2.0. The CLI reads it and writes the Platform.
	host.Publish(full)
	bin, err := cluster.Build()
	require.NoError(t, err)
	home := t.TempDir()
	cli := exec.CommandContext(ctx, filepath.Join(bin, "kubectl-openova"), "upgrade", "base", "--to", "1.2.0", "--catalog", catalogURL, "--yes")
	cli.Env = append(os.Environ(), "KUBECONFIG="+k.Kubeconfig, "HOME="+home, "NO_COLOR=1")
	out, err := cli.CombinedOutput()
	t.Logf("$ kubectl-openova upgrade base --to 1.2.0 --catalog %s --yes\n%s", catalogURL, out)
	require.NoError(t, err)
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(p), p))
	require.Equal(t, "1.2.0", p.Spec.Components[0].Version, "the CLI wrote the upgrade")

	start := time.Now()
	require.NoError(t, kubectlWait(ctx, k.Kubeconfig, "platform/acme", 3*time.Minute), "the operator delivers the upgrade without a refresh")
	t.Logf("delivered %s after the CLI wrote it", time.Since(start).Round(time.Second))
	var d appsv1.Deployment
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "base-system", Name: "base"}, &d))
	assert.Equal(t, "1.2", d.Spec.Template.Labels["app.kubernetes.io/version"])
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(p), p))
	assert.Empty(t, p.Annotations[openovav1alpha1.RefreshAnnotation], "no refresh annotation was needed")
	assert.Equal(t, "1.2.0", p.Status.Components[0].Version)
	assert.Empty(t, p.Status.Alerts)
	assert.GreaterOrEqual(t, host.Answers(http.StatusOK), 2, "the operator read the new release")
}
