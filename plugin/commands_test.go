package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/manifests"
)

// The commands against a real API server (no operator: the Platform's status is what the
// tests write). The end-to-end journeys in test/e2e run the built binary with the operator
// and Flux.

func TestInstallWritesThePlan(t *testing.T) {
	startEnv(t)
	ns := newNamespace(t)
	applyPlatform(t, ns, map[string]any{"name": "grafana", "version": "0.1.0"})

	code, out, errOut := run(t, "-n", ns, "install", "ai-hub@1.0.0", "--with", "neo4j@1.0.0", "--yes")
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "[x] neo4j       1.0.0   knowledge graph   will be installed")
	assert.Contains(t, out, "Plan: 4 to install, 0 to upgrade, 0 to remove.")
	assert.Contains(t, errOut, "✔ Platform acme updated")
	assert.NotContains(t, out, "updated", "progress goes to stderr")
	assert.Equal(t, []string{"grafana@0.1.0", "kserve@1.0.0", "neo4j@1.0.0", "vllm@0.1.0", "ai-hub@1.0.0"}, names(getPlatform(t, ns)))

	// Nothing to do: exit 0, no write.
	rv := getPlatform(t, ns).ResourceVersion
	code, out, _ = run(t, "-n", ns, "install", "ai-hub", "--dry-run", "--exit-code")
	assert.Equal(t, ExitOK, code)
	assert.Contains(t, out, "No changes")
	assert.Equal(t, rv, getPlatform(t, ns).ResourceVersion)

	// -o json prints the plan contract only.
	code, out, errOut = run(t, "-n", ns, "upgrade", "ai-hub", "-o", "json", "--dry-run")
	require.Equal(t, ExitOK, code, errOut)
	var plan catalog.Plan
	require.NoError(t, json.Unmarshal([]byte(out), &plan), out)
	assert.Equal(t, []catalog.Step{
		// The installed dependency takes the smallest upgrade ai-hub 1.1.0 accepts.
		{Action: catalog.ActionUpgrade, Component: "kserve", From: "1.0.0", To: "1.1.0", Reason: "dependency of ai-hub"},
		{Action: catalog.ActionUpgrade, Component: "ai-hub", From: "1.0.0", To: "1.1.0", Reason: "requested"},
	}, plan.Steps)
	assert.Equal(t, rv, getPlatform(t, ns).ResourceVersion, "a dry run writes nothing")

	// Uninstall prunes what nothing needs any more.
	code, out, errOut = run(t, "-n", ns, "uninstall", "ai-hub", "--yes")
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "remove   kserve      1.0.0     no longer needed")
	assert.Equal(t, []string{"grafana@0.1.0"}, names(getPlatform(t, ns)))
}

func TestChangesNeedConfirmation(t *testing.T) {
	startEnv(t)
	ns := newNamespace(t)
	applyPlatform(t, ns, map[string]any{"name": "grafana", "version": "0.1.0"})
	rv := getPlatform(t, ns).ResourceVersion

	// Without a terminal and without --yes: the plan, a clear error, no prompt, no write.
	code, out, errOut := run(t, "-n", ns, "install", "vllm")
	assert.Equal(t, ExitInvalidInput, code)
	assert.Contains(t, out, "Plan: 1 to install")
	assert.Equal(t, "Error: refusing to install without confirmation: stdin is not a terminal; review the plan (--dry-run) and pass --yes to apply it\n", errOut)
	assert.Equal(t, rv, getPlatform(t, ns).ResourceVersion)

	// --dry-run --exit-code: the API server validates, nothing is written, exit 5.
	code, out, errOut = run(t, "-n", ns, "install", "vllm", "--dry-run", "--exit-code")
	assert.Equal(t, ExitChangesPending, code)
	assert.Contains(t, out, "Plan: 1 to install")
	assert.Equal(t, "Dry run: the API server accepted the change to platform acme; nothing was written.\n", errOut)
	assert.Equal(t, rv, getPlatform(t, ns).ResourceVersion)

	// On a terminal the command asks; "n" changes nothing, "y" applies.
	for _, tc := range []struct {
		answer string
		code   int
		want   []string
	}{
		{"n\n", ExitFailure, []string{"grafana@0.1.0"}},
		{"yes\n", ExitOK, []string{"grafana@0.1.0", "vllm@0.2.0"}},
	} {
		var out, errOut bytes.Buffer
		g := NewGlobalOptions(genericiooptions.IOStreams{In: strings.NewReader(tc.answer), Out: &out, ErrOut: &errOut})
		kc, cat := kubeconfig, catalogCLI
		g.ConfigFlags.KubeConfig, g.Catalog, g.ConfigFlags.Namespace = &kc, cat, &ns
		o := &InstallOptions{changeOptions: newChangeOptions(g, "install")}
		o.isTerminal = func(any) bool { return true }
		require.NoError(t, o.Complete([]string{"vllm"}))
		require.NoError(t, o.Validate())
		err := o.Run(context.Background())
		assert.Equal(t, tc.code, ExitCode(err), "answer %q: %v", tc.answer, err)
		assert.Contains(t, errOut.String(), "Apply this plan to platform acme? [y/N]: ")
		assert.Equal(t, tc.want, names(getPlatform(t, ns)))
	}
}

