package bootstrap

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Check is one pre-flight check (kubectl openova check --pre).
type Check struct {
	// Name is what was checked: config, terraform, credentials, binaries, kind, kubeconfig.
	Name string `json:"name"`
	// OK is true when the check passed.
	OK bool `json:"ok"`
	// Message says what was found, or what is wrong and how to fix it.
	Message string `json:"message"`
}

// PreflightOptions tune Preflight.
type PreflightOptions struct {
	// TerraformPath is --terraform; empty finds terraform or tofu on PATH.
	TerraformPath string
	// Credentials to check; nil reads the environment.
	Credentials *Credentials
	// BinDir is the local provider's binaries directory (see LocalBinDir).
	BinDir string
	// NewTerraform creates the driver used for the version check; nil is NewExecTerraform.
	NewTerraform func(dir string, opts ExecOptions) (Terraform, error)
	// NewKind creates the kind driver used for the kind check; nil is NewKindDriver.
	NewKind func(out io.Writer) (KindDriver, error)
}

// ChecksPassed reports whether every check passed.
func ChecksPassed(checks []Check) bool {
	for _, c := range checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// PreflightFile loads the configuration file (and flags) and runs Preflight; an
// unreadable or invalid configuration is a failed "config" check, not an error.
func PreflightFile(ctx context.Context, path string, flags *Flags, opts PreflightOptions) []Check {
	cfg, err := ResolveConfig(path, flags)
	if err != nil {
		checks := []Check{{Name: "config", Message: err.Error()}}
		// Whether terraform is usable is worth knowing even with a broken config.
		return append(checks, checkTerraform(ctx, opts))
	}
	return Preflight(ctx, cfg, opts)
}

// Preflight checks that a bootstrap of cfg can start: the configuration is valid,
// terraform (or tofu) is found and recent enough, the provider's credentials are set,
// and what the provider needs locally (binaries for local, Docker or Podman for kind, the
// kubeconfig context for existing).
func Preflight(ctx context.Context, cfg *Config, opts PreflightOptions) []Check {
	c := *cfg
	c.Default()
	var checks []Check
	if err := c.Validate(); err != nil {
		checks = append(checks, Check{Name: "config", Message: err.Error()})
	} else {
		checks = append(checks, Check{Name: "config", OK: true, Message: fmt.Sprintf("valid (provider %s, %d region(s))", c.Provider, len(c.Regions))})
	}
	if c.Provider.UsesTerraform() {
		checks = append(checks, checkTerraform(ctx, opts))
	}

	creds := opts.Credentials
	if creds == nil {
		creds = CredentialsFromEnv(&c, nil)
	}
	if missing := creds.Missing(&c); len(missing) > 0 {
		checks = append(checks, Check{Name: "credentials", Message: "not set in the environment: " + strings.Join(missing, "; ")})
	} else {
		names := make([]string, 0)
		for _, v := range CredentialVars(&c) {
			for _, n := range v.names() {
				if _, ok := creds.Get(n); ok {
					names = append(names, n)
				}
			}
		}
		msg := "none needed for provider " + string(c.Provider)
		if len(names) > 0 {
			msg = "set: " + strings.Join(names, ", ")
		}
		checks = append(checks, Check{Name: "credentials", OK: true, Message: msg})
	}

	checks = append(checks, cloudChecks(&c, creds, machineCloudEnv())...)

	switch c.Provider {
	case ProviderLocal:
		dir := LocalBinDir(&c, opts.BinDir)
		if err := checkLocalBinaries(dir); err != nil {
			checks = append(checks, Check{Name: "binaries", Message: err.Error()})
		} else {
			checks = append(checks, Check{Name: "binaries", OK: true, Message: "kwokctl and the Kubernetes binaries found in " + dir})
		}
	case ProviderKind:
		checks = append(checks, kindCheck(ctx, opts))
	case ProviderExisting:
		if c.WorkDir == "" {
			break
		}
		if out, err := adoptExisting(&c); err != nil {
			checks = append(checks, Check{Name: "kubeconfig", Message: err.Error()})
		} else {
			p := out.Clusters[0]
			checks = append(checks, Check{Name: "kubeconfig", OK: true, Message: fmt.Sprintf("context %s (%s) in %s", p.Context, p.APIEndpoint, p.Kubeconfig)})
		}
	}
	return checks
}

func checkTerraform(ctx context.Context, opts PreflightOptions) Check {
	binary := opts.TerraformPath
	if opts.NewTerraform == nil {
		var err error
		if binary, err = FindTerraform(opts.TerraformPath); err != nil {
			return Check{Name: "terraform", Message: err.Error()}
		}
	}
	dir, err := os.MkdirTemp("", "openova-preflight-")
	if err != nil {
		return Check{Name: "terraform", Message: err.Error()}
	}
	defer os.RemoveAll(dir)
	newTF := opts.NewTerraform
	if newTF == nil {
		newTF = NewExecTerraform
	}
	tf, err := newTF(dir, ExecOptions{Binary: binary})
	if err != nil {
		return Check{Name: "terraform", Message: err.Error()}
	}
	v, err := tf.Version(ctx)
	if err != nil {
		return Check{Name: "terraform", Message: err.Error()}
	}
	if err := CheckVersion(v); err != nil {
		return Check{Name: "terraform", Message: err.Error()}
	}
	msg := v.String()
	if binary != "" {
		msg += " at " + filepath.Clean(binary)
	}
	return Check{Name: "terraform", OK: true, Message: msg}
}

// kindCheck finds kind's container runtime and looks for the node image (a bootstrap
// pulls a missing one).
func kindCheck(ctx context.Context, opts PreflightOptions) Check {
	newDriver := opts.NewKind
	if newDriver == nil {
		newDriver = NewKindDriver
	}
	d, err := newDriver(io.Discard)
	if err != nil {
		return Check{Name: "kind", Message: err.Error()}
	}
	present, err := d.ImagePresent(ctx, KindNodeImage)
	if err != nil {
		return Check{Name: "kind", Message: err.Error()}
	}
	msg := fmt.Sprintf("kind %s with %s; node image %s ", KindVersion, d.Runtime(), KindNodeImage)
	if present {
		return Check{Name: "kind", OK: true, Message: msg + "present"}
	}
	return Check{Name: "kind", OK: true, Message: msg + "not pulled yet (the bootstrap pulls it)"}
}
