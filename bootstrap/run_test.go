package bootstrap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hookRecorder fakes the Kubernetes side.
type hookRecorder struct {
	installs, platforms int
	fail                map[Phase]error
	outputs             *Outputs
}

func (h *hookRecorder) hooks() Hooks {
	return Hooks{
		InstallOperator: func(_ context.Context, _ *Config, out *Outputs) error {
			h.installs++
			h.outputs = out
			err := h.fail[PhaseInstallOperator]
			delete(h.fail, PhaseInstallOperator)
			return err
		},
		CreatePlatform: func(_ context.Context, _ *Config, out *Outputs) error {
			h.platforms++
			err := h.fail[PhaseCreatePlatform]
			delete(h.fail, PhaseCreatePlatform)
			return err
		},
	}
}

type fixture struct {
	cfg   *Config
	tf    *fakeTerraform
	hooks *hookRecorder
	creds *Credentials
	out   *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	cfg := testConfig(t, ProviderHetzner)
	cfg.Regions = []Region{{Name: "fsn1", Role: RolePrimary}, {Name: "hel1", Role: RoleStandby}}
	creds := NewCredentials()
	creds.Set("HCLOUD_TOKEN", "canary-hcloud-7d1e0b", true)
	return &fixture{cfg: cfg, tf: newFakeTerraform(cfg.Regions...), hooks: &hookRecorder{fail: map[Phase]error{}}, creds: creds, out: &bytes.Buffer{}}
}

func (f *fixture) options() Options {
	return Options{Config: f.cfg, Credentials: f.creds, NewTerraform: f.tf.factory, Hooks: f.hooks.hooks(), Out: f.out}
}

func (f *fixture) run(t *testing.T, ctx context.Context) (*Result, error) {
	t.Helper()
	return Run(ctx, f.options())
}

func phaseStates(recs []PhaseRecord) map[Phase]PhaseState {
	out := map[Phase]PhaseState{}
	for _, r := range recs {
		out[r.Name] = r.State
	}
	return out
}

func TestRunCompletesAndRerunIsNoop(t *testing.T) {
	f := newFixture(t)
	res, err := f.run(t, context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"version", "init", "plan", "apply", "output"}, f.tf.Calls())
	assert.Empty(t, res.ResumedAt)
	assert.False(t, res.AlreadyComplete)
	assert.Equal(t, 1, f.hooks.installs)
	assert.Equal(t, 1, f.hooks.platforms)
	assert.Equal(t, filepath.Join(f.cfg.WorkDir, ModuleDir), f.tf.dir)
	assert.Equal(t, "canary-hcloud-7d1e0b", f.tf.env["HCLOUD_TOKEN"], "the credential reaches the Terraform process environment")

	require.NotNil(t, res.Outputs)
	require.Len(t, res.Outputs.Clusters, 2)
	primary := res.Outputs.Primary()
	assert.Equal(t, ClusterOutput{
		Region: "fsn1", Role: RolePrimary, Name: "acme-fsn1", APIEndpoint: "https://127.0.0.1:6443",
		LoadBalancerAddress: "127.0.0.1", Kubeconfig: KubeconfigPath(f.cfg.WorkDir, "fsn1"), Context: "acme-fsn1",
	}, *primary)
	assert.Same(t, res.Outputs, f.hooks.outputs)
	info, err := os.Stat(primary.Kubeconfig)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	cp, err := LoadCheckpoint(f.cfg.WorkDir)
	require.NoError(t, err)
	assert.True(t, cp.Complete)
	for _, p := range Phases {
		assert.Equal(t, PhaseDone, phaseStates(cp.Phases)[p], "phase %s", p)
	}
	saved, err := LoadConfig(ConfigPath(f.cfg.WorkDir))
	require.NoError(t, err)
	assert.Equal(t, f.cfg, saved)
	_, err = os.Stat(filepath.Join(f.cfg.WorkDir, ModuleDir, PlanFile))
	assert.ErrorIs(t, err, os.ErrNotExist, "the applied plan is removed")
	assert.Contains(t, f.out.String(), "==> [5/9] apply")
	assert.Contains(t, f.out.String(), "region fsn1 (primary): cluster acme-fsn1, API https://127.0.0.1:6443")

	f.out.Reset()
	res, err = f.run(t, context.Background())
	require.NoError(t, err)
	assert.True(t, res.AlreadyComplete)
	assert.Len(t, f.tf.Calls(), 5, "no Terraform call on a no-op re-run")
	assert.Equal(t, 1, f.hooks.installs)
	assert.Contains(t, f.out.String(), "was bootstrapped already")
	assert.Contains(t, f.out.String(), "kubeconfig "+primary.Kubeconfig)
}

