package bootstrap

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// FieldError is one invalid value, named by its path in the configuration
// (regions[1].role).
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidationError lists every invalid value of a configuration.
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	lines := make([]string, 0, len(e.Errors))
	for _, fe := range e.Errors {
		lines = append(lines, "  "+fe.Error())
	}
	return "invalid bootstrap config:\n" + strings.Join(lines, "\n")
}

// Fields returns the names of the invalid fields.
func (e *ValidationError) Fields() []string {
	out := make([]string, 0, len(e.Errors))
	for _, fe := range e.Errors {
		out = append(out, fe.Field)
	}
	return out
}

type fieldErrors []FieldError

func (f *fieldErrors) add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Errors: f}
}

var (
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)
	dnsName      = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	sshKeyRe     = regexp.MustCompile(`^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=*( .*)?$`)
	k8sVersion   = regexp.MustCompile(`^1\.[0-9]+(\.[0-9]+)?$`)
	machineType  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	settingKey   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	labelKey     = regexp.MustCompile(`^([a-z0-9.-]{1,253}/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$`)
	labelValue   = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$`)
	bucketName   = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	contextName  = regexp.MustCompile(`^[^\s]{1,253}$`)
	providerList = func() string {
		names := make([]string, 0, len(Providers))
		for _, p := range Providers {
			names = append(names, string(p))
		}
		return strings.Join(names, ", ")
	}()
)

func looksLikeSSHKey(s string) bool {
	return strings.HasPrefix(s, "ssh-") || strings.HasPrefix(s, "ecdsa-")
}

// ValidateOrganizationName checks organization.name; the wizard uses it per keystroke.
func ValidateOrganizationName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("required")
	case !dnsLabel.MatchString(s):
		return fmt.Errorf("%q is not a lowercase DNS label of at most 32 characters (a-z, 0-9, '-', not at either end)", s)
	}
	return nil
}

// ValidateDomain checks organization.domain.
func ValidateDomain(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("required")
	case len(s) > 253 || !dnsName.MatchString(s):
		return fmt.Errorf("%q is not a lowercase DNS name with at least two labels, e.g. example.com", s)
	}
	return nil
}

// ValidateProvider checks provider.
func ValidateProvider(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("required, one of %s", providerList)
	case !slices.Contains(Providers, Provider(s)):
		return fmt.Errorf("unknown provider %q, want one of %s", s, providerList)
	}
	return nil
}

// ValidateRegionName checks a region's name.
func ValidateRegionName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("required")
	case !dnsLabel.MatchString(s):
		return fmt.Errorf("%q is not a lowercase region name of at most 32 characters (a-z, 0-9, '-')", s)
	}
	return nil
}

// ValidateSSHKey checks sshKey: an OpenSSH public key or a readable .pub file holding one.
func ValidateSSHKey(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if strings.Contains(s, "PRIVATE KEY") {
		return fmt.Errorf("this is a private key; give the public key (the .pub file or its content)")
	}
	if !looksLikeSSHKey(s) {
		key, err := (&Config{SSHKey: s}).SSHPublicKey()
		if err != nil {
			return err
		}
		if !sshKeyRe.MatchString(key) {
			return fmt.Errorf("file %q does not hold an OpenSSH public key (ssh-ed25519 AAAA...)", s)
		}
		return nil
	}
	if !sshKeyRe.MatchString(s) {
		return fmt.Errorf("not an OpenSSH public key (ssh-ed25519 AAAA..., ssh-rsa ..., ecdsa-sha2-nistp256 ...)")
	}
	return nil
}

// Validate checks the whole configuration and returns a *ValidationError naming every
// invalid field, or nil. Call Default first. The wizard, --config and flags all end here.
func (c *Config) Validate() error {
	var errs fieldErrors

	if c.APIVersion != APIVersion {
		errs.add("apiVersion", "must be %s, got %q", APIVersion, c.APIVersion)
	}
	if c.Kind != Kind {
		errs.add("kind", "must be %s, got %q", Kind, c.Kind)
	}
	if err := ValidateOrganizationName(c.Organization.Name); err != nil {
		errs.add("organization.name", "%v", err)
	}
	if err := ValidateDomain(c.Organization.Domain); err != nil {
		errs.add("organization.domain", "%v", err)
	}
	providerOK := true
	if err := ValidateProvider(string(c.Provider)); err != nil {
		errs.add("provider", "%v", err)
		providerOK = false
	}

	c.validateProviderSettings(&errs, providerOK)
	c.validateRegions(&errs)
	c.validateNodes(&errs)

	if err := ValidateSSHKey(c.SSHKey); err != nil {
		errs.add("sshKey", "%v", err)
	} else if c.SSHKey == "" && c.Provider.Cloud() {
		errs.add("sshKey", "required with provider %s: an OpenSSH public key or the path of a .pub file", c.Provider)
	}
	if c.KubernetesVersion != "" && !k8sVersion.MatchString(c.KubernetesVersion) {
		errs.add("kubernetesVersion", "%q must look like 1.33 or 1.33.2", c.KubernetesVersion)
	} else if v := KindKubernetesVersion(); c.Provider == ProviderKind && c.KubernetesVersion != "" &&
		c.KubernetesVersion != v && !strings.HasPrefix(v, c.KubernetesVersion+".") {
		errs.add("kubernetesVersion", "provider kind runs Kubernetes %s (the node image of kind %s), not %s; leave it empty", v, KindVersion, c.KubernetesVersion)
	}
	for _, k := range sortedKeys(c.Labels) {
		if !labelKey.MatchString(k) {
			errs.add("labels["+k+"]", "%q is not a valid label key", k)
		} else if !labelValue.MatchString(c.Labels[k]) {
			errs.add("labels["+k+"]", "%q is not a valid label value (at most 63 of A-Z a-z 0-9 _ . -)", c.Labels[k])
		}
	}
	c.validateComponents(&errs)
	c.validateState(&errs)

	if c.Kubeconfig != "" && providerOK && c.Provider != ProviderExisting {
		errs.add("kubeconfig", "only used with provider existing, not %s", c.Provider)
	}
	if c.WorkDir == "" {
		errs.add("workDir", "required (defaults to ~/.openova/<organization> once organization.name is set)")
	}
	return errs.err()
}

// providerSettingsRequired lists settings a provider's module cannot do without.
var providerSettingsRequired = map[Provider][]string{
	ProviderOCI: {"compartment_ocid"},
}

func (c *Config) validateProviderSettings(errs *fieldErrors, providerOK bool) {
	for _, k := range sortedKeys(c.ProviderSettings) {
		if !settingKey.MatchString(k) {
			errs.add("providerSettings["+k+"]", "%q is not a setting name (lowercase letters, digits, '_')", k)
		}
		if looksSecret(k) {
			errs.add("providerSettings["+k+"]", "credentials never go in the config; set them in the environment (see docs/bootstrap.md)")
		}
	}
	if !providerOK {
		return
	}
	if len(c.ProviderSettings) > 0 && !c.Provider.UsesTerraform() {
		errs.add("providerSettings", "not used with provider %s", c.Provider)
	}
	for _, k := range providerSettingsRequired[c.Provider] {
		if c.ProviderSettings[k] == "" {
			errs.add("providerSettings["+k+"]", "required with provider %s", c.Provider)
		}
	}
	if c.Provider == ProviderOCI {
		if v := c.ProviderSettings["compartment_ocid"]; v != "" && !strings.HasPrefix(v, "ocid1.") {
			errs.add("providerSettings[compartment_ocid]", "%q is not an OCID (ocid1....)", v)
		}
	}
}

func looksSecret(key string) bool {
	for _, w := range []string{"token", "secret", "password", "private_key", "access_key"} {
		if strings.Contains(key, w) {
			return true
		}
	}
	return false
}

func (c *Config) validateRegions(errs *fieldErrors) {
	switch n := len(c.Regions); {
	case n == 0:
		errs.add("regions", "required: one or two regions")
		return
	case n > 2:
		errs.add("regions", "at most two regions (one primary, one standby), got %d", n)
	}
	seen := map[string]int{}
	var primaries []int
	for i, r := range c.Regions {
		field := fmt.Sprintf("regions[%d]", i)
		if err := ValidateRegionName(r.Name); err != nil {
			errs.add(field+".name", "%v", err)
		} else if j, dup := seen[r.Name]; dup {
			errs.add(field+".name", "%q is already regions[%d].name", r.Name, j)
		} else {
			seen[r.Name] = i
		}
		switch r.Role {
		case RolePrimary:
			primaries = append(primaries, i)
			if len(primaries) > 1 {
				errs.add(field+".role", "a second primary region (regions[%d] is primary); exactly one region is primary, the other standby", primaries[0])
			}
		case RoleStandby:
		case "":
			errs.add(field+".role", "required: primary or standby")
		default:
			errs.add(field+".role", "must be primary or standby, got %q", r.Role)
		}
		if r.Context != "" {
			if c.Provider != ProviderExisting {
				errs.add(field+".context", "only used with provider existing")
			} else if !contextName.MatchString(r.Context) {
				errs.add(field+".context", "%q is not a kubeconfig context name", r.Context)
			}
		} else if c.Provider == ProviderExisting && len(c.Regions) == 2 {
			errs.add(field+".context", "required with provider existing and two regions: the kubeconfig context of this region")
		}
	}
	if len(primaries) == 0 {
		errs.add("regions", "exactly one region must have the role primary, none has")
	}
}

func (c *Config) validateNodes(errs *fieldErrors) {
	if c.Nodes.Count < 1 || c.Nodes.Count > 100 {
		errs.add("nodes.count", "must be from 1 to 100, got %d", c.Nodes.Count)
	}
	if c.Nodes.Size != "" && !machineType.MatchString(c.Nodes.Size) {
		errs.add("nodes.size", "%q is not a machine type name", c.Nodes.Size)
	}
}

func (c *Config) validateComponents(errs *fieldErrors) {
	seen := map[string]int{}
	for i, comp := range c.Components.Install {
		field := fmt.Sprintf("components.install[%d]", i)
		if comp.Name == "" {
			errs.add(field+".name", "required")
		} else if !dnsLabel.MatchString(comp.Name) {
			errs.add(field+".name", "%q is not a component name (lowercase DNS label)", comp.Name)
		} else if j, dup := seen[comp.Name]; dup {
			errs.add(field+".name", "%q is already components.install[%d]", comp.Name, j)
		} else {
			seen[comp.Name] = i
		}
		members := map[string]bool{}
		for j, m := range comp.With {
			mfield := fmt.Sprintf("%s.with[%d]", field, j)
			switch {
			case !dnsLabel.MatchString(m):
				errs.add(mfield, "%q is not a component name (lowercase DNS label)", m)
			case members[m]:
				errs.add(mfield, "%q is listed twice", m)
			case m == comp.Name:
				errs.add(mfield, "%q cannot be a member of itself", m)
			}
			members[m] = true
		}
	}
}

func (c *Config) validateState(errs *fieldErrors) {
	s := c.State
	switch s.Backend {
	case StateBackendLocal:
		for _, f := range [][2]string{{"bucket", s.Bucket}, {"key", s.Key}, {"region", s.Region}, {"endpoint", s.Endpoint}} {
			if f[1] != "" {
				errs.add("state."+f[0], "only used with backend s3")
			}
		}
	case StateBackendS3:
		if s.Bucket == "" {
			errs.add("state.bucket", "required with backend s3")
		} else if !bucketName.MatchString(s.Bucket) {
			errs.add("state.bucket", "%q is not an S3 bucket name", s.Bucket)
		}
		if s.Region == "" {
			errs.add("state.region", "required with backend s3")
		}
		if s.Key == "" || strings.HasPrefix(s.Key, "/") {
			errs.add("state.key", "must be a relative object key, got %q", s.Key)
		}
		if s.Endpoint != "" {
			if u, err := url.Parse(s.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				errs.add("state.endpoint", "%q is not an http(s) URL", s.Endpoint)
			}
		}
	default:
		errs.add("state.backend", "must be local or s3, got %q", s.Backend)
	}
	if !c.Provider.UsesTerraform() && c.Provider != "" && s.Backend == StateBackendS3 {
		errs.add("state.backend", "provider %s runs no Terraform, so it keeps no state", c.Provider)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
