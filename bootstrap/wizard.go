package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	huh "charm.land/huh/v2"
)

// ComponentCategory is how the catalog classifies a component.
type ComponentCategory string

// The catalog's categories.
const (
	CategoryMandatory    ComponentCategory = "mandatory"
	CategoryALaCarte     ComponentCategory = "a-la-carte"
	CategoryMetaPlatform ComponentCategory = "meta-platform"
)

// ComponentOption is one catalog entry the wizard offers; the CLI fills the list from
// the catalog, so this package does not depend on it.
type ComponentOption struct {
	Name        string
	Category    ComponentCategory
	Description string
	// Members are optional members the wizard asks about when the component is chosen
	// (ai-hub: neo4j, qdrant, ...), each with what it is.
	Members []ComponentMember
}

// ComponentMember is an optional member of a component, e.g. neo4j of ai-hub.
type ComponentMember struct {
	Name        string
	DisplayName string
	// Description says what the member is for (the catalog's optional description:
	// "knowledge graph").
	Description string
}

// WizardOptions configure RunWizard.
type WizardOptions struct {
	// In and Out are the terminal; nil means stdin and stdout.
	In  io.Reader
	Out io.Writer
	// Accessible asks line by line instead of the full-screen form (screen readers,
	// dumb terminals, tests). Masked input still needs a terminal.
	Accessible bool
	// Components are what the catalog offers.
	Components []ComponentOption
	// Defaults pre-fill the answers (from --config and flags); may be nil.
	Defaults *Config
	// Lookup reads the environment; credentials already set there are not asked for.
	// nil is os.LookupEnv.
	Lookup func(string) (string, bool)
	// Width is the terminal's width in columns, which the component lists are fitted to;
	// 0 asks the terminal of Out (80 when it is none).
	Width int
}

// regionSuggestions are offered per provider; any name is accepted.
var regionSuggestions = map[Provider][]string{
	ProviderHetzner:  {"fsn1", "nbg1", "hel1", "ash", "hil", "sin"},
	ProviderHuawei:   {"ap-southeast-1", "ap-southeast-3", "eu-west-101", "af-south-1", "la-south-2"},
	ProviderOCI:      {"eu-frankfurt-1", "eu-amsterdam-1", "uk-london-1", "us-ashburn-1", "ap-singapore-1"},
	ProviderLocal:    {"dev", "dr"},
	ProviderExisting: {"main", "dr"},
	ProviderKind:     {"dev", "dr"},
}

var providerDescriptions = map[Provider]string{
	ProviderHetzner:  "Hetzner Cloud: k3s on servers, load balancer, WireGuard between regions",
	ProviderHuawei:   "Huawei Cloud: CCE managed Kubernetes",
	ProviderOCI:      "Oracle Cloud: OKE managed Kubernetes",
	ProviderLocal:    "this machine: kwok clusters, offline, for trying OpenOva out",
	ProviderExisting: "adopt the cluster of the current kubeconfig context",
	ProviderKind:     "this machine: kind clusters in Docker or Podman",
}

// wizardAnswers are the wizard's state; config turns them into a Config.
type wizardAnswers struct {
	Organization string
	Domain       string
	Provider     string
	// Credentials entered in the wizard, by environment variable; memory only.
	Credentials map[string]string
	// Settings are provider settings asked for (compartment_ocid).
	Settings    map[string]string
	TwoRegions  bool
	RegionNames [2]string
	// Primary is the index of the primary region.
	Primary    int
	SSHKey     string
	Components []string
	Members    map[string][]string
}

func answersFrom(cfg *Config) *wizardAnswers {
	a := &wizardAnswers{Credentials: map[string]string{}, Settings: map[string]string{}, Members: map[string][]string{}}
	if cfg == nil {
		return a
	}
	a.Organization, a.Domain, a.Provider, a.SSHKey = cfg.Organization.Name, cfg.Organization.Domain, string(cfg.Provider), cfg.SSHKey
	for k, v := range cfg.ProviderSettings {
		a.Settings[k] = v
	}
	for i, r := range cfg.Regions {
		if i > 1 {
			break
		}
		a.RegionNames[i] = r.Name
		if r.Role == RolePrimary {
			a.Primary = i
		}
	}
	a.TwoRegions = len(cfg.Regions) == 2
	for _, c := range cfg.Components.Install {
		a.Components = append(a.Components, c.Name)
		if len(c.With) > 0 {
			a.Members[c.Name] = slices.Clone(c.With)
		}
	}
	return a
}

