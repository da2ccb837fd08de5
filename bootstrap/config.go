// Package bootstrap creates an OpenOva platform on day 0: it turns a BootstrapConfig (from
// the wizard, a file or flags) into clusters with one of the embedded Terraform modules,
// then hands the clusters to the caller's operator installer. Every phase is checkpointed
// in the work directory, so an interrupted run resumes where it stopped. Credentials come
// from the environment (or the wizard, in memory) and reach only the Terraform process.
package bootstrap

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// APIVersion and Kind identify a bootstrap configuration file.
const (
	APIVersion = "bootstrap.openova.io/v1alpha1"
	Kind       = "BootstrapConfig"
)

// Provider is where the platform's clusters run.
type Provider string

// The providers. Hetzner, Huawei, OCI and Local run an embedded Terraform module; Existing
// adopts a cluster from a kubeconfig; Kind creates kind clusters (sigs.k8s.io/kind) in
// Docker or Podman.
const (
	ProviderHetzner  Provider = "hetzner"
	ProviderHuawei   Provider = "huawei"
	ProviderOCI      Provider = "oci"
	ProviderLocal    Provider = "local"
	ProviderExisting Provider = "existing"
	ProviderKind     Provider = "kind"
)

// Providers lists every provider in the order the wizard offers them.
var Providers = []Provider{ProviderHetzner, ProviderHuawei, ProviderOCI, ProviderLocal, ProviderExisting, ProviderKind}

// UsesTerraform reports whether the provider is driven by an embedded Terraform module.
func (p Provider) UsesTerraform() bool {
	switch p {
	case ProviderHetzner, ProviderHuawei, ProviderOCI, ProviderLocal:
		return true
	}
	return false
}

// Cloud reports whether the provider creates machines at a cloud provider.
func (p Provider) Cloud() bool {
	return p == ProviderHetzner || p == ProviderHuawei || p == ProviderOCI
}

// Role is a region's role.
type Role string

// The region roles: exactly one primary, at most one standby.
const (
	RolePrimary Role = "primary"
	RoleStandby Role = "standby"
)

// StateBackend kinds.
const (
	StateBackendLocal = "local"
	StateBackendS3    = "s3"
)

// Defaults applied by Default.
const (
	DefaultNodeCount = 3
	// WorkDirEnv overrides the parent of the default work directory (~/.openova).
	WorkDirEnv = "OPENOVA_HOME"
)

// Config is a BootstrapConfig: everything needed to create a platform except credentials,
// which never appear here (see Credentials). It is what the wizard produces, what
// --config reads and what flags override; Validate checks all three the same way.
type Config struct {
	// apiVersion is bootstrap.openova.io/v1alpha1. +required
	APIVersion string `json:"apiVersion"`
	// kind is BootstrapConfig. +required
	Kind string `json:"kind"`
	// organization names the platform's owner and its DNS domain. +required
	Organization Organization `json:"organization"`
	// provider is where the clusters run: hetzner, huawei, oci, local, existing or kind. +required
	Provider Provider `json:"provider"`
	// providerSettings are provider-specific, non-secret module settings, passed to the
	// module as provider_settings (terraform/contract.md lists the keys), e.g.
	// compartment_ocid for oci or bin_dir for local. +optional
	ProviderSettings map[string]string `json:"providerSettings,omitempty"`
	// regions are one or two regions (provider locations), exactly one primary. +required
	Regions []Region `json:"regions"`
	// nodes sizes the worker nodes of every region. +optional
	Nodes Nodes `json:"nodes,omitempty"`
	// sshKey is an OpenSSH public key, or the path of a .pub file, installed on the nodes;
	// required by hetzner, huawei and oci. +optional
	SSHKey string `json:"sshKey,omitempty"`
	// kubernetesVersion is a Kubernetes minor or patch version (1.33, 1.33.2); empty
	// leaves the choice to the module. +optional
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// labels are added to every cloud resource that takes labels or tags. +optional
	Labels map[string]string `json:"labels,omitempty"`
	// components are installed on the new platform, on top of the mandatory ones. +optional
	Components Components `json:"components,omitempty"`
	// state is where Terraform keeps its state: local (default, in the work directory) or s3. +optional
	State StateBackend `json:"state,omitempty"`
	// kubeconfig is the kubeconfig file the existing provider adopts; default $KUBECONFIG
	// or ~/.kube/config. Only with provider existing. +optional
	Kubeconfig string `json:"kubeconfig,omitempty"`
	// workDir holds the checkpoint, the Terraform module copy and its local state, and the
	// kubeconfigs; default ~/.openova/<organization>. +optional
	WorkDir string `json:"workDir,omitempty"`
}

// Organization names the platform's owner.
type Organization struct {
	// name is a lowercase DNS label of at most 32 characters; it prefixes every resource. +required
	Name string `json:"name"`
	// domain is the DNS domain the platform's services are published under. +required
	Domain string `json:"domain"`
}

// Region is one region of the platform.
type Region struct {
	// name is the provider's region or location (fsn1, eu-frankfurt-1, ap-southeast-1), or
	// any DNS label for local, existing and kind. +required
	Name string `json:"name"`
	// role is primary or standby; a single region defaults to primary. +required
	Role Role `json:"role"`
	// context is the kubeconfig context of this region, only with provider existing
	// (default: the current context, for the primary region). +optional
	Context string `json:"context,omitempty"`
}

// Nodes sizes the worker nodes.
type Nodes struct {
	// size is the provider's machine type; empty takes the module's default. +optional
	Size string `json:"size,omitempty"`
	// count is the number of worker nodes per region, 1–100; default 3. +optional
	Count int `json:"count,omitempty"`
}

