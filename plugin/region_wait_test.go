package plugin

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/lifecycle"
	"github.com/openova-io/core/test/cluster"
)

// The tests in this file stand in for the operator of a platform in two regions (fsn1
// primary, hel1 standby): they write Components and the Platform's status through the
// real API server's status subresource, and run the CLI against it.

// applyTwoRegionPlatform applies Platform acme in ns with the regions and entries (as
// name → version), as bootstrap writes it.
func applyTwoRegionPlatform(t *testing.T, ns string, versions map[string]string) *openovav1alpha1.Platform {
	t.Helper()
	var list []any
	for _, name := range []string{"grafana", "vllm"} {
		if v, ok := versions[name]; ok {
			list = append(list, map[string]any{"name": name, "version": v})
		}
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": openovav1alpha1.GroupVersion.String(), "kind": "Platform",
		"metadata": map[string]any{"name": "acme", "namespace": ns},
		"spec": map[string]any{
			"organization": map[string]any{"name": "acme", "domain": "acme.example.com"},
			"regions": []any{
				map[string]any{"name": "fsn1", "role": "primary"},
				map[string]any{"name": "hel1", "role": "standby", "kubeConfig": map[string]any{"secretRef": map[string]any{"name": "acme-hel1-kubeconfig", "key": "value"}}},
			},
			"components": list,
		},
	}}
	require.NoError(t, k8s.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(lifecycle.FieldManager), client.ForceOwnership))
	return getPlatform(t, ns)
}

var bothRegions = []openovav1alpha1.ComponentRegion{
	{Name: "hel1", Role: openovav1alpha1.RegionStandby, KubeConfig: &openovav1alpha1.KubeConfigReference{SecretRef: openovav1alpha1.SecretKeyReference{Name: "acme-hel1-kubeconfig"}}},
	{Name: "fsn1", Role: openovav1alpha1.RegionPrimary},
}

// operatorWrites sets a Component's spec.version and its status: overall version and
// health, and per region (name → "version health").
func operatorWrites(t *testing.T, ns, name, specVersion, version, health string, regions map[string]string, mutate func(*openovav1alpha1.ComponentStatus)) {
	t.Helper()
	ctx := context.Background()
	c := &openovav1alpha1.Component{}
	err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, c)
	if err != nil {
		c = &openovav1alpha1.Component{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{openovav1alpha1.PlatformLabel: "acme"}},
			Spec: openovav1alpha1.ComponentSpec{Version: specVersion, Category: "mandatory", TargetNamespace: name, Regions: bothRegions,
				Chart: &openovav1alpha1.ChartRef{Repository: "http://127.0.0.1:1/charts", Name: name, Version: specVersion}},
		}
		require.NoError(t, k8s.Create(ctx, c))
	} else if c.Spec.Version != specVersion {
		c.Spec.Version, c.Spec.Chart.Version = specVersion, specVersion
		require.NoError(t, k8s.Update(ctx, c))
	}
	st := openovav1alpha1.ComponentStatus{Version: version, Health: health, ObservedGeneration: c.Generation}
	for _, r := range bothRegions {
		v, h, _ := strings.Cut(regions[r.Name], " ")
		st.Regions = append(st.Regions, openovav1alpha1.RegionStatus{Name: r.Name, Version: v, Health: h})
	}
	if mutate != nil {
		mutate(&st)
	}
	c.Status = st
	require.NoError(t, k8s.Status().Update(ctx, c))
}

// platformReports writes the Platform's status: Ready and reconciled, with the regions'
// reachability.
func platformReports(t *testing.T, ns string, hel1Reachable bool) {
	t.Helper()
	p := getPlatform(t, ns)
	p.Status = openovav1alpha1.PlatformStatus{Phase: openovav1alpha1.PhaseReady, ObservedGeneration: p.Generation,
		Regions: []openovav1alpha1.RegionSummary{{Name: "fsn1", Role: openovav1alpha1.RegionPrimary, Reachable: true}, {Name: "hel1", Role: openovav1alpha1.RegionStandby, Reachable: hel1Reachable}}}
	if !hel1Reachable {
		p.Status.Regions[1].Message = "dial tcp 127.0.0.1:9: connect: connection refused"
	}
	require.NoError(t, k8s.Status().Update(context.Background(), p))
}

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs kubectl openova in the background; done receives its exit code.
func start(args ...string) (out, errOut *syncBuffer, done chan int) {
	out, errOut, done = &syncBuffer{}, &syncBuffer{}, make(chan int, 1)
	all := append([]string{"--kubeconfig", kubeconfig, "--catalog", catalogCLI}, args...)
	go func() {
		done <- Execute(context.Background(), all, genericiooptions.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut})
	}()
	return out, errOut, done
}

func waitFor(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	cluster.Eventually(t, 30*time.Second, 50*time.Millisecond, what, check)
}

