package bootstrap

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func checksByName(checks []Check) map[string]Check {
	out := map[string]Check{}
	for _, c := range checks {
		out[c.Name] = c
	}
	return out
}

func TestPreflight(t *testing.T) {
	fake := newFakeTerraform()
	token := NewCredentials()
	token.Set("HCLOUD_TOKEN", "t0ken-value", true)

	t.Run("all good", func(t *testing.T) {
		checks := Preflight(context.Background(), testConfig(t, ProviderHetzner), PreflightOptions{Credentials: token, NewTerraform: fake.factory})
		assert.True(t, ChecksPassed(checks), "%+v", checks)
		got := checksByName(checks)
		assert.Equal(t, "terraform 1.11.4", got["terraform"].Message)
		assert.Equal(t, "set: HCLOUD_TOKEN", got["credentials"].Message)
		assert.NotContains(t, got["credentials"].Message, "t0ken-value")
	})
	t.Run("missing credentials", func(t *testing.T) {
		checks := checksByName(Preflight(context.Background(), testConfig(t, ProviderHetzner), PreflightOptions{Credentials: NewCredentials(), NewTerraform: fake.factory}))
		assert.False(t, checks["credentials"].OK)
		assert.Contains(t, checks["credentials"].Message, "HCLOUD_TOKEN")
	})
	t.Run("terraform missing", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		checks := checksByName(Preflight(context.Background(), testConfig(t, ProviderHetzner), PreflightOptions{Credentials: token}))
		assert.False(t, checks["terraform"].OK)
		assert.Contains(t, checks["terraform"].Message, "neither terraform nor tofu found on PATH")
	})
	t.Run("terraform too old", func(t *testing.T) {
		old := newFakeTerraform()
		old.version = TerraformVersion{Flavor: "tofu", Version: "1.5.9"}
		checks := checksByName(Preflight(context.Background(), testConfig(t, ProviderHetzner), PreflightOptions{Credentials: token, NewTerraform: old.factory}))
		assert.Equal(t, "tofu 1.5.9 is too old: need 1.6.0 or newer", checks["terraform"].Message)
	})
	t.Run("invalid config", func(t *testing.T) {
		cfg := testConfig(t, ProviderHetzner)
		cfg.Organization.Domain = "nodots"
		checks := checksByName(Preflight(context.Background(), cfg, PreflightOptions{Credentials: token, NewTerraform: fake.factory}))
		assert.False(t, checks["config"].OK)
		assert.Contains(t, checks["config"].Message, "organization.domain:")
		assert.True(t, checks["terraform"].OK)
	})
	t.Run("local binaries", func(t *testing.T) {
		checks := checksByName(Preflight(context.Background(), testConfig(t, ProviderLocal), PreflightOptions{BinDir: t.TempDir(), NewTerraform: fake.factory}))
		assert.False(t, checks["binaries"].OK)
		assert.Contains(t, checks["binaries"].Message, "kwokctl")
		assert.Equal(t, "none needed for provider local", checks["credentials"].Message)
		checks = checksByName(Preflight(context.Background(), testConfig(t, ProviderLocal), PreflightOptions{BinDir: fakeBinDir(t), NewTerraform: fake.factory}))
		assert.True(t, checks["binaries"].OK)
	})
	t.Run("existing", func(t *testing.T) {
		kubeconfig := filepath.Join(t.TempDir(), "config")
		require.NoError(t, os.WriteFile(kubeconfig, []byte(testKubeconfig("prod", "https://10.0.0.1:6443")), 0o600))
		cfg := testConfig(t, ProviderExisting)
		cfg.Kubeconfig = kubeconfig
		checks := Preflight(context.Background(), cfg, PreflightOptions{})
		assert.True(t, ChecksPassed(checks), "%+v", checks)
		assert.NotContains(t, checksByName(checks), "terraform", "no Terraform for an existing cluster")
		assert.Contains(t, checksByName(checks)["kubeconfig"].Message, "context prod (https://10.0.0.1:6443)")
	})
}

func TestPreflightFile(t *testing.T) {
	fake := newFakeTerraform()
	checks := checksByName(PreflightFile(context.Background(), filepath.Join(t.TempDir(), "missing.yaml"), nil, PreflightOptions{NewTerraform: fake.factory}))
	assert.False(t, checks["config"].OK)
	assert.Contains(t, checks["config"].Message, "read bootstrap config")
	assert.True(t, checks["terraform"].OK, "terraform is checked even when the config is unreadable")

	path := filepath.Join(t.TempDir(), "bootstrap.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`apiVersion: bootstrap.openova.io/v1alpha1
kind: BootstrapConfig
organization: {name: acme, domain: acme.example}
provider: local
regions: [{name: dev, role: primary}]
`), 0o600))
	all := PreflightFile(context.Background(), path, &Flags{WorkDir: t.TempDir()}, PreflightOptions{NewTerraform: fake.factory, BinDir: fakeBinDir(t)})
	assert.True(t, ChecksPassed(all), "%+v", all)
}

func TestCheckVersion(t *testing.T) {
	for _, tt := range []struct {
		v  TerraformVersion
		ok bool
	}{
		{TerraformVersion{"terraform", "1.5.0"}, true},
		{TerraformVersion{"terraform", "1.11.4"}, true},
		{TerraformVersion{"terraform", "1.6.0-beta1"}, true},
		{TerraformVersion{"terraform", "1.4.7"}, false},
		{TerraformVersion{"terraform", "0.15.5"}, false},
		{TerraformVersion{"tofu", "1.6.0"}, true},
		{TerraformVersion{"tofu", "1.5.7"}, false},
		{TerraformVersion{"terraform", "dev"}, false},
	} {
		assert.Equal(t, tt.ok, CheckVersion(tt.v) == nil, "%s", tt.v)
	}
	assert.Equal(t, "tofu", flavorOf("/usr/bin/tofu"))
	assert.Equal(t, "terraform", flavorOf("/usr/local/bin/terraform"))
}
