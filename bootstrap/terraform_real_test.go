package bootstrap

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/terraform"
)

// These tests run the real terraform binary. The local module also needs the kwok and
// Kubernetes binaries: $OPENOVA_BIN_DIR, else the repository's bin/ (make builds them).

func realTerraform(t *testing.T) string {
	t.Helper()
	bin, err := FindTerraform("")
	if err != nil {
		t.Skipf("real terraform tests skipped: %v", err)
	}
	// The machine image points TF_CLI_CONFIG_FILE at a missing file; an empty one keeps
	// Terraform's output free of that warning.
	cfg := filepath.Join(t.TempDir(), "terraformrc")
	require.NoError(t, os.WriteFile(cfg, nil, 0o600))
	t.Setenv("TF_CLI_CONFIG_FILE", cfg)
	return bin
}

func localBinDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(BinDirEnv)
	if dir == "" {
		abs, err := filepath.Abs(filepath.Join("..", "bin"))
		require.NoError(t, err)
		dir = abs
	}
	if err := checkLocalBinaries(dir); err != nil {
		t.Skipf("local provider test skipped: %v", err)
	}
	return dir
}

// fakeBinDir satisfies the local provider's binaries check for modules that do not run them.
func fakeBinDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, b := range localBinaries {
		require.NoError(t, os.WriteFile(filepath.Join(dir, b), []byte("#!/bin/sh\nexit 1\n"), 0o755))
	}
	return dir
}

func kwokClusters(t *testing.T, binDir, workDir string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "kwokctl"), "get", "clusters")
	cmd.Env = append(os.Environ(), "KWOK_WORKDIR="+filepath.Join(workDir, "kwok"))
	out, err := cmd.Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

// TestRealTerraformLocalProvider bootstraps two kwok clusters with the real terraform and
// the embedded local module through the terraform-exec driver, checks them, re-runs
// (no-op), dry-runs (no changes) and destroys. A canary credential given to Terraform's
// environment must appear nowhere: not in the output, not in a file of the work directory.
func TestRealTerraformLocalProvider(t *testing.T) {
	tfBin := realTerraform(t)
	binDir := localBinDir(t)
	const canary = "canary-local-5b2e91f4"

	cfg := testConfig(t, ProviderLocal)
	cfg.Regions = []Region{{Name: "eu", Role: RolePrimary}, {Name: "us", Role: RoleStandby}}
	cfg.Nodes.Count = 2
	creds := NewCredentials()
	creds.Set("OPENOVA_TEST_CANARY", canary, true)
	var out bytes.Buffer
	opts := Options{Config: cfg, Credentials: creds, TerraformPath: tfBin, BinDir: binDir, Out: &out}
	t.Cleanup(func() {
		// Never leave clusters running, whatever failed.
		_ = Destroy(context.Background(), Options{Config: cfg, TerraformPath: tfBin, BinDir: binDir})
	})

	start := time.Now()
	res, err := Run(context.Background(), opts)
	require.NoError(t, err, "output:\n%s", out.String())
	t.Logf("bootstrap of two kwok clusters took %s", time.Since(start).Round(time.Millisecond))

	require.Len(t, res.Outputs.Clusters, 2)
	assert.Equal(t, "acme-eu\nacme-us", kwokClusters(t, binDir, cfg.WorkDir))
	for _, c := range res.Outputs.Clusters {
		assert.Equal(t, "acme-"+c.Region, c.Name)
		assert.Equal(t, "kwok-acme-"+c.Region, c.Context)
		assert.True(t, strings.HasPrefix(c.APIEndpoint, "https://127.0.0.1:"), c.APIEndpoint)
		assert.Equal(t, "127.0.0.1", c.LoadBalancerAddress)
		if kubectl, err := exec.LookPath("kubectl"); err == nil {
			nodes, err := exec.Command(kubectl, "--kubeconfig", c.Kubeconfig, "get", "nodes", "-o", "name").CombinedOutput()
			require.NoError(t, err, "%s", nodes)
			assert.Equal(t, 2, strings.Count(string(nodes), "node/"), "%s", nodes)
		}
	}
	assert.NotEqual(t, res.Outputs.Clusters[0].APIEndpoint, res.Outputs.Clusters[1].APIEndpoint)
	assert.Contains(t, out.String(), "using terraform 1.")
	assert.Contains(t, out.String(), "Apply complete! Resources: 4 added")
	assert.NotContains(t, out.String(), "client-key-data", "kubeconfigs are never printed")
	_, err = os.Stat(filepath.Join(cfg.WorkDir, ModuleDir, ".terraform.tfstate.lock.info"))
	assert.ErrorIs(t, err, os.ErrNotExist, "the state lock is released")

	res, err = Run(context.Background(), opts)
	require.NoError(t, err)
	assert.True(t, res.AlreadyComplete)

	dry := opts
	dry.DryRun = true
	res, err = Run(context.Background(), dry)
	require.NoError(t, err)
	assert.False(t, res.Plan.Changes, "plan:\n%s", res.Plan.Text)
	assert.Contains(t, res.Plan.Text, "No changes.")

	assert.NotContains(t, out.String(), canary)
	assertNoSecretInDir(t, cfg.WorkDir, canary)

	require.NoError(t, Destroy(context.Background(), opts))
	assert.Empty(t, kwokClusters(t, binDir, cfg.WorkDir))
	assert.NotContains(t, out.String(), canary)
	assertNoSecretInDir(t, cfg.WorkDir, canary)
}