func TestUpgradeListAndSchedule(t *testing.T) {
	startEnv(t)
	ns := newNamespace(t)
	applyPlatform(t, ns,
		map[string]any{"name": "grafana", "version": "0.1.0"},
		map[string]any{"name": "vllm", "version": "0.1.0", "reason": "requested"})

	code, out, _ := run(t, "-n", ns, "upgrade")
	assert.Equal(t, ExitOK, code)
	assert.Contains(t, out, "grafana     0.1.0     0.2.0")
	assert.Contains(t, out, "0.2.0 (2025-05-02): Grafana 0.2: unified alerting.")
	assert.Contains(t, out, "kubectl openova upgrade grafana --to 0.2.0 -n "+ns)

	code, _, _ = run(t, "-n", ns, "upgrade", "--dry-run", "--exit-code")
	assert.Equal(t, ExitChangesPending, code)

	code, out, errOut := run(t, "-n", ns, "upgrade", "vllm", "--schedule", "2h", "--yes")
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "Scheduled: the upgrades wait until")
	p := getPlatform(t, ns)
	assert.Equal(t, []string{"grafana@0.1.0", "vllm@0.2.0"}, names(p))
	require.NotNil(t, p.Spec.Components[1].NotBefore)
	assert.Nil(t, p.Spec.Components[0].NotBefore)

	// Installing something else keeps the schedule.
	code, _, errOut = run(t, "-n", ns, "install", "langserve", "--yes")
	require.Equal(t, ExitOK, code, errOut)
	assert.NotNil(t, getPlatform(t, ns).Spec.Components[1].NotBefore)

	// --refresh sets the annotation; without an operator --wait times out with code 4.
	code, _, errOut = run(t, "-n", ns, "upgrade", "--refresh")
	require.Equal(t, ExitOK, code, errOut)
	assert.NotEmpty(t, getPlatform(t, ns).Annotations[openovav1alpha1.RefreshAnnotation])
	assert.Len(t, getPlatform(t, ns).Spec.Components, 3, "the annotation patch leaves spec.components alone")
}

