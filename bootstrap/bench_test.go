package bootstrap

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkBootstrapOverhead compares the Terraform part of a bootstrap with the local
// provider (init, plan, apply, outputs through terraform-exec, checkpointing between
// phases) with bare `terraform init && terraform apply -auto-approve && terraform output
// -json` on the same module and variables. It reports both and their ratio
// (goal ≤ 1.05). Run: go test -run '^$' -bench BootstrapOverhead -benchtime 3x ./bootstrap/
func BenchmarkBootstrapOverhead(b *testing.B) {
	tfBin, err := FindTerraform("")
	if err != nil {
		b.Skip(err)
	}
	binDir := os.Getenv(BinDirEnv)
	if binDir == "" {
		binDir, _ = filepath.Abs(filepath.Join("..", "bin"))
	}
	if err := checkLocalBinaries(binDir); err != nil {
		b.Skip(err)
	}
	rc := filepath.Join(b.TempDir(), "terraformrc")
	require.NoError(b, os.WriteFile(rc, nil, 0o600))
	b.Setenv("TF_CLI_CONFIG_FILE", rc)

	var bootstrapTF, bootstrapTotal, bare time.Duration
	for i := 0; b.Loop(); i++ {
		cfg := NewConfig()
		cfg.Organization = Organization{Name: "bench", Domain: "bench.example"}
		cfg.Provider = ProviderLocal
		cfg.Regions = []Region{{Name: "r" + string(rune('a'+i%26)), Role: RolePrimary}}
		cfg.Nodes.Count = 1
		cfg.WorkDir = filepath.Join(b.TempDir(), "work")
		cfg.Default()
		opts := Options{Config: cfg, TerraformPath: tfBin, BinDir: binDir}

		bootstrapRun := func() {
			start := time.Now()
			res, err := Run(context.Background(), opts)
			require.NoError(b, err)
			bootstrapTotal += time.Since(start)
			for _, p := range res.Phases {
				switch p.Name {
				case PhaseInit, PhasePlan, PhaseApply, PhaseOutputs:
					bootstrapTF += p.FinishedAt.Sub(p.StartedAt)
				}
			}
			require.NoError(b, Destroy(context.Background(), opts))
		}
		// The same module and variables, by hand.
		bareRun := func() {
			dir := filepath.Join(b.TempDir(), "bare")
			vars, err := moduleVariables(cfg, moduleSettings(cfg, binDir))
			require.NoError(b, err)
			require.NoError(b, prepareModule(dir, mustModuleB(b, "local"), cfg, vars, TerraformVersion{}))
			run := func(args ...string) {
				cmd := exec.Command(tfBin, args...)
				cmd.Dir = dir
				out, err := cmd.CombinedOutput()
				require.NoError(b, err, "%s", out)
			}
			start := time.Now()
			run("init", "-input=false", "-no-color")
			run("apply", "-auto-approve", "-input=false", "-no-color")
			run("output", "-json")
			bare += time.Since(start)
			run("destroy", "-auto-approve", "-no-color")
		}
		// Alternate the order, so a warm cache or a busy machine favours neither.
		if i%2 == 0 {
			bootstrapRun()
			bareRun()
		} else {
			bareRun()
			bootstrapRun()
		}
	}
	n := float64(b.N)
	b.ReportMetric(bootstrapTF.Seconds()/n, "bootstrap-terraform-s/op")
	b.ReportMetric(bootstrapTotal.Seconds()/n, "bootstrap-total-s/op")
	b.ReportMetric(bare.Seconds()/n, "bare-terraform-s/op")
	b.ReportMetric(bootstrapTF.Seconds()/bare.Seconds(), "overhead-ratio")
}
