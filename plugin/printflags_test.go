package plugin

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// printWith parses args as the -o flags of a command, validates them and prints out.
func printWith(t *testing.T, out printout, args ...string) (string, error) {
	t.Helper()
	f := NewPrintFlags()
	cmd := &cobra.Command{Use: "x"}
	f.AddFlags(cmd)
	require.NoError(t, cmd.ParseFlags(args))
	if err := f.Validate(); err != nil {
		return "", err
	}
	require.False(t, f.Table(), "%v selects a printer", args)
	var b bytes.Buffer
	err := f.Print(&b, out)
	return b.String(), err
}

// TestKubectlOutputGolden: components and status with kubectl get's -o formats, through
// cli-runtime's and kubectl's printers.
func TestKubectlOutputGolden(t *testing.T) {
	cat := testCatalog(t)
	mixed := failedPlatform()
	disabled := false
	mixed.Spec.Components = append(mixed.Spec.Components,
		openovav1alpha1.PlatformComponent{Name: "langserve", Version: "0.1.0", Reason: "optional member of ai-hub", Enabled: &disabled})
	components := NewComponentsView(viewOf(mixed, cat), true).printout()
	status := NewStatusView(viewOf(failedPlatform(), nil))
	statusOut := printout{view: status, objects: []objectName{{kind: "Platform", name: status.Platform}}}
	columnsFile := filepath.Join(t.TempDir(), "columns.txt")
	require.NoError(t, os.WriteFile(columnsFile, []byte("NAME HEALTH\n.name .health\n"), 0o644))

	tests := []struct {
		name string
		out  printout
		args []string
	}{
		{"components-name", components, []string{"-o", "name"}},
		{"components-jsonpath", components, []string{"-o", `jsonpath={range .components[?(@.installed==true)]}{.name}={.version}{"\n"}{end}`}},
		{"components-go-template", components, []string{"-o", `go-template={{range .components}}{{.name}} {{.category}}{{"\n"}}{{end}}`}},
		{"components-template-flag", components, []string{"--template", `{{.platform}} {{len .components}}{{"\n"}}`}},
		{"components-custom-columns", components, []string{"-o", "custom-columns=NAME:.name,VERSION:.version,DESIRED:.desiredVersion,HEALTH:.health,UPGRADE:.availableUpgrade"}},
		{"components-custom-columns-file", components, []string{"-o", "custom-columns-file=" + columnsFile}},
		{"status-name", statusOut, []string{"-o", "name"}},
		{"status-jsonpath", statusOut, []string{"-o", "jsonpath={.phase} {.healthPercent}% {.alerts[0].reason}"}},
		{"status-jsonpath-as-json", statusOut, []string{"-o", "jsonpath-as-json={.problems}"}},
		{"status-go-template", statusOut, []string{"-o", `go-template={{range .alerts}}{{.component}}: {{.message}}{{"\n"}}{{end}}`}},
		{"status-custom-columns", statusOut, []string{"-o", "custom-columns=PLATFORM:.platform,PHASE:.phase,HEALTH:.healthPercent,UPGRADES:.upgradesAvailable,LINKS:.links[*].component"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := printWith(t, tt.out, tt.args...)
			require.NoError(t, err)
			golden(t, "output-"+tt.name+".golden", []byte(got))
		})
	}

	// -o json and -o yaml stay the views' documents (the goldens of TestComponentsGolden).
	for _, format := range []string{"json", "yaml"} {
		got, err := printWith(t, components, "-o", format)
		require.NoError(t, err)
		var want bytes.Buffer
		require.NoError(t, PrintData(&want, format, components.view))
		assert.Equal(t, want.String(), got)
	}
}

// TestInvalidOutput: an -o the printers do not know, or a template that does not parse,
// is invalid input (exit 2), refused before the cluster is read.
func TestInvalidOutput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown format", []string{"components", "-o", "wide"}, `unknown output format "wide": use custom-columns, custom-columns-file, go-template`},
		{"unknown format of status", []string{"status", "-o", "table"}, `unknown output format "table"`},
		{"jsonpath that does not parse", []string{"status", "-o", "jsonpath={.phase"}, "-o jsonpath={.phase: "},
		{"template that does not parse", []string{"components", "-o", "go-template={{.platform"}, "-o go-template={{.platform: "},
		{"custom-columns without columns", []string{"components", "-o", "custom-columns="}, "no custom columns given"},
		{"custom-columns spec", []string{"components", "-o", "custom-columns=NAME"}, "expected <header>:<json-path-expr>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			// A kubeconfig that does not exist: the flags are refused before it is read.
			args := append([]string{"--kubeconfig", filepath.Join(t.TempDir(), "missing")}, tt.args...)
			code := Execute(context.Background(), args, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			assert.Equal(t, ExitInvalidInput, code, errOut.String())
			assert.Contains(t, errOut.String(), tt.msg)
			assert.Equal(t, 1, strings.Count(errOut.String(), "Error: "), errOut.String())
			assert.Empty(t, out.String())
		})
	}
}
