package bootstrap

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lineReader hands out one line per Read: huh's accessible prompts start a new scanner
// for every question.
type lineReader struct{ lines []string }

func (r *lineReader) Read(p []byte) (int, error) {
	if len(r.lines) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.lines[0]+"\n")
	r.lines = r.lines[1:]
	return n, nil
}

var testComponents = []ComponentOption{
	{Name: "grafana", Category: CategoryALaCarte, Description: "dashboards"},
	{Name: "cilium", Category: CategoryMandatory, Description: "network"},
	{Name: "ai-hub", Category: CategoryMetaPlatform, Description: "AI platform", Members: []ComponentMember{{Name: "neo4j", DisplayName: "Neo4j", Description: "knowledge graph"}, {Name: "qdrant", Description: "vector database"}}},
	{Name: "flux", Category: CategoryMandatory, Description: "GitOps"},
	{Name: "open-banking", Category: CategoryMetaPlatform, Description: "PSD2 APIs"},
}

func TestWizardLocalTwoRegions(t *testing.T) {
	t.Setenv(WorkDirEnv, t.TempDir())
	in := &lineReader{lines: []string{
		"Acme", "acme", // an invalid name is asked again
		"acme.example",
		"4",       // provider: local
		"eu", "y", // first region, add a standby
		"eu", "us", // the same name again is refused
		"2",                // us is primary
		"1", "3", "5", "0", // components: deselect cilium (refused), ai-hub, grafana, confirm
		"1", "0", // cilium again, confirm
		"1", "0", // ai-hub members: neo4j
		"y", // bootstrap
	}}
	var out bytes.Buffer
	cfg, creds, err := RunWizard(context.Background(), WizardOptions{
		In: in, Out: &out, Accessible: true, Components: testComponents,
		Lookup: envFrom(nil),
	})
	require.NoError(t, err, "wizard output:\n%s", out.String())
	assert.Contains(t, out.String(), `"Acme" is not a lowercase DNS label`)
	assert.Contains(t, out.String(), `"eu" is the first region already`)
	assert.Contains(t, out.String(), "cilium is mandatory")
	assert.Contains(t, out.String(), "neo4j               knowledge graph", "an optional member says what it is")
	assert.Empty(t, in.lines, "every answer was used")

	assert.Equal(t, Organization{Name: "acme", Domain: "acme.example"}, cfg.Organization)
	assert.Equal(t, ProviderLocal, cfg.Provider)
	assert.Equal(t, []Region{{Name: "eu", Role: RoleStandby}, {Name: "us", Role: RolePrimary}}, cfg.Regions)
	assert.Equal(t, []ComponentRequest{{Name: "ai-hub", With: []string{"neo4j"}}, {Name: "grafana"}}, cfg.Components.Install,
		"mandatory components are not listed; they are always installed")
	assert.Equal(t, DefaultWorkDir("acme"), cfg.WorkDir)
	require.NoError(t, cfg.Validate())
	assert.Empty(t, creds.Env())
}

func TestWizardHetznerWithEnvironmentCredentials(t *testing.T) {
	in := &lineReader{lines: []string{
		"acme", "acme.example",
		"1", // hetzner; HCLOUD_TOKEN comes from the environment, so no credential question
		"nbg1", "n",
		"not a key", testSSHKey,
		"y",
	}}
	var out bytes.Buffer
	defaults := &Config{WorkDir: "/srv/acme"}
	cfg, creds, err := RunWizard(context.Background(), WizardOptions{
		In: in, Out: &out, Accessible: true, Defaults: defaults,
		Lookup: envFrom(map[string]string{"HCLOUD_TOKEN": "canary-env-token"}),
	})
	require.NoError(t, err, "wizard output:\n%s", out.String())
	assert.NotContains(t, out.String(), "HCLOUD_TOKEN")
	assert.Contains(t, out.String(), "does not exist", "the SSH key is validated like the config file's")
	assert.Equal(t, ProviderHetzner, cfg.Provider)
	assert.Equal(t, []Region{{Name: "nbg1", Role: RolePrimary}}, cfg.Regions)
	assert.Equal(t, testSSHKey, cfg.SSHKey)
	assert.Equal(t, "/srv/acme", cfg.WorkDir, "an explicit work directory is kept")
	v, ok := creds.Get("HCLOUD_TOKEN")
	assert.True(t, ok)
	assert.Equal(t, "canary-env-token", v)
	assert.Equal(t, []string{"canary-env-token"}, creds.SecretValues())
	assert.NoError(t, CheckCredentials(cfg, creds))
}

