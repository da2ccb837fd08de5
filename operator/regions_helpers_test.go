package operator

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// standbySecretName is the kubeconfig Secret of the two-region tests' standby, hel1.
const standbySecretName = "acme-hel1-kubeconfig"

// unreachableKubeconfig points at a closed loopback port: a standby whose API server is down.
const unreachableKubeconfig = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\", insecure-skip-tls-verify: true}\n" +
	"contexts:\n- name: c\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {token: x}\ncurrent-context: c\n"

// standbySecret writes the standby's kubeconfig Secret into ns (replacing one an earlier
// test left), pointing at this test's own API server so the probe really reaches one, and
// deletes it when the test ends. It returns the Secret and that kubeconfig.
func standbySecret(t *testing.T, ns string) (*corev1.Secret, []byte) {
	t.Helper()
	ctx := context.Background()
	reachable, err := os.ReadFile(kubeconfigFile)
	require.NoError(t, err)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: standbySecretName}, Data: map[string][]byte{"value": reachable}}
	if err := k8s.Create(ctx, secret); apierrors.IsAlreadyExists(err) {
		require.NoError(t, k8s.Update(ctx, secret))
	} else {
		require.NoError(t, err)
	}
	t.Cleanup(func() { _ = k8s.Delete(ctx, secret) })
	return secret, reachable
}

// twoRegions is spec.regions of the two-region tests: primary fsn1, standby hel1 reached
// through standbySecretName.
func twoRegions() []openovav1alpha1.Region {
	return []openovav1alpha1.Region{
		{Name: "fsn1", Role: openovav1alpha1.RegionPrimary},
		{Name: "hel1", Role: openovav1alpha1.RegionStandby, KubeConfig: &openovav1alpha1.KubeConfigReference{
			SecretRef: openovav1alpha1.SecretKeyReference{Name: standbySecretName, Key: "value"}}},
	}
}

// removeComponents empties the Platform's components and waits until each of names is
// gone (envtest has no garbage collector: their finalizers delete what they delivered).
func removeComponents(t *testing.T, ns string, names ...string) {
	t.Helper()
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components = nil })
	for _, name := range names {
		eventually(t, name+" gone", func() (bool, string) {
			_, err := getComponent(ns, name)
			return apierrors.IsNotFound(err), fmt.Sprint(err)
		})
	}
}
