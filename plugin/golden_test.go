package plugin

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
	"github.com/openova-io/core/test/testcatalog"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/NAME, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing: run go test ./plugin -run %s -update", t.Name())
	assert.Equal(t, string(want), string(got), "output differs from %s (run with -update to accept)", path)
}

// testRepo is the chart repository the test catalog names in golden files.
const testRepo = "http://charts.example.test"

func testCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	data, err := testcatalog.Render("cli", testRepo)
	require.NoError(t, err)
	cat, err := catalog.Parse("cli.yaml", data)
	require.NoError(t, err)
	return cat
}

// refTime is "now" in golden files.
var refTime = time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)

func mtime(d time.Duration) *metav1.Time { return &metav1.Time{Time: refTime.Add(-d)} }

func entry(name, version, reason string) openovav1alpha1.PlatformComponent {
	return openovav1alpha1.PlatformComponent{Name: name, Version: version, Reason: reason}
}

func testPlatform(entries ...openovav1alpha1.PlatformComponent) *openovav1alpha1.Platform {
	return &openovav1alpha1.Platform{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: openovav1alpha1.DefaultNamespace, Generation: 3},
		Spec: openovav1alpha1.PlatformSpec{
			Organization: openovav1alpha1.Organization{Name: "acme", Domain: "acme.example.com"},
			Components:   entries,
		},
	}
}

// aiHubPlatform is a platform with ai-hub 1.0.0 and neo4j installed and reconciled.
func aiHubPlatform() *openovav1alpha1.Platform {
	p := testPlatform(
		entry("grafana", "0.1.0", ""),
		entry("kserve", "1.0.0", "dependency of ai-hub"),
		entry("neo4j", "1.0.0", "optional member of ai-hub"),
		entry("vllm", "0.1.0", "dependency of ai-hub"),
		entry("ai-hub", "1.0.0", "requested"),
	)
	p.Status = openovav1alpha1.PlatformStatus{
		Phase: openovav1alpha1.PhaseReady, ObservedGeneration: 3, ComponentCount: 5, HealthPercent: 100, UpgradesAvailable: 3,
		LastUpdateCheck: mtime(7 * time.Minute),
		Conditions: []metav1.Condition{{Type: openovav1alpha1.ReadyCondition, Status: metav1.ConditionTrue,
			Reason: openovav1alpha1.HealthyReason, Message: "5 of 5 components healthy"}},
		Components: []openovav1alpha1.ComponentSummary{
			{Name: "grafana", Version: "0.1.0", DesiredVersion: "0.1.0", Health: "Healthy", AvailableUpgrade: "0.2.0", Endpoints: []string{"https://grafana.acme.example.com"}},
			{Name: "kserve", Version: "1.0.0", DesiredVersion: "1.0.0", Health: "Healthy"},
			{Name: "neo4j", Version: "1.0.0", DesiredVersion: "1.0.0", Health: "Healthy", AvailableUpgrade: "2.0.0", Endpoints: []string{"https://neo4j.acme.example.com"}},
			{Name: "vllm", Version: "0.1.0", DesiredVersion: "0.1.0", Health: "Healthy"},
			{Name: "ai-hub", Version: "1.0.0", DesiredVersion: "1.0.0", Health: "Healthy", AvailableUpgrade: "1.1.0", Endpoints: []string{"https://ai.acme.example.com"}},
		},
	}
	return p
}