func TestStatusCheckAndPlatformLookup(t *testing.T) {
	startEnv(t)
	ns := newNamespace(t)

	code, _, errOut := run(t, "-n", ns, "status")
	assert.Equal(t, ExitFailure, code)
	assert.Equal(t, "Error: no Platform in namespace "+ns+": create one with kubectl openova bootstrap, or pick another namespace with -n\n", errOut)

	p := applyPlatform(t, ns, map[string]any{"name": "grafana", "version": "0.1.0"})
	code, out, errOut := run(t, "-n", ns, "status", "--check")
	assert.Equal(t, ExitUnhealthy, code)
	assert.Contains(t, out, "Phase      Unknown")
	assert.Equal(t, "Error: platform acme is not healthy: the operator has not reported on this platform yet; 1 of 1 components not healthy (grafana)\n", errOut)

	// The operator's part: the Component, and a Ready status.
	createComponent(t, ns, "grafana", "0.1.0", openovav1alpha1.HealthHealthy)
	p.Status = openovav1alpha1.PlatformStatus{Phase: openovav1alpha1.PhaseReady, ObservedGeneration: p.Generation, ComponentCount: 1, HealthPercent: 100,
		Components: []openovav1alpha1.ComponentSummary{{Name: "grafana", Version: "0.1.0", DesiredVersion: "0.1.0", Health: "Healthy"}}}
	require.NoError(t, k8s.Status().Update(context.Background(), p))
	code, out, errOut = run(t, "-n", ns, "status", "--check", "-o", "json")
	require.Equal(t, ExitOK, code, errOut)
	var view StatusView
	require.NoError(t, json.Unmarshal([]byte(out), &view))
	assert.True(t, view.Healthy)
	code, out, _ = run(t, "-n", ns, "components", "-o", "yaml")
	assert.Equal(t, ExitOK, code)
	assert.Contains(t, out, "health: Healthy")

	// A second Platform: the commands ask which one.
	second := p.DeepCopy()
	second.ObjectMeta = p.ObjectMeta
	second.ResourceVersion, second.UID, second.Name = "", "", "beta"
	second.ManagedFields = nil
	require.NoError(t, k8s.Create(context.Background(), second))
	code, _, errOut = run(t, "-n", ns, "components")
	assert.Equal(t, ExitInvalidInput, code)
	assert.Equal(t, "Error: 2 Platforms in namespace "+ns+" (acme, beta): choose one with --platform\n", errOut)
	code, _, _ = run(t, "-n", ns, "--platform", "beta", "components")
	assert.Equal(t, ExitOK, code)
	code, _, errOut = run(t, "-n", ns, "--platform", "gamma", "status")
	assert.Equal(t, ExitInvalidInput, code)
	assert.Contains(t, errOut, `platform "gamma" not found`)
}

