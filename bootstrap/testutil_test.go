package bootstrap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeTerraform records calls and answers like a module honouring the contract.
type fakeTerraform struct {
	mu      sync.Mutex
	calls   []string
	dir     string
	env     map[string]string
	out     io.Writer
	version TerraformVersion
	changes bool
	// fail makes the next call of a method fail (once).
	fail map[string]error
	// block makes the next call of a method wait for its context (once).
	block   map[string]chan struct{}
	regions []Region
	// echoEnv is printed to the output on every call (to test redaction).
	echoEnv string
}

func newFakeTerraform(regions ...Region) *fakeTerraform {
	return &fakeTerraform{
		version: TerraformVersion{Flavor: "terraform", Version: "1.11.4"},
		changes: true,
		fail:    map[string]error{},
		block:   map[string]chan struct{}{},
		regions: regions,
	}
}

func (f *fakeTerraform) factory(dir string, opts ExecOptions) (Terraform, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dir, f.env, f.out = dir, opts.Env, opts.Output
	return f, nil
}

func (f *fakeTerraform) call(ctx context.Context, name string) error {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	err := f.fail[name]
	delete(f.fail, name)
	started := f.block[name]
	delete(f.block, name)
	echo := f.echoEnv
	f.mu.Unlock()
	if echo != "" && f.out != nil {
		fmt.Fprintf(f.out, "%s: %s=%s\n", name, echo, f.env[echo])
	}
	if started != nil {
		close(started)
		<-ctx.Done()
		return fmt.Errorf("terraform %s: interrupted: %w", name, ctx.Err())
	}
	return err
}

func (f *fakeTerraform) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeTerraform) Version(ctx context.Context) (TerraformVersion, error) {
	return f.version, f.call(ctx, "version")
}

func (f *fakeTerraform) Init(ctx context.Context, _ []string) error { return f.call(ctx, "init") }

func (f *fakeTerraform) Plan(ctx context.Context, planFile string) (PlanResult, error) {
	if err := f.call(ctx, "plan"); err != nil {
		return PlanResult{}, err
	}
	if err := os.WriteFile(planFile, []byte("plan"), 0o600); err != nil {
		return PlanResult{}, err
	}
	return PlanResult{Changes: f.changes, Text: "Plan: 2 to add, 0 to change, 0 to destroy.\n"}, nil
}

func (f *fakeTerraform) Apply(ctx context.Context, planFile string) error {
	if _, err := os.Stat(planFile); err != nil {
		return fmt.Errorf("apply without a plan: %w", err)
	}
	return f.call(ctx, "apply")
}

func (f *fakeTerraform) Output(ctx context.Context) (map[string]json.RawMessage, error) {
	if err := f.call(ctx, "output"); err != nil {
		return nil, err
	}
	names, kubeconfigs, endpoints, lbs := map[string]string{}, map[string]string{}, map[string]string{}, map[string]string{}
	for i, r := range f.regions {
		names[r.Name] = "acme-" + r.Name
		endpoints[r.Name] = fmt.Sprintf("https://127.0.0.1:%d", 6443+i)
		lbs[r.Name] = "127.0.0.1"
		kubeconfigs[r.Name] = testKubeconfig("acme-"+r.Name, endpoints[r.Name])
	}
	out := map[string]json.RawMessage{}
	for name, m := range map[string]map[string]string{"cluster_names": names, "kubeconfigs": kubeconfigs, "api_endpoints": endpoints, "load_balancer_addresses": lbs} {
		data, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		out[name] = data
	}
	return out, nil
}

func (f *fakeTerraform) Destroy(ctx context.Context) error { return f.call(ctx, "destroy") }

func testKubeconfig(name, server string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: %[2]s
contexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: admin
current-context: %[1]s
users:
- name: admin
  user:
    token: not-a-real-token
`, name, server)
}

// testConfig is a valid configuration for provider p in a temporary work directory.
func testConfig(t *testing.T, p Provider) *Config {
	t.Helper()
	cfg := NewConfig()
	cfg.Organization = Organization{Name: "acme", Domain: "acme.example"}
	cfg.Provider = p
	cfg.Regions = []Region{{Name: "fsn1", Role: RolePrimary}}
	cfg.WorkDir = filepath.Join(t.TempDir(), "work")
	switch p {
	case ProviderHetzner, ProviderHuawei, ProviderOCI:
		cfg.SSHKey = testSSHKey
	}
	if p == ProviderOCI {
		cfg.ProviderSettings = map[string]string{"compartment_ocid": "ocid1.compartment.oc1..aaaa"}
	}
	cfg.Default()
	return cfg
}

const testSSHKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq1yJ0b4sN5p4bZ0kQ2G7n7yJtT9cT7b0m2l3C3n6cR test@example"

// assertNoSecretInDir fails when secret appears in any file under dir.
func assertNoSecretInDir(t *testing.T, dir, secret string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&os.ModeSymlink != 0 || d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrPermission) {
				return nil
			}
			return err
		}
		n++
		if strings.Contains(string(data), secret) {
			t.Errorf("the credential appears in %s", path)
		}
		return nil
	})
	require.NoError(t, err)
	require.Positive(t, n, "no files under %s", dir)
}
