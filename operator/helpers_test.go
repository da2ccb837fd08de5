package operator

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	fluxmeta "github.com/fluxcd/pkg/apis/meta"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/testcatalog"
)

func renderCatalog(dir, repo string) (string, error) {
	data, err := testcatalog.Render("operator", repo)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "catalog.yaml")
	return path, os.WriteFile(path, data, 0o644)
}

func newNamespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("t%d", rand.Uint32())
	require.NoError(t, k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}))
	return name
}

type entry = openovav1alpha1.PlatformComponent

func newPlatform(ns string, entries ...entry) *openovav1alpha1.Platform {
	return &openovav1alpha1.Platform{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: ns},
		Spec: openovav1alpha1.PlatformSpec{
			Organization: openovav1alpha1.Organization{Name: "acme", Domain: "acme.example.com"},
			Components:   entries,
		},
	}
}

func getPlatform(t *testing.T, ns string) *openovav1alpha1.Platform {
	t.Helper()
	p := &openovav1alpha1.Platform{}
	require.NoError(t, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "acme"}, p))
	return p
}

// updatePlatform changes the Platform's spec, retrying on conflicts with the operator's
// status writes.
func updatePlatform(t *testing.T, ns string, mutate func(*openovav1alpha1.Platform)) {
	t.Helper()
	require.Eventually(t, func() bool {
		p := getPlatform(t, ns)
		mutate(p)
		return k8s.Update(context.Background(), p) == nil
	}, 10*time.Second, 50*time.Millisecond)
}

func getComponent(ns, name string) (*openovav1alpha1.Component, error) {
	c := &openovav1alpha1.Component{}
	return c, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, c)
}

func getRelease(ns, name string) (*helmv2.HelmRelease, error) {
	hr := &helmv2.HelmRelease{}
	return hr, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, hr)
}

// waitRelease waits for the HelmRelease of name to deliver chart version chartVersion.
func waitRelease(t *testing.T, ns, name, chartVersion string) *helmv2.HelmRelease {
	t.Helper()
	var hr *helmv2.HelmRelease
	eventually(t, fmt.Sprintf("HelmRelease %s at chart %s", name, chartVersion), func() (bool, string) {
		var err error
		if hr, err = getRelease(ns, name); err != nil {
			return false, err.Error()
		}
		return hr.Spec.Chart.Spec.Version == chartVersion, "chart " + hr.Spec.Chart.Spec.Version
	})
	return hr
}

// waitComponent waits until check accepts the Component.
func waitComponent(t *testing.T, ns, name, what string, check func(*openovav1alpha1.Component) bool) *openovav1alpha1.Component {
	t.Helper()
	var c *openovav1alpha1.Component
	eventually(t, "component "+name+": "+what, func() (bool, string) {
		var err error
		if c, err = getComponent(ns, name); err != nil {
			return false, err.Error()
		}
		return check(c), fmt.Sprintf("%+v", c.Status)
	})
	return c
}

func waitPlatform(t *testing.T, ns, what string, check func(*openovav1alpha1.Platform) bool) *openovav1alpha1.Platform {
	t.Helper()
	var p *openovav1alpha1.Platform
	eventually(t, "platform: "+what, func() (bool, string) {
		p = getPlatform(t, ns)
		return check(p), fmt.Sprintf("%+v", p.Status)
	})
	return p
}

// playFlux writes the status helm-controller would write after installing or upgrading hr
// successfully.
func playFluxDeployed(t *testing.T, hr *helmv2.HelmRelease) {
	t.Helper()
	writeFluxStatus(t, hr, playDeployed)
}

func playDeployed(hr *helmv2.HelmRelease) {
	now := metav1.Now()
	hr.Status.ObservedGeneration = hr.Generation
	hr.Status.LastAttemptedRevision = hr.Spec.Chart.Spec.Version
	hr.Status.History = append(helmv2.Snapshots{snapshot(hr, len(hr.Status.History)+1, hr.Spec.Chart.Spec.Version, "deployed", now)}, hr.Status.History...)
	hr.Status.Conditions = nil
	meta.SetStatusCondition(&hr.Status.Conditions, metav1.Condition{Type: fluxmeta.ReadyCondition, Status: metav1.ConditionTrue,
		Reason: helmv2.UpgradeSucceededReason, Message: "Helm upgrade succeeded for release " + hr.Name, ObservedGeneration: hr.Generation})
	meta.SetStatusCondition(&hr.Status.Conditions, metav1.Condition{Type: helmv2.ReleasedCondition, Status: metav1.ConditionTrue,
		Reason: helmv2.UpgradeSucceededReason, Message: "Helm upgrade succeeded", ObservedGeneration: hr.Generation})
}

