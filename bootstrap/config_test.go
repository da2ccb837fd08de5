package bootstrap

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fullConfig = `apiVersion: bootstrap.openova.io/v1alpha1
kind: BootstrapConfig
organization:
  name: acme
  domain: acme.example
provider: hetzner
providerSettings:
  control_plane_size: cx32
regions:
  - name: fsn1
    role: primary
  - name: hel1
    role: standby
nodes:
  size: cx42
  count: 5
sshKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq1yJ0b4sN5p4bZ0kQ2G7n7yJtT9cT7b0m2l3C3n6cR ops@acme
kubernetesVersion: "1.33"
labels:
  team: platform
components:
  install:
    - name: ai-hub
      with: [neo4j]
    - name: grafana
state:
  backend: s3
  bucket: acme-tfstate
  region: eu-central-1
workDir: /var/lib/openova/acme
`

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte(fullConfig))
	require.NoError(t, err)
	cfg.Default()
	require.NoError(t, cfg.Validate())
	assert.Equal(t, &Config{
		APIVersion:        APIVersion,
		Kind:              Kind,
		Organization:      Organization{Name: "acme", Domain: "acme.example"},
		Provider:          ProviderHetzner,
		ProviderSettings:  map[string]string{"control_plane_size": "cx32"},
		Regions:           []Region{{Name: "fsn1", Role: RolePrimary}, {Name: "hel1", Role: RoleStandby}},
		Nodes:             Nodes{Size: "cx42", Count: 5},
		SSHKey:            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq1yJ0b4sN5p4bZ0kQ2G7n7yJtT9cT7b0m2l3C3n6cR ops@acme",
		KubernetesVersion: "1.33",
		Labels:            map[string]string{"team": "platform"},
		Components:        Components{Install: []ComponentRequest{{Name: "ai-hub", With: []string{"neo4j"}}, {Name: "grafana"}}},
		State:             StateBackend{Backend: StateBackendS3, Bucket: "acme-tfstate", Key: "openova/acme/terraform.tfstate", Region: "eu-central-1"},
		WorkDir:           "/var/lib/openova/acme",
	}, cfg)

	// What Marshal writes reads back the same.
	data, err := cfg.Marshal()
	require.NoError(t, err)
	again, err := ParseConfig(data)
	require.NoError(t, err)
	assert.Equal(t, cfg, again)
}

func TestParseConfigRejects(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"unknown top-level field", "apiVersion: x\nkind: y\nproviders: hetzner\n", `unknown field "providers"`},
		{"unknown nested field", "organization:\n  name: acme\n  domian: acme.example\n", `unknown field "domian"`},
		{"unknown region field", "regions:\n  - name: a\n    rol: primary\n", `unknown field "rol"`},
		{"credential in the file", "provider: hetzner\nhcloudToken: abc\n", `unknown field "hcloudToken"`},
		{"duplicate field", "provider: hetzner\nprovider: oci\n", `"provider" already set`},
		{"not YAML", "organization: [\n", "yaml"},
		{"wrong type", "nodes:\n  count: three\n", "nodes.count"},
		{"empty", "  \n", "the file is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.data))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLoadConfigUnreadable(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadConfig(filepath.Join(dir, "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), `read bootstrap config "`)

	_, err = LoadConfig(dir)
	require.Error(t, err, "a directory is not a config file")

	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("kind: BootstrapConfig\nextra: 1\n"), 0o600))
	_, err = LoadConfig(bad)
	require.ErrorContains(t, err, bad)
	require.ErrorContains(t, err, `unknown field "extra"`)
}