// config builds the configuration from the answers on top of base (which keeps what the
// wizard does not ask: nodes, state, work directory, labels). Mandatory components are
// not listed: they are always installed.
func (a *wizardAnswers) config(base *Config, components []ComponentOption) (*Config, *Credentials) {
	cfg := NewConfig()
	if base != nil {
		c := *base
		cfg = &c
	}
	// A work directory that was only the default follows the organization's name.
	if base == nil || base.WorkDir == DefaultWorkDir(base.Organization.Name) {
		cfg.WorkDir = ""
	}
	cfg.Organization = Organization{Name: a.Organization, Domain: a.Domain}
	cfg.Provider = Provider(a.Provider)
	cfg.ProviderSettings = nil
	for k, v := range a.Settings {
		if v == "" {
			continue
		}
		if cfg.ProviderSettings == nil {
			cfg.ProviderSettings = map[string]string{}
		}
		cfg.ProviderSettings[k] = v
	}
	n := 1
	if a.TwoRegions {
		n = 2
	}
	cfg.Regions = nil
	for i := range n {
		role := RoleStandby
		if i == a.Primary {
			role = RolePrimary
		}
		cfg.Regions = append(cfg.Regions, Region{Name: a.RegionNames[i], Role: role})
	}
	cfg.SSHKey = a.SSHKey
	cfg.Components.Install = nil
	for _, name := range a.Components {
		if i := slices.IndexFunc(components, func(c ComponentOption) bool { return c.Name == name }); i >= 0 && components[i].Category == CategoryMandatory {
			continue
		}
		cfg.Components.Install = append(cfg.Components.Install, ComponentRequest{Name: name, With: a.Members[name]})
	}

	creds := NewCredentials()
	secret := map[string]bool{}
	for _, v := range providerCredentials[cfg.Provider] {
		for _, n := range v.names() {
			secret[n] = v.Secret
		}
	}
	for k, v := range a.Credentials {
		if v != "" {
			creds.Set(k, v, secret[k])
		}
	}
	return cfg, creds
}

// RunWizard asks for a configuration on a terminal: organization, domain, provider,
// credentials (masked, kept in memory, never written), one or two regions with roles,
// an SSH key for cloud providers, and the components — mandatory ones preselected,
// meta-platforms offered, optional members asked for. The result passed Validate; the
// credentials hold what was typed plus what the environment already had.
func RunWizard(ctx context.Context, opts WizardOptions) (*Config, *Credentials, error) {
	lookup := opts.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	a := answersFrom(opts.Defaults)
	run := func(groups ...*huh.Group) error {
		form := huh.NewForm(groups...).WithAccessible(opts.Accessible).WithShowHelp(!opts.Accessible)
		if opts.In != nil {
			form = form.WithInput(opts.In)
		}
		if opts.Out != nil {
			form = form.WithOutput(opts.Out)
		}
		if err := form.RunWithContext(ctx); err != nil {
			if errors.Is(err, huh.ErrUserAborted) {
				return errors.New("bootstrap wizard cancelled")
			}
			return fmt.Errorf("bootstrap wizard: %w", err)
		}
		return nil
	}

	providerOptions := make([]huh.Option[string], 0, len(Providers))
	for _, p := range Providers {
		providerOptions = append(providerOptions, huh.NewOption(fmt.Sprintf("%-8s  %s", p, providerDescriptions[p]), string(p)))
	}
	given := givenAnswers(a)
	if a.Provider == "" {
		a.Provider = string(ProviderLocal)
	}
	var first []huh.Field
	if !given.organization {
		first = append(first, huh.NewInput().Title("Organization name").Description("lowercase DNS label; prefixes every resource").
			Value(&a.Organization).Validate(ValidateOrganizationName))
	}
	if !given.domain {
		first = append(first, huh.NewInput().Title("Domain").Description("the platform's services are published under it").
			Placeholder("example.com").Value(&a.Domain).Validate(ValidateDomain))
	}
	if !given.provider {
		first = append(first, huh.NewSelect[string]().Title("Where should the platform run?").Options(providerOptions...).Value(&a.Provider))
	}
	if len(first) > 0 {
		if err := run(huh.NewGroup(first...)); err != nil {
			return nil, nil, err
		}
	}
	provider := Provider(a.Provider)

	if group, collect := credentialGroup(a, provider, lookup); group != nil {
		if err := run(group); err != nil {
			return nil, nil, err
		}
		collect()
	}

	if !given.regions {
		if err := regionsStep(a, provider, run); err != nil {
			return nil, nil, err
		}
	}

	if provider.Cloud() && !given.sshKey {
		if a.SSHKey == "" {
			a.SSHKey = defaultSSHKey()
		}
		if err := run(huh.NewGroup(
			huh.NewInput().Title("SSH public key").Description("OpenSSH public key, or the path of a .pub file, for the nodes").
				Value(&a.SSHKey).Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errors.New("required")
				}
				return ValidateSSHKey(s)
			}),
		)); err != nil {
			return nil, nil, err
		}
	}

	if !given.components {
		if err := componentsStep(a, opts.Components, terminalWidth(opts), run); err != nil {
			return nil, nil, err
		}
	}

	cfg, entered := a.config(opts.Defaults, opts.Components)
	cfg.Default()
	// No unless the user says yes: Enter alone never creates infrastructure.
	confirmed := false
	if err := run(huh.NewGroup(
		huh.NewNote().Title("Summary").Description(wizardSummary(cfg)),
		huh.NewConfirm().Title("Bootstrap this platform?").Value(&confirmed),
	)); err != nil {
		return nil, nil, err
	}
	if !confirmed {
		return nil, nil, errors.New("bootstrap wizard: not confirmed")
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	creds := CredentialsFromEnv(cfg, lookup)
	for k, v := range entered.Env() {
		creds.Set(k, v, entered.secretName(k))
	}
	return cfg, creds, nil
}

