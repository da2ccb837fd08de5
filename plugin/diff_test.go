package plugin

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// stableDiff replaces what differs from run to run in a --diff of namespace ns: the
// namespace's random name, uid, creation time and resourceVersion.
func stableDiff(out, ns string) string {
	out = strings.ReplaceAll(out, ns, "NAMESPACE")
	for re, repl := range map[*regexp.Regexp]string{
		regexp.MustCompile(`uid: [0-9a-f-]+`):                     "uid: UID",
		regexp.MustCompile(`creationTimestamp: "[^"]+"`):          `creationTimestamp: "TIME"`,
		regexp.MustCompile(`resourceVersion: "[0-9]+"`):           `resourceVersion: "RV"`,
		regexp.MustCompile(`lastTransitionTime: "[^"]+"`):         `lastTransitionTime: "TIME"`,
		regexp.MustCompile(`(?m)^((?:---|\+\+\+) \S+)\t.*$`):      "$1",
		regexp.MustCompile(`(?m)^diff -u -N /tmp/LIVE-\d+/(\S+)`): "diff -u -N LIVE/$1",
	} {
		out = re.ReplaceAllString(out, repl)
	}
	return out
}

// TestDiffGolden runs --diff against a real API server: the Platform before and as the
// server-side dry run of the change would store it, as a unified diff (golden files), with
// kubectl diff's exit codes under --exit-code.
func TestDiffGolden(t *testing.T) {
	startEnv(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		golden string
	}{
		{"install", []string{"install", "neo4j", "--dry-run", "--diff", "--exit-code"}, ExitDifferences, "diff-install.golden"},
		{"upgrade", []string{"upgrade", "grafana", "--dry-run", "--diff"}, ExitOK, "diff-upgrade.golden"},
		{"uninstall", []string{"uninstall", "ai-hub", "--dry-run", "--diff", "--exit-code"}, ExitDifferences, "diff-uninstall.golden"},
		{"no change", []string{"install", "grafana", "--dry-run", "--diff", "--exit-code"}, ExitOK, "diff-no-change.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := newNamespace(t)
			applyPlatform(t, ns, map[string]any{"name": "grafana", "version": "0.1.0"},
				map[string]any{"name": "kserve", "version": "1.0.0", "reason": "dependency of ai-hub"},
				map[string]any{"name": "vllm", "version": "0.1.0", "reason": "dependency of ai-hub"},
				map[string]any{"name": "ai-hub", "version": "1.0.0"})
			before := getPlatform(t, ns)
			code, out, errOut := run(t, append([]string{"-n", ns}, tt.args...)...)
			require.Equal(t, tt.code, code, errOut)
			golden(t, tt.golden, []byte(stableDiff(out, ns)))
			assert.Equal(t, before.ResourceVersion, getPlatform(t, ns).ResourceVersion, "a dry run writes nothing")
			assert.NotContains(t, out, "managedFields")
		})
	}
}

// TestDiffThenApply: --diff without --dry-run shows the diff, then applies; --exit-code
// says there were differences. KUBECTL_EXTERNAL_DIFF runs that program over kubectl's
// LIVE and MERGED directories instead.
func TestDiffThenApply(t *testing.T) {
	startEnv(t)
	ns := newNamespace(t)
	applyPlatform(t, ns, map[string]any{"name": "grafana", "version": "0.1.0"})

	code, out, errOut := run(t, "-n", ns, "install", "vllm", "--diff", "--exit-code", "--yes")
	require.Equal(t, ExitDifferences, code, errOut)
	assert.Contains(t, out, "+  - enabled: true\n+    name: vllm\n")
	assert.Contains(t, errOut, "✔ Platform acme updated")
	assert.Equal(t, []string{"grafana@0.1.0", "vllm@0.2.0"}, names(getPlatform(t, ns)))

	code, _, errOut = run(t, "-n", ns, "install", "vllm", "--diff", "-o", "json")
	assert.Equal(t, ExitInvalidInput, code)
	assert.Contains(t, errOut, "--diff prints a diff on stdout; it does not go with -o json")

	diff, err := exec.LookPath("diff")
	if err != nil {
		t.Skip("no diff(1) for KUBECTL_EXTERNAL_DIFF")
	}
	t.Setenv(ExternalDiffEnv, diff+" -u -N")
	code, out, errOut = run(t, "-n", ns, "uninstall", "vllm", "--dry-run", "--diff", "--exit-code")
	require.Equal(t, ExitDifferences, code, errOut)
	assert.Regexp(t, `(?m)^--- /tmp/LIVE-\d+/openova\.io\.v1alpha1\.Platform\.`+ns+`\.acme\t`, out)
	assert.Regexp(t, `(?m)^\+\+\+ /tmp/MERGED-\d+/openova\.io\.v1alpha1\.Platform\.`+ns+`\.acme\t`, out)
	assert.Contains(t, out, "-  - enabled: true\n-    name: vllm\n")
}

// TestPrintDiffDeleted: an object the change deletes diffs against nothing, as diff -N.
func TestPrintDiffDeleted(t *testing.T) {
	p := &openovav1alpha1.Platform{ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: "ns",
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "x"}}}}
	obj := platformDiff(p, p)
	obj.merged = nil
	var out, errOut bytes.Buffer
	differs, err := printDiff(&out, &errOut, []diffObject{obj})
	require.NoError(t, err)
	assert.True(t, differs)
	assert.Contains(t, out.String(), "--- LIVE/openova.io.v1alpha1.Platform.ns.acme\n+++ MERGED/openova.io.v1alpha1.Platform.ns.acme\n")
	assert.Contains(t, out.String(), "-apiVersion: openova.io/v1alpha1\n")
	assert.NotContains(t, out.String(), "managedFields")
	assert.Len(t, p.ManagedFields, 1, "the caller's object is not changed")

	same := platformDiff(p, p)
	out.Reset()
	differs, err = printDiff(&out, &errOut, []diffObject{same})
	require.NoError(t, err)
	assert.False(t, differs)
	assert.Empty(t, out.String())
}

// TestUnifiedDiffAsDiff holds the unified diff made here against diff(1)'s, headers aside.
func TestUnifiedDiffAsDiff(t *testing.T) {
	diff, err := exec.LookPath("diff")
	if err != nil {
		t.Skip("no diff(1) to compare with")
	}
	long := strings.Repeat("line\n", 12)
	for _, tc := range []struct{ name, from, to string }{
		{"added", "", "a: 1\nb: 2\n"},
		{"deleted", "a: 1\nb: 2\n", ""},
		{"changed", "a: 1\n" + long + "b: 2\n" + long + "c: 3\n", "a: 1\n" + long + "b: 3\n" + long + "c: 4\nd: 5\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "a"), []byte(tc.from), 0o600))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "b"), []byte(tc.to), 0o600))
			want, _ := exec.Command(diff, "-u", "-N", filepath.Join(dir, "a"), filepath.Join(dir, "b")).Output()
			var got bytes.Buffer
			require.NoError(t, unifiedDiff(&got, "x", tc.from, tc.to))
			body := func(s string) string {
				lines := strings.SplitAfter(s, "\n")
				for i, l := range lines {
					if strings.HasPrefix(l, "@@") {
						return strings.Join(lines[i:], "")
					}
				}
				return s
			}
			assert.Equal(t, body(string(want)), body(got.String()))
		})
	}
}