// TestWizardAnswers covers what the form fields produce, including typed (masked)
// credentials, without a terminal: the same Validate decides.
func TestWizardAnswers(t *testing.T) {
	base := testConfig(t, ProviderLocal)
	base.Nodes.Count = 4
	a := answersFrom(base)
	assert.Equal(t, "acme", a.Organization)
	assert.Equal(t, "fsn1", a.RegionNames[0])

	a.Organization = "globex"
	a.Provider = string(ProviderOCI)
	a.Credentials = map[string]string{"OCI_TENANCY_OCID": "ocid1.tenancy.oc1..x", "OCI_USER_OCID": "ocid1.user.oc1..x", "OCI_FINGERPRINT": "aa:bb", "OCI_PRIVATE_KEY_PATH": "/keys/oci.pem"}
	a.Settings = map[string]string{"compartment_ocid": "ocid1.compartment.oc1..x"}
	a.TwoRegions, a.RegionNames, a.Primary = true, [2]string{"eu-frankfurt-1", "eu-amsterdam-1"}, 0
	a.SSHKey = testSSHKey
	a.Components = []string{"cilium", "open-banking"}
	cfg, creds := a.config(base, testComponents)
	cfg.Default()
	require.NoError(t, cfg.Validate())
	assert.Equal(t, 4, cfg.Nodes.Count, "what the wizard does not ask comes from the defaults")
	assert.Equal(t, []ComponentRequest{{Name: "open-banking"}}, cfg.Components.Install)
	assert.Equal(t, []Region{{Name: "eu-frankfurt-1", Role: RolePrimary}, {Name: "eu-amsterdam-1", Role: RoleStandby}}, cfg.Regions)
	assert.Empty(t, creds.Missing(cfg))
	assert.Equal(t, []string{"/keys/oci.pem"}, creds.SecretValues())

	data, err := cfg.Marshal()
	require.NoError(t, err)
	assert.NotContains(t, string(data), "ocid1.user", "credentials are not part of the config")

	// Invalid answers fail the same validation as a file.
	a.RegionNames[1] = "eu-frankfurt-1"
	cfg, _ = a.config(base, testComponents)
	cfg.Default()
	require.ErrorContains(t, cfg.Validate(), "regions[1].name")
}

// TestWizardStartsFromTheFlags: the wizard starts from the flags (applied and defaulted,
// not validated) and asks only for what they leave open; what it does not ask (work
// directory, node count, state backend) is kept.
func TestWizardStartsFromTheFlags(t *testing.T) {
	t.Setenv(WorkDirEnv, t.TempDir())
	work := t.TempDir()
	flags := &Flags{Provider: "local", Regions: []string{"dev"}, NodeCount: 5, WorkDir: work,
		StateBucket: "tf-state", StateRegion: "eu-central-1", Install: []string{"grafana"}}
	draft, err := DraftConfig("", flags)
	require.NoError(t, err, "an incomplete configuration is a draft, not an error")
	require.Error(t, draft.Validate(), "no organization yet")

	in := &lineReader{lines: []string{
		"acme", "acme.example", // only organization and domain are open
		"y",
	}}
	var out bytes.Buffer
	cfg, _, err := RunWizard(context.Background(), WizardOptions{
		In: in, Out: &out, Accessible: true, Components: testComponents, Defaults: draft, Lookup: envFrom(nil),
	})
	require.NoError(t, err, "wizard output:\n%s", out.String())
	assert.Empty(t, in.lines, "every answer was used")
	assert.NotContains(t, out.String(), "Where should the platform run?")
	assert.NotContains(t, out.String(), "Add a standby region?")
	assert.NotContains(t, out.String(), "Components")
	assert.Contains(t, out.String(), "work directory "+work)
	assert.Equal(t, ProviderLocal, cfg.Provider)
	assert.Equal(t, []Region{{Name: "dev", Role: RolePrimary}}, cfg.Regions)
	assert.Equal(t, 5, cfg.Nodes.Count)
	assert.Equal(t, work, cfg.WorkDir)
	assert.Equal(t, StateBackendS3, cfg.State.Backend)
	assert.Equal(t, "tf-state", cfg.State.Bucket)
	assert.Equal(t, []ComponentRequest{{Name: "grafana"}}, cfg.Components.Install)

	// A flag value that is there but invalid is asked for again, pre-filled.
	draft, err = DraftConfig("", &Flags{Organization: "Not_A_Label", Provider: "local", Regions: []string{"dev"}, Install: []string{"grafana"}})
	require.NoError(t, err)
	in = &lineReader{lines: []string{"acme", "acme.example", "y"}}
	out.Reset()
	cfg, _, err = RunWizard(context.Background(), WizardOptions{In: in, Out: &out, Accessible: true, Components: testComponents, Defaults: draft, Lookup: envFrom(nil)})
	require.NoError(t, err, "wizard output:\n%s", out.String())
	assert.Equal(t, "acme", cfg.Organization.Name)
	assert.Equal(t, DefaultWorkDir("acme"), cfg.WorkDir, "a defaulted work directory follows the organization")
}
