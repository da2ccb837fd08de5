package main

import (
	"flag"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/openova-io/core/internal/install"
)

// deployment is the operator's Deployment as bootstrap installs it for version.
func deployment(t *testing.T, version string) *appsv1.Deployment {
	t.Helper()
	objs, err := install.OperatorObjects(version)
	require.NoError(t, err)
	for _, o := range objs {
		if o.GetKind() == "Deployment" && o.GetName() == install.DeploymentName {
			d := &appsv1.Deployment{}
			require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, d))
			return d
		}
	}
	t.Fatal("no operator Deployment in manifests/operator")
	return nil
}

// The Deployment passes only flags the binary defines, and its ports and probes are the
// listeners those flags open.
func TestDeploymentAgreesWithFlags(t *testing.T) {
	d := deployment(t, "v1.2.3")
	spec := d.Spec.Template.Spec
	require.Len(t, spec.Containers, 1)
	c := spec.Containers[0]

	f, fs := newFlags()
	fs.Init("openova-operator", flag.ContinueOnError)
	require.NoError(t, fs.Parse(c.Args), "the Deployment's args parse")
	assert.Empty(t, fs.Args(), "no positional arguments")
	assert.Empty(t, c.Command, "the image's entrypoint is the operator")
	opts := f.options()
	assert.True(t, opts.LeaderElection, "more than one replica may run during a rollout")

	ports := map[string]int32{}
	for _, p := range c.Ports {
		assert.Contains(t, []corev1.Protocol{"", corev1.ProtocolTCP}, p.Protocol)
		ports[p.Name] = p.ContainerPort
	}
	portOf := func(addr string) int32 {
		_, port, err := net.SplitHostPort(addr)
		require.NoError(t, err, addr)
		n, err := strconv.Atoi(port)
		require.NoError(t, err, addr)
		return int32(n)
	}
	assert.Equal(t, ports["metrics"], portOf(opts.MetricsAddr), "the metrics port is --metrics-bind-address")
	assert.Equal(t, ports["probes"], portOf(opts.ProbeAddr), "the probes port is --health-probe-bind-address")
	assert.Len(t, ports, 2)

	for name, probe := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		require.NotNil(t, probe, name)
		require.NotNil(t, probe.HTTPGet, name)
		assert.Equal(t, "probes", probe.HTTPGet.Port.String(), name)
	}
	// controller-runtime serves these paths on the probe listener (operator.NewManager adds
	// the checks).
	assert.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
	assert.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)

	// Graceful stop: the manager releases its lease on SIGTERM, within the grace period
	// (test/container measures it).
	require.NotNil(t, spec.TerminationGracePeriodSeconds)
	assert.GreaterOrEqual(t, time.Duration(*spec.TerminationGracePeriodSeconds)*time.Second, 5*time.Second)
}

func TestDeploymentResourcesAndSecurity(t *testing.T) {
	spec := deployment(t, "v1.2.3").Spec.Template.Spec
	c := spec.Containers[0]

	req, lim := c.Resources.Requests, c.Resources.Limits
	require.False(t, req.Cpu().IsZero(), "a CPU request")
	require.False(t, req.Memory().IsZero(), "a memory request")
	require.False(t, lim.Memory().IsZero(), "a memory limit")
	assert.True(t, lim.Cpu().IsZero(), "no CPU limit (throttling slows reconciles for nothing)")
	assert.GreaterOrEqual(t, lim.Memory().Cmp(*req.Memory()), 0, "limit at least the request")
	// make bench measures ≈ 60 MiB resident at 1,000 Components.
	assert.GreaterOrEqual(t, lim.Memory().Value(), int64(128<<20), "room above the measured resident size")

	pod := spec.SecurityContext
	require.NotNil(t, pod)
	require.NotNil(t, pod.RunAsNonRoot)
	assert.True(t, *pod.RunAsNonRoot, "the image's user is numeric (65532), so the kubelet can verify it")
	require.NotNil(t, pod.SeccompProfile)
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, pod.SeccompProfile.Type)
	sc := c.SecurityContext
	require.NotNil(t, sc)
	require.NotNil(t, sc.ReadOnlyRootFilesystem)
	assert.True(t, *sc.ReadOnlyRootFilesystem, "the operator writes no file")
	require.NotNil(t, sc.AllowPrivilegeEscalation)
	assert.False(t, *sc.AllowPrivilegeEscalation)
	require.NotNil(t, sc.Capabilities)
	assert.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop)
	assert.Empty(t, sc.Capabilities.Add)
	assert.Equal(t, "openova-operator", spec.ServiceAccountName)
}

// Bootstrap installs the image of the plugin's own version.
func TestDeploymentImageIsThePluginVersion(t *testing.T) {
	for _, version := range []string{"v1.2.3", "v0.0.0-test"} {
		c := deployment(t, version).Spec.Template.Spec.Containers[0]
		assert.Equal(t, install.Image+":"+version, c.Image)
		assert.True(t, strings.HasPrefix(c.Image, "ghcr.io/openova-io/openova-operator:"), "the repository make image PUSH=1 pushes to")
	}
}
