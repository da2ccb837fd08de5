package bootstrap

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// cloudEnv is what the cloud pre-flight checks read from the machine; tests replace it.
type cloudEnv struct {
	lookPath func(string) (string, error)
	getenv   func(string) string
	home     string
}

func machineCloudEnv() cloudEnv {
	home, _ := os.UserHomeDir()
	return cloudEnv{lookPath: exec.LookPath, getenv: os.Getenv, home: home}
}

// ociCLIVars are the environment variables the OCI CLI reads instead of a config file.
var ociCLIVars = []string{"OCI_CLI_USER", "OCI_CLI_TENANCY", "OCI_CLI_FINGERPRINT", "OCI_CLI_KEY_FILE", "OCI_CLI_REGION"}

// cloudChecks are the pre-flight checks of what a cloud module needs besides the
// credentials Terraform's provider reads:
//
//   - oci: the kubeconfig OKE issues runs `oci ce cluster generate-token` for every
//     request (kubectl's and the bootstrap's own), so the OCI CLI must be on PATH with a
//     configuration: ~/.oci/config (or OCI_CLI_CONFIG_FILE) or the OCI_CLI_* variables.
//     The provider's OCI_* variables are not read by the CLI.
//   - huawei: HW_PROJECT_ID names one project, of one region; with two regions each needs
//     its own, given as providerSettings.project_id_<region> (- written _).
func cloudChecks(c *Config, creds *Credentials, env cloudEnv) []Check {
	switch c.Provider {
	case ProviderOCI:
		return []Check{checkOCICLI(env)}
	case ProviderHuawei:
		if _, set := creds.Get("HW_PROJECT_ID"); set && len(c.Regions) == 2 {
			return []Check{{Name: "project", Message: "HW_PROJECT_ID applies to one region only, and project IDs differ per region: unset it and give providerSettings project_id_" +
				strings.ReplaceAll(c.Regions[0].Name, "-", "_") + " and project_id_" + strings.ReplaceAll(c.Regions[1].Name, "-", "_") + " (or neither: the provider finds each region's default project)"}}
		}
	}
	return nil
}

func checkOCICLI(env cloudEnv) Check {
	bin, err := env.lookPath("oci")
	if err != nil {
		return Check{Name: "oci-cli", Message: "the OCI CLI (oci) is not on PATH: OKE's kubeconfig runs `oci ce cluster generate-token`; install it (pip install oci-cli) and configure it (oci setup config)"}
	}
	var missing []string
	for _, v := range ociCLIVars {
		if env.getenv(v) == "" {
			missing = append(missing, v)
		}
	}
	if len(missing) == 0 {
		return Check{Name: "oci-cli", OK: true, Message: bin + ", configured by " + strings.Join(ociCLIVars, ", ")}
	}
	config := env.getenv("OCI_CLI_CONFIG_FILE")
	if config == "" {
		config = filepath.Join(env.home, ".oci", "config")
	}
	if _, err := os.Stat(config); err != nil {
		return Check{Name: "oci-cli", Message: fmt.Sprintf("%s has no configuration: neither %s nor %s is set; run oci setup config or set those variables", bin, config, strings.Join(missing, ", "))}
	}
	return Check{Name: "oci-cli", OK: true, Message: bin + ", configured by " + config}
}