// slowModule is testdata/slow plus the contract's variables.tf.
func slowModule(t *testing.T) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	variables, err := fs.ReadFile(terraform.FS, "local/variables.tf")
	require.NoError(t, err)
	m["variables.tf"] = &fstest.MapFile{Data: variables}
	for _, name := range []string{"main.tf", "outputs.tf"} {
		data, err := os.ReadFile(filepath.Join("testdata", "slow", name))
		require.NoError(t, err)
		m[name] = &fstest.MapFile{Data: data}
	}
	return m
}

// TestRealTerraformInterrupt sends SIGINT to this process while terraform applies: the
// signal handler cancels the run, terraform-exec interrupts Terraform, which stops the
// local-exec, saves the state and releases the lock. The next run resumes and completes.
func TestRealTerraformInterrupt(t *testing.T) {
	tfBin := realTerraform(t)
	cfg := testConfig(t, ProviderLocal)
	pause := filepath.Join(t.TempDir(), "pause")
	require.NoError(t, os.WriteFile(pause, nil, 0o600))
	cfg.ProviderSettings = map[string]string{"pause": pause}
	out := &syncBuffer{}
	opts := Options{Config: cfg, TerraformPath: tfBin, BinDir: fakeBinDir(t), Module: slowModule(t), Out: out, WaitDelay: time.Minute}

	ctx, stop := NotifyContext(context.Background(), out)
	defer stop()
	go func() {
		for !strings.Contains(out.String(), "creating acme-fsn1") {
			time.Sleep(20 * time.Millisecond)
		}
		_ = syscallKillSelf()
	}()
	start := time.Now()
	_, err := Run(ctx, opts)
	var perr *PhaseError
	require.ErrorAs(t, err, &perr, "output:\n%s", out.String())
	assert.Equal(t, PhaseApply, perr.Phase)
	assert.True(t, perr.Interrupted)
	assert.Less(t, time.Since(start), 30*time.Second)
	assert.Contains(t, out.String(), "asking Terraform to stop gracefully")
	assert.Contains(t, out.String(), "Interrupt received")

	moduleDir := filepath.Join(cfg.WorkDir, ModuleDir)
	_, err = os.Stat(filepath.Join(moduleDir, ".terraform.tfstate.lock.info"))
	assert.ErrorIs(t, err, os.ErrNotExist, "Terraform released its state lock")
	cp, err := LoadCheckpoint(cfg.WorkDir)
	require.NoError(t, err)
	assert.Equal(t, PhaseInterrupted, cp.record(PhaseApply).State)

	require.NoError(t, os.Remove(pause))
	res, err := Run(context.Background(), opts)
	require.NoError(t, err, "output:\n%s", out.String())
	assert.Equal(t, PhasePlan, res.ResumedAt)
	assert.Equal(t, "acme-fsn1", res.Outputs.Primary().Name)
	assert.Equal(t, "acme-fsn1", res.Outputs.Primary().Context)
	if testing.Verbose() {
		t.Logf("output:\n%s", out.String())
	}
}
