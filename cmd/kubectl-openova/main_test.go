package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCPUProfile builds the plugin and runs `version` with OPENOVA_CPUPROFILE: the file is
// a gzip-compressed pprof profile, and a path that cannot be created is an error.
func TestCPUProfile(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "kubectl-openova")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)

	profile := filepath.Join(dir, "cpu.pprof")
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "OPENOVA_CPUPROFILE="+profile)
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	data, err := os.ReadFile(profile)
	require.NoError(t, err)
	require.Greater(t, len(data), 2)
	require.Equal(t, []byte{0x1f, 0x8b}, data[:2], "a pprof profile is gzip-compressed")

	cmd = exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "OPENOVA_CPUPROFILE="+filepath.Join(dir, "missing", "cpu.pprof"))
	out, err = cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "OPENOVA_CPUPROFILE")
}
