//go:build linux

package bootstrap

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAbortChildren: the second Ctrl-C interrupts this process's terraform children again
// and kills what is left of them.
func TestAbortChildren(t *testing.T) {
	old := abortGrace
	abortGrace = 500 * time.Millisecond
	t.Cleanup(func() { abortGrace = old })
	// A shell script named terraform that ignores SIGINT, as a stuck Terraform would. It
	// says when the trap is in place, so the test never signals it before.
	dir := t.TempDir()
	script := filepath.Join(dir, "terraform")
	ready := filepath.Join(dir, "ready")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\ntrap '' INT\ntouch \"$READY\"\nsleep 30 &\nwait\n"), 0o755))
	cmd := exec.Command(script)
	cmd.Env = append(os.Environ(), "READY="+ready)
	// tfexec starts Terraform in its own process group; so does this test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	require.Eventually(t, func() bool {
		_, err := os.Stat(ready)
		return err == nil && len(childTerraforms()) == 1
	}, 5*time.Second, 10*time.Millisecond)

	start := time.Now()
	abortChildren()
	select {
	case err := <-done:
		var exitErr *exec.ExitError
		require.True(t, errors.As(err, &exitErr), "%v", err)
	case <-time.After(abortGrace + 5*time.Second):
		t.Fatal("the child survived the abort")
	}
	assert.GreaterOrEqual(t, time.Since(start), abortGrace, "SIGINT was ignored, so the kill came after the grace period")
}
