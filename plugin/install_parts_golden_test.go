package plugin

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/openova-io/core/test/testcatalog"
)

// The plan that `install … --dry-run -o json` prints names the parts of a multi-part
// component, in delivery order, and so does the plan of an uninstall (the parts of the
// version removed). The test catalog test/catalogs/parts.yaml has a bundle (hub) over a
// component of two chart parts (serving) and one of a chart part and a resource part
// (gadgets).
func TestDryRunJSONNamesParts(t *testing.T) {
	startEnv(t)
	data, err := testcatalog.Render("parts", testRepo)
	require.NoError(t, err)
	partsCatalog := filepath.Join(t.TempDir(), "parts.yaml")
	require.NoError(t, os.WriteFile(partsCatalog, data, 0o644))
	runParts := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		all := append([]string{"--kubeconfig", kubeconfig, "--catalog", partsCatalog}, args...)
		code := Execute(context.Background(), all, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		return code, out.String(), errOut.String()
	}

	ns := newNamespace(t)
	applyPlatform(t, ns)
	code, out, errOut := runParts("-n", ns, "install", "hub", "--dry-run", "-o", "json")
	require.Equal(t, ExitOK, code, errOut)
	golden(t, "plan-install-parts.json", []byte(out))

	ns = newNamespace(t)
	applyPlatform(t, ns,
		map[string]any{"name": "serving", "version": "1.0.0", "reason": "dependency of hub"},
		map[string]any{"name": "gadgets", "version": "0.1.0", "reason": "dependency of hub"},
		map[string]any{"name": "hub", "version": "1.0.0"},
	)
	code, out, errOut = runParts("-n", ns, "uninstall", "hub", "--dry-run", "-o", "json")
	require.Equal(t, ExitOK, code, errOut)
	golden(t, "plan-uninstall-parts.json", []byte(out))
}