func TestRunResumesAtFailedPhase(t *testing.T) {
	tests := []struct {
		phase Phase
		// method is the fake Terraform method to fail ("" for a hook).
		method string
		// secondRun are the Terraform calls of the resumed run.
		secondRun []string
	}{
		{PhaseInit, "init", []string{"version", "init", "plan", "apply", "output"}},
		{PhasePlan, "plan", []string{"version", "plan", "apply", "output"}},
		{PhaseApply, "apply", []string{"version", "plan", "apply", "output"}},
		{PhaseOutputs, "output", []string{"version", "output"}},
		{PhaseInstallOperator, "", []string{"version"}},
		{PhaseCreatePlatform, "", []string{"version"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.phase), func(t *testing.T) {
			f := newFixture(t)
			boom := errors.New("boom")
			if tt.method != "" {
				f.tf.fail[tt.method] = boom
			} else {
				f.hooks.fail[tt.phase] = boom
			}
			_, err := f.run(t, context.Background())
			var perr *PhaseError
			require.ErrorAs(t, err, &perr)
			assert.Equal(t, tt.phase, perr.Phase)
			assert.False(t, perr.Interrupted)
			require.ErrorIs(t, err, boom)
			cp, err := LoadCheckpoint(f.cfg.WorkDir)
			require.NoError(t, err)
			assert.Equal(t, PhaseFailed, phaseStates(cp.Phases)[tt.phase])
			assert.Equal(t, "boom", cp.record(tt.phase).Error)
			assert.False(t, cp.Complete)

			first := len(f.tf.Calls())
			res, err := f.run(t, context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.secondRun, f.tf.Calls()[first:])
			want := tt.phase
			if want == PhaseApply {
				want = PhasePlan
			}
			assert.Equal(t, want, res.ResumedAt)
			wantPlatforms := 1
			if tt.phase == PhaseCreatePlatform {
				wantPlatforms = 2 // the failed attempt and the resumed one
			}
			assert.Equal(t, wantPlatforms, f.hooks.platforms)
			assert.Equal(t, 1, f.hooks.installs-btoi(tt.phase == PhaseInstallOperator), "the operator is installed once after it succeeded")
			require.NotNil(t, res.Outputs)
			assert.Len(t, res.Outputs.Clusters, 2)
		})
	}
}

func TestRunInterruptedDuringApply(t *testing.T) {
	f := newFixture(t)
	started := make(chan struct{})
	f.tf.block["apply"] = started
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	_, err := f.run(t, ctx)
	var perr *PhaseError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, PhaseApply, perr.Phase)
	assert.True(t, perr.Interrupted)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "bootstrap interrupted in phase apply")

	cp, err := LoadCheckpoint(f.cfg.WorkDir)
	require.NoError(t, err)
	assert.Equal(t, PhaseInterrupted, phaseStates(cp.Phases)[PhaseApply])

	res, err := f.run(t, context.Background())
	require.NoError(t, err)
	assert.Equal(t, PhasePlan, res.ResumedAt)
	assert.Equal(t, []string{"version", "init", "plan", "apply", "version", "plan", "apply", "output"}, f.tf.Calls())
}

func TestRunDryRun(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.DryRun = true
	res, err := Run(context.Background(), opts)
	require.NoError(t, err)
	assert.Equal(t, []string{"version", "init", "plan"}, f.tf.Calls())
	require.NotNil(t, res.Plan)
	assert.True(t, res.Plan.Changes)
	assert.Contains(t, res.Plan.Text, "Plan: 2 to add")
	assert.Nil(t, res.Outputs)
	assert.Zero(t, f.hooks.installs)
	_, err = os.Stat(CheckpointPath(f.cfg.WorkDir))
	assert.ErrorIs(t, err, os.ErrNotExist, "a dry run writes no checkpoint")
	_, err = os.Stat(filepath.Join(f.cfg.WorkDir, ModuleDir, PlanFile))
	assert.ErrorIs(t, err, os.ErrNotExist, "a dry run leaves no plan to apply")

	// A dry run after a complete bootstrap still plans (and finds drift, if any).
	_, err = f.run(t, context.Background())
	require.NoError(t, err)
	n := len(f.tf.Calls())
	res, err = Run(context.Background(), opts)
	require.NoError(t, err)
	assert.Equal(t, []string{"version", "init", "plan"}, f.tf.Calls()[n:])
	assert.NotNil(t, res.Plan)
	cp, err := LoadCheckpoint(f.cfg.WorkDir)
	require.NoError(t, err)
	assert.True(t, cp.Complete, "a dry run leaves the checkpoint alone")
}

