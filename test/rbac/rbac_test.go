// Package rbac proves the operator's RBAC instead of assuming it: the operator binary runs
// against an envtest API server (RBAC authorization) with the token of its ServiceAccount
// and exactly the ClusterRole, Role and bindings of manifests/, reconciles a Platform into
// HelmReleases, and fails with a forbidden error the moment one verb is taken away.
package rbac

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/operator"
	"github.com/openova-io/core/test/cluster"
)

func TestOperatorRunsWithItsRBAC(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	env, err := cluster.StartEnvtest(cluster.EnvtestOptions{FluxCRDs: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	scheme, err := operator.Scheme()
	require.NoError(t, err)
	admin, err := client.New(env.Config, client.Options{Scheme: scheme})
	require.NoError(t, err)

	dir := t.TempDir()
	cfg, err := cluster.OperatorConfig(ctx, env.Config)
	require.NoError(t, err)
	kubeconfig := filepath.Join(dir, "operator.kubeconfig")
	require.NoError(t, cluster.WriteTokenKubeconfig(cfg, kubeconfig))
	bin, err := cluster.Build()
	require.NoError(t, err)
	// Leader election on, as the Deployment runs it: the lease is the leader-election Role's.
	op, err := cluster.StartOperator(filepath.Join(bin, "openova-operator"), kubeconfig, dir, "operator",
		"--leader-elect", "--leader-elect-retry-period=500ms")
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = op.Stop(10 * time.Second)
		if t.Failed() {
			log, _ := os.ReadFile(op.LogPath)
			t.Logf("operator log:\n%s", log)
		}
	})

	name, version, _, err := cluster.StandaloneComponent()
	require.NoError(t, err)
	// Granted: the Platform becomes Components, each Component a HelmRelease.
	createPlatform(ctx, t, admin, "granted", name, version)
	cluster.Eventually(t, time.Minute, 200*time.Millisecond, "HelmRelease of "+name+" in granted", func() (bool, string) {
		var hrs helmv2.HelmReleaseList
		if err := admin.List(ctx, &hrs, client.InNamespace("granted")); err != nil {
			return false, err.Error()
		}
		return len(hrs.Items) > 0, fmt.Sprintf("%d HelmReleases; %s", len(hrs.Items), conditions(ctx, admin, "granted"))
	})
	lease := &coordinationv1.Lease{}
	require.NoError(t, admin.Get(ctx, client.ObjectKey{Namespace: cluster.OperatorNamespace, Name: "openova-operator.openova.io"}, lease))
	require.NotNil(t, lease.Spec.HolderIdentity)

	// One verb less: the operator applies HelmReleases server-side (patch).
	role := &rbacv1.ClusterRole{}
	require.NoError(t, admin.Get(ctx, client.ObjectKey{Name: "openova-operator"}, role))
	removed := false
	for i, rule := range role.Rules {
		if slices.Contains(rule.APIGroups, helmv2.GroupVersion.Group) && slices.Contains(rule.Resources, "helmreleases") {
			role.Rules[i].Verbs = slices.DeleteFunc(slices.Clone(rule.Verbs), func(v string) bool { return v == "patch" })
			removed = true
		}
	}
	require.True(t, removed, "the ClusterRole of manifests/rbac grants patch on helmreleases")
	require.NoError(t, admin.Update(ctx, role))

	createPlatform(ctx, t, admin, "denied", name, version)
	// The reconcile of the new Component fails on the apply of its HelmRelease, and says why.
	// (The Component's status does not carry reconcile errors; the log and the Platform's
	// Ready=False do.)
	want := `apply HelmRelease denied/` + name + `: helmreleases.helm.toolkit.fluxcd.io \"` + name + `\" is forbidden: ` +
		`User \"system:serviceaccount:openova-system:openova-operator\" cannot patch resource \"helmreleases\" ` +
		`in API group \"helm.toolkit.fluxcd.io\" in the namespace \"denied\"`
	cluster.Eventually(t, time.Minute, 200*time.Millisecond, "the forbidden error in the operator's log", func() (bool, string) {
		log, err := os.ReadFile(op.LogPath)
		if err != nil {
			return false, err.Error()
		}
		return strings.Contains(string(log), want), conditions(ctx, admin, "denied")
	})
	var hrs helmv2.HelmReleaseList
	require.NoError(t, admin.List(ctx, &hrs, client.InNamespace("denied")))
	require.Empty(t, hrs.Items)
	p := &openovav1alpha1.Platform{}
	require.NoError(t, admin.Get(ctx, client.ObjectKey{Namespace: "denied", Name: "acme"}, p))
	ready := apimeta.FindStatusCondition(p.Status.Conditions, openovav1alpha1.ReadyCondition)
	require.NotNil(t, ready)
	require.Equal(t, metav1.ConditionFalse, ready.Status)

	// Nothing else the operator did was refused: the shipped RBAC covers it all (the
	// leader election's events included).
	log, err := os.ReadFile(op.LogPath)
	require.NoError(t, err)
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, "forbidden") && !strings.Contains(line, `in the namespace \"denied\"`) {
			t.Errorf("forbidden outside the test's own denial: %s", line)
		}
	}
}

func createPlatform(ctx context.Context, t *testing.T, c client.Client, ns, name, version string) {
	t.Helper()
	require.NoError(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	require.NoError(t, c.Create(ctx, &openovav1alpha1.Platform{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: ns},
		Spec: openovav1alpha1.PlatformSpec{
			Organization: openovav1alpha1.Organization{Name: "acme", Domain: "acme.example.com"},
			Components:   []openovav1alpha1.PlatformComponent{{Name: name, Version: version}},
		},
	}))
}

// conditions describes the conditions of the Platform and Components of ns.
func conditions(ctx context.Context, c client.Client, ns string) string {
	var b strings.Builder
	var platforms openovav1alpha1.PlatformList
	if err := c.List(ctx, &platforms, client.InNamespace(ns)); err == nil {
		for _, p := range platforms.Items {
			for _, cond := range p.Status.Conditions {
				fmt.Fprintf(&b, "Platform %s %s=%s %s: %s; ", p.Name, cond.Type, cond.Status, cond.Reason, cond.Message)
			}
		}
	}
	var comps openovav1alpha1.ComponentList
	if err := c.List(ctx, &comps, client.InNamespace(ns)); err == nil {
		for _, comp := range comps.Items {
			for _, cond := range comp.Status.Conditions {
				fmt.Fprintf(&b, "Component %s %s=%s %s: %s; ", comp.Name, cond.Type, cond.Status, cond.Reason, cond.Message)
			}
		}
	}
	return b.String()
}
