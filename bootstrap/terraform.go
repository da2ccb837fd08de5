package bootstrap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-exec/tfexec"
)

// Terraform is what the bootstrap needs from Terraform, so most tests run without a
// terraform process. Every method works in the module directory it was created for;
// variables come from terraform.tfvars.json there.
type Terraform interface {
	// Version returns the binary's flavor and version.
	Version(ctx context.Context) (TerraformVersion, error)
	// Init initializes the working directory with the given backend configuration.
	Init(ctx context.Context, backendConfig []string) error
	// Plan writes a plan to planFile and returns its text and whether it changes anything.
	Plan(ctx context.Context, planFile string) (PlanResult, error)
	// Apply applies a saved plan.
	Apply(ctx context.Context, planFile string) error
	// Output returns the raw JSON value of every output.
	Output(ctx context.Context) (map[string]json.RawMessage, error)
	// Destroy destroys everything in the state.
	Destroy(ctx context.Context) error
}

// PlanResult is the outcome of a plan.
type PlanResult struct {
	// Changes is false when the infrastructure already matches.
	Changes bool
	// Text is the plan as Terraform printed it.
	Text string
}

// TerraformVersion is a terraform or tofu binary's version.
type TerraformVersion struct {
	// Flavor is "terraform" or "tofu".
	Flavor string
	// Version is the semantic version, e.g. 1.11.4.
	Version string
}

func (v TerraformVersion) String() string { return v.Flavor + " " + v.Version }

// Minimum versions: terraform_data needs Terraform 1.4 and the modules use 1.5 functions;
// OpenTofu forked from 1.6.
var (
	MinTerraformVersion = version.Must(version.NewVersion("1.5.0"))
	MinTofuVersion      = version.Must(version.NewVersion("1.6.0"))
)

// CheckVersion returns an error when v is older than the flavor's minimum.
func CheckVersion(v TerraformVersion) error {
	got, err := version.NewVersion(v.Version)
	if err != nil {
		return fmt.Errorf("cannot parse %s version %q: %w", v.Flavor, v.Version, err)
	}
	minimum := MinTerraformVersion
	if v.Flavor == "tofu" {
		minimum = MinTofuVersion
	}
	if got.Core().LessThan(minimum) {
		return fmt.Errorf("%s %s is too old: need %s or newer", v.Flavor, got, minimum)
	}
	return nil
}

// ErrTerraformNotFound means neither terraform nor tofu is on PATH.
var ErrTerraformNotFound = errors.New("neither terraform nor tofu found on PATH: install Terraform ≥ 1.5 or OpenTofu ≥ 1.6, or pass --terraform PATH")

// FindTerraform returns the binary to use: explicit when given (a path, or a name looked
// up on PATH), else terraform, else tofu on PATH.
func FindTerraform(explicit string) (string, error) {
	if explicit != "" {
		path, err := exec.LookPath(explicit)
		if err != nil {
			return "", fmt.Errorf("terraform binary %q: %w", explicit, err)
		}
		return filepath.Abs(path)
	}
	for _, name := range []string{"terraform", "tofu"} {
		if path, err := exec.LookPath(name); err == nil {
			return filepath.Abs(path)
		}
	}
	return "", ErrTerraformNotFound
}

// flavorOf tells OpenTofu from Terraform by the binary's name.
func flavorOf(binary string) string {
	if strings.Contains(filepath.Base(binary), "tofu") {
		return "tofu"
	}
	return "terraform"
}

// ExecOptions configure the terraform-exec driver.
type ExecOptions struct {
	// Binary is the terraform or tofu executable (see FindTerraform).
	Binary string
	// Env is added to the process environment (credentials); it reaches only this process.
	Env map[string]string
	// Output receives Terraform's stdout and stderr (the CLI passes its stderr).
	Output io.Writer
	// WaitDelay is how long Terraform may take to stop after an interrupt before it is
	// killed; default 5 minutes (a second Ctrl-C aborts sooner, see NotifyContext).
	WaitDelay time.Duration
}

