package bootstrap

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/go-version"

	"github.com/openova-io/core/terraform"
)

// BinDirEnv names the directory of the local provider's binaries (kwokctl, kwok,
// kube-apiserver, kube-controller-manager, kube-scheduler, etcd).
const BinDirEnv = "OPENOVA_BIN_DIR"

// localBinaries are what the local module runs.
var localBinaries = []string{"kwokctl", "kwok", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"}

// moduleManifest lists the files the last prepare copied, so the next one removes files
// a newer module no longer has without touching state or .terraform.
const moduleManifest = ".openova-module-files"

// backendFile holds the generated backend block when the state is remote.
const backendFile = "openova_backend.tf"

// LocalBinDir returns the directory of the local provider's binaries: explicit, else
// providerSettings.bin_dir, else $OPENOVA_BIN_DIR, else the directory of the running
// executable (make puts kubectl-openova next to them in bin/).
func LocalBinDir(cfg *Config, explicit string) string {
	if explicit != "" {
		return explicit
	}
	if d := cfg.ProviderSettings["bin_dir"]; d != "" {
		return d
	}
	if d := os.Getenv(BinDirEnv); d != "" {
		return d
	}
	if exe, err := os.Executable(); err == nil {
		return filepath.Dir(exe)
	}
	return ""
}

// checkLocalBinaries returns an error naming every binary missing from dir.
func checkLocalBinaries(dir string) error {
	var missing []string
	for _, b := range localBinaries {
		info, err := os.Stat(filepath.Join(dir, b))
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("provider local: %s missing from %q; build them (make build) or point %s or providerSettings.bin_dir at them",
			strings.Join(missing, ", "), dir, BinDirEnv)
	}
	return nil
}

// moduleVariables are the contract variables for cfg; none is secret.
func moduleVariables(cfg *Config, settings map[string]string) (map[string]any, error) {
	sshKey, err := cfg.SSHPublicKey()
	if err != nil {
		return nil, err
	}
	regions := make([]map[string]string, 0, len(cfg.Regions))
	for _, r := range cfg.Regions {
		regions = append(regions, map[string]string{"name": r.Name, "role": string(r.Role)})
	}
	labels := cfg.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	return map[string]any{
		terraform.VarOrganization:      cfg.Organization.Name,
		terraform.VarDomain:            cfg.Organization.Domain,
		terraform.VarRegions:           regions,
		terraform.VarNodeSize:          cfg.Nodes.Size,
		terraform.VarNodeCount:         cfg.Nodes.Count,
		terraform.VarSSHPublicKey:      sshKey,
		terraform.VarKubernetesVersion: cfg.KubernetesVersion,
		terraform.VarLabels:            labels,
		terraform.VarProviderSettings:  settings,
	}, nil
}

// moduleSettings are the provider_settings for cfg: the configured ones, plus for local
// the binaries' directory and kwok's own work directory inside ours.
func moduleSettings(cfg *Config, binDir string) map[string]string {
	settings := map[string]string{}
	for k, v := range cfg.ProviderSettings {
		settings[k] = v
	}
	if cfg.Provider == ProviderLocal {
		settings["bin_dir"] = binDir
		if settings["work_dir"] == "" {
			settings["work_dir"] = filepath.Join(cfg.WorkDir, "kwok")
		}
		if settings["port_base"] == "" {
			if base, err := reservePortBase(cfg.WorkDir, len(cfg.Regions)); err == nil {
				settings["port_base"] = strconv.Itoa(base)
			}
		}
	}
	return settings
}

// portBaseFile keeps the local provider's port block, so later runs reuse it.
const portBaseFile = "kwok-port-base"

// reservePortBase returns the first port of a block of 10 ports per region for the local
// provider's clusters: the one recorded in the work directory, else a random free block.
// kwokctl alone scans down from 32767, so concurrent creations would pick the same ports.
func reservePortBase(workDir string, regions int) (int, error) {
	path := filepath.Join(workDir, portBaseFile)
	if data, err := os.ReadFile(path); err == nil {
		if base, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && base > 1024 {
			return base, nil
		}
	}
	const low, high = 20000, 30000
	for range 50 {
		base := low + 10*rand.IntN((high-low)/10-10*regions)
		if portsFree(base, 10*regions) {
			if err := os.WriteFile(path, []byte(strconv.Itoa(base)+"\n"), 0o600); err != nil {
				return 0, err
			}
			return base, nil
		}
	}
	return 0, errors.New("no free block of ports between 20000 and 30000")
}

func portsFree(base, n int) bool {
	for p := base; p < base+n; p++ {
		l, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(p)))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

// prepareModule copies the module into dir (replacing an earlier copy, keeping state
// and .terraform), writes terraform.tfvars.json with the non-secret variables and, for an
// S3 state, the backend block.
func prepareModule(dir string, module fs.FS, cfg *Config, vars map[string]any, tfVersion TerraformVersion) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := removeOldModule(dir); err != nil {
		return err
	}
	var copied []string
	err := fs.WalkDir(module, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		data, err := fs.ReadFile(module, path)
		if err != nil {
			return err
		}
		copied = append(copied, path)
		return os.WriteFile(target, data, 0o600)
	})
	if err != nil {
		return fmt.Errorf("copy module: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, moduleManifest), []byte(strings.Join(copied, "\n")+"\n"), 0o600); err != nil {
		return err
	}

	data, err := json.MarshalIndent(vars, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, TFVarsFile), append(data, '\n')); err != nil {
		return err
	}

	backend := filepath.Join(dir, backendFile)
	if cfg.State.Backend != StateBackendS3 {
		if err := os.Remove(backend); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	return os.WriteFile(backend, []byte(s3BackendBlock(cfg.State, tfVersion)), 0o600)
}

