package plugin

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"
)

// TestHelpText: every command's help goes through templates.LongDesc and
// templates.Examples, and the markdown of LongDesc loses no word of the text as written
// (an unescaped _ or * would turn into emphasis, an indented line into something else).
func TestHelpText(t *testing.T) {
	streams := genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}
	g := NewGlobalOptions(streams)
	raw := &cobra.Command{Use: "openova"}
	for _, newCmd := range commands {
		raw.AddCommand(newCmd(g))
	}
	rendered := map[string]*cobra.Command{}
	var index func(*cobra.Command)
	index = func(c *cobra.Command) {
		rendered[strings.TrimPrefix(c.CommandPath(), DisplayName)] = c
		for _, sub := range c.Commands() {
			index(sub)
		}
	}
	index(NewRootCmd(streams))

	var check func(*cobra.Command)
	check = func(c *cobra.Command) {
		path := strings.TrimPrefix(c.CommandPath(), "openova")
		got := rendered[path]
		require.NotNil(t, got, "command %q", path)
		t.Run(strings.TrimSpace(path), func(t *testing.T) {
			assert.NotEmpty(t, c.Long, "every command says more than its Short")
			assert.Equal(t, templates.LongDesc(c.Long), got.Long)
			assert.Equal(t, words(strings.ReplaceAll(c.Long, `\`, "")), words(got.Long), "LongDesc keeps every word")
			assert.False(t, strings.HasPrefix(got.Long, " "), got.Long)
			if c.Example != "" {
				assert.Equal(t, templates.Examples(c.Example), got.Example)
				for _, line := range strings.Split(got.Example, "\n") {
					assert.True(t, line == "  " || strings.HasPrefix(line, "  kubectl ") || strings.HasPrefix(line, "  # ") || strings.HasPrefix(line, "  kubectl-openova "), "example line %q", line)
				}
			}
		})
		for _, sub := range c.Commands() {
			check(sub)
		}
	}
	for _, c := range raw.Commands() {
		check(c)
	}
}

func words(s string) []string { return strings.Fields(s) }