// writeFluxStatus writes the status play computes for hr, the way helm-controller does: the
// operator may have re-applied the HelmRelease since the caller read it (a label, dependsOn),
// so a conflict re-reads it and plays again on the fresh object — as long as it still asks
// for the chart version the caller saw, which is what the test means to answer.
func writeFluxStatus(t *testing.T, hr *helmv2.HelmRelease, play func(*helmv2.HelmRelease)) {
	t.Helper()
	ctx := context.Background()
	want := hr.Spec.Chart.Spec.Version
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		fresh := hr.DeepCopy()
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(hr), fresh); err != nil {
			return err
		}
		if got := fresh.Spec.Chart.Spec.Version; got != want {
			return fmt.Errorf("HelmRelease %s now asks for chart %s, not %s", hr.Name, got, want)
		}
		play(fresh)
		if err := k8s.Status().Update(ctx, fresh); err != nil {
			return err
		}
		*hr = *fresh
		return nil
	})
	require.NoError(t, err)
}

// playFluxRolledBack writes the status helm-controller writes when an upgrade to hr's chart
// failed and was rolled back to the previous release.
func playFluxRolledBack(t *testing.T, hr *helmv2.HelmRelease, previousChart string) {
	t.Helper()
	writeFluxStatus(t, hr, func(hr *helmv2.HelmRelease) { playRolledBack(hr, previousChart) })
}

func playRolledBack(hr *helmv2.HelmRelease, previousChart string) {
	now := metav1.Now()
	n := len(hr.Status.History)
	hr.Status.ObservedGeneration = hr.Generation
	hr.Status.LastAttemptedRevision = hr.Spec.Chart.Spec.Version
	hr.Status.History = append(helmv2.Snapshots{
		snapshot(hr, n+2, previousChart, "deployed", now),
		snapshot(hr, n+1, hr.Spec.Chart.Spec.Version, "failed", now),
	}, hr.Status.History...)
	hr.Status.Conditions = nil
	for _, c := range []metav1.Condition{
		{Type: fluxmeta.ReadyCondition, Status: metav1.ConditionFalse, Reason: helmv2.UpgradeFailedReason,
			Message: "Helm upgrade failed for release: context deadline exceeded"},
		{Type: fluxmeta.StalledCondition, Status: metav1.ConditionTrue, Reason: "RetriesExceeded", Message: "Failed to upgrade after 1 attempt(s)"},
		{Type: helmv2.ReleasedCondition, Status: metav1.ConditionFalse, Reason: helmv2.UpgradeFailedReason,
			Message: "Helm upgrade failed for release: context deadline exceeded"},
		{Type: helmv2.RemediatedCondition, Status: metav1.ConditionTrue, Reason: helmv2.RollbackSucceededReason,
			Message: "Helm rollback to previous release succeeded"},
	} {
		c.ObservedGeneration = hr.Generation
		meta.SetStatusCondition(&hr.Status.Conditions, c)
	}
}

func snapshot(hr *helmv2.HelmRelease, version int, chartVersion, status string, at metav1.Time) *helmv2.Snapshot {
	return &helmv2.Snapshot{
		Name: hr.Name, Namespace: hr.Spec.TargetNamespace, Version: version, Status: status,
		ChartName: hr.Spec.Chart.Spec.Chart, ChartVersion: chartVersion, ConfigDigest: "sha256:0", Digest: "sha256:0",
		FirstDeployed: at, LastDeployed: at,
	}
}

// deployAll plays Flux for every HelmRelease of the namespace until all are deployed.
func deployAll(t *testing.T, ns string, names ...string) {
	t.Helper()
	for _, n := range names {
		hr, err := getRelease(ns, n)
		require.NoError(t, err)
		playFluxDeployed(t, hr)
	}
}

// eventsFor lists the events recorded on the object of that kind and name.
func eventsFor(t *testing.T, ns, kind, name string) []eventsv1.Event {
	t.Helper()
	var list eventsv1.EventList
	require.NoError(t, k8s.List(context.Background(), &list, client.InNamespace(ns)))
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Kind == kind && e.Regarding.Name == name {
			out = append(out, e)
		}
	}
	return out
}

func hasEvent(evs []eventsv1.Event, typ, reason string) bool {
	for _, e := range evs {
		if e.Type == typ && e.Reason == reason {
			return true
		}
	}
	return false
}

// availableDeployment creates a Deployment whose status says it is available, as Flux's
// own controllers would be after bootstrap.
func availableDeployment(t *testing.T, ns, name string) {
	t.Helper()
	ctx := context.Background()
	one := int32(1)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example.invalid/" + name}}},
			},
		},
	}
	require.NoError(t, k8s.Create(ctx, d))
	d.Status = appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation, Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1,
		Conditions: []appsv1.DeploymentCondition{
			{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"},
			{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable"},
		},
	}
	require.NoError(t, k8s.Status().Update(ctx, d))
}

func clientKey(ns, name string) client.ObjectKey { return client.ObjectKey{Namespace: ns, Name: name} }
