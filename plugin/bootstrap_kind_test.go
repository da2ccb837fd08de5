package plugin

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/openova-io/core/bootstrap"
)

// TestBootstrapKindWithoutNodeImage runs `kubectl openova bootstrap --provider kind` with
// the real kind library on Podman, whose image store lacks kind's node image and whose
// registries are blocked (registries.conf), so the image can be neither found nor pulled
// whatever the network: the command must fail fast, in phase validate, naming the image,
// before any node container exists. A dry run lists the two clusters it would create.
func TestBootstrapKindWithoutNodeImage(t *testing.T) {
	podman, err := exec.LookPath("podman")
	if err != nil {
		t.Skip("podman is not installed (hack/debian-packages.sh podman installs it); this test needs a real container runtime under kind")
	}
	ref := "docker.io/kindest/node@" + strings.SplitN(bootstrap.KindNodeImage, "@", 2)[1]
	if exec.Command(podman, "image", "inspect", ref).Run() == nil {
		t.Skipf("podman has the node image %s; this test needs it absent", ref)
	}
	dir := t.TempDir()
	registries := filepath.Join(dir, "registries.conf")
	require.NoError(t, os.WriteFile(registries, []byte("[[registry]]\nlocation = \"docker.io\"\nblocked = true\n"), 0o600))
	t.Setenv("CONTAINERS_REGISTRIES_CONF", registries)
	t.Setenv(bootstrap.KindRuntimeEnv, "podman")

	bootstrapKind := func(extra ...string) (int, string, string, time.Duration) {
		args := append([]string{"bootstrap", "--provider", "kind", "--organization", "kinddiff", "--domain", "kinddiff.example",
			"--region", "dev:primary", "--region", "dr:standby", "--node-count", "1", "--work-dir", filepath.Join(dir, "work"), "--yes"}, extra...)
		var out, errOut bytes.Buffer
		start := time.Now()
		code := Execute(context.Background(), args, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		return code, out.String(), errOut.String(), time.Since(start)
	}

	code, out, errOut, took := bootstrapKind("--dry-run")
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "+ kind cluster kinddiff-dev (region dev, primary): 1 node(s) of "+bootstrap.KindNodeImage+", API server on 127.0.0.1")
	assert.Contains(t, out, "+ kind cluster kinddiff-dr (region dr, standby)")
	assert.Contains(t, errOut, "with podman")
	t.Logf("dry run: %s", took)

	code, _, errOut, took = bootstrapKind()
	t.Logf("failed after %s: %s", took, errOut)
	assert.NotEqual(t, ExitOK, code)
	assert.Contains(t, errOut, "bootstrap failed in phase validate")
	assert.Contains(t, errOut, "the node image "+bootstrap.KindNodeImage+" (the default of kind "+bootstrap.KindVersion+") is not in podman's image store and pulling it failed")
	assert.Less(t, took, 30*time.Second, "fails fast")

	ps, err := exec.Command(podman, "ps", "-a", "-q", "--filter", "label=io.x-k8s.kind.cluster").Output()
	require.NoError(t, err)
	assert.Empty(t, strings.TrimSpace(string(ps)), "no kind node container was created")
}