// Components selects what the platform installs beyond the mandatory components.
type Components struct {
	// install lists components and meta-platforms, each with optional members. +optional
	Install []ComponentRequest `json:"install,omitempty"`
}

// ComponentRequest asks for one component, e.g. {name: ai-hub, with: [neo4j]}.
type ComponentRequest struct {
	// name is the catalog name of a component or meta-platform. +required
	Name string `json:"name"`
	// with lists optional members to install too. +optional
	With []string `json:"with,omitempty"`
}

// StateBackend says where Terraform keeps its state.
type StateBackend struct {
	// backend is local (default) or s3. +optional
	Backend string `json:"backend,omitempty"`
	// bucket is the S3 bucket; required with backend s3. +optional
	Bucket string `json:"bucket,omitempty"`
	// key is the object key; default openova/<organization>/terraform.tfstate. +optional
	Key string `json:"key,omitempty"`
	// region is the S3 region; required with backend s3. +optional
	Region string `json:"region,omitempty"`
	// endpoint is the URL of an S3-compatible service (MinIO, Hetzner, OBS); path-style
	// addressing is used then. +optional
	Endpoint string `json:"endpoint,omitempty"`
}

// NewConfig returns an empty configuration with apiVersion and kind set, for the wizard
// and for flags-only runs.
func NewConfig() *Config {
	return &Config{APIVersion: APIVersion, Kind: Kind}
}

// LoadConfig reads a BootstrapConfig file strictly: unknown or duplicate fields are errors.
// It does not validate; call Default and Validate (or ResolveConfig).
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read bootstrap config %q: %w", path, err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("bootstrap config %q: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig decodes a BootstrapConfig from YAML or JSON, rejecting unknown fields.
func ParseConfig(data []byte) (*Config, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the file is empty")
	}
	cfg := &Config{}
	if err := yaml.UnmarshalStrict(data, cfg); err != nil {
		return nil, cleanDecodeError(err)
	}
	return cfg, nil
}

// cleanDecodeError turns "error unmarshaling JSON: while decoding JSON: json: unknown
// field \"x\"" into "unknown field \"x\"".
func cleanDecodeError(err error) error {
	msg := err.Error()
	for _, prefix := range []string{"error unmarshaling JSON: ", "while decoding JSON: ", "json: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	return errors.New(msg)
}

// Marshal returns the configuration as YAML. It holds no credentials.
func (c *Config) Marshal() ([]byte, error) {
	return yaml.Marshal(c)
}

// ResolveConfig is what the CLI calls: the file (if any), then the flags on top, then
// defaults, then Validate.
func ResolveConfig(path string, flags *Flags) (*Config, error) {
	cfg, err := DraftConfig(path, flags)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// DraftConfig is the file (if any) with the flags on top and the defaults filled in, not
// validated: what the wizard starts from, asking only for what it leaves open. Only a file
// that does not parse or a malformed flag value is an error.
func DraftConfig(path string, flags *Flags) (*Config, error) {
	cfg := NewConfig()
	if path != "" {
		var err error
		if cfg, err = LoadConfig(path); err != nil {
			return nil, err
		}
	}
	if flags != nil {
		if err := flags.Apply(cfg); err != nil {
			return nil, err
		}
	}
	cfg.Default()
	return cfg, nil
}

// Default fills in the defaults: a single region's role, the node count, the state
// backend and key, and the work directory.
func (c *Config) Default() {
	if c.APIVersion == "" && c.Kind == "" {
		c.APIVersion, c.Kind = APIVersion, Kind
	}
	if len(c.Regions) == 1 && c.Regions[0].Role == "" {
		c.Regions[0].Role = RolePrimary
	}
	if c.Nodes.Count == 0 {
		c.Nodes.Count = DefaultNodeCount
	}
	if c.State.Backend == "" {
		c.State.Backend = StateBackendLocal
	}
	if c.State.Backend == StateBackendS3 && c.State.Key == "" && c.Organization.Name != "" {
		c.State.Key = "openova/" + c.Organization.Name + "/terraform.tfstate"
	}
	if c.WorkDir == "" && c.Organization.Name != "" {
		c.WorkDir = DefaultWorkDir(c.Organization.Name)
	}
	if c.WorkDir != "" {
		c.WorkDir = expandHome(c.WorkDir)
		if abs, err := filepath.Abs(c.WorkDir); err == nil {
			c.WorkDir = abs
		}
	}
}

// DefaultWorkDir is ~/.openova/<organization>, or $OPENOVA_HOME/<organization>.
func DefaultWorkDir(organization string) string {
	if home := os.Getenv(WorkDirEnv); home != "" {
		return filepath.Join(home, organization)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".openova", organization)
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	return p
}

// Primary returns the primary region, or nil.
func (c *Config) Primary() *Region {
	for i := range c.Regions {
		if c.Regions[i].Role == RolePrimary {
			return &c.Regions[i]
		}
	}
	return nil
}

// SSHPublicKey returns the public key: sshKey itself, or the content of the file it names.
func (c *Config) SSHPublicKey() (string, error) {
	key := strings.TrimSpace(c.SSHKey)
	if key == "" || looksLikeSSHKey(key) {
		return key, nil
	}
	data, err := os.ReadFile(expandHome(key))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("ssh public key file %q does not exist", key)
		}
		return "", fmt.Errorf("read ssh public key file %q: %w", key, err)
	}
	return strings.TrimSpace(string(data)), nil
}
