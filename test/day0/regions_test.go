package day0

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/cluster"
)

// kubectlPath is the real kubectl the plugin runs under, as a user runs it.
const kubectlPath = "/usr/bin/kubectl"

// regionsConfig writes a local-provider configuration of platform duo with the regions.
func regionsConfig(t *testing.T, path, workDir, regions string) {
	t.Helper()
	cfg := fmt.Sprintf(`apiVersion: bootstrap.openova.io/v1alpha1
kind: BootstrapConfig
organization: {name: duo, domain: duo.example.com}
provider: local
regions: %s
nodes: {count: 1}
workDir: %s
`, regions, workDir)
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o644))
}

// kubectlOpenova runs kubectl openova ARGS through the real kubectl with KUBECONFIG.
func kubectlOpenova(t *testing.T, kubeconfig string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectlPath, append([]string{"openova"}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "PATH="+filepath.Dir(plugin(t))+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

func regionClient(t *testing.T, kubeconfig []byte) client.Client {
	t.Helper()
	cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	require.NoError(t, err)
	c, err := client.New(cfg, client.Options{Scheme: cluster.Scheme()})
	require.NoError(t, err)
	return c
}

// TestBootstrapAddsAndRemovesARegion: a one-region platform; bootstrap run again with a
// standby adds it (a cluster by Terraform, a ServiceAccount credential in the primary's
// Secret, spec.regions), installs nothing in the standby; region list and set-credentials
// work on it through kubectl; dropping the region again needs --yes and removes only it.
func TestBootstrapAddsAndRemovesARegion(t *testing.T) {
	if testing.Short() {
		t.Skip("runs terraform and kwok")
	}
	if _, err := os.Stat(kubectlPath); err != nil {
		t.Skipf("needs kubectl at %s", kubectlPath)
	}
	ctx := context.Background()
	dir := t.TempDir()
	cfg, workDir := filepath.Join(dir, "config.yaml"), filepath.Join(dir, "work")
	args := []string{"bootstrap", "-f", cfg, "--bin-dir", binDir(t), "--yes"}
	t.Cleanup(func() { run(t, nil, "bootstrap", "destroy", "-f", cfg, "--bin-dir", binDir(t), "--yes") })

	start := time.Now()
	regionsConfig(t, cfg, workDir, "[{name: fsn1, role: primary}]")
	res := run(t, nil, args...)
	require.Equal(t, 0, res.code, res.stderr)
	primaryKubeconfig := filepath.Join(workDir, "kubeconfig-fsn1.yaml")
	primary := regionClient(t, []byte(readFile(t, primaryKubeconfig)))
	var p openovav1alpha1.Platform
	key := client.ObjectKey{Namespace: "openova-system", Name: "duo"}
	require.NoError(t, primary.Get(ctx, key, &p))
	require.Len(t, p.Spec.Regions, 1)
	components := len(p.Spec.Components)
	t.Logf("one region bootstrapped in %s", time.Since(start).Round(time.Second))

	// Add the standby.
	step := time.Now()
	regionsConfig(t, cfg, workDir, "[{name: fsn1, role: primary}, {name: hel1, role: standby}]")
	res = run(t, nil, args...)
	require.Equal(t, 0, res.code, res.stderr)
	t.Logf("standby added in %s", time.Since(step).Round(time.Second))
	assert.Contains(t, res.stderr, "region hel1 (standby): nothing to install there")
	assert.Contains(t, res.stderr, "spec.regions is now fsn1 (primary), hel1 (standby)")
	require.NoError(t, primary.Get(ctx, key, &p))
	require.Len(t, p.Spec.Regions, 2)
	assert.Equal(t, "hel1", p.Spec.Regions[1].Name)
	require.NotNil(t, p.Spec.Regions[1].KubeConfig)
	assert.Equal(t, openovav1alpha1.SecretKeyReference{Name: "duo-hel1-kubeconfig", Key: "value"}, p.Spec.Regions[1].KubeConfig.SecretRef)
	assert.Nil(t, p.Spec.Regions[0].KubeConfig, "the primary needs no credential")
	assert.Len(t, p.Spec.Components, components, "the components are left as they are")

	// The Secret's kubeconfig reaches the standby as its ServiceAccount, not as the admin.
	var secret corev1.Secret
	require.NoError(t, primary.Get(ctx, client.ObjectKey{Namespace: "openova-system", Name: "duo-hel1-kubeconfig"}, &secret))
	standby := regionClient(t, secret.Data["value"])
	review := &authenticationv1.SelfSubjectReview{}
	require.NoError(t, standby.Create(ctx, review))
	assert.Equal(t, "system:serviceaccount:openova-system:openova-remote", review.Status.UserInfo.Username)
	var nodes corev1.NodeList
	require.NoError(t, standby.List(ctx, &nodes), "helm-controller's credential may read the standby's cluster")
	assert.Len(t, nodes.Items, 1)
	// Nothing of Flux, the operator or the Platform in the standby.
	var deployments appsv1.DeploymentList
	require.NoError(t, standby.List(ctx, &deployments))
	for _, d := range deployments.Items {
		assert.NotContains(t, []string{"flux-system", "openova-system"}, d.Namespace, "deployment %s/%s in the standby", d.Namespace, d.Name)
	}
	assert.Error(t, standby.List(ctx, &openovav1alpha1.PlatformList{}), "no Platform CRD in the standby")

	// The day-2 commands see both regions (no operator runs here: hel1 is not reported yet).
	r := kubectlOpenova(t, primaryKubeconfig, "region", "list")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "hel1   standby   not reported yet")
	r = kubectlOpenova(t, primaryKubeconfig, "status", "--check")
	assert.Equal(t, 4, r.code)
	assert.Contains(t, r.stderr, "the operator has not reported on region hel1 yet")
	// Standing in for the operator (not running here: kwok fakes its pod), a Component of
	// the first entry with its status in both regions: components shows a column each.
	first := p.Spec.Components[0]
	comp := &openovav1alpha1.Component{
		ObjectMeta: metav1.ObjectMeta{Name: first.Name, Namespace: "openova-system", Labels: map[string]string{openovav1alpha1.PlatformLabel: "duo"}},
		Spec: openovav1alpha1.ComponentSpec{Version: first.Version, Category: "mandatory", TargetNamespace: first.Name,
			Regions: []openovav1alpha1.ComponentRegion{{Name: "hel1", Role: openovav1alpha1.RegionStandby}, {Name: "fsn1", Role: openovav1alpha1.RegionPrimary}}},
	}
	require.NoError(t, primary.Create(ctx, comp))
	comp.Status = openovav1alpha1.ComponentStatus{Version: first.Version, Health: "Progressing", ObservedGeneration: comp.Generation,
		Regions: []openovav1alpha1.RegionStatus{{Name: "hel1", Health: "Progressing"}, {Name: "fsn1", Version: first.Version, Health: "Healthy"}}}
	require.NoError(t, primary.Status().Update(ctx, comp))
	r = kubectlOpenova(t, primaryKubeconfig, "components")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `NAME +VERSION +FSN1 +HEL1 +UPGRADE`, r.stdout)
	assert.Regexp(t, first.Name+` +`+regexp.QuoteMeta(first.Version)+` +`+regexp.QuoteMeta(first.Version)+` Healthy +- Progressing`, r.stdout)

	// Rotation through the CLI: the Secret is rewritten, checked against the standby.
	rotated := filepath.Join(dir, "hel1.yaml")
	require.NoError(t, os.WriteFile(rotated, secret.Data["value"], 0o600))
	r = kubectlOpenova(t, primaryKubeconfig, "region", "set-credentials", "hel1", "--kubeconfig", rotated)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "authenticated as system:serviceaccount:openova-system:openova-remote")
	assert.Contains(t, r.stderr, "names that Secret already")

	// Dropping the standby needs confirmation; without it nothing is touched.
	regionsConfig(t, cfg, workDir, "[{name: fsn1, role: primary}]")
	res = run(t, nil, "bootstrap", "-f", cfg, "--bin-dir", binDir(t))
	assert.Equal(t, 2, res.code, res.stderr)
	assert.Contains(t, res.stderr, "the configuration no longer has region hel1")
	require.NoError(t, standby.List(ctx, &nodes), "the standby still runs")

	step = time.Now()
	res = run(t, nil, args...)
	require.Equal(t, 0, res.code, res.stderr)
	t.Logf("standby removed in %s", time.Since(step).Round(time.Second))
	assert.Contains(t, res.stderr, "removed region [hel1] from Platform openova-system/duo")
	require.NoError(t, primary.Get(ctx, key, &p))
	require.Len(t, p.Spec.Regions, 1)
	assert.Equal(t, "fsn1", p.Spec.Regions[0].Name)
	assert.Len(t, p.Spec.Components, components)
	err := primary.Get(ctx, client.ObjectKeyFromObject(&secret), &secret)
	assert.True(t, err != nil && strings.Contains(err.Error(), "not found"), "the Secret is deleted: %v", err)
	assert.Error(t, standby.List(ctx, &nodes), "the standby's cluster is destroyed")
	require.NoError(t, primary.List(ctx, &nodes), "the primary is not touched")
	t.Logf("whole journey: %s", time.Since(start).Round(time.Second))
}
