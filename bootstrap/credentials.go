package bootstrap

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// CredentialVar is one environment variable a provider reads its credentials from.
type CredentialVar struct {
	// Name is the environment variable, e.g. HCLOUD_TOKEN.
	Name string
	// Alternatives are other variables accepted instead (TF_VAR_tenancy_ocid for
	// OCI_TENANCY_OCID, OCI_PRIVATE_KEY for OCI_PRIVATE_KEY_PATH).
	Alternatives []string
	// Description says what the value is, for the wizard and pre-flight messages.
	Description string
	// Secret values are masked in the wizard and redacted from all output.
	Secret bool
	// Optional variables are passed on when set but not required.
	Optional bool
}

// names returns Name and the alternatives.
func (v CredentialVar) names() []string { return append([]string{v.Name}, v.Alternatives...) }

var providerCredentials = map[Provider][]CredentialVar{
	ProviderHetzner: {
		{Name: "HCLOUD_TOKEN", Description: "Hetzner Cloud API token (read & write)", Secret: true},
	},
	ProviderHuawei: {
		{Name: "HW_ACCESS_KEY", Description: "Huawei Cloud access key (AK)", Secret: true},
		{Name: "HW_SECRET_KEY", Description: "Huawei Cloud secret key (SK)", Secret: true},
		{Name: "HW_REGION_NAME", Description: "Huawei Cloud default region, e.g. ap-southeast-1"},
		{Name: "HW_PROJECT_ID", Description: "Huawei Cloud project ID", Optional: true},
	},
	ProviderOCI: {
		{Name: "OCI_TENANCY_OCID", Alternatives: []string{"TF_VAR_tenancy_ocid"}, Description: "OCI tenancy OCID"},
		{Name: "OCI_USER_OCID", Alternatives: []string{"TF_VAR_user_ocid"}, Description: "OCI user OCID"},
		{Name: "OCI_FINGERPRINT", Alternatives: []string{"TF_VAR_fingerprint"}, Description: "fingerprint of the OCI API signing key"},
		{Name: "OCI_PRIVATE_KEY_PATH", Alternatives: []string{"OCI_PRIVATE_KEY", "TF_VAR_private_key_path", "TF_VAR_private_key"}, Description: "OCI API signing key (path, or the PEM content in OCI_PRIVATE_KEY)", Secret: true},
		{Name: "OCI_PRIVATE_KEY_PASSWORD", Alternatives: []string{"TF_VAR_private_key_password"}, Description: "passphrase of the OCI API signing key", Secret: true, Optional: true},
	},
}

// s3Credentials are passed on (and redacted) when the state lives in S3; the AWS SDK can
// also use profiles or instance roles, so none is required.
var s3Credentials = []CredentialVar{
	{Name: "AWS_ACCESS_KEY_ID", Description: "S3 access key of the state bucket", Secret: true, Optional: true},
	{Name: "AWS_SECRET_ACCESS_KEY", Description: "S3 secret key of the state bucket", Secret: true, Optional: true},
	{Name: "AWS_SESSION_TOKEN", Description: "S3 session token", Secret: true, Optional: true},
	{Name: "AWS_PROFILE", Description: "AWS profile for the state bucket", Optional: true},
}

// CredentialVars returns the environment variables the configuration's provider (and its
// state backend) reads credentials from.
func CredentialVars(cfg *Config) []CredentialVar {
	vars := append([]CredentialVar(nil), providerCredentials[cfg.Provider]...)
	if cfg.State.Backend == StateBackendS3 {
		vars = append(vars, s3Credentials...)
	}
	return vars
}

// Credentials holds credential values in memory, keyed by environment variable. They are
// given to the Terraform process's environment only; Credentials refuses to be marshalled
// and prints as a count, so it cannot end up in a file or a log by accident.
type Credentials struct {
	values map[string]string
	secret map[string]bool
}

// NewCredentials returns empty credentials.
func NewCredentials() *Credentials {
	return &Credentials{values: map[string]string{}, secret: map[string]bool{}}
}

// CredentialsFromEnv collects the configuration's credential variables that are set in
// the environment (lookup is os.LookupEnv when nil).
func CredentialsFromEnv(cfg *Config, lookup func(string) (string, bool)) *Credentials {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	c := NewCredentials()
	for _, v := range CredentialVars(cfg) {
		for _, name := range v.names() {
			if val, ok := lookup(name); ok && val != "" {
				c.Set(name, val, v.Secret)
			}
		}
	}
	return c
}

// Set records a credential; secret values are redacted from every output.
func (c *Credentials) Set(name, value string, secret bool) {
	if c.values == nil {
		c.values, c.secret = map[string]string{}, map[string]bool{}
	}
	c.values[name] = value
	c.secret[name] = secret
}

// Get returns one credential.
func (c *Credentials) Get(name string) (string, bool) {
	if c == nil {
		return "", false
	}
	v, ok := c.values[name]
	return v, ok
}

// Env returns the credentials as environment variables for the Terraform process.
func (c *Credentials) Env() map[string]string {
	out := map[string]string{}
	if c == nil {
		return out
	}
	for k, v := range c.values {
		out[k] = v
	}
	return out
}

// SecretValues returns the values to redact from output.
func (c *Credentials) SecretValues() []string {
	if c == nil {
		return nil
	}
	var out []string
	for k, v := range c.values {
		if c.secret[k] {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// Missing returns the required credential variables of cfg that c lacks, each with its
// description, e.g. "HCLOUD_TOKEN (Hetzner Cloud API token (read & write))".
func (c *Credentials) Missing(cfg *Config) []string {
	var missing []string
	for _, v := range CredentialVars(cfg) {
		if v.Optional {
			continue
		}
		found := false
		for _, name := range v.names() {
			if val, ok := c.Get(name); ok && val != "" {
				found = true
			}
		}
		if !found {
			label := v.Name
			if len(v.Alternatives) > 0 {
				label += " (or " + strings.Join(v.Alternatives, ", ") + ")"
			}
			missing = append(missing, label+": "+v.Description)
		}
	}
	return missing
}

// CheckCredentials returns an error listing every missing credential of cfg.
func CheckCredentials(cfg *Config, c *Credentials) error {
	missing := c.Missing(cfg)
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("missing credentials for provider %s; set them in the environment:\n  %s",
		cfg.Provider, strings.Join(missing, "\n  "))
}

// String never shows a value.
func (c *Credentials) String() string {
	if c == nil {
		return "Credentials{}"
	}
	return fmt.Sprintf("Credentials{%d values, redacted}", len(c.values))
}

// GoString never shows a value either (%#v).
func (c *Credentials) GoString() string { return c.String() }

// MarshalJSON refuses: credentials are never serialized.
func (c *Credentials) MarshalJSON() ([]byte, error) {
	return nil, errors.New("credentials are never serialized")
}

// MarshalText refuses too (YAML, encoding.TextMarshaler users).
func (c *Credentials) MarshalText() ([]byte, error) {
	return nil, errors.New("credentials are never serialized")
}