func removeOldModule(dir string) error {
	f, err := os.Open(filepath.Join(dir, moduleManifest))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name := strings.TrimSpace(sc.Text())
		if name == "" || strings.Contains(name, "..") {
			continue
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return sc.Err()
}

// s3BackendBlock is the backend block for an S3 state. Bucket, key and region are given
// to init as -backend-config; credentials come from the AWS_* environment.
func s3BackendBlock(s StateBackend, v TerraformVersion) string {
	var b strings.Builder
	b.WriteString("# Generated by kubectl openova bootstrap: the state lives in S3.\n")
	b.WriteString("terraform {\n  backend \"s3\" {\n")
	if s.Endpoint != "" {
		fmt.Fprintf(&b, "    endpoints = {\n      s3 = %q\n    }\n", s.Endpoint)
		b.WriteString("    use_path_style              = true\n")
		b.WriteString("    skip_credentials_validation = true\n")
		b.WriteString("    skip_region_validation      = true\n")
		b.WriteString("    skip_requesting_account_id  = true\n")
		b.WriteString("    skip_metadata_api_check     = true\n")
		b.WriteString("    skip_s3_checksum            = true\n")
	} else {
		b.WriteString("    encrypt = true\n")
	}
	if nativeS3Locking(v) {
		b.WriteString("    use_lockfile = true\n")
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// nativeS3Locking reports whether the binary locks S3 state without DynamoDB
// (Terraform 1.11, OpenTofu 1.10).
func nativeS3Locking(v TerraformVersion) bool {
	got, err := version.NewVersion(v.Version)
	if err != nil {
		return false
	}
	minimum := version.Must(version.NewVersion("1.11.0"))
	if v.Flavor == "tofu" {
		minimum = version.Must(version.NewVersion("1.10.0"))
	}
	return !got.Core().LessThan(minimum)
}

// backendConfig are the -backend-config pairs for init.
func backendConfig(s StateBackend) []string {
	if s.Backend != StateBackendS3 {
		return nil
	}
	return []string{"bucket=" + s.Bucket, "key=" + s.Key, "region=" + s.Region}
}
