package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPromptOnATerminal runs install on a pseudo-terminal (util-linux script): the plan is
// coloured, the command asks before writing, and --wait shows a spinner.
func TestPromptOnATerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("needs script(1) for a pseudo-terminal")
	}
	before := specNames(t)
	out, code := onTerminal(t, nil, "y", "install", "langserve", "--wait", "--timeout", "3m")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "\x1b[32minstall\x1b[0m   langserve", "colour on a terminal")
	assert.Contains(t, out, "Apply this plan to platform acme? [y/N]: ")
	assert.Contains(t, out, "✔ langserve 0.1.0 is Healthy")
	assert.Contains(t, out, "\r\x1b[K", "a spinner line on a terminal")
	assert.Equal(t, append(before, "langserve@0.1.0"), specNames(t))

	// NO_COLOR turns colour off, even on a terminal; "n" changes nothing.
	out, code = onTerminal(t, []string{"NO_COLOR=1"}, "n", "uninstall", "langserve")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "remove   langserve   0.1.0     requested")
	assert.NotContains(t, out, "\x1b[3", "no colour with NO_COLOR")
	assert.Contains(t, out, "Error: cancelled; platform acme was not changed")
	assert.Contains(t, strings.Join(specNames(t), " "), "langserve@0.1.0")

	r := openova(t, "uninstall", "langserve", "--yes", "--wait", "--timeout", "3m")
	require.Equal(t, 0, r.code, r)
	assert.Equal(t, before, specNames(t))
}

// onTerminal runs kubectl openova ARGS on a pseudo-terminal, types answer once the
// confirmation prompt shows, and returns everything the terminal showed and the exit code.
func onTerminal(t *testing.T, env []string, answer string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "script", "-qefc", kubectlPath+" openova "+strings.Join(args, " "), "/dev/null")
	cmd.Env = append(append(pluginEnv(kw.Kubeconfig), "TERM=xterm"), env...)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	var mu sync.Mutex
	var out bytes.Buffer
	cmd.Stdout = writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return out.Write(p)
	})
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	answered := false
	var runErr error
	for finished := false; !finished; {
		select {
		case runErr = <-done:
			finished = true
		case <-time.After(100 * time.Millisecond):
			mu.Lock()
			prompted := strings.Contains(out.String(), "[y/N]: ")
			mu.Unlock()
			if prompted && !answered {
				answered = true
				_, _ = io.WriteString(stdin, answer+"\n")
			}
		}
	}
	_ = stdin.Close()
	mu.Lock()
	text := out.String()
	mu.Unlock()
	t.Logf("$ kubectl openova %s (on a terminal)\n%s", strings.Join(args, " "), text)
	var exit *exec.ExitError
	switch {
	case errors.As(runErr, &exit):
		return text, exit.ExitCode()
	case runErr != nil:
		t.Fatalf("script: %v", runErr)
	}
	return text, 0
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