// failedPlatform is aiHubPlatform after a failed upgrade of neo4j to 2.0.0 and while vllm
// upgrades.
func failedPlatform() *openovav1alpha1.Platform {
	p := aiHubPlatform()
	p.Spec.Components[2].Version = "2.0.0"
	p.Spec.Components[3].Version = "0.2.0"
	p.Generation = 5
	p.Status.ObservedGeneration = 5
	p.Status.Phase = openovav1alpha1.PhaseProgressing
	p.Status.HealthPercent = 60
	p.Status.Conditions[0] = metav1.Condition{Type: openovav1alpha1.ReadyCondition, Status: metav1.ConditionFalse,
		Reason: openovav1alpha1.ProgressingReason, Message: "3 of 5 components healthy"}
	p.Status.Components[2] = openovav1alpha1.ComponentSummary{Name: "neo4j", Version: "1.0.0", DesiredVersion: "2.0.0", Health: "Healthy",
		Endpoints: []string{"https://neo4j.acme.example.com"}}
	p.Status.Components[3] = openovav1alpha1.ComponentSummary{Name: "vllm", Version: "0.1.0", DesiredVersion: "0.2.0", Health: "Progressing"}
	p.Status.UpgradesAvailable = 2
	p.Status.Alerts = []openovav1alpha1.Alert{{Component: "neo4j", Reason: openovav1alpha1.UpgradeRolledBackReason, Since: mtime(3 * time.Minute),
		Message: "upgrade of neo4j from 1.0.0 to 2.0.0 failed and was rolled back to 1.0.0: context deadline exceeded"}}
	return p
}

// viewOf is the platform view of p with the Component objects its status summarises (one
// per summary: the operator's state as the fixtures describe it).
func viewOf(p *openovav1alpha1.Platform, cat *catalog.Catalog) *lifecycle.View {
	v := &lifecycle.View{Platform: p, Objects: map[string]*openovav1alpha1.Component{}, Catalog: cat}
	for _, s := range p.Status.Components {
		c := &openovav1alpha1.Component{
			ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: p.Namespace, Generation: 1},
			Spec:       openovav1alpha1.ComponentSpec{Version: s.DesiredVersion},
			Status:     openovav1alpha1.ComponentStatus{Version: s.Version, Health: s.Health, Endpoints: s.Endpoints, ObservedGeneration: 1, Regions: s.Regions},
		}
		for _, r := range s.Regions {
			c.Spec.Regions = append(c.Spec.Regions, openovav1alpha1.ComponentRegion{Name: r.Name, Role: regionRole(p, r.Name)})
		}
		if s.AvailableUpgrade != "" {
			c.Status.AvailableUpgrade = &openovav1alpha1.AvailableUpgrade{Version: s.AvailableUpgrade}
		}
		v.Objects[s.Name] = c
	}
	return v
}

func newTestGlobal(out *bytes.Buffer) *GlobalOptions {
	return NewGlobalOptions(genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: out, ErrOut: &bytes.Buffer{}})
}

