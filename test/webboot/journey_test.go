package webboot

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/bootstrap"
	"github.com/openova-io/core/test/browser"
)

// canary is the credential typed into the Credentials step: after that step it must
// appear nowhere — no file, log, cluster object or response.
var canary = fmt.Sprintf("canary-tf-token-%d", time.Now().UnixNano())

// TestWizardJourney is a platform operator's day 0 in the browser: every step with bad
// input first (refused next to the field), the review with the --config file and
// Terraform's plan, Create, Cancel during terraform apply, a re-opened page that
// reattaches, Resume to the end, and the credential typed in found nowhere afterwards.
func TestWizardJourney(t *testing.T) {
	w := startWizard(t)
	ctx := browse.Tab(t, 6*time.Minute)
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	step("organization", func(t *testing.T) { testOrganization(t, ctx, w) })
	step("provider", func(t *testing.T) { testProvider(t, ctx) })
	step("credentials", func(t *testing.T) { testCredentials(t, ctx) })
	step("regions", func(t *testing.T) { testRegions(t, ctx) })
	step("components", func(t *testing.T) { testComponents(t, ctx) })
	step("review", func(t *testing.T) { testReview(t, ctx, w) })
	step("create, cancel, resume", func(t *testing.T) { testCreate(t, ctx, w) })
	step("the credential is nowhere", func(t *testing.T) { testCanary(t, ctx, w) })
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// next submits the step's form and waits for the selector of what should come.
func next(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	browser.Do(t, ctx, chromedp.Click(css("#next")), chromedp.WaitVisible(css(want)))
	checkPage(t, ctx)
}

// checkPage checks the page's source as the browser has it for the canary.
func checkPage(t *testing.T, ctx context.Context) {
	t.Helper()
	s := browser.Eval[string](t, ctx, "document.documentElement.outerHTML")
	browser.NoCanary(t, "page "+browser.Eval[string](t, ctx, "location.pathname"), s, []string{canary})
}

func invalid(t *testing.T, ctx context.Context, input string) bool {
	t.Helper()
	return browser.Eval[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-invalid") === "true"`, input))
}

func testOrganization(t *testing.T, ctx context.Context, w *wizard) {
	browser.Do(t, ctx, chromedp.Navigate(w.url), chromedp.WaitVisible(css("#f-organization-name")))
	assert.NotContains(t, browser.Eval[string](t, ctx, "location.href"), "token=", "the token leaves the address bar")
	browser.Screenshot(t, ctx, "wizard-organization", false)

	browser.Fill(t, ctx, "#f-organization-name", "Bad_Org")
	browser.Fill(t, ctx, "#f-organization-domain", "not a domain")
	next(t, ctx, "#err-organization-name")
	assert.Contains(t, browser.Text(t, ctx, "#err-organization-name"), "not a lowercase DNS label")
	assert.Contains(t, browser.Text(t, ctx, "#err-organization-domain"), "not a lowercase DNS name")
	assert.True(t, invalid(t, ctx, "#f-organization-name"))
	assert.Equal(t, "Bad_Org", browser.Eval[string](t, ctx, `document.getElementById("f-organization-name").value`), "what was typed stays")
	browser.Screenshot(t, ctx, "wizard-organization-error", false)

	browser.Fill(t, ctx, "#f-organization-name", org)
	browser.Fill(t, ctx, "#f-organization-domain", org+".example.com")
	next(t, ctx, "#p-local")
}

func testProvider(t *testing.T, ctx context.Context) {
	// A provider the page does not offer (a forged form) is refused by the same validation.
	browser.Act(t, ctx, "#p-hetzner", `function(e){e.value="azure";e.checked=true}`)
	next(t, ctx, "#err-provider")
	assert.Contains(t, browser.Text(t, ctx, "#err-provider"), `unknown provider "azure"`)

	browser.Click(t, ctx, "#p-local")
	browser.Screenshot(t, ctx, "wizard-provider", false)
	next(t, ctx, "#f-token-name")
}

func testCredentials(t *testing.T, ctx context.Context) {
	assert.Contains(t, browser.Text(t, ctx, "#no-credentials"), "local needs no credentials")
	assert.Equal(t, "password", browser.Eval[string](t, ctx, `document.getElementById("f-token-value").type`), "masked")
	browser.Act(t, ctx, "#token-details", `function(e){e.open=true}`)
	browser.Fill(t, ctx, "#f-token-name", "tf_token_lowercase")
	browser.Fill(t, ctx, "#f-token-value", canary)
	browser.Screenshot(t, ctx, "wizard-credentials", false)
	next(t, ctx, "#err-token-name")
	assert.Contains(t, browser.Text(t, ctx, "#err-token-name"), "not a Terraform host token variable")
	assert.Empty(t, browser.Eval[string](t, ctx, `document.getElementById("f-token-value").value`), "a credential is never sent back")
	assert.Contains(t, browser.Eval[string](t, ctx, `document.getElementById("f-token-value").placeholder`), "entered")

	browser.Fill(t, ctx, "#f-token-name", "TF_TOKEN_registry_"+org+"_example")
	browser.Fill(t, ctx, "#f-token-value", canary)
	next(t, ctx, "#f-regions-0-name")
}

func testRegions(t *testing.T, ctx context.Context) {
	assert.Equal(t, "dev", browser.Eval[string](t, ctx, `document.getElementById("f-regions-0-name").value`), "the provider's first region is suggested")
	browser.Fill(t, ctx, "#f-regions-0-name", "Dev Region")
	browser.Fill(t, ctx, "#f-nodes-count", "many")
	next(t, ctx, "#err-regions-0-name")
	assert.Contains(t, browser.Text(t, ctx, "#err-regions-0-name"), "not a lowercase region name")
	assert.Contains(t, browser.Text(t, ctx, "#err-nodes-count"), `"many" is not a number`)

	// Two regions with one name.
	browser.Fill(t, ctx, "#f-regions-0-name", "dev")
	browser.Click(t, ctx, "#two")
	browser.Fill(t, ctx, "#f-regions-1-name", "dev")
	browser.Fill(t, ctx, "#f-nodes-count", "2")
	next(t, ctx, "#err-regions-1-name")
	assert.Contains(t, browser.Text(t, ctx, "#err-regions-1-name"), "is already regions[0].name")

	browser.Click(t, ctx, "#two")
	browser.Screenshot(t, ctx, "wizard-regions", false)
	next(t, ctx, "#components-form")
}

func testComponents(t *testing.T, ctx context.Context) {
	for _, m := range []string{"cilium", "flux", "grafana"} {
		assert.True(t, browser.Eval[bool](t, ctx, fmt.Sprintf(`(function(e){return e.checked && e.disabled})(document.getElementById("c-%s"))`, m)), "%s is mandatory: ticked, fixed", m)
	}
	mandatoryOnly := browser.Text(t, ctx, "#plan-summary")

	// Ticking re-resolves: the plan and the optional members follow.
	browser.Click(t, ctx, "#c-keycloak")
	browser.WaitText(t, ctx, "#component-plan", "keycloak", 10*time.Second)
	browser.Click(t, ctx, "#c-ai-hub")
	browser.WaitText(t, ctx, `#row-ai-hub li[data-member="neo4j"]`, "knowledge graph", 10*time.Second)
	browser.Click(t, ctx, "#with-ai-hub-neo4j")
	browser.WaitText(t, ctx, "#component-plan", "neo4j", 10*time.Second)
	assert.NotEqual(t, mandatoryOnly, browser.Text(t, ctx, "#plan-summary"))
	assert.True(t, browser.Eval[bool](t, ctx, `document.getElementById("c-keycloak").checked`), "the ticks survive the re-render")
	browser.Screenshot(t, ctx, "wizard-components", false)

	// A component the catalog does not have (a forged form) is refused by the resolver.
	browser.Act(t, ctx, "#components-form", `function(f){var i=document.createElement("input");i.type="hidden";i.name="component";i.value="nosuchthing";i.id="forged";f.appendChild(i)}`)
	next(t, ctx, "#unsatisfiable")
	assert.Contains(t, browser.Text(t, ctx, "#component-plan"), "nosuchthing")
	assert.True(t, browser.Eval[bool](t, ctx, `document.getElementById("c-ai-hub").checked && document.getElementById("with-ai-hub-neo4j").checked`))

	// The page offers only the catalog's components: submitting it again drops the forged one.
	next(t, ctx, "#config-yaml")
}

func testReview(t *testing.T, ctx context.Context, w *wizard) {
	shown := browser.Text(t, ctx, "#config-yaml")
	head, downloaded := browser.Fetch(t, ctx, "/config.yaml")
	assert.Contains(t, head, `content-disposition: attachment; filename="`+org+`-bootstrap.yaml"`)
	require.Equal(t, shown, trimNL(downloaded), "the download is the file shown")
	browser.NoCanary(t, "config.yaml", downloaded, []string{canary})

	// It is the file --config takes: parsed strictly, valid, what was chosen.
	cfg, err := bootstrap.ParseConfig([]byte(downloaded))
	require.NoError(t, err)
	cfg.Default()
	require.NoError(t, cfg.Validate())
	assert.Equal(t, org, cfg.Organization.Name)
	assert.Equal(t, bootstrap.ProviderLocal, cfg.Provider)
	assert.Equal(t, []bootstrap.Region{{Name: "dev", Role: bootstrap.RolePrimary}}, cfg.Regions)
	assert.Equal(t, 2, cfg.Nodes.Count)
	assert.Equal(t, []bootstrap.ComponentRequest{{Name: "keycloak"}, {Name: "ai-hub", With: []string{"neo4j"}}}, cfg.Components.Install)
	assert.Equal(t, w.workDir, cfg.WorkDir)

	browser.Do(t, ctx, chromedp.Click(css("#plan-button")), chromedp.WaitVisible(css("#tf-summary")))
	assert.Contains(t, browser.Text(t, ctx, "#tf-summary"), "Plan: ")
	assert.Contains(t, browser.Text(t, ctx, "#tf-summary"), "to add")
	_, err = os.Stat(filepath.Join(w.workDir, "kubeconfig-dev.yaml"))
	assert.True(t, os.IsNotExist(err), "Plan creates no cluster")
	checkPage(t, ctx)
	browser.Screenshot(t, ctx, "wizard-review", false)
}

func trimNL(s string) string {
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	return s
}

// phaseState is a phase's state on the progress page.
func phaseState(t *testing.T, ctx context.Context, phase string) string {
	t.Helper()
	return browser.Eval[string](t, ctx, fmt.Sprintf(`(function(e){return e?e.getAttribute("data-state"):""})(document.getElementById("phase-%s"))`, phase))
}

func waitState(t *testing.T, ctx context.Context, sel, want string, timeout time.Duration) {
	t.Helper()
	js := fmt.Sprintf(`(function(e){return e?e.getAttribute("data-state"):""})(document.querySelector(%q))`, sel)
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		if last = browser.Eval[string](t, ctx, js); last == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: state %q, not %q after %s\n%s", sel, last, want, timeout, browser.Eval[string](t, ctx, "document.body.innerText"))
}

func testCreate(t *testing.T, ctx context.Context, w *wizard) {
	browser.Do(t, ctx, chromedp.Click(css("#create-button")), chromedp.WaitVisible(css("#phases")))
	// The page follows the run by itself (server-sent events): apply starts, Cancel.
	waitState(t, ctx, "#phase-apply", "running", 90*time.Second)
	browser.Screenshot(t, ctx, "wizard-run", false)
	browser.Do(t, ctx, chromedp.Click(css("#cancel-button")), chromedp.WaitVisible(css("#phases")))
	waitState(t, ctx, "#run-state", "interrupted", 90*time.Second)
	assert.Equal(t, "interrupted", phaseState(t, ctx, "apply"))
	assert.Equal(t, "done", phaseState(t, ctx, "plan"))
	assert.Equal(t, "pending", phaseState(t, ctx, "install-operator"))

	// The checkpoint says where to resume.
	var cp bootstrap.Checkpoint
	data, err := os.ReadFile(bootstrap.CheckpointPath(w.workDir))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &cp))
	assert.False(t, cp.Complete)
	states := map[bootstrap.Phase]bootstrap.PhaseState{}
	for _, p := range cp.Phases {
		states[p.Name] = p.State
	}
	assert.Equal(t, bootstrap.PhaseInterrupted, states[bootstrap.PhaseApply], "checkpoint: %s", data)

	// A page opened again reattaches to the bootstrap.
	other := browse.Tab(t, time.Minute)
	browser.Do(t, other, chromedp.Navigate(w.base+"/"), chromedp.WaitVisible(css("#run-state")))
	assert.Equal(t, "interrupted", browser.Eval[string](t, other, `document.getElementById("run-state").getAttribute("data-state")`))
	assert.Contains(t, browser.Text(t, other, "#run-error"), "interrupted in phase apply")

	// Resume completes from the checkpoint.
	browser.Do(t, ctx, chromedp.Click(css("#resume-button")), chromedp.WaitVisible(css("#phases")))
	browser.Do(t, ctx, chromedp.WaitVisible(css("#report")))
	waitState(t, ctx, "#run-state", "done", 10*time.Second)
	assert.Contains(t, browser.Text(t, ctx, "#live"), "resuming the bootstrap of "+org)
	assert.Equal(t, "done earlier", phaseState(t, ctx, "init"))
	assert.Equal(t, "done", phaseState(t, ctx, "apply"))
	kubeconfig := bootstrap.KubeconfigPath(w.workDir, "dev")
	assert.Contains(t, browser.Text(t, ctx, "#dashboard-command"), "kubectl openova dashboard --kubeconfig "+kubeconfig+" --context ")
	assert.Contains(t, browser.Text(t, ctx, "#clusters"), kubeconfig)
	urls := browser.Text(t, ctx, "#service-urls")
	for _, u := range []string{"https://keycloak." + org + ".example.com", "https://neo4j." + org + ".example.com", "https://grafana." + org + ".example.com"} {
		assert.Contains(t, urls, u)
	}
	browser.Act(t, ctx, "#out-apply", `function(e){e.open=true}`)
	browser.Screenshot(t, ctx, "wizard-done", false)
	browser.WaitText(t, other, "#run-state", "Done", 15*time.Second) // the other page follows by itself

	// The platform exists with what was chosen.
	c := clusterClient(t, kubeconfig)
	p := platform(t, c)
	names := map[string]bool{}
	for _, e := range p.Spec.Components {
		names[e.Name] = true
	}
	for _, n := range []string{"cilium", "flux", "grafana", "keycloak", "ai-hub", "neo4j"} {
		assert.True(t, names[n], "%s in the Platform (%v)", n, names)
	}
	assert.Equal(t, org+".example.com", p.Spec.Organization.Domain)
	assert.Len(t, nodes(t, c), 2)
}