func (c *Credentials) secretName(name string) bool { return c != nil && c.secret[name] }

// credentialGroup asks for the provider's credentials and settings the environment
// does not have; collect copies the answers into a after the form ran. The group is nil
// when there is nothing to ask.
func credentialGroup(a *wizardAnswers, provider Provider, lookup func(string) (string, bool)) (group *huh.Group, collect func()) {
	var fields []huh.Field
	credentials, settings := map[string]*string{}, map[string]*string{}
	for _, v := range providerCredentials[provider] {
		set := false
		for _, n := range v.names() {
			if val, ok := lookup(n); ok && val != "" {
				set = true
			}
		}
		if set {
			continue
		}
		value := new(string)
		credentials[v.Name] = value
		optional := v.Optional
		input := huh.NewInput().Title(v.Name).Description(v.Description + " (kept in memory, never written)").Value(value).
			Validate(func(s string) error {
				if s == "" && !optional {
					return errors.New("required")
				}
				return nil
			})
		if v.Secret {
			input = input.EchoMode(huh.EchoModePassword)
		}
		fields = append(fields, input)
	}
	for _, key := range providerSettingsRequired[provider] {
		value := new(string)
		*value = a.Settings[key]
		settings[key] = value
		fields = append(fields, huh.NewInput().Title(key).Description("provider setting (not a secret)").Value(value).
			Validate(func(s string) error {
				if s == "" {
					return errors.New("required")
				}
				return nil
			}))
	}
	if len(fields) == 0 {
		return nil, func() {}
	}
	return huh.NewGroup(fields...).Title("Credentials for " + string(provider)), func() {
		for k, v := range credentials {
			a.Credentials[k] = *v
		}
		for k, v := range settings {
			a.Settings[k] = *v
		}
	}
}

// componentsStep offers every component with the mandatory ones preselected (and kept),
// then asks for the optional members of what was chosen.
func componentsStep(a *wizardAnswers, components []ComponentOption, width int, run func(...*huh.Group) error) error {
	if len(components) == 0 {
		return nil
	}
	var mandatory []string
	options := make([]huh.Option[string], 0, len(components))
	order := []ComponentCategory{CategoryMandatory, CategoryMetaPlatform, CategoryALaCarte}
	for _, cat := range order {
		for _, c := range components {
			if c.Category != cat {
				continue
			}
			label := componentLabel(c, width)
			selected := c.Category == CategoryMandatory || slices.Contains(a.Components, c.Name)
			if c.Category == CategoryMandatory {
				mandatory = append(mandatory, c.Name)
			}
			options = append(options, huh.NewOption(label, c.Name).Selected(selected))
		}
	}
	if err := run(huh.NewGroup(
		huh.NewMultiSelect[string]().Title("Components").
			Description("mandatory ones are always installed; meta-platforms bundle several components").
			Options(options...).Value(&a.Components).Height(min(len(options)+2, 20)).
			Validate(func(chosen []string) error {
				for _, m := range mandatory {
					if !slices.Contains(chosen, m) {
						return fmt.Errorf("%s is mandatory", m)
					}
				}
				return nil
			}),
	)); err != nil {
		return err
	}
	var groups []*huh.Group
	chosen := map[string]*[]string{}
	for _, c := range components {
		if len(c.Members) == 0 || !slices.Contains(a.Components, c.Name) {
			continue
		}
		members := make([]huh.Option[string], 0, len(c.Members))
		for _, m := range c.Members {
			members = append(members, huh.NewOption(memberLabel(m, width), m.Name).Selected(slices.Contains(a.Members[c.Name], m.Name)))
		}
		chosen[c.Name] = new([]string)
		groups = append(groups, huh.NewGroup(
			huh.NewMultiSelect[string]().Title("Optional members of "+c.Name).Options(members...).Value(chosen[c.Name]),
		))
	}
	if len(groups) == 0 {
		return nil
	}
	if err := run(groups...); err != nil {
		return err
	}
	for name, v := range chosen {
		a.Members[name] = slices.Clone(*v)
	}
	return nil
}

func defaultSSHKey() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	for _, name := range []string{"id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"} {
		p := filepath.Join(home, ".ssh", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func wizardSummary(cfg *Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "organization %s, domain %s, provider %s\n", cfg.Organization.Name, cfg.Organization.Domain, cfg.Provider)
	for _, r := range cfg.Regions {
		fmt.Fprintf(&b, "region %s (%s)\n", r.Name, r.Role)
	}
	var comps []string
	for _, c := range cfg.Components.Install {
		s := c.Name
		if len(c.With) > 0 {
			s += " with " + strings.Join(c.With, ", ")
		}
		comps = append(comps, s)
	}
	if len(comps) > 0 {
		fmt.Fprintf(&b, "components: %s\n", strings.Join(comps, "; "))
	}
	fmt.Fprintf(&b, "work directory %s", cfg.WorkDir)
	return b.String()
}