func TestPlanGolden(t *testing.T) {
	cat := testCatalog(t)
	base := []openovav1alpha1.PlatformComponent{entry("grafana", "0.1.0", "")}
	withAIHub := aiHubPlatform().Spec.Components
	schedule := &metav1.Time{Time: refTime.Add(14 * time.Hour)}
	tests := []struct {
		name     string
		live     []openovav1alpha1.PlatformComponent
		req      catalog.Request
		schedule *metav1.Time
		color    bool
	}{
		{name: "install-meta-platform", live: base, req: catalog.Request{Kind: catalog.Install, Names: []string{"ai-hub"}, With: []string{"neo4j"},
			Versions: map[string]string{"ai-hub": "1.0.0", "neo4j": "1.0.0"}}},
		{name: "install-meta-platform-color", live: base, color: true, req: catalog.Request{Kind: catalog.Install, Names: []string{"ai-hub"}, With: []string{"neo4j"}}},
		{name: "install-plain", live: base, req: catalog.Request{Kind: catalog.Install, Names: []string{"vllm"}}},
		{name: "install-already-installed", live: withAIHub, req: catalog.Request{Kind: catalog.Install, Names: []string{"ai-hub"}}},
		{name: "install-dependency-explicitly", live: withAIHub, req: catalog.Request{Kind: catalog.Install, Names: []string{"kserve"}}},
		{name: "install-member-later", live: withAIHub, req: catalog.Request{Kind: catalog.Install, Names: []string{"ai-hub"}, With: []string{"langserve"}}},
		{name: "upgrade-with-dependency", live: withAIHub, req: catalog.Request{Kind: catalog.Upgrade, Names: []string{"ai-hub"}}},
		{name: "upgrade-all-scheduled", live: withAIHub, schedule: schedule, req: catalog.Request{Kind: catalog.Upgrade, All: true}},
		{name: "uninstall-prunes", live: withAIHub, req: catalog.Request{Kind: catalog.Uninstall, Names: []string{"ai-hub"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := lifecycle.PlanChange(testPlatform(tt.live...), cat, tt.req, tt.schedule)
			require.NoError(t, err)
			v := planView{Platform: "acme", Catalog: cat, Change: ch}
			var out bytes.Buffer
			require.NoError(t, printPlan(&out, palette{on: tt.color}, v))
			golden(t, "plan-"+tt.name+".golden", out.Bytes())
		})
	}
	t.Run("json", func(t *testing.T) {
		plan, err := catalog.Resolve(cat, lifecycle.Installed(base), tests[0].req)
		require.NoError(t, err)
		var out bytes.Buffer
		require.NoError(t, PrintData(&out, "json", plan))
		golden(t, "plan-install-meta-platform.json", out.Bytes())
	})
}

func TestUpgradeListGolden(t *testing.T) {
	cat := testCatalog(t)
	var out bytes.Buffer
	g := newTestGlobal(&out)
	l, warnings := upgradeList(g, aiHubPlatform(), cat)
	assert.Empty(t, warnings)
	require.NoError(t, printUpgradeList(&out, palette{}, g, l))
	golden(t, "upgrade-list.golden", out.Bytes())

	out.Reset()
	require.NoError(t, PrintData(&out, "json", l))
	golden(t, "upgrade-list.json", out.Bytes())

	// With another namespace and platform, the commands say so.
	out.Reset()
	ns := "tenant-a"
	g.ConfigFlags.Namespace = &ns
	g.Platform = "blue"
	p := testPlatform(entry("grafana", "0.2.0", ""), entry("vllm", "0.2.0", ""))
	l, _ = upgradeList(g, p, cat)
	require.NoError(t, printUpgradeList(&out, palette{}, g, l))
	golden(t, "upgrade-list-up-to-date.golden", out.Bytes())

	out.Reset()
	p = testPlatform(entry("grafana", "0.1.0", ""), entry("feast", "0.1.0", ""), entry("kserve", "1.0.0", "dependency of feast"))
	l, _ = upgradeList(g, p, cat)
	require.NoError(t, printUpgradeList(&out, palette{}, g, l))
	golden(t, "upgrade-list-held-back.golden", out.Bytes())
}

func TestStatusGolden(t *testing.T) {
	notReconciled := aiHubPlatform()
	notReconciled.Generation = 4
	fresh := testPlatform(entry("grafana", "0.1.0", ""))
	tests := []struct {
		name string
		p    *openovav1alpha1.Platform
	}{
		{"healthy", aiHubPlatform()},
		{"failed-upgrade", failedPlatform()},
		{"not-reconciled", notReconciled},
		{"no-status", fresh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			v := NewStatusView(viewOf(tt.p, nil))
			require.NoError(t, printStatus(&out, palette{}, newTestGlobal(&out), v, refTime))
			golden(t, "status-"+tt.name+".golden", out.Bytes())
			out.Reset()
			require.NoError(t, PrintData(&out, "json", v))
			golden(t, "status-"+tt.name+".json", out.Bytes())
		})
	}
	assert.True(t, NewStatusView(viewOf(aiHubPlatform(), nil)).Healthy)
	assert.False(t, NewStatusView(viewOf(failedPlatform(), nil)).Healthy)
	assert.False(t, NewStatusView(viewOf(notReconciled, nil)).Healthy)
	assert.False(t, NewStatusView(viewOf(fresh, nil)).Healthy)
}

