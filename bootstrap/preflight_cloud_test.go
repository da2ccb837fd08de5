package bootstrap

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCloudChecks(t *testing.T) {
	home := t.TempDir()
	withConfig := t.TempDir()
	if err := os.MkdirAll(filepath.Join(withConfig, ".oci"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(withConfig, ".oci", "config"), []byte("[DEFAULT]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	found := func(string) (string, error) { return "/usr/bin/oci", nil }
	notFound := func(string) (string, error) { return "", errors.New("not found") }
	vars := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	allCLIVars := map[string]string{}
	for _, v := range ociCLIVars {
		allCLIVars[v] = "x"
	}
	projectSet := NewCredentials()
	projectSet.Set("HW_PROJECT_ID", "0123", false)

	for _, tc := range []struct {
		name     string
		provider Provider
		regions  int
		creds    *Credentials
		env      cloudEnv
		want     []Check
	}{
		{name: "oci without cli", provider: ProviderOCI, env: cloudEnv{lookPath: notFound, getenv: vars(nil), home: home},
			want: []Check{{Name: "oci-cli", Message: "the OCI CLI (oci) is not on PATH: OKE's kubeconfig runs `oci ce cluster generate-token`; install it (pip install oci-cli) and configure it (oci setup config)"}}},
		{name: "oci cli without config", provider: ProviderOCI, env: cloudEnv{lookPath: found, getenv: vars(map[string]string{"OCI_CLI_USER": "u"}), home: home},
			want: []Check{{Name: "oci-cli", Message: "/usr/bin/oci has no configuration: neither " + filepath.Join(home, ".oci", "config") + " nor OCI_CLI_TENANCY, OCI_CLI_FINGERPRINT, OCI_CLI_KEY_FILE, OCI_CLI_REGION is set; run oci setup config or set those variables"}}},
		{name: "oci cli with config file", provider: ProviderOCI, env: cloudEnv{lookPath: found, getenv: vars(nil), home: withConfig},
			want: []Check{{Name: "oci-cli", OK: true, Message: "/usr/bin/oci, configured by " + filepath.Join(withConfig, ".oci", "config")}}},
		{name: "oci cli with variables", provider: ProviderOCI, env: cloudEnv{lookPath: found, getenv: vars(allCLIVars), home: home},
			want: []Check{{Name: "oci-cli", OK: true, Message: "/usr/bin/oci, configured by OCI_CLI_USER, OCI_CLI_TENANCY, OCI_CLI_FINGERPRINT, OCI_CLI_KEY_FILE, OCI_CLI_REGION"}}},
		{name: "huawei project with two regions", provider: ProviderHuawei, regions: 2, creds: projectSet,
			want: []Check{{Name: "project", Message: "HW_PROJECT_ID applies to one region only, and project IDs differ per region: unset it and give providerSettings project_id_cn_r0 and project_id_cn_r1 (or neither: the provider finds each region's default project)"}}},
		{name: "huawei project with one region", provider: ProviderHuawei, regions: 1, creds: projectSet},
		{name: "huawei two regions without project", provider: ProviderHuawei, regions: 2, creds: NewCredentials()},
		{name: "hetzner", provider: ProviderHetzner, creds: NewCredentials()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &Config{Provider: tc.provider}
			for i := range max(tc.regions, 1) {
				cfg.Regions = append(cfg.Regions, Region{Name: "cn-r" + string(rune('0'+i))})
			}
			creds := tc.creds
			if creds == nil {
				creds = NewCredentials()
			}
			assert.Equal(t, tc.want, cloudChecks(cfg, creds, tc.env))
		})
	}
}
