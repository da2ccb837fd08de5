package dashboard

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/testcatalog"
)

func TestTemplatesParse(t *testing.T) {
	_, err := newPages(&Server{opts: Options{}})
	require.NoError(t, err)
}

// staticSource is a fixed snapshot (pure unit tests: the browser journeys in test/dashboard
// use the real watch).
type staticSource struct{ st *State }

func (s staticSource) Snapshot(context.Context) (*State, error) { return s.st, nil }
func (staticSource) Notifier() *Notifier                        { return &Notifier{} }

func samplePlatform() *State {
	since := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC))
	p := &openovav1alpha1.Platform{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: "openova-system", Generation: 3},
		Spec: openovav1alpha1.PlatformSpec{
			Organization: openovav1alpha1.Organization{Name: "acme", Domain: "acme.example.com"},
			Regions:      []openovav1alpha1.Region{{Name: "fsn1", Role: "primary"}, {Name: "hel1", Role: "standby"}},
			Components: []openovav1alpha1.PlatformComponent{
				{Name: "grafana", Version: "0.1.0"},
				{Name: "kserve", Version: "1.1.0", Reason: "dependency of ai-hub"},
				{Name: "vllm", Version: "0.1.0", Reason: "dependency of ai-hub"},
				{Name: "neo4j", Version: "2.0.0", Reason: "optional member of ai-hub"},
				{Name: "ai-hub", Version: "1.1.0"},
			},
		},
		Status: openovav1alpha1.PlatformStatus{Phase: "Degraded", ObservedGeneration: 3,
			Alerts:  []openovav1alpha1.Alert{{Component: "neo4j", Region: "hel1", Reason: "UpgradeRolledBack", Message: "upgrade to 2.0.0 failed and was rolled back", Since: &since}},
			Regions: []openovav1alpha1.RegionSummary{{Name: "fsn1", Reachable: true}, {Name: "hel1", Reachable: false, Message: "dial tcp 127.0.0.1:1: connection refused"}}},
	}
	comps := map[string]*openovav1alpha1.Component{}
	for _, e := range p.Spec.Components {
		c := &openovav1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Name: e.Name, Namespace: p.Namespace}, Spec: openovav1alpha1.ComponentSpec{Version: e.Version,
			Regions: []openovav1alpha1.ComponentRegion{{Name: "hel1", Role: "standby"}, {Name: "fsn1", Role: "primary"}}}}
		c.Status = openovav1alpha1.ComponentStatus{Health: "Healthy", Version: e.Version, Endpoints: []string{"https://" + e.Name + ".acme.example.com"},
			Regions: []openovav1alpha1.RegionStatus{{Name: "hel1", Version: e.Version, Health: "Healthy"}, {Name: "fsn1", Version: e.Version, Health: "Healthy"}}}
		if e.Name == "grafana" {
			c.Status.AvailableUpgrade = &openovav1alpha1.AvailableUpgrade{Version: "0.2.0"}
		}
		if e.Name == "neo4j" {
			c.Status.Version, c.Status.FailedVersion = "1.0.0", "2.0.0"
			c.Status.Regions[0].Version, c.Status.Regions[1].Version = "1.0.0", "1.0.0"
		}
		comps[e.Name] = c
	}
	return &State{Platform: p, Components: comps, Revision: 1}
}

func TestPagesRender(t *testing.T) {
	cat := testcatalog.WriteFile(t, "cli", "http://127.0.0.1:1/charts")
	srv, err := Listen(Options{Watch: staticSource{samplePlatform()}, Client: fake.NewClientBuilder().Build(), Catalog: cat, Context: "kwok-acme",
		Now: func() time.Time { return time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC) }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.ln.Close() })
	h := srv.pages
	tests := []struct {
		path string
		want []string
	}{
		{"/", []string{"Health: <span id=\"health-percent\">80%</span>", "4 of 5", "kwok-acme", "neo4j 2.0.0</strong> in hel1 · UpgradeRolledBack", "https://ai-hub.acme.example.com",
			`<tr id="region-fsn1"><td>fsn1</td><td>primary</td>`, "4 of 5</td>", "region fsn1: 1 of 5 components not healthy", `<tr id="region-hel1"><td>hel1</td><td>standby</td>`, "region hel1 is unreachable (dial tcp 127.0.0.1:1: connection refused)"}},
		{"/components", []string{"Mandatory", "Meta-platforms", `id="row-ai-hub"`, "Upgrade: 0.2.0", "1.0.0 → 2.0.0"}},
		{"/components?f=1", []string{`href="/components/langserve/install"`, "not installed"}},
		{"/components/langserve/install", []string{"Install LangServe", "Plan: 1 to install, 0 to upgrade, 0 to remove."}},
		{"/components/feast/install", []string{`id="unsatisfiable"`, "kserve ~1.0.0", `id="install-button" disabled`}},
		{"/components/ai-hub/install", []string{"already installed", "Neo4j — knowledge graph", `id="with-neo4j" name="with" value="neo4j" checked`}},
		{"/upgrades", []string{`data-failed="neo4j"`, "rolled back to 1.0.0", "Grafana 0.2: unified alerting.", "Plan preview", "Maintenance window: none (upgrades start right away)."}},
		{"/settings", []string{"Update check interval", `id="day-Saturday"`, "Not checked yet."}},
		{"/progress?c=neo4j@2.0.0&c=grafana@0.1.0&what=Upgrade", []string{"rolled back to 1.0.0", "did not complete", "Healthy"}},
	}
	mux := srv.routes()
	_ = h
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tt.path, nil))
			body, _ := io.ReadAll(w.Result().Body)
			require.Equal(t, http.StatusOK, w.Code, string(body))
			for _, want := range tt.want {
				assert.Contains(t, string(body), want)
			}
			assert.NotContains(t, string(body), "style=", "no inline style (CSP)")
			assert.Equal(t, 0, strings.Count(string(body), "<script>"), "no inline script (CSP)")
		})
	}
}