// TestBadInput: every command with input it must refuse, and the exit code it refuses with.
func TestBadInput(t *testing.T) {
	startEnv(t)
	ns := newNamespace(t)
	applyPlatform(t, ns,
		map[string]any{"name": "grafana", "version": "0.1.0"},
		map[string]any{"name": "vllm", "version": "0.1.0", "reason": "requested"})
	rv := getPlatform(t, ns).ResourceVersion
	malformed := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(malformed, []byte("apiVersion: catalog.openova.io/v1alpha1\nkind: Component\nname: Bad_Name\nversions: nope\n"), 0o644))

	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown command", []string{"instal", "x"}, ExitInvalidInput, `unknown command "instal"`},
		{"unknown flag", []string{"status", "--colour"}, ExitInvalidInput, "unknown flag: --colour"},
		{"bad output", []string{"components", "-o", "wide"}, ExitInvalidInput, `unknown output format "wide"`},
		{"install unknown component", []string{"install", "grafna"}, ExitInvalidInput, `unknown component "grafna" (did you mean grafana?)`},
		{"install no names", []string{"install"}, ExitInvalidInput, "requires at least 1 arg"},
		{"install bad version", []string{"install", "kserve@9.9.9"}, ExitInvalidInput, "kserve has no version 9.9.9"},
		{"install --version with two names", []string{"install", "kserve", "neo4j", "--version", "1.0.0"}, ExitInvalidInput, "--version applies to one component"},
		{"install empty version", []string{"install", "kserve@"}, ExitInvalidInput, `invalid component "kserve@"`},
		{"install not a member", []string{"install", "kserve", "--with", "neo4j"}, ExitInvalidInput, "neo4j is not an optional member of kserve"},
		{"install unsatisfiable", []string{"install", "feast", "ai-hub@1.1.0"}, ExitUnsatisfiable, "feast requires kserve ~1.0.0 but ai-hub 1.1.0 requires kserve ^1.1.0"},
		{"install exit-code without dry-run", []string{"install", "kserve", "--exit-code"}, ExitInvalidInput, "--exit-code only goes with --dry-run"},
		{"install malformed catalog", []string{"install", "kserve", "--catalog", malformed}, ExitInvalidInput, "invalid catalog"},
		{"install missing catalog", []string{"install", "kserve", "--catalog", "/nonexistent/catalog.yaml"}, ExitInvalidInput, "no such file"},
		{"uninstall mandatory", []string{"uninstall", "grafana"}, ExitInvalidInput, "grafana is mandatory and cannot be uninstalled"},
		{"uninstall not installed", []string{"uninstall", "neo4j"}, ExitInvalidInput, "neo4j is not installed"},
		{"uninstall with version", []string{"uninstall", "vllm@0.1.0"}, ExitInvalidInput, "without versions"},
		{"upgrade unknown component", []string{"upgrade", "nope", "--yes"}, ExitInvalidInput, `unknown component "nope"`},
		{"upgrade bad version", []string{"upgrade", "vllm", "--to", "0.9.0"}, ExitInvalidInput, "vllm has no version 0.9.0"},
		{"upgrade downgrade", []string{"upgrade", "grafana", "--to", "0.0.1"}, ExitInvalidInput, "grafana has no version 0.0.1"},
		{"upgrade names and all", []string{"upgrade", "vllm", "--all"}, ExitInvalidInput, "not both"},
		{"upgrade --to two names", []string{"upgrade", "vllm", "grafana", "--to", "0.2.0"}, ExitInvalidInput, "--to applies to one component"},
		{"upgrade schedule in the past", []string{"upgrade", "vllm", "--schedule", "2001-01-01T00:00:00Z"}, ExitInvalidInput, "is not in the future"},
		{"upgrade bad schedule", []string{"upgrade", "vllm", "--schedule", "tomorrow"}, ExitInvalidInput, "invalid --schedule"},
		{"upgrade schedule and wait", []string{"upgrade", "vllm", "--schedule", "2h", "--wait"}, ExitInvalidInput, "--wait does not go with --schedule"},
		{"upgrade schedule without names", []string{"upgrade", "--schedule", "2h"}, ExitInvalidInput, "need component names or --all"},
		{"upgrade malformed catalog", []string{"upgrade", "--catalog", malformed}, ExitInvalidInput, "invalid catalog"},
		{"components malformed catalog", []string{"components", "--catalog", malformed}, ExitInvalidInput, "invalid catalog"},
		{"status with args", []string{"status", "grafana"}, ExitInvalidInput, `unknown command "grafana"`},
		{"check bad output", []string{"check", "-o", "table"}, ExitInvalidInput, `unknown output format "table"`},
		{"negative timeout", []string{"install", "kserve", "--wait", "--timeout", "-1s"}, ExitInvalidInput, "--timeout must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := run(t, append([]string{"-n", ns}, tt.args...)...)
			assert.Equal(t, tt.code, code, errOut)
			assert.Contains(t, errOut, tt.msg)
			assert.True(t, strings.HasPrefix(errOut, "Error: "), errOut)
			assert.Equal(t, 1, strings.Count(errOut, "Error: "), "one error line")
		})
	}
	assert.Equal(t, rv, getPlatform(t, ns).ResourceVersion, "bad input writes nothing")
}

// TestClusterProblems: missing CRDs and an unreachable API server.
func TestClusterProblems(t *testing.T) {
	startEnv(t)
	dir := t.TempDir()
	// An API server that is not there.
	kc := filepath.Join(dir, "kubeconfig")
	require.NoError(t, os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: gone, user: {token: x}}]