func TestValidate(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "id.pub")
	require.NoError(t, os.WriteFile(keyFile, []byte(testSSHKey+"\n"), 0o600))
	notAKey := filepath.Join(t.TempDir(), "notakey.pub")
	require.NoError(t, os.WriteFile(notAKey, []byte("hello\n"), 0o600))

	tests := []struct {
		name     string
		provider Provider
		mutate   func(*Config)
		// want maps field → message fragment; empty means valid.
		want map[string]string
	}{
		{name: "valid hetzner", provider: ProviderHetzner},
		{name: "valid huawei", provider: ProviderHuawei},
		{name: "valid oci", provider: ProviderOCI},
		{name: "valid local", provider: ProviderLocal},
		{name: "valid existing", provider: ProviderExisting},
		{name: "valid kind", provider: ProviderKind},
		{name: "two regions", provider: ProviderLocal, mutate: func(c *Config) {
			c.Regions = []Region{{Name: "eu", Role: RoleStandby}, {Name: "us", Role: RolePrimary}}
		}},
		{name: "ssh key from a file", provider: ProviderHetzner, mutate: func(c *Config) { c.SSHKey = keyFile }},

		{name: "apiVersion", provider: ProviderLocal, mutate: func(c *Config) { c.APIVersion = "v1" },
			want: map[string]string{"apiVersion": "must be bootstrap.openova.io/v1alpha1"}},
		{name: "kind", provider: ProviderLocal, mutate: func(c *Config) { c.Kind = "Platform" },
			want: map[string]string{"kind": "must be BootstrapConfig"}},
		{name: "organization missing", provider: ProviderLocal, mutate: func(c *Config) { c.Organization = Organization{} },
			want: map[string]string{"organization.name": "required", "organization.domain": "required"}},
		{name: "organization uppercase", provider: ProviderLocal, mutate: func(c *Config) { c.Organization.Name = "Acme" },
			want: map[string]string{"organization.name": "lowercase DNS label"}},
		{name: "organization too long", provider: ProviderLocal, mutate: func(c *Config) { c.Organization.Name = "a234567890123456789012345678901234" },
			want: map[string]string{"organization.name": "at most 32"}},
		{name: "domain single label", provider: ProviderLocal, mutate: func(c *Config) { c.Organization.Domain = "localhost" },
			want: map[string]string{"organization.domain": "at least two labels"}},
		{name: "domain underscore", provider: ProviderLocal, mutate: func(c *Config) { c.Organization.Domain = "bad_domain.com" },
			want: map[string]string{"organization.domain": `"bad_domain.com"`}},
		{name: "domain leading dash", provider: ProviderLocal, mutate: func(c *Config) { c.Organization.Domain = "-acme.example" },
			want: map[string]string{"organization.domain": "not a lowercase DNS name"}},
		{name: "domain with scheme", provider: ProviderLocal, mutate: func(c *Config) { c.Organization.Domain = "https://acme.example" },
			want: map[string]string{"organization.domain": "not a lowercase DNS name"}},
		{name: "provider missing", provider: "",
			want: map[string]string{"provider": "required, one of hetzner, huawei, oci, local, existing, kind"}},
		{name: "provider unknown", provider: "aws",
			want: map[string]string{"provider": `unknown provider "aws"`}},
		{name: "provider setting name", provider: ProviderLocal, mutate: func(c *Config) { c.ProviderSettings = map[string]string{"Bin-Dir": "/x"} },
			want: map[string]string{"providerSettings[Bin-Dir]": "not a setting name"}},
		{name: "provider setting secret", provider: ProviderHetzner, mutate: func(c *Config) { c.ProviderSettings = map[string]string{"api_token": "x"} },
			want: map[string]string{"providerSettings[api_token]": "credentials never go in the config"}},
		{name: "oci compartment missing", provider: ProviderOCI, mutate: func(c *Config) { c.ProviderSettings = nil },
			want: map[string]string{"providerSettings[compartment_ocid]": "required with provider oci"}},
		{name: "oci compartment not an OCID", provider: ProviderOCI, mutate: func(c *Config) { c.ProviderSettings["compartment_ocid"] = "acme" },
			want: map[string]string{"providerSettings[compartment_ocid]": "not an OCID"}},
		{name: "provider settings without terraform", provider: ProviderExisting, mutate: func(c *Config) { c.ProviderSettings = map[string]string{"x": "y"} },
			want: map[string]string{"providerSettings": "not used with provider existing"}},
		{name: "no regions", provider: ProviderLocal, mutate: func(c *Config) { c.Regions = nil },
			want: map[string]string{"regions": "required: one or two regions"}},
		{name: "three regions", provider: ProviderLocal, mutate: func(c *Config) {
			c.Regions = []Region{{Name: "a", Role: RolePrimary}, {Name: "b", Role: RoleStandby}, {Name: "c", Role: RoleStandby}}
		}, want: map[string]string{"regions": "at most two regions (one primary, one standby), got 3"}},
		{name: "two primary regions", provider: ProviderLocal, mutate: func(c *Config) {
			c.Regions = []Region{{Name: "a", Role: RolePrimary}, {Name: "b", Role: RolePrimary}}
		}, want: map[string]string{"regions[1].role": "a second primary region (regions[0] is primary)"}},
		{name: "no primary region", provider: ProviderLocal, mutate: func(c *Config) {
			c.Regions = []Region{{Name: "a", Role: RoleStandby}, {Name: "b", Role: RoleStandby}}
		}, want: map[string]string{"regions": "exactly one region must have the role primary"}},
		{name: "bad role", provider: ProviderLocal, mutate: func(c *Config) {
			c.Regions = []Region{{Name: "a", Role: RolePrimary}, {Name: "b", Role: "backup"}}
		}, want: map[string]string{"regions[1].role": `must be primary or standby, got "backup"`}},
		{name: "missing role", provider: ProviderLocal, mutate: func(c *Config) {
			c.Regions = []Region{{Name: "a", Role: RolePrimary}, {Name: "b"}}
		}, want: map[string]string{"regions[1].role": "required: primary or standby"}},
		{name: "duplicate region", provider: ProviderLocal, mutate: func(c *Config) {
			c.Regions = []Region{{Name: "a", Role: RolePrimary}, {Name: "a", Role: RoleStandby}}
		}, want: map[string]string{"regions[1].name": `"a" is already regions[0].name`}},
		{name: "bad region name", provider: ProviderLocal, mutate: func(c *Config) { c.Regions[0].Name = "EU West" },
			want: map[string]string{"regions[0].name": "not a lowercase region name"}},
		{name: "empty region name", provider: ProviderLocal, mutate: func(c *Config) { c.Regions[0].Name = "" },
			want: map[string]string{"regions[0].name": "required"}},
		{name: "context without existing", provider: ProviderLocal, mutate: func(c *Config) { c.Regions[0].Context = "kind-acme" },
			want: map[string]string{"regions[0].context": "only used with provider existing"}},
		{name: "existing two regions need contexts", provider: ProviderExisting, mutate: func(c *Config) {
			c.Regions = []Region{{Name: "a", Role: RolePrimary, Context: "ctx-a"}, {Name: "b", Role: RoleStandby}}
		}, want: map[string]string{"regions[1].context": "required with provider existing and two regions"}},
		{name: "node count negative", provider: ProviderLocal, mutate: func(c *Config) { c.Nodes.Count = -1 },
			want: map[string]string{"nodes.count": "must be from 1 to 100, got -1"}},
		{name: "node count too big", provider: ProviderLocal, mutate: func(c *Config) { c.Nodes.Count = 101 },
			want: map[string]string{"nodes.count": "got 101"}},
		{name: "node size", provider: ProviderHetzner, mutate: func(c *Config) { c.Nodes.Size = "cx 32" },
			want: map[string]string{"nodes.size": "not a machine type name"}},
		{name: "ssh key missing", provider: ProviderHetzner, mutate: func(c *Config) { c.SSHKey = "" },
			want: map[string]string{"sshKey": "required with provider hetzner"}},
		{name: "ssh key malformed", provider: ProviderHetzner, mutate: func(c *Config) { c.SSHKey = "ssh-ed25519 not!base64" },
			want: map[string]string{"sshKey": "not an OpenSSH public key"}},
		{name: "ssh private key", provider: ProviderHetzner, mutate: func(c *Config) { c.SSHKey = "-----BEGIN OPENSSH PRIVATE KEY-----" },
			want: map[string]string{"sshKey": "this is a private key"}},
		{name: "ssh key file missing", provider: ProviderHetzner, mutate: func(c *Config) { c.SSHKey = "/nonexistent/id.pub" },
			want: map[string]string{"sshKey": `ssh public key file "/nonexistent/id.pub" does not exist`}},
		{name: "ssh key file not a key", provider: ProviderHetzner, mutate: func(c *Config) { c.SSHKey = notAKey },
			want: map[string]string{"sshKey": "does not hold an OpenSSH public key"}},
		{name: "kubernetes version", provider: ProviderHetzner, mutate: func(c *Config) { c.KubernetesVersion = "v1.33" },
			want: map[string]string{"kubernetesVersion": "must look like 1.33 or 1.33.2"}},
		{name: "label key", provider: ProviderHetzner, mutate: func(c *Config) { c.Labels = map[string]string{"bad key": "x"} },
			want: map[string]string{"labels[bad key]": "not a valid label key"}},
		{name: "label value", provider: ProviderHetzner, mutate: func(c *Config) { c.Labels = map[string]string{"team": "a b"} },
			want: map[string]string{"labels[team]": "not a valid label value"}},
		{name: "component name missing", provider: ProviderLocal, mutate: func(c *Config) { c.Components.Install = []ComponentRequest{{}} },
			want: map[string]string{"components.install[0].name": "required"}},
		{name: "component name", provider: ProviderLocal, mutate: func(c *Config) { c.Components.Install = []ComponentRequest{{Name: "AI Hub"}} },
			want: map[string]string{"components.install[0].name": "not a component name"}},
		{name: "component twice", provider: ProviderLocal, mutate: func(c *Config) {
			c.Components.Install = []ComponentRequest{{Name: "grafana"}, {Name: "grafana"}}
		}, want: map[string]string{"components.install[1].name": `"grafana" is already components.install[0]`}},
		{name: "component members", provider: ProviderLocal, mutate: func(c *Config) {
			c.Components.Install = []ComponentRequest{{Name: "ai-hub", With: []string{"neo4j", "neo4j", "Bad", "ai-hub"}}}
		}, want: map[string]string{
			"components.install[0].with[1]": "listed twice",
			"components.install[0].with[2]": "not a component name",
			"components.install[0].with[3]": "cannot be a member of itself",
		}},
		{name: "state backend", provider: ProviderLocal, mutate: func(c *Config) { c.State.Backend = "gcs" },
			want: map[string]string{"state.backend": `must be local or s3, got "gcs"`}},
		{name: "s3 incomplete", provider: ProviderHetzner, mutate: func(c *Config) { c.State = StateBackend{Backend: StateBackendS3, Key: "k"} },
			want: map[string]string{"state.bucket": "required with backend s3", "state.region": "required with backend s3"}},
		{name: "s3 bad values", provider: ProviderHetzner, mutate: func(c *Config) {
			c.State = StateBackend{Backend: StateBackendS3, Bucket: "Acme_State", Key: "/abs", Region: "eu", Endpoint: "minio:9000"}
		}, want: map[string]string{"state.bucket": "not an S3 bucket name", "state.key": "relative object key", "state.endpoint": "not an http(s) URL"}},
		{name: "s3 fields with local backend", provider: ProviderHetzner, mutate: func(c *Config) { c.State.Bucket = "b" },
			want: map[string]string{"state.bucket": "only used with backend s3"}},
		{name: "s3 without terraform", provider: ProviderExisting, mutate: func(c *Config) {
			c.State = StateBackend{Backend: StateBackendS3, Bucket: "acme-state", Key: "k", Region: "eu"}
		}, want: map[string]string{"state.backend": "runs no Terraform"}},
		{name: "kubeconfig without existing", provider: ProviderLocal, mutate: func(c *Config) { c.Kubeconfig = "/k" },
			want: map[string]string{"kubeconfig": "only used with provider existing"}},
		{name: "work dir", provider: ProviderLocal, mutate: func(c *Config) { c.WorkDir = "" },
			want: map[string]string{"workDir": "required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t, tt.provider)
			if tt.mutate != nil {
				tt.mutate(cfg)
			}
			err := cfg.Validate()
			if len(tt.want) == 0 {
				require.NoError(t, err)
				return
			}
			var verr *ValidationError
			require.True(t, errors.As(err, &verr), "want a *ValidationError, got %v", err)
			fields := map[string]string{}
			for _, fe := range verr.Errors {
				fields[fe.Field] = fe.Message
			}
			for field, fragment := range tt.want {
				if assert.Contains(t, fields, field, "errors: %v", err) {
					assert.Contains(t, fields[field], fragment)
				}
				assert.Contains(t, err.Error(), field+": ")
			}
			assert.Len(t, verr.Errors, len(tt.want), "errors: %v", err)
		})
	}
}

