package bootstrap

import (
	"fmt"
	"strings"
)

// Flags are the command-line overrides of a configuration; the CLI fills them from its
// flags and calls Apply (or ResolveConfig). Empty fields leave the configuration alone.
type Flags struct {
	Organization      string
	Domain            string
	Provider          string
	ProviderSettings  []string // --provider-setting key=value
	Regions           []string // --region name[:role]; replaces the file's regions
	NodeSize          string
	NodeCount         int
	SSHKey            string
	KubernetesVersion string
	Install           []string // --install name[:member,member]; added to the file's list
	Kubeconfig        string
	StateBucket       string
	StateKey          string
	StateRegion       string
	StateEndpoint     string
	WorkDir           string
}

// Apply writes the set flags over cfg. Malformed flag values are errors naming the flag;
// everything else is left to Validate.
func (f *Flags) Apply(cfg *Config) error {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.Organization.Name, f.Organization)
	set(&cfg.Organization.Domain, f.Domain)
	if f.Provider != "" {
		cfg.Provider = Provider(f.Provider)
	}
	for _, kv := range f.ProviderSettings {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--provider-setting %q: want key=value", kv)
		}
		if cfg.ProviderSettings == nil {
			cfg.ProviderSettings = map[string]string{}
		}
		cfg.ProviderSettings[k] = v
	}
	if len(f.Regions) > 0 {
		regions := make([]Region, 0, len(f.Regions))
		for i, spec := range f.Regions {
			name, role, hasRole := strings.Cut(spec, ":")
			if name == "" {
				return fmt.Errorf("--region %q: want name[:primary|standby]", spec)
			}
			if !hasRole {
				role = string(RolePrimary)
				if i > 0 {
					role = string(RoleStandby)
				}
			}
			regions = append(regions, Region{Name: name, Role: Role(role)})
		}
		cfg.Regions = regions
	}
	set(&cfg.Nodes.Size, f.NodeSize)
	if f.NodeCount != 0 {
		cfg.Nodes.Count = f.NodeCount
	}
	set(&cfg.SSHKey, f.SSHKey)
	set(&cfg.KubernetesVersion, f.KubernetesVersion)
	for _, spec := range f.Install {
		name, members, _ := strings.Cut(spec, ":")
		if name == "" {
			return fmt.Errorf("--install %q: want name[:member,member]", spec)
		}
		req := ComponentRequest{Name: name}
		if members != "" {
			req.With = strings.Split(members, ",")
		}
		cfg.Components.Install = append(cfg.Components.Install, req)
	}
	set(&cfg.Kubeconfig, f.Kubeconfig)
	if f.StateBucket != "" || f.StateKey != "" || f.StateRegion != "" || f.StateEndpoint != "" {
		cfg.State.Backend = StateBackendS3
	}
	set(&cfg.State.Bucket, f.StateBucket)
	set(&cfg.State.Key, f.StateKey)
	set(&cfg.State.Region, f.StateRegion)
	set(&cfg.State.Endpoint, f.StateEndpoint)
	set(&cfg.WorkDir, f.WorkDir)
	return nil
}