func TestRunConfigChangedRunsAgain(t *testing.T) {
	f := newFixture(t)
	_, err := f.run(t, context.Background())
	require.NoError(t, err)
	f.cfg.Nodes.Count = 5
	f.out.Reset()
	res, err := f.run(t, context.Background())
	require.NoError(t, err)
	assert.False(t, res.AlreadyComplete)
	assert.Empty(t, res.ResumedAt)
	assert.Equal(t, []string{"version", "init", "plan", "apply", "output", "version", "init", "plan", "apply", "output"}, f.tf.Calls())
	assert.Contains(t, f.out.String(), "the configuration changed since the last run")
	var vars map[string]any
	data, err := os.ReadFile(filepath.Join(f.cfg.WorkDir, ModuleDir, TFVarsFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &vars))
	assert.EqualValues(t, 5, vars["node_count"])
}

// TestRunRedactsCredentials: a canary credential Terraform prints and puts in an error
// never reaches the output, the error, the checkpoint or any file in the work directory.
func TestRunRedactsCredentials(t *testing.T) {
	const canary = "canary-hcloud-7d1e0b"
	f := newFixture(t)
	f.tf.echoEnv = "HCLOUD_TOKEN"
	f.tf.fail["apply"] = errors.New("terraform apply: provider said: invalid token " + canary)
	_, err := f.run(t, context.Background())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), canary)
	assert.Contains(t, err.Error(), "invalid token [REDACTED]")
	assert.Contains(t, f.out.String(), "apply: HCLOUD_TOKEN=[REDACTED]", "the fake printed it and the output shows it redacted")

	res, err := f.run(t, context.Background())
	require.NoError(t, err)
	assert.NotContains(t, f.out.String(), canary)
	assert.Equal(t, canary, f.tf.env["HCLOUD_TOKEN"])
	assertNoSecretInDir(t, res.WorkDir, canary)
}

func TestRunExisting(t *testing.T) {
	cfg := testConfig(t, ProviderExisting)
	kubeconfig := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(kubeconfig, []byte(testKubeconfig("prod", "https://10.0.0.1:6443")), 0o600))
	cfg.Kubeconfig = kubeconfig
	tf := newFakeTerraform()
	hooks := &hookRecorder{}
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{Config: cfg, NewTerraform: tf.factory, Hooks: hooks.hooks(), Out: &out})
	require.NoError(t, err)
	assert.Empty(t, tf.Calls(), "no Terraform for an existing cluster")
	assert.Equal(t, []ClusterOutput{{Region: "fsn1", Role: RolePrimary, Name: "prod", APIEndpoint: "https://10.0.0.1:6443", Kubeconfig: kubeconfig, Context: "prod"}}, res.Outputs.Clusters)
	states := phaseStates(res.Phases)
	for _, p := range []Phase{PhasePrepare, PhaseInit, PhasePlan, PhaseApply} {
		assert.Equal(t, PhaseSkipped, states[p], "phase %s", p)
	}
	assert.Equal(t, 1, hooks.installs)
	assert.Contains(t, out.String(), "skipped (provider existing runs no Terraform)")

	// A missing context is a clear error.
	cfg2 := testConfig(t, ProviderExisting)
	cfg2.Kubeconfig = kubeconfig
	cfg2.Regions[0].Context = "staging"
	_, err = Run(context.Background(), Options{Config: cfg2})
	require.ErrorContains(t, err, `has no context "staging"`)

	require.NoError(t, Destroy(context.Background(), Options{Config: cfg, Out: &out}))
	assert.Contains(t, out.String(), "nothing to destroy")
}