func TestComponentsGolden(t *testing.T) {
	cat := testCatalog(t)
	mixed := failedPlatform()
	disabled := false
	mixed.Spec.Components = append(mixed.Spec.Components,
		openovav1alpha1.PlatformComponent{Name: "langserve", Version: "0.1.0", Reason: "optional member of ai-hub", Enabled: &disabled},
		entry("legacy-tool", "3.1.0", ""))
	tests := []struct {
		name  string
		p     *openovav1alpha1.Platform
		all   bool
		color bool
	}{
		{name: "installed", p: aiHubPlatform()},
		{name: "all", p: aiHubPlatform(), all: true},
		{name: "mixed", p: mixed},
		{name: "color", p: failedPlatform(), color: true},
		{name: "empty", p: testPlatform()},
		{name: "wide", p: widePlatform(), color: false},
		{name: "wide-color", p: widePlatform(), color: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			v := NewComponentsView(viewOf(tt.p, cat), tt.all)
			require.NoError(t, printComponents(&out, palette{on: tt.color}, v))
			golden(t, "components-"+tt.name+".golden", out.Bytes())
			if !tt.color && tt.name != "wide" {
				out.Reset()
				require.NoError(t, PrintData(&out, "json", v))
				golden(t, "components-"+tt.name+".json", out.Bytes())
			}
		})
	}
}

// widePlatform is aiHubPlatform with two entries the catalog does not have whose names
// are wider on a terminal than their rune count: CJK characters take two columns each.
func widePlatform() *openovav1alpha1.Platform {
	p := aiHubPlatform()
	p.Spec.Components = append(p.Spec.Components, entry("監視ツール", "1.0.0", ""), entry("日志-collector", "2.0.0", ""))
	p.Status.Components = append(p.Status.Components,
		openovav1alpha1.ComponentSummary{Name: "監視ツール", Version: "1.0.0", DesiredVersion: "1.0.0", Health: "Healthy"},
		openovav1alpha1.ComponentSummary{Name: "日志-collector", Version: "1.0.0", DesiredVersion: "2.0.0", Health: "Degraded"})
	return p
}

// TestWideStatusGolden: a status whose NEEDS ATTENTION table has a CJK name lines up.
func TestWideStatusGolden(t *testing.T) {
	p := widePlatform()
	p.Status.Components[1].Health = "Failed"
	var out bytes.Buffer
	require.NoError(t, printStatus(&out, palette{}, newTestGlobal(&out), NewStatusView(viewOf(p, nil)), refTime))
	golden(t, "status-wide.golden", out.Bytes())
}

func TestCheckGolden(t *testing.T) {
	passed := &CheckReport{Passed: true, Checks: []CheckResult{
		{Group: "Kubernetes", Status: CheckOK, Message: "Kubernetes v1.37.2 at https://127.0.0.1:6443 (1.30.0 or later required)"},
		{Group: "CRDs", Status: CheckOK, Message: "components.openova.io is installed and current"},
		{Group: "CRDs", Status: CheckOK, Message: "platforms.openova.io is installed and current"},
		{Group: "operator", Status: CheckOK, Message: "Deployment openova-system/openova-operator is available (1/1 ready)"},
		{Group: "operator", Status: CheckWarning, Message: "the operator runs v0.1.0, this plugin is v0.2.0: install the operator of the plugin's version (or use a plugin of the operator's)"},
		{Group: "Flux", Status: CheckOK, Message: "Flux CRDs installed: helmreleases.helm.toolkit.fluxcd.io, helmrepositories.source.toolkit.fluxcd.io"},
		{Group: "catalog", Status: CheckOK, Message: "catalog builtin loads: 35 components"},
	}}
	failed := &CheckReport{Checks: []CheckResult{
		{Group: "Kubernetes", Status: CheckOK, Message: "Kubernetes v1.37.2 at https://127.0.0.1:6443 (1.30.0 or later required)"},
		{Group: "CRDs", Status: CheckFailed, Message: "components.openova.io is not installed: install the operator with kubectl openova bootstrap (or apply openova-operator.yaml from the release)"},
	}}
	for name, r := range map[string]*CheckReport{"passed": passed, "failed": failed} {
		var out bytes.Buffer
		require.NoError(t, printChecks(&out, palette{}, r))
		golden(t, "check-"+name+".golden", out.Bytes())
	}
	var out bytes.Buffer
	require.NoError(t, PrintData(&out, "json", failed))
	golden(t, "check-failed.json", out.Bytes())
}