// execTerraform drives a real terraform/tofu binary through hashicorp/terraform-exec.
type execTerraform struct {
	mu     sync.Mutex
	tf     *tfexec.Terraform
	binary string
	out    io.Writer
}

// NewExecTerraform returns the real driver for the module in dir.
//
// Cancelling a method's context sends Terraform an interrupt (SIGINT): it stops
// gracefully, saves its state and releases the lock. Credentials reach the process only
// through its environment (tfexec SetEnv), never through arguments or files.
func NewExecTerraform(dir string, opts ExecOptions) (Terraform, error) {
	tf, err := tfexec.NewTerraform(dir, opts.Binary)
	if err != nil {
		return nil, fmt.Errorf("terraform in %q: %w", dir, err)
	}
	out := opts.Output
	if out == nil {
		out = io.Discard
	}
	tf.SetStdout(out)
	tf.SetStderr(out)
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	env["CHECKPOINT_DISABLE"] = "1"
	if err := tf.SetEnv(tfexec.CleanEnv(env)); err != nil {
		return nil, fmt.Errorf("terraform environment: %w", err)
	}
	delay := opts.WaitDelay
	if delay == 0 {
		delay = 5 * time.Minute
	}
	if err := tf.SetWaitDelay(delay); err != nil {
		return nil, fmt.Errorf("terraform wait delay: %w", err)
	}
	return &execTerraform{tf: tf, binary: opts.Binary, out: out}, nil
}

// quiet runs fn without streaming stdout: version and output print JSON there, and the
// outputs hold kubeconfigs.
func (e *execTerraform) quiet(fn func() error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tf.SetStdout(io.Discard)
	defer e.tf.SetStdout(e.out)
	return fn()
}

func (e *execTerraform) Version(ctx context.Context) (TerraformVersion, error) {
	var v *version.Version
	err := e.quiet(func() (err error) {
		v, _, err = e.tf.Version(ctx, true)
		return err
	})
	if err != nil {
		return TerraformVersion{}, fmt.Errorf("%s version: %w", e.binary, err)
	}
	return TerraformVersion{Flavor: flavorOf(e.binary), Version: v.String()}, nil
}

func (e *execTerraform) Init(ctx context.Context, backendConfig []string) error {
	opts := []tfexec.InitOption{tfexec.Upgrade(false)}
	for _, kv := range backendConfig {
		opts = append(opts, tfexec.BackendConfig(kv))
	}
	if err := e.tf.Init(ctx, opts...); err != nil {
		return fmt.Errorf("terraform init: %w", err)
	}
	return nil
}

func (e *execTerraform) Plan(ctx context.Context, planFile string) (PlanResult, error) {
	var text bytes.Buffer
	e.mu.Lock()
	e.tf.SetStdout(io.MultiWriter(e.out, &text))
	changes, err := e.tf.Plan(ctx, tfexec.Out(planFile))
	e.tf.SetStdout(e.out)
	e.mu.Unlock()
	if err != nil {
		return PlanResult{}, fmt.Errorf("terraform plan: %w", err)
	}
	return PlanResult{Changes: changes, Text: text.String()}, nil
}

func (e *execTerraform) Apply(ctx context.Context, planFile string) error {
	if err := e.tf.Apply(ctx, tfexec.DirOrPlan(planFile)); err != nil {
		return fmt.Errorf("terraform apply: %w", err)
	}
	return nil
}

func (e *execTerraform) Output(ctx context.Context) (map[string]json.RawMessage, error) {
	var metas map[string]tfexec.OutputMeta
	err := e.quiet(func() (err error) {
		metas, err = e.tf.Output(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("terraform output: %w", err)
	}
	out := make(map[string]json.RawMessage, len(metas))
	for k, m := range metas {
		out[k] = m.Value
	}
	return out, nil
}

func (e *execTerraform) Destroy(ctx context.Context) error {
	if err := e.tf.Destroy(ctx); err != nil {
		return fmt.Errorf("terraform destroy: %w", err)
	}
	return nil
}
