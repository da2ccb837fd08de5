package cluster

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// WaitComponent waits until check holds for the Component name of the Platform's namespace
// and returns it; it fails the test with the last status seen.
func WaitComponent(t testing.TB, ctx context.Context, c client.Client, name, what string, timeout time.Duration, check func(*openovav1alpha1.Component) bool) *openovav1alpha1.Component {
	t.Helper()
	var comp *openovav1alpha1.Component
	Eventually(t, timeout, 250*time.Millisecond, "component "+name+": "+what, func() (bool, string) {
		comp = &openovav1alpha1.Component{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: PlatformNamespace, Name: name}, comp); err != nil {
			return false, err.Error()
		}
		return check(comp), fmt.Sprintf("%+v", comp.Status)
	})
	return comp
}

// WaitPlatform waits until check holds for the Platform acme and returns it.
func WaitPlatform(t testing.TB, ctx context.Context, c client.Client, what string, timeout time.Duration, check func(*openovav1alpha1.Platform) bool) *openovav1alpha1.Platform {
	t.Helper()
	var p *openovav1alpha1.Platform
	Eventually(t, timeout, 250*time.Millisecond, "platform: "+what, func() (bool, string) {
		var err error
		if p, err = GetPlatform(ctx, c); err != nil {
			return false, err.Error()
		}
		return check(p), fmt.Sprintf("%+v", p.Status)
	})
	return p
}

// WaitDeployment waits until the Deployment is Available with every replica updated, at
// appVersion (its app.kubernetes.io/version label) when given.
func WaitDeployment(t testing.TB, ctx context.Context, c client.Client, namespace, name, appVersion string) {
	t.Helper()
	Eventually(t, 2*time.Minute, 250*time.Millisecond, "deployment "+namespace+"/"+name, func() (bool, string) {
		var d appsv1.Deployment
		if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &d); err != nil {
			return false, err.Error()
		}
		v := d.Spec.Template.Labels["app.kubernetes.io/version"]
		return (appVersion == "" || v == appVersion) && d.Status.ObservedGeneration == d.Generation &&
				d.Status.UpdatedReplicas == *d.Spec.Replicas && d.Status.AvailableReplicas == *d.Spec.Replicas,
			fmt.Sprintf("version %s, %d/%d available", v, d.Status.AvailableReplicas, *d.Spec.Replicas)
	})
}