func TestRunBadInput(t *testing.T) {
	t.Run("missing credentials", func(t *testing.T) {
		f := newFixture(t)
		f.creds = NewCredentials()
		_, err := f.run(t, context.Background())
		var perr *PhaseError
		require.ErrorAs(t, err, &perr)
		assert.Equal(t, PhaseValidate, perr.Phase)
		assert.ErrorContains(t, err, "HCLOUD_TOKEN")
		assert.Empty(t, f.tf.Calls())
	})
	t.Run("terraform missing", func(t *testing.T) {
		f := newFixture(t)
		t.Setenv("PATH", t.TempDir())
		opts := f.options()
		opts.NewTerraform = nil
		_, err := Run(context.Background(), opts)
		require.ErrorIs(t, err, ErrTerraformNotFound)
		opts.TerraformPath = "/nonexistent/terraform"
		_, err = Run(context.Background(), opts)
		require.ErrorContains(t, err, `terraform binary "/nonexistent/terraform"`)
	})
	t.Run("terraform too old", func(t *testing.T) {
		f := newFixture(t)
		f.tf.version = TerraformVersion{Flavor: "terraform", Version: "1.4.6"}
		_, err := f.run(t, context.Background())
		require.ErrorContains(t, err, "terraform 1.4.6 is too old: need 1.5.0 or newer")
	})
	t.Run("invalid config", func(t *testing.T) {
		f := newFixture(t)
		f.cfg.Regions = append(f.cfg.Regions, Region{Name: "nbg1", Role: RolePrimary})
		_, err := f.run(t, context.Background())
		var verr *ValidationError
		require.ErrorAs(t, err, &verr)
		assert.Contains(t, verr.Fields(), "regions")
		assert.Contains(t, verr.Fields(), "regions[2].role")
		_, statErr := os.Stat(f.cfg.WorkDir)
		assert.ErrorIs(t, statErr, os.ErrNotExist, "nothing is written for an invalid config")
	})
	t.Run("no config", func(t *testing.T) {
		_, err := Run(context.Background(), Options{})
		require.Error(t, err)
	})
	t.Run("work directory busy", func(t *testing.T) {
		f := newFixture(t)
		require.NoError(t, os.MkdirAll(f.cfg.WorkDir, 0o700))
		unlock, err := lockWorkDir(f.cfg.WorkDir)
		require.NoError(t, err)
		defer unlock()
		_, err = f.run(t, context.Background())
		require.ErrorContains(t, err, "another bootstrap is running")
	})
	t.Run("corrupt checkpoint", func(t *testing.T) {
		f := newFixture(t)
		require.NoError(t, os.MkdirAll(f.cfg.WorkDir, 0o700))
		require.NoError(t, os.WriteFile(CheckpointPath(f.cfg.WorkDir), []byte("{"), 0o600))
		_, err := f.run(t, context.Background())
		require.ErrorContains(t, err, "is corrupt (delete it to start over)")
	})
}

func TestDestroy(t *testing.T) {
	f := newFixture(t)
	_, err := f.run(t, context.Background())
	require.NoError(t, err)
	n := len(f.tf.Calls())
	require.NoError(t, Destroy(context.Background(), f.options()))
	assert.Equal(t, []string{"version", "init", "destroy"}, f.tf.Calls()[n:])
	for _, p := range []string{CheckpointPath(f.cfg.WorkDir), KubeconfigPath(f.cfg.WorkDir, "fsn1"), KubeconfigPath(f.cfg.WorkDir, "hel1")} {
		_, err := os.Stat(p)
		assert.ErrorIs(t, err, os.ErrNotExist, p)
	}

	// An interrupted destroy leaves a checkpoint that makes the next bootstrap start over.
	_, err = f.run(t, context.Background())
	require.NoError(t, err)
	f.tf.fail["destroy"] = errors.New("boom")
	require.ErrorContains(t, Destroy(context.Background(), f.options()), "boom")
	cp, err := LoadCheckpoint(f.cfg.WorkDir)
	require.NoError(t, err)
	assert.False(t, cp.Complete)
	assert.Empty(t, cp.Phases)
}

