package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/lifecycle"
	"github.com/openova-io/core/test/cluster"
)

// runPrimary runs kubectl openova with the primary's cluster selected by $KUBECONFIG, as
// region set-credentials needs (its --kubeconfig is the standby's file).
func runPrimary(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("KUBECONFIG", kubeconfig)
	var out, errOut bytes.Buffer
	all := append([]string{"--catalog", catalogCLI}, args...)
	code := Execute(context.Background(), all, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

// writeFile writes a kubeconfig variant into the test's directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestRegionSetCredentials(t *testing.T) {
	startEnv(t)
	ctx := context.Background()
	ns := newNamespace(t)
	live := applyTwoRegionPlatform(t, ns, map[string]string{"grafana": "0.1.0"})
	// No Secret named for hel1 yet (ApplyRegions drops the field the CLI owned).
	regions := []openovav1alpha1.Region{*live.Spec.Regions[0].DeepCopy(), *live.Spec.Regions[1].DeepCopy()}
	regions[1].KubeConfig = nil
	written, err := lifecycle.ApplyRegions(ctx, k8s, live, regions, lifecycle.ApplyOptions{})
	require.NoError(t, err)
	require.Nil(t, written.Spec.Regions[1].KubeConfig)
	require.Nil(t, getPlatform(t, ns).Spec.Regions[1].KubeConfig)

	// The standby here is the test's own API server: a real one that answers.
	standby, err := os.ReadFile(kubeconfig)
	require.NoError(t, err)
	standbyFile := writeFile(t, "hel1.yaml", string(standby))

	code, _, errOut := runPrimary(t, "-n", ns, "region", "set-credentials", "hel1", "--kubeconfig", standbyFile)
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, errOut, "reaches https://127.0.0.1:")
	assert.Contains(t, errOut, "✔ Secret "+ns+"/acme-hel1-kubeconfig written (key value)")
	var secret corev1.Secret
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme-hel1-kubeconfig"}, &secret))
	assert.Equal(t, standby, secret.Data["value"])
	assert.Equal(t, "hel1", secret.Labels["openova.io/region"])
	p := getPlatform(t, ns)
	require.NotNil(t, p.Spec.Regions[1].KubeConfig)
	assert.Equal(t, openovav1alpha1.SecretKeyReference{Name: "acme-hel1-kubeconfig", Key: "value"}, p.Spec.Regions[1].KubeConfig.SecretRef)
	assert.Equal(t, []string{"grafana@0.1.0"}, names(p), "spec.components is untouched")

	// Rotation: the Secret changes, the Platform does not.
	rotated := strings.Replace(string(standby), "current-context: test", "current-context: test\n# rotated", 1)
	generation := p.Generation
	code, _, errOut = runPrimary(t, "-n", ns, "region", "set-credentials", "hel1", "--kubeconfig", writeFile(t, "rotated.yaml", rotated))
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, errOut, "names that Secret already")
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(&secret), &secret))
	assert.Equal(t, rotated, string(secret.Data["value"]))
	assert.Equal(t, generation, getPlatform(t, ns).Generation)

	// An API server that does not answer fails unless --skip-check.
	port, err := cluster.FreePort()
	require.NoError(t, err)
	down := strings.Replace(string(standby), strings.TrimPrefix(env.Config.Host, "https://"), fmt.Sprintf("127.0.0.1:%d", port), 1)
	downFile := writeFile(t, "down.yaml", down)
	code, _, errOut = runPrimary(t, "-n", ns, "region", "set-credentials", "hel1", "--kubeconfig", downFile)
	assert.Equal(t, ExitFailure, code)
	assert.Contains(t, errOut, "cannot reach the API server")
	code, _, errOut = runPrimary(t, "-n", ns, "region", "set-credentials", "hel1", "--kubeconfig", downFile, "--skip-check")
	require.Equal(t, ExitOK, code, errOut)
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(&secret), &secret))
	assert.Equal(t, down, string(secret.Data["value"]))

	// Input it refuses, writing nothing.
	kc, err := clientcmd.Load(standby)
	require.NoError(t, err)
	kc.Contexts["second"] = kc.Contexts["test"].DeepCopy()
	two, err := clientcmd.Write(*kc)
	require.NoError(t, err)
	delete(kc.Contexts, "second")
	kc.AuthInfos["test"].Exec = &clientcmdapi.ExecConfig{Command: "gke-gcloud-auth-plugin", APIVersion: "client.authentication.k8s.io/v1"}
	kc.AuthInfos["test"].ClientCertificateData, kc.AuthInfos["test"].ClientKeyData = nil, nil
	withExec, err := clientcmd.Write(*kc)
	require.NoError(t, err)
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"not a kubeconfig", []string{"hel1", "--kubeconfig", writeFile(t, "junk.yaml", "{{ nope")}, ExitInvalidInput, "not a kubeconfig"},
		{"two contexts", []string{"hel1", "--kubeconfig", writeFile(t, "two.yaml", string(two))}, ExitInvalidInput, "has 2 contexts, not one"},
		{"exec plugin", []string{"hel1", "--kubeconfig", writeFile(t, "exec.yaml", string(withExec)), "--skip-check"}, ExitInvalidInput, "the user runs the exec plugin gke-gcloud-auth-plugin"},
		{"primary region", []string{"fsn1", "--kubeconfig", standbyFile}, ExitInvalidInput, "region fsn1 is the primary region of platform acme"},
		{"unknown region", []string{"nbg1", "--kubeconfig", standbyFile}, ExitInvalidInput, `platform acme has no region "nbg1" (regions: fsn1, hel1)`},
		{"no file", []string{"hel1"}, ExitInvalidInput, "--kubeconfig FILE is required"},
		{"kubeconfig twice", []string{"hel1", "--kubeconfig", standbyFile, "--kubeconfig", standbyFile}, ExitInvalidInput, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runPrimary(t, append([]string{"-n", ns, "region", "set-credentials"}, tt.args...)...)
			assert.Equal(t, tt.code, code, errOut)
			assert.Contains(t, errOut, tt.msg)
		})
	}
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(&secret), &secret))
	assert.Equal(t, down, string(secret.Data["value"]), "refused input writes nothing")

	// Another field manager (GitOps) named another Secret: that Secret is the one written,
	// and the Platform is left as it is.
	p = getPlatform(t, ns)
	p.Spec.Regions[1].KubeConfig = &openovav1alpha1.KubeConfigReference{SecretRef: openovav1alpha1.SecretKeyReference{Name: "gitops-hel1"}}
	p.ManagedFields = nil
	require.NoError(t, k8s.Update(ctx, p, client.FieldOwner("gitops")))
	code, _, errOut = runPrimary(t, "-n", ns, "region", "set-credentials", "hel1", "--kubeconfig", standbyFile)
	require.Equal(t, ExitOK, code, "the Secret named there is the one rotated: %s", errOut)
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gitops-hel1"}, &secret))
	assert.Equal(t, standby, secret.Data["value"])

	// region list: a row per region, JSON with the counts.
	operatorWrites(t, ns, "grafana", "0.1.0", "0.1.0", "Healthy", map[string]string{"fsn1": "0.1.0 Healthy", "hel1": "0.1.0 Progressing"}, nil)
	platformReports(t, ns, true)
	code, out, errOut := runPrimary(t, "-n", ns, "region", "list")
	require.Equal(t, ExitOK, code, errOut)
	assert.Equal(t, "NAME   ROLE      REACHABLE   HEALTH   COMPONENTS\nfsn1   primary   reachable   100%     1 of 1 components healthy\nhel1   standby   reachable   0%       0 of 1 components healthy\n", out)
	code, out, _ = runPrimary(t, "-n", ns, "region", "list", "-o", "json")
	require.Equal(t, ExitOK, code)
	var l RegionList
	require.NoError(t, json.Unmarshal([]byte(out), &l))
	require.Len(t, l.Regions, 2)
	assert.Equal(t, int32(1), l.Regions[1].ComponentCount)
	assert.Equal(t, int32(0), l.Regions[1].HealthyCount)
}
