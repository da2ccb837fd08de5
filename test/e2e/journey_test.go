package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/plugin"
)

// TestJourney is a platform operator's day 2, step by step on one platform: check the
// cluster, install a meta-platform with an optional member, watch it become healthy, look
// for upgrades, upgrade, see an upgrade fail and recover, and uninstall.
func TestJourney(t *testing.T) {
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("check", func(t *testing.T) {
		r := openova(t, "check")
		require.Equal(t, plugin.ExitOK, r.code, r)
		for _, want := range []string{
			"✔ components.openova.io is installed and current",
			"✔ platforms.openova.io is installed and current",
			"✔ Deployment openova-system/openova-operator is available (1/1 ready)",
			"✔ operator image ghcr.io/openova-io/openova-operator:v0.0.0-test matches the plugin (v0.0.0-test)",
			"✔ Flux CRDs installed",
			"✔ Deployment flux-system/helm-controller is available",
			"✔ catalog " + catalogURL + " loads: 7 components",
			"✔ all checks passed",
		} {
			assert.Contains(t, r.stdout, want)
		}
	})

	step("install refuses to prompt without a terminal", func(t *testing.T) {
		r := openova(t, "install", "ai-hub@1.0.0", "--with", "neo4j@1.0.0")
		assert.Equal(t, plugin.ExitInvalidInput, r.code, r)
		assert.Contains(t, r.stdout, "[x] neo4j       1.0.0   knowledge graph   will be installed")
		assert.Equal(t, "Error: refusing to install without confirmation: stdin is not a terminal; review the plan (--dry-run) and pass --yes to apply it\n", r.stderr)
		assert.Equal(t, []string{"grafana@0.1.0"}, specNames(t))
	})

	step("install a meta-platform with an optional member and wait", func(t *testing.T) {
		r := openova(t, "install", "ai-hub@1.0.0", "--with", "neo4j@1.0.0", "--yes", "--wait", "--timeout", "4m")
		require.Equal(t, plugin.ExitOK, r.code, r)
		for _, want := range []string{
			"ai-hub 1.0.0 · AI Hub (meta-platform)",
			"  Required members:\n    kserve   1.0.0   will be installed\n    vllm     0.1.0   will be installed\n",
			"[ ] langserve   0.1.0   RAG service       add with --with langserve",
			"install   ai-hub      1.0.0     requested",
			"Plan: 4 to install, 0 to upgrade, 0 to remove.",
		} {
			assert.Contains(t, r.stdout, want)
		}
		for _, want := range []string{"✔ Platform acme updated", "✔ kserve 1.0.0 is Healthy", "✔ ai-hub 1.0.0 is Healthy", "✔ rollout complete in"} {
			assert.Contains(t, r.stderr, want)
		}
		assert.NotContains(t, r.stderr, "⠋", "no spinner without a terminal")
		assert.Equal(t, []string{"grafana@0.1.0", "kserve@1.0.0", "neo4j@1.0.0", "vllm@0.1.0", "ai-hub@1.0.0"}, specNames(t))
	})

	step("components and status reflect it", func(t *testing.T) {
		eventually(t, time.Minute, "status --check passes", func() bool { return openova(t, "status", "--check").code == plugin.ExitOK })
		r := openova(t, "components")
		require.Equal(t, plugin.ExitOK, r.code, r)
		for _, want := range []string{"MANDATORY\n✓   grafana   0.1.0     Healthy   Upgrade: 0.2.0", "✓   neo4j     1.0.0     Healthy   Upgrade: 2.0.0", "META-PLATFORMS\n✓   ai-hub    1.0.0     Healthy   Upgrade: 1.1.0"} {
			assert.Contains(t, r.stdout, want)
		}
		r = openova(t, "components", "--all", "-o", "json")
		require.Equal(t, plugin.ExitOK, r.code, r)
		var view plugin.ComponentsView
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &view))
		installed := map[string]bool{}
		for _, c := range view.Components {
			installed[c.Name] = c.Installed
		}
		assert.Equal(t, map[string]bool{"grafana": true, "kserve": true, "vllm": true, "neo4j": true, "ai-hub": true, "langserve": false, "feast": false}, installed)

		r = openova(t, "status")
		require.Equal(t, plugin.ExitOK, r.code, r)
		for _, want := range []string{"Phase        Ready", "Health       100%          5 of 5 components healthy", "Upgrades     3 available", "Alerts       none", "QUICK LINKS", "ai-hub    https://ai.acme.example.com"} {
			assert.Contains(t, r.stdout, want)
		}
	})

	step("upgrade lists upgrades and exits 5 with --dry-run --exit-code", func(t *testing.T) {
		r := openova(t, "upgrade", "--dry-run", "--exit-code")
		assert.Equal(t, plugin.ExitChangesPending, r.code, r)
		for _, want := range []string{
			"ai-hub      1.0.0     1.1.0       kserve 1.0.0 → 1.1.0",
			"  neo4j 1.0.0 → 2.0.0\n    2.0.0 (2025-07-01): Neo4j 2.0: new storage engine",
			"    1.1.0 (2025-04-01): Neo4j 1.1: vector indexes.",
			"kserve 1.0.0 (newest 1.2.0): ai-hub 1.0.0 requires kserve ~1.0.0",
			"kubectl openova upgrade ai-hub --to 1.1.0",
			"kubectl openova upgrade --all",
		} {
			assert.Contains(t, r.stdout, want)
		}
		assert.Empty(t, r.stderr)
		assert.Equal(t, plugin.ExitOK, openova(t, "upgrade").code)
	})

	step("upgrade --refresh asks the operator to check the catalog", func(t *testing.T) {
		before, err := getPlatform(context.Background())
		require.NoError(t, err)
		r := openova(t, "upgrade", "--refresh", "--wait")
		require.Equal(t, plugin.ExitOK, r.code, r)
		assert.Contains(t, r.stderr, "✔ The operator checked the catalog for upgrades.")
		assert.Contains(t, r.stdout, "Upgrades available for platform acme")
		after, err := getPlatform(context.Background())
		require.NoError(t, err)
		assert.Equal(t, after.Annotations[openovav1alpha1.RefreshAnnotation], after.Status.LastHandledRefresh)
		assert.False(t, after.Status.LastUpdateCheck.Before(before.Status.LastUpdateCheck))
		assert.Equal(t, before.Generation, after.Generation, "the annotation does not change the spec")
	})

	step("upgrade a meta-platform with its dependency", func(t *testing.T) {
		r := openova(t, "upgrade", "ai-hub", "--dry-run", "--exit-code")
		assert.Equal(t, plugin.ExitChangesPending, r.code, r)
		assert.Contains(t, r.stdout, "upgrade   kserve      1.0.0 → 1.1.0   dependency of ai-hub")
		assert.Contains(t, r.stderr, "Dry run: the API server accepted the change")
		r = openova(t, "upgrade", "ai-hub", "--yes", "--wait", "--timeout", "4m")
		require.Equal(t, plugin.ExitOK, r.code, r)
		assert.Contains(t, r.stderr, "✔ kserve 1.1.0 is Healthy")
		assert.Contains(t, r.stderr, "✔ ai-hub 1.1.0 is Healthy")
		assert.Equal(t, []string{"grafana@0.1.0", "kserve@1.1.0", "neo4j@1.0.0", "vllm@0.1.0", "ai-hub@1.1.0"}, specNames(t))
	})

	step("a failed upgrade is rolled back and shows as an alert", func(t *testing.T) {
		r := openova(t, "upgrade", "neo4j", "--to", "2.0.0", "--yes", "--wait", "--timeout", "4m")
		require.Equal(t, plugin.ExitUnhealthy, r.code, r)
		assert.Contains(t, r.stderr, "✗ neo4j 2.0.0: upgrade failed")
		assert.Contains(t, r.stderr, "Error: upgrade of neo4j from 1.0.0 to 2.0.0 failed and was rolled back to 1.0.0")

		eventually(t, time.Minute, "the alert on the platform", func() bool {
			return strings.Contains(openova(t, "status").stdout, "UpgradeRolledBack")
		})
		r = openova(t, "status", "--check")
		assert.Equal(t, plugin.ExitUnhealthy, r.code, r)
		assert.Contains(t, r.stdout, "ALERTS\n  ✗ neo4j   UpgradeRolledBack")
		assert.Contains(t, r.stdout, "NEEDS ATTENTION\n  neo4j   1.0.0 → 2.0.0")
		assert.Contains(t, r.stderr, "Error: platform acme is not healthy:")
		assert.Contains(t, r.stderr, "1 alert")
		assert.Contains(t, openova(t, "components").stdout, "neo4j     1.0.0 → 2.0.0")
	})

	step("recover with another version", func(t *testing.T) {
		r := openova(t, "upgrade", "neo4j", "--to", "1.1.0", "--yes", "--wait", "--timeout", "4m")
		require.Equal(t, plugin.ExitInvalidInput, r.code, r)
		assert.Contains(t, r.stderr, "neo4j 1.1.0 is older than the installed 2.0.0")
		r = openova(t, "upgrade", "neo4j", "--to", "1.1.0", "--allow-downgrade", "--yes", "--wait", "--timeout", "4m")
		require.Equal(t, plugin.ExitOK, r.code, r)
		assert.Contains(t, r.stdout, "downgrade   neo4j       2.0.0 → 1.1.0")
		assert.Contains(t, r.stderr, "✔ neo4j 1.1.0 is Healthy")
		eventually(t, time.Minute, "the alert clears", func() bool { return openova(t, "status", "--check").code == plugin.ExitOK })
	})

	step("wait times out with exit code 4", func(t *testing.T) {
		r := openova(t, "upgrade", "grafana", "--yes", "--wait", "--timeout", "1s")
		require.Equal(t, plugin.ExitUnhealthy, r.code, r)
		assert.Contains(t, r.stderr, "Error: timed out after 1s waiting for grafana")
		eventually(t, 2*time.Minute, "grafana 0.2.0 healthy", func() bool { return openova(t, "status", "--check").code == plugin.ExitOK })
	})

	step("an unsatisfiable request exits 3", func(t *testing.T) {
		r := openova(t, "install", "feast")
		assert.Equal(t, plugin.ExitUnsatisfiable, r.code, r)
		assert.Contains(t, r.stderr, "Error: cannot install feast:")
		assert.Contains(t, r.stderr, "feast requires kserve ~1.0.0")
	})

	step("uninstall prunes the dependencies", func(t *testing.T) {
		r := openova(t, "uninstall", "ai-hub", "--yes", "--wait", "--timeout", "4m")
		require.Equal(t, plugin.ExitOK, r.code, r)
		for _, want := range []string{"remove   ai-hub      1.1.0     requested", "remove   kserve      1.1.0     no longer needed", "remove   neo4j       1.1.0     no longer needed", "remove   vllm        0.1.0     no longer needed"} {
			assert.Contains(t, r.stdout, want)
		}
		assert.Contains(t, r.stderr, "✔ kserve removed")
		assert.Equal(t, []string{"grafana@0.2.0"}, specNames(t))
		r = openova(t, "components")
		assert.Equal(t, "    NAME      VERSION   HEALTH    UPGRADE\nMANDATORY\n✓   grafana   0.2.0     Healthy\n", r.stdout)
		r = openova(t, "uninstall", "grafana")
		assert.Equal(t, plugin.ExitInvalidInput, r.code, r)
		assert.Contains(t, r.stderr, "grafana is mandatory and cannot be uninstalled")
	})
}
