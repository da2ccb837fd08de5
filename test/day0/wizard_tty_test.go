package day0

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/test/cluster"
)

// tmuxSession is a terminal driven by tmux: its own server (socket in a temp dir), one
// session, keys sent and the screen read like a user would.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func newTmux(t *testing.T, command string, env ...string) *tmuxSession {
	t.Helper()
	root, err := cluster.RepoRoot()
	require.NoError(t, err)
	install := exec.Command(filepath.Join(root, "hack", "debian-packages.sh"), "tmux")
	out, err := install.CombinedOutput()
	require.NoError(t, err, "install tmux: %s", out)
	s := &tmuxSession{t: t, socket: filepath.Join(t.TempDir(), "tmux.sock")}
	args := []string{"new-session", "-d", "-s", "wizard", "-x", "220", "-y", "60", "env"}
	args = append(append(args, env...), "sh", "-c", command+"; echo EXIT=$?; sleep 600")
	s.run(args...)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	require.NoError(s.t, err, "tmux %v: %s", args, out)
	return string(out)
}

func (s *tmuxSession) screen() string { return s.run("capture-pane", "-p", "-t", "wizard") }

func (s *tmuxSession) send(keys ...string) {
	s.run(append([]string{"send-keys", "-t", "wizard"}, keys...)...)
}

// shows reports whether the screen shows text within timeout.
func (s *tmuxSession) shows(timeout time.Duration, text string) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if strings.Contains(s.screen(), text) {
			return true
		}
	}
	return false
}

// waitFor waits until the screen shows one of texts and returns which and the screen.
func (s *tmuxSession) waitFor(timeout time.Duration, texts ...string) (string, string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		screen := s.screen()
		for _, text := range texts {
			if strings.Contains(screen, text) {
				return text, screen
			}
		}
		select {
		case <-ctx.Done():
			s.t.Fatalf("the terminal never showed %q:\n%s", texts, screen)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// TestWizardStartsFromTheFlags runs bootstrap on a terminal (tmux) with flags and no
// organization: the wizard asks for the organization and domain only, the components
// (no --install), and its summary shows what the flags said: provider, region and work
// directory. Declining at the summary creates nothing.
func TestWizardStartsFromTheFlags(t *testing.T) {
	bin := plugin(t)
	home := t.TempDir()
	work := filepath.Join(t.TempDir(), "w")
	s := newTmux(t, fmt.Sprintf("%s bootstrap --work-dir %s --provider local --region dev --node-count 5", bin, work),
		"TERM=xterm-256color", "HOME="+home, "OPENOVA_HOME="+filepath.Join(home, ".openova"), "NO_COLOR=1")

	_, screen := s.waitFor(time.Minute, "Organization name")
	assert.NotContains(t, screen, "Where should the platform run?", "--provider answered it")
	// Both fields are on one screen: give the form time to move the focus.
	s.send("acme")
	time.Sleep(500 * time.Millisecond)
	s.send("Enter")
	time.Sleep(time.Second)
	s.send("acme.example.com")
	time.Sleep(500 * time.Millisecond)
	s.send("Enter")

	// The components (no --install on the command line), then the optional members of
	// what is preselected, if any, until the summary.
	for i := 0; ; i++ {
		require.Less(t, i, 10, "the wizard never reached its summary:\n%s", s.screen())
		which, screen := s.waitFor(30*time.Second, "Components", "Optional members", "Summary", "Region", "EXIT=")
		assert.NotEqual(t, "Region", which, "--region answered it:\n%s", screen)
		assert.NotEqual(t, "EXIT=", which, "the wizard ended early:\n%s", screen)
		if which == "Summary" {
			break
		}
		s.send("Enter")
		time.Sleep(300 * time.Millisecond)
	}
	_, screen = s.waitFor(10*time.Second, "Bootstrap this platform?")
	assert.Contains(t, screen, "organization acme, domain acme.example.com, provider local")
	assert.Contains(t, screen, "region dev (primary)")
	assert.Contains(t, screen, "work directory "+work, "the summary keeps --work-dir")
	assert.NotContains(t, screen, ".openova/acme")

	// Decline with "n" (it answers No and submits). A program that has just started can
	// lose a key that reaches the terminal while Bubble Tea is still reading the terminal's
	// answers to its start-up queries (seen in CI under load), so press it again until the
	// wizard ends: "n" never answers Yes.
	for i := 0; ; i++ {
		s.send("n")
		if s.shows(10*time.Second, "EXIT=") || i == 2 {
			break
		}
	}
	_, screen = s.waitFor(30*time.Second, "EXIT=")
	assert.Contains(t, screen, "EXIT=1", screen)
	_, err := os.Stat(filepath.Join(work, "checkpoint.json"))
	assert.True(t, os.IsNotExist(err), "a declined wizard runs no phase")
}
