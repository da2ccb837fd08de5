package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// TestExitCodesByType: Execute classifies errors by their type, never by their text. A
// command's error that reads like cobra's ("accepts ", "invalid argument", "unknown
// command") keeps its own code, and cobra's own errors are invalid input whatever they say.
func TestExitCodesByType(t *testing.T) {
	conflict := &catalog.ConflictError{Request: "install hub with graph",
		Conflicts: []string{"hub accepts only graph ^1.0.0 but graph 2.0.0 is installed: invalid argument"}}
	tests := []struct {
		name  string
		err   error
		code  int
		usage bool
	}{
		{"unsatisfiable, in words cobra uses", conflict, ExitUnsatisfiable, false},
		{"unsatisfiable, wrapped", fmt.Errorf("components: %w", conflict), ExitUnsatisfiable, false},
		{"cycle", &catalog.CycleError{Cycle: []string{"a", "b", "a"}}, ExitUnsatisfiable, false},
		{"invalid input from the catalog", &catalog.InputError{Problems: []string{"unknown command \"x\""}}, ExitInvalidInput, false},
		{"invalid input from lifecycle", &lifecycle.InputError{Err: errors.New("platform \"x\" not found")}, ExitInvalidInput, false},
		{"unhealthy", &lifecycle.UnhealthyError{Message: "requires at least one healthy pod"}, ExitUnhealthy, false},
		{"changed since read", &lifecycle.ChangedError{Platform: "acme"}, ExitFailure, false},
		{"plain, in words cobra uses", errors.New(`unknown flag: --x; accepts 1 arg(s)`), ExitFailure, false},
		{"usage", usageError(errors.New("whatever it says")), ExitInvalidInput, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
			root := NewRootCmd(streams)
			root.AddCommand(&cobra.Command{Use: "fail", RunE: func(*cobra.Command, []string) error { return tt.err }})
			code := execute(context.Background(), root, []string{"fail"}, streams)
			assert.Equal(t, tt.code, code, errOut.String())
			assert.Equal(t, tt.usage, strings.Contains(errOut.String(), "--help' for usage"), errOut.String())
		})
	}
}

// TestExitCodesOfTheCommandLine: cobra's errors (unknown commands and flags, flag values
// that do not parse, argument counts) exit 2 with a usage hint; success exits 0; a cluster
// that cannot be reached exits 1. The codes that need a Platform (3, 4, 5) are in
// TestDocumentedExitCodes.
func TestExitCodesOfTheCommandLine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"version", []string{"version"}, ExitOK, ""},
		{"unknown command", []string{"instal"}, ExitInvalidInput, `unknown command "instal" for "kubectl openova"`},
		{"unknown subcommand", []string{"bootstrap", "destroyy"}, ExitInvalidInput, `unknown command "destroyy"`},
		{"unknown flag", []string{"status", "--colour"}, ExitInvalidInput, "unknown flag: --colour"},
		{"unknown shorthand", []string{"status", "-Z"}, ExitInvalidInput, "unknown shorthand flag: 'Z'"},
		{"flag value", []string{"install", "x", "--timeout", "soon"}, ExitInvalidInput, `invalid argument "soon"`},
		{"too few arguments", []string{"install"}, ExitInvalidInput, "requires at least 1 arg(s)"},
		{"too many arguments", []string{"version", "extra"}, ExitInvalidInput, `unknown command "extra"`},
		{"completion shell", []string{"completion", "tcsh"}, ExitInvalidInput, "tcsh"},
		{"unreachable cluster", []string{"--server", "http://127.0.0.1:1", "status"}, ExitFailure, "cannot reach the Kubernetes API server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Execute(context.Background(), tt.args, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			assert.Equal(t, tt.code, code, errOut.String())
			assert.Contains(t, errOut.String(), tt.msg)
			assert.Equal(t, tt.code == ExitInvalidInput, strings.Contains(errOut.String(), "--help' for usage"), errOut.String())
		})
	}
}
