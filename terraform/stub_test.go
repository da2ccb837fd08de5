package terraform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// The stub providers (hack/tfstub) answer Terraform with the schemas recorded in
// schemas/*.json. The binary is built once per test process and linked into a filesystem
// mirror under every provider address and version that schemas/providers.json records;
// each test's Terraform CLI configuration installs providers from that mirror only.

// recordedProvider is one entry of schemas/providers.json.
type recordedProvider struct {
	// Address is the provider's source address, e.g. registry.terraform.io/hetznercloud/hcloud.
	Address string `json:"address"`
	// Version is the release the schema was read from.
	Version string `json:"version"`
	// Modules are the modules (directories under terraform/) that use the provider.
	Modules []string `json:"modules"`
}

type recordedProviders struct {
	Providers []recordedProvider `json:"providers"`
}

func loadRecordedProviders(t *testing.T) []recordedProvider {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("schemas", "providers.json"))
	require.NoError(t, err)
	var doc recordedProviders
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.NotEmpty(t, doc.Providers)
	return doc.Providers
}

var stub struct {
	once   sync.Once
	mirror string
	err    error
}

// stubMirrorRoot is removed by TestMain.
var stubMirrorRoot string

func TestMain(m *testing.M) {
	code := m.Run()
	if stubMirrorRoot != "" {
		_ = os.RemoveAll(stubMirrorRoot)
	}
	os.Exit(code)
}

// stubMirror builds hack/tfstub (once) and returns the filesystem mirror holding it as
// every recorded provider.
func stubMirror(t *testing.T) string {
	t.Helper()
	providers := loadRecordedProviders(t)
	stub.once.Do(func() {
		stub.mirror, stub.err = buildStubMirror(providers)
	})
	require.NoError(t, stub.err)
	return stub.mirror
}

func buildStubMirror(providers []recordedProvider) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the stub provider is built with go, which is not on PATH: %w", err)
	}
	root, err := os.MkdirTemp("", "openova-tfstub-")
	if err != nil {
		return "", err
	}
	stubMirrorRoot = root
	bin := filepath.Join(root, "tfstub")
	cmd := exec.Command(goBin, "build", "-o", bin, "github.com/openova-io/core/hack/tfstub")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build hack/tfstub: %w\n%s", err, out)
	}
	mirror := filepath.Join(root, "mirror")
	for _, p := range providers {
		typ := p.Address[strings.LastIndex(p.Address, "/")+1:]
		dir := filepath.Join(mirror, filepath.FromSlash(strings.ToLower(p.Address)), p.Version, "linux_amd64")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		if err := os.Link(bin, filepath.Join(dir, "terraform-provider-"+typ+"_v"+p.Version)); err != nil {
			return "", err
		}
	}
	return mirror, nil
}

// stubEnv is the environment of a terraform process that installs providers from the
// stub mirror only. The machine image points TF_CLI_CONFIG_FILE at a missing file, so the
// test writes its own.
func stubEnv(t *testing.T) []string {
	t.Helper()
	mirror := stubMirror(t)
	schemas, err := filepath.Abs("schemas")
	require.NoError(t, err)
	cfg := filepath.Join(t.TempDir(), "terraformrc")
	require.NoError(t, os.WriteFile(cfg, fmt.Appendf(nil, `provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/*/*"]
  }
}
`, mirror), 0o600))
	return append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cfg,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_PLUGIN_CACHE_DIR=",
		"OPENOVA_TFSTUB_SCHEMAS="+schemas,
	)
}

// copyModule copies one embedded module (with its submodules and tests) to a temporary
// directory.
func copyModule(t *testing.T, provider string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), provider)
	require.NoError(t, os.CopyFS(dir, os.DirFS(provider)))
	return dir
}

// runTerraform runs terraform in dir and returns its combined output and error.
func runTerraform(t *testing.T, bin, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func terraformInit(t *testing.T, bin, dir string, env []string) {
	t.Helper()
	out, err := runTerraform(t, bin, dir, env, "init", "-backend=false", "-input=false", "-no-color")
	require.NoError(t, err, "terraform init:\n%s", out)
}