func TestTwoRegionStatusCheck(t *testing.T) {
	startEnv(t)
	ns := newNamespace(t)
	applyTwoRegionPlatform(t, ns, map[string]string{"grafana": "0.1.0"})
	operatorWrites(t, ns, "grafana", "0.1.0", "0.1.0", "Healthy", map[string]string{"fsn1": "0.1.0 Healthy", "hel1": "0.1.0 Healthy"}, nil)
	platformReports(t, ns, true)

	code, out, errOut := run(t, "-n", ns, "status", "--check")
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "REGIONS\n  FSN1   primary   reachable   100%")
	code, out, _ = run(t, "-n", ns, "components")
	require.Equal(t, ExitOK, code)
	assert.Contains(t, out, "NAME      VERSION   FSN1            HEL1")

	// The standby's API server stops answering: its components are Unknown there.
	operatorWrites(t, ns, "grafana", "0.1.0", "0.1.0", "Unknown", map[string]string{"fsn1": "0.1.0 Healthy", "hel1": "0.1.0 Unknown"}, nil)
	platformReports(t, ns, false)
	code, out, errOut = run(t, "-n", ns, "status", "--check")
	assert.Equal(t, ExitUnhealthy, code)
	assert.Contains(t, out, "HEL1   standby   unreachable")
	assert.Contains(t, errOut, "region hel1 is unreachable (dial tcp 127.0.0.1:9: connect: connection refused)")

	// Reachable again, but a component Degraded in the standby only still fails the check.
	operatorWrites(t, ns, "grafana", "0.1.0", "Degraded", "Degraded", map[string]string{"fsn1": "0.1.0 Healthy", "hel1": "0.1.0 Degraded"}, nil)
	platformReports(t, ns, true)
	code, _, errOut = run(t, "-n", ns, "status", "--check", "-o", "json")
	assert.Equal(t, ExitUnhealthy, code)
	assert.Contains(t, errOut, "region hel1: 1 of 1 components not healthy")
}

// TestTwoRegionUpgradeWait: --wait is done only when every region runs the new version,
// and a failed standby upgrade ends it saying the primary was not touched.
func TestTwoRegionUpgradeWait(t *testing.T) {
	startEnv(t)
	ns := newNamespace(t)
	applyTwoRegionPlatform(t, ns, map[string]string{"grafana": "0.1.0", "vllm": "0.1.0"})
	for _, name := range []string{"grafana", "vllm"} {
		operatorWrites(t, ns, name, "0.1.0", "0.1.0", "Healthy", map[string]string{"fsn1": "0.1.0 Healthy", "hel1": "0.1.0 Healthy"}, nil)
	}
	platformReports(t, ns, true)
	specVersion := func(name string) func() (bool, string) {
		return func() (bool, string) {
			for _, e := range getPlatform(t, ns).Spec.Components {
				if e.Name == name {
					return e.Version == "0.2.0", e.Version
				}
			}
			return false, "missing"
		}
	}

	// The standby is upgraded and Healthy, the primary not yet: still waiting.
	_, errOut, done := start("-n", ns, "upgrade", "grafana", "--to", "0.2.0", "--yes", "--wait", "--timeout", "1m")
	waitFor(t, "the upgrade is written", specVersion("grafana"))
	operatorWrites(t, ns, "grafana", "0.2.0", "0.2.0", "Healthy", map[string]string{"fsn1": "0.1.0 Healthy", "hel1": "0.2.0 Healthy"}, nil)
	waitFor(t, "--wait sees the primary pending", func() (bool, string) {
		return strings.Contains(errOut.String(), "waiting for fsn1: 0.1.0 Healthy"), errOut.String()
	})
	select {
	case code := <-done:
		t.Fatalf("--wait ended (exit %d) before the primary was upgraded:\n%s", code, errOut)
	default:
	}
	operatorWrites(t, ns, "grafana", "0.2.0", "0.2.0", "Healthy", map[string]string{"fsn1": "0.2.0 Healthy", "hel1": "0.2.0 Healthy"}, nil)
	select {
	case code := <-done:
		require.Equal(t, ExitOK, code, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("--wait did not end:\n%s", errOut)
	}
	assert.Contains(t, errOut.String(), "✔ grafana 0.2.0 is Healthy")

	// The standby's upgrade fails and is rolled back there: exit 4, the primary untouched.
	out, errOut, done := start("-n", ns, "upgrade", "vllm", "--to", "0.2.0", "--yes", "--wait", "--timeout", "1m")
	waitFor(t, "the upgrade is written", specVersion("vllm"))
	operatorWrites(t, ns, "vllm", "0.2.0", "0.1.0", "Healthy", map[string]string{"fsn1": "0.1.0 Healthy", "hel1": "0.1.0 Healthy"},
		func(st *openovav1alpha1.ComponentStatus) {
			st.FailedVersion = "0.2.0"
			st.Regions[0].Message = "upgrade to 0.2.0 failed and was rolled back: context deadline exceeded"
			st.Conditions = []metav1.Condition{{Type: openovav1alpha1.UpgradeFailedCondition, Status: metav1.ConditionTrue, Reason: openovav1alpha1.UpgradeRolledBackReason,
				Message: "upgrade of vllm from 0.1.0 to 0.2.0 failed in region hel1 and was rolled back to 0.1.0", LastTransitionTime: metav1.Now()}}
		})
	select {
	case code := <-done:
		assert.Equal(t, ExitUnhealthy, code)
	case <-time.After(30 * time.Second):
		t.Fatalf("--wait did not end:\n%s", errOut)
	}
	assert.Contains(t, errOut.String(), "Error: upgrade of vllm from 0.1.0 to 0.2.0 failed in region hel1 and was rolled back to 0.1.0: failed in the standby region hel1 (0.1.0 Healthy): upgrade to 0.2.0 failed and was rolled back: context deadline exceeded; the primary region fsn1 was not touched (still at 0.1.0)")
	assert.Contains(t, out.String(), "Regions: each version change goes to the standby region hel1 first")
}
