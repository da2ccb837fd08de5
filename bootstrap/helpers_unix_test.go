//go:build unix

package bootstrap

import (
	"bytes"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/terraform"
)

func syscallKillSelf() error { return syscall.Kill(os.Getpid(), syscall.SIGINT) }

// syncBuffer is a bytes.Buffer safe for the signal goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func mustModule(t *testing.T, provider string) fs.FS {
	t.Helper()
	m, err := terraform.Module(provider)
	require.NoError(t, err)
	return m
}

func mustModuleB(b *testing.B, provider string) fs.FS {
	b.Helper()
	m, err := terraform.Module(provider)
	require.NoError(b, err)
	return m
}