func TestDefault(t *testing.T) {
	t.Setenv(WorkDirEnv, "/srv/openova")
	cfg := &Config{Organization: Organization{Name: "acme"}, Regions: []Region{{Name: "eu"}}, State: StateBackend{Backend: StateBackendS3}}
	cfg.Default()
	assert.Equal(t, APIVersion, cfg.APIVersion)
	assert.Equal(t, Kind, cfg.Kind)
	assert.Equal(t, RolePrimary, cfg.Regions[0].Role)
	assert.Equal(t, DefaultNodeCount, cfg.Nodes.Count)
	assert.Equal(t, "openova/acme/terraform.tfstate", cfg.State.Key)
	assert.Equal(t, "/srv/openova/acme", cfg.WorkDir)

	t.Setenv(WorkDirEnv, "")
	t.Setenv("HOME", "/home/ops")
	cfg = &Config{Organization: Organization{Name: "acme"}}
	cfg.Default()
	assert.Equal(t, "/home/ops/.openova/acme", cfg.WorkDir)
	assert.Equal(t, StateBackendLocal, cfg.State.Backend)

	cfg = &Config{Organization: Organization{Name: "acme"}, WorkDir: "~/platforms/acme"}
	cfg.Default()
	assert.Equal(t, "/home/ops/platforms/acme", cfg.WorkDir)

	// A file without apiVersion and kind stays invalid: Default fills them only for
	// configurations built from scratch.
	cfg = &Config{Kind: Kind}
	cfg.Default()
	assert.Empty(t, cfg.APIVersion)
}