func TestPrepareModule(t *testing.T) {
	cfg := testConfig(t, ProviderHetzner)
	cfg.State = StateBackend{Backend: StateBackendS3, Bucket: "acme-state", Key: "openova/acme/terraform.tfstate", Region: "eu-central-1", Endpoint: "https://fsn1.your-objectstorage.com"}
	dir := filepath.Join(t.TempDir(), "module")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	stale := filepath.Join(dir, "old.tf")
	require.NoError(t, os.WriteFile(stale, []byte("# from an older module\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, moduleManifest), []byte("old.tf\n"), 0o600))
	state := filepath.Join(dir, "terraform.tfstate")
	require.NoError(t, os.WriteFile(state, []byte("{}"), 0o600))

	vars, err := moduleVariables(cfg, moduleSettings(cfg, ""))
	require.NoError(t, err)
	require.NoError(t, prepareModule(dir, mustModule(t, "hetzner"), cfg, vars, TerraformVersion{Flavor: "terraform", Version: "1.11.4"}))

	_, err = os.Stat(stale)
	assert.ErrorIs(t, err, os.ErrNotExist, "files of the previous copy are removed")
	_, err = os.Stat(state)
	assert.NoError(t, err, "the state is kept")
	for _, name := range []string{"main.tf", "variables.tf", "templates/wg0.conf.tftpl"} {
		_, err := os.Stat(filepath.Join(dir, name))
		assert.NoError(t, err, name)
	}
	backend, err := os.ReadFile(filepath.Join(dir, backendFile))
	require.NoError(t, err)
	assert.Contains(t, string(backend), `backend "s3"`)
	assert.Contains(t, string(backend), `s3 = "https://fsn1.your-objectstorage.com"`)
	assert.Contains(t, string(backend), "use_lockfile = true")
	assert.Equal(t, []string{"bucket=acme-state", "key=openova/acme/terraform.tfstate", "region=eu-central-1"}, backendConfig(cfg.State))

	var got map[string]any
	data, err := os.ReadFile(filepath.Join(dir, TFVarsFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &got))
	assert.Equal(t, map[string]any{
		"organization": "acme", "domain": "acme.example",
		"regions":   []any{map[string]any{"name": "fsn1", "role": "primary"}},
		"node_size": "", "node_count": float64(3), "ssh_public_key": testSSHKey, "kubernetes_version": "",
		"labels": map[string]any{}, "provider_settings": map[string]any{},
	}, got)

	// Back to local state: the backend file goes; old Terraform gets no use_lockfile.
	cfg.State = StateBackend{Backend: StateBackendLocal}
	require.NoError(t, prepareModule(dir, mustModule(t, "hetzner"), cfg, vars, TerraformVersion{}))
	_, err = os.Stat(filepath.Join(dir, backendFile))
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.NotContains(t, s3BackendBlock(StateBackend{}, TerraformVersion{Flavor: "terraform", Version: "1.9.0"}), "use_lockfile")
	assert.Contains(t, s3BackendBlock(StateBackend{}, TerraformVersion{Flavor: "tofu", Version: "1.10.1"}), "use_lockfile")
}

func TestLocalSettings(t *testing.T) {
	cfg := testConfig(t, ProviderLocal)
	cfg.Regions = append(cfg.Regions, Region{Name: "b", Role: RoleStandby})
	require.NoError(t, os.MkdirAll(cfg.WorkDir, 0o700))
	s := moduleSettings(cfg, "/opt/bin")
	assert.Equal(t, "/opt/bin", s["bin_dir"])
	assert.Equal(t, filepath.Join(cfg.WorkDir, "kwok"), s["work_dir"])
	require.NotEmpty(t, s["port_base"])
	assert.Equal(t, s["port_base"], moduleSettings(cfg, "/opt/bin")["port_base"], "the port block is reused by later runs")

	t.Setenv(BinDirEnv, "/from/env")
	assert.Equal(t, "/explicit", LocalBinDir(cfg, "/explicit"))
	assert.Equal(t, "/from/env", LocalBinDir(cfg, ""))
	cfg.ProviderSettings = map[string]string{"bin_dir": "/from/config"}
	assert.Equal(t, "/from/config", LocalBinDir(cfg, ""))

	err := checkLocalBinaries(t.TempDir())
	require.ErrorContains(t, err, "kwokctl, kwok, kube-apiserver, kube-controller-manager, kube-scheduler, etcd missing")
}

func TestNotifyContext(t *testing.T) {
	var out syncBuffer
	ctx, stop := NotifyContext(context.Background(), &out)
	defer stop()
	require.NoError(t, syscallKillSelf())
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the first signal did not cancel the context")
	}
	assert.Eventually(t, func() bool { return strings.Contains(out.String(), "press Ctrl-C again to abort") }, 5*time.Second, 10*time.Millisecond)
}

var _ io.Writer = (*syncBuffer)(nil)

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