contexts: [{name: gone, context: {cluster: gone, user: gone}}]
current-context: gone
`), 0o600))
	for _, args := range [][]string{{"status"}, {"components"}, {"install", "vllm", "--yes"}, {"upgrade"}, {"uninstall", "vllm"}} {
		var out, errOut bytes.Buffer
		code := Execute(context.Background(), append([]string{"--kubeconfig", kc, "--catalog", catalogCLI, "--request-timeout", "2s"}, args...),
			genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		assert.Equal(t, ExitFailure, code, "%v", args)
		assert.Contains(t, errOut.String(), "Error: cannot reach the Kubernetes API server", "%v", args)
	}
	var out, errOut bytes.Buffer
	code := Execute(context.Background(), []string{"--kubeconfig", kc, "check"}, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	assert.Equal(t, ExitFailure, code)
	assert.Contains(t, out.String(), "✗ cannot reach the API server at https://127.0.0.1:1")
	assert.Equal(t, "Error: 1 check failed\n", errOut.String())
}

// TestPromptInterrupted: Ctrl-C at the prompt ends the command, writing nothing.
func TestPromptInterrupted(t *testing.T) {
	var errOut bytes.Buffer
	g := NewGlobalOptions(genericiooptions.IOStreams{In: blockingReader{}, Out: &bytes.Buffer{}, ErrOut: &errOut})
	o := newChangeOptions(g, "install")
	o.isTerminal = func(any) bool { return true }
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ok, err := o.confirm(ctx, "Apply?")
	assert.False(t, ok)
	assert.Equal(t, ExitFailure, ExitCode(err))
	assert.Contains(t, err.Error(), "interrupted")
}

// blockingReader never returns, like a terminal nobody types on.
type blockingReader struct{}

func (blockingReader) Read([]byte) (int, error) { select {} }

func TestCRDDiff(t *testing.T) {
	objs, err := kube.ReadFS(manifests.CRDs, "crd/bases")
	require.NoError(t, err)
	crds, err := kube.CRDs(objs)
	require.NoError(t, err)
	require.NotEmpty(t, crds)
	want := crds[0]
	assert.Empty(t, crdDiff(want, want.DeepCopy()))

	served := want.DeepCopy()
	served.Spec.Versions[0].Schema.OpenAPIV3Schema.Description = "an older schema"
	served.Spec.Versions[0].AdditionalPrinterColumns = served.Spec.Versions[0].AdditionalPrinterColumns[:1]
	served.Spec.Names.ShortNames = nil
	assert.Equal(t, []string{"names", "v1alpha1 schema", "v1alpha1 printer columns"}, crdDiff(want, served))

	served = want.DeepCopy()
	served.Spec.Versions[0].Name = "v1alpha0"
	assert.Equal(t, []string{"version v1alpha1 missing", "extra version v1alpha0"}, crdDiff(want, served))
}

func TestCompletion(t *testing.T) {
	startEnv(t)
	code, out, _ := run(t, "__complete", "install", "ai")
	assert.Equal(t, ExitOK, code)
	assert.Contains(t, out, "ai-hub\tAI Hub")
	code, out, _ = run(t, "__complete", "install", "kserve", "--with", "n")
	assert.Equal(t, ExitOK, code)
	assert.Contains(t, out, "neo4j\tNeo4j")
}

// TestDocumentedExitCodes: every exit code docs/cli.md documents, through Execute against
// a real API server.
func TestDocumentedExitCodes(t *testing.T) {
	startEnv(t)
	ns := newNamespace(t)
	applyPlatform(t, ns,
		map[string]any{"name": "base", "version": "1.0.0"},
		map[string]any{"name": "graph", "version": "2.0.0", "reason": "requested"})
	conflicts := filepath.Join("testdata", "optional-conflict-catalog.yaml")
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"ok", []string{"components", "--catalog", conflicts}, ExitOK, ""},
		{"failure: no such platform namespace", []string{"-n", ns + "-none", "status"}, ExitFailure, "no Platform in namespace"},
		{"invalid input", []string{"install", "nosuch", "--catalog", conflicts}, ExitInvalidInput, `unknown component "nosuch"`},
		// The resolver's sentence says "accepts", as cobra's argument errors do: still 3.
		{"unsatisfiable through an optional member", []string{"install", "hub", "--with", "graph", "--catalog", conflicts}, ExitUnsatisfiable, "hub accepts only graph ^1.0.0"},
		{"unhealthy", []string{"status", "--check"}, ExitUnhealthy, "is not healthy"},
		{"changes pending", []string{"uninstall", "graph", "--catalog", conflicts, "--dry-run", "--exit-code"}, ExitChangesPending, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-n", ns}, tt.args...)
			code, _, errOut := run(t, args...)
			assert.Equal(t, tt.code, code, errOut)
			assert.Contains(t, errOut, tt.msg)
			assert.NotContains(t, errOut, "--help' for usage", "only command-line errors get the usage hint")
		})
	}
}