func TestFlagsApply(t *testing.T) {
	cfg, err := ParseConfig([]byte(fullConfig))
	require.NoError(t, err)
	flags := &Flags{
		Organization:     "globex",
		Provider:         "local",
		ProviderSettings: []string{"bin_dir=/opt/bin"},
		Regions:          []string{"eu", "us:standby"},
		NodeCount:        2,
		Install:          []string{"open-banking:keycloak,vault"},
		StateBucket:      "globex-state",
		WorkDir:          "/tmp/globex",
	}
	require.NoError(t, flags.Apply(cfg))
	assert.Equal(t, "globex", cfg.Organization.Name)
	assert.Equal(t, "acme.example", cfg.Organization.Domain, "unset flags keep the file's value")
	assert.Equal(t, ProviderLocal, cfg.Provider)
	assert.Equal(t, "/opt/bin", cfg.ProviderSettings["bin_dir"])
	assert.Equal(t, []Region{{Name: "eu", Role: RolePrimary}, {Name: "us", Role: RoleStandby}}, cfg.Regions)
	assert.Equal(t, Nodes{Size: "cx42", Count: 2}, cfg.Nodes)
	assert.Equal(t, []ComponentRequest{
		{Name: "ai-hub", With: []string{"neo4j"}}, {Name: "grafana"},
		{Name: "open-banking", With: []string{"keycloak", "vault"}},
	}, cfg.Components.Install)
	assert.Equal(t, StateBackend{Backend: StateBackendS3, Bucket: "globex-state", Region: "eu-central-1"}, cfg.State)
	assert.Equal(t, "/tmp/globex", cfg.WorkDir)

	for _, bad := range []Flags{
		{ProviderSettings: []string{"novalue"}},
		{Regions: []string{":primary"}},
		{Install: []string{":neo4j"}},
	} {
		assert.Error(t, bad.Apply(NewConfig()))
	}
}

func TestResolveConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bootstrap.yaml")
	require.NoError(t, os.WriteFile(path, []byte(fullConfig), 0o600))

	cfg, err := ResolveConfig(path, &Flags{NodeCount: 7})
	require.NoError(t, err)
	assert.Equal(t, 7, cfg.Nodes.Count)

	// Flags alone, as in CI without a file.
	cfg, err = ResolveConfig("", &Flags{Organization: "acme", Domain: "acme.example", Provider: "local", Regions: []string{"dev"}, WorkDir: t.TempDir()})
	require.NoError(t, err)
	assert.Equal(t, []Region{{Name: "dev", Role: RolePrimary}}, cfg.Regions)

	// The same validation as the file: the flag value is named by its field.
	_, err = ResolveConfig(path, &Flags{Regions: []string{"a", "b", "c"}})
	require.ErrorContains(t, err, "regions: at most two regions")
	_, err = ResolveConfig(path, &Flags{Provider: "aws"})
	require.ErrorContains(t, err, `provider: unknown provider "aws"`)
	_, err = ResolveConfig(path, &Flags{Domain: "nodots"})
	require.ErrorContains(t, err, "organization.domain:")

	_, err = ResolveConfig(filepath.Join(t.TempDir(), "nope.yaml"), nil)
	require.ErrorIs(t, err, os.ErrNotExist)
}
