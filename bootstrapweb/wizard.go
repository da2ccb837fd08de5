package bootstrapweb

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/openova-io/core/bootstrap"
	"github.com/openova-io/core/catalog"
)

// The steps, in order.
const (
	stepOrganization = "organization"
	stepProvider     = "provider"
	stepCredentials  = "credentials"
	stepRegions      = "regions"
	stepComponents   = "components"
	stepReview       = "review"
)

var steps = []struct{ id, title string }{
	{stepOrganization, "Organization"},
	{stepProvider, "Cloud provider"},
	{stepCredentials, "Credentials"},
	{stepRegions, "Regions"},
	{stepComponents, "Components"},
	{stepReview, "Review"},
}

func stepIndex(id string) int {
	return slices.IndexFunc(steps, func(s struct{ id, title string }) bool { return s.id == id })
}

// stepFields say which configuration fields (FieldError.Field, by prefix) a step owns: a
// step is accepted when the validation of the whole draft finds nothing wrong with them.
var stepFields = map[string][]string{
	stepOrganization: {"organization.", "workDir"},
	stepProvider:     {"provider", "kubeconfig"},
	stepCredentials:  {"sshKey", "cred.", "token."},
	stepRegions:      {"regions", "nodes."},
	stepComponents:   {"components"},
}

func owns(step, field string) bool {
	for _, p := range stepFields[step] {
		if strings.HasPrefix(field, p) {
			return true
		}
	}
	return false
}

// tokenName is a Terraform host token variable (TF_TOKEN_app_terraform_io): credentials
// for a private module registry or a Terraform Cloud host.
var tokenName = regexp.MustCompile(`^TF_TOKEN_[A-Za-z0-9_]{1,200}$`)

// wizard is the draft: the configuration so far (what --config would read) and the
// credentials typed in, which never leave this struct but for Terraform's environment.
type wizard struct {
	cfg *bootstrap.Config
	// defaultWorkDir: the work directory follows the organization's name.
	defaultWorkDir bool
	lookup         func(string) (string, bool)
	// entered are credential values typed in, by environment variable.
	entered map[string]string
	// tokenName/tokenValue are an optional Terraform host token (TF_TOKEN_<host>).
	tokenName, tokenValue string
	// nodeCount is nodes.count as typed, for the message when it is not a number.
	nodeCount string
	// done are the steps accepted so far.
	done map[string]bool
}

func newWizard(defaults *bootstrap.Config, lookup func(string) (string, bool)) *wizard {
	cfg := bootstrap.NewConfig()
	if defaults != nil {
		c := *defaults
		c.Regions = slices.Clone(defaults.Regions)
		c.Components.Install = slices.Clone(defaults.Components.Install)
		cfg = &c
	}
	if cfg.Provider == "" {
		cfg.Provider = bootstrap.ProviderLocal
	}
	w := &wizard{cfg: cfg, lookup: lookup, entered: map[string]string{}, done: map[string]bool{}}
	w.defaultWorkDir = cfg.WorkDir == "" || cfg.WorkDir == bootstrap.DefaultWorkDir(cfg.Organization.Name)
	return w
}

// config is the draft defaulted, as Run would take it.
func (w *wizard) config() *bootstrap.Config {
	c := *w.cfg
	if w.defaultWorkDir {
		c.WorkDir = ""
	}
	c.Default()
	return &c
}

// fieldErrs are a step's errors by field (input name).
type fieldErrs map[string]string

// validate checks the draft with the configuration's own validation (and, for
// credentials and components, the checks Run and the resolver make) and keeps the errors
// of step ("" for every step).
func (w *wizard) validate(step string, cat *catalog.Catalog) fieldErrs {
	errs := fieldErrs{}
	cfg := w.config()
	var verr *bootstrap.ValidationError
	if err := cfg.Validate(); errors.As(err, &verr) {
		for _, fe := range verr.Errors {
			if step == "" || owns(step, fe.Field) {
				if _, dup := errs[fe.Field]; !dup {
					errs[fe.Field] = fe.Message
				}
			}
		}
	}
	if _, err := strconv.Atoi(w.nodeCount); w.nodeCount != "" && err != nil && (step == "" || step == stepRegions) {
		errs["nodes.count"] = fmt.Sprintf("%q is not a number", w.nodeCount)
	}
	if step == "" || step == stepCredentials {
		for name, msg := range w.credentialErrors(cfg) {
			errs[name] = msg
		}
	}
	if (step == "" || step == stepComponents) && !hasPrefix(errs, "components") {
		if _, err := bootstrap.ComponentSet(cat, cfg); err != nil {
			errs["components"] = err.Error()
		}
	}
	return errs
}

func hasPrefix(errs fieldErrs, prefix string) bool {
	for k := range errs {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// credentialErrors names the required credentials neither typed in nor in the
// environment (what CheckCredentials refuses), and a malformed host token.
func (w *wizard) credentialErrors(cfg *bootstrap.Config) fieldErrs {
	errs := fieldErrs{}
	creds := w.credentials(cfg)
	for _, v := range bootstrap.CredentialVars(cfg) {
		if v.Optional {
			continue
		}
		found := false
		for _, n := range append([]string{v.Name}, v.Alternatives...) {
			if val, ok := creds.Get(n); ok && val != "" {
				found = true
			}
		}
		if !found {
			errs["cred."+v.Name] = "required: " + v.Description
		}
	}
	switch {
	case w.tokenName != "" && !tokenName.MatchString(w.tokenName):
		errs["token.name"] = fmt.Sprintf("%q is not a Terraform host token variable: TF_TOKEN_ followed by the host name with '.' as '_' (TF_TOKEN_app_terraform_io)", w.tokenName)
	case w.tokenName != "" && w.tokenValue == "":
		errs["token.value"] = "required with a token variable"
	case w.tokenName == "" && w.tokenValue != "":
		errs["token.name"] = "required with a token value: which host is it for?"
	}
	return errs
}

// credentials are the environment's credentials with the typed-in ones on top: what
// Terraform's environment gets.
func (w *wizard) credentials(cfg *bootstrap.Config) *bootstrap.Credentials {
	creds := bootstrap.CredentialsFromEnv(cfg, w.lookup)
	for _, v := range bootstrap.CredentialVars(cfg) {
		if val := w.entered[v.Name]; val != "" {
			creds.Set(v.Name, val, v.Secret)
		}
	}
	if w.tokenName != "" && w.tokenValue != "" {
		creds.Set(w.tokenName, w.tokenValue, true)
	}
	return creds
}

// inEnv reports whether a credential variable (or an alternative) is set in the environment.
func (w *wizard) inEnv(v bootstrap.CredentialVar) bool {
	for _, n := range append([]string{v.Name}, v.Alternatives...) {
		if val, ok := w.lookup(n); ok && val != "" {
			return true
		}
	}
	return false
}

// apply copies a step's form into the draft.
func (w *wizard) apply(step string, form url.Values, cat *catalog.Catalog) {
	c := w.cfg
	switch step {
	case stepOrganization:
		c.Organization.Name = strings.TrimSpace(form.Get("organization.name"))
		c.Organization.Domain = strings.TrimSpace(form.Get("organization.domain"))
	case stepProvider:
		p := bootstrap.Provider(form.Get("provider"))
		if p != c.Provider {
			// Settings and credentials belong to a provider; regions' names too.
			c.ProviderSettings = nil
			c.Regions = nil
			clear(w.entered)
			w.done[stepCredentials], w.done[stepRegions] = false, false
		}
		c.Provider = p
		for _, k := range bootstrap.ProviderSettingsAsked(p) {
			if v := strings.TrimSpace(form.Get("providerSettings[" + k + "]")); v != "" {
				if c.ProviderSettings == nil {
					c.ProviderSettings = map[string]string{}
				}
				c.ProviderSettings[k] = v
			} else {
				delete(c.ProviderSettings, k)
			}
		}
		c.Kubeconfig = ""
		if p == bootstrap.ProviderExisting {
			c.Kubeconfig = strings.TrimSpace(form.Get("kubeconfig"))
		}
	case stepCredentials:
		cfg := w.config()
		for _, v := range bootstrap.CredentialVars(cfg) {
			// An empty field keeps what was typed before: values are never sent back to
			// the page, so the field is always empty when shown again.
			if val := form.Get("cred." + v.Name); val != "" {
				w.entered[v.Name] = val
			}
		}
		w.tokenName = strings.TrimSpace(form.Get("token.name"))
		if val := form.Get("token.value"); val != "" {
			w.tokenValue = val
		}
		if w.tokenName == "" && form.Get("token.value") == "" {
			w.tokenValue = ""
		}
		if c.Provider.Cloud() || form.Has("sshKey") {
			c.SSHKey = strings.TrimSpace(form.Get("sshKey"))
		}
	case stepRegions:
		n := 1
		if form.Get("two") == "on" {
			n = 2
		}
		primary, _ := strconv.Atoi(form.Get("primary"))
		c.Regions = nil
		for i := range n {
			r := bootstrap.Region{Name: strings.TrimSpace(form.Get(fmt.Sprintf("regions[%d].name", i))), Role: bootstrap.RoleStandby}
			if i == primary || n == 1 {
				r.Role = bootstrap.RolePrimary
			}
			if c.Provider == bootstrap.ProviderExisting {
				r.Context = strings.TrimSpace(form.Get(fmt.Sprintf("regions[%d].context", i)))
			}
			c.Regions = append(c.Regions, r)
		}
		c.Nodes.Count = 0
		w.nodeCount = strings.TrimSpace(form.Get("nodes.count"))
		if s := w.nodeCount; s != "" {
			if n, err := strconv.Atoi(s); err == nil {
				c.Nodes.Count = n
			} else {
				c.Nodes.Count = -1
			}
		}
		c.Nodes.Size = strings.TrimSpace(form.Get("nodes.size"))
	case stepComponents:
		c.Components.Install = nil
		for _, name := range form["component"] {
			if comp, ok := cat.Component(name); ok && comp.Category == catalog.CategoryMandatory {
				continue
			}
			c.Components.Install = append(c.Components.Install, bootstrap.ComponentRequest{Name: name, With: form["with."+name]})
		}
	}
}

// next is the first step after step that is not done yet, or review.
func (w *wizard) next(step string) string {
	for _, s := range steps[stepIndex(step)+1:] {
		if !w.done[s.id] {
			return s.id
		}
	}
	return stepReview
}

// reachable: a step can be shown once every step before it was accepted.
func (w *wizard) reachable(step string) bool {
	for _, s := range steps[:stepIndex(step)] {
		if !w.done[s.id] {
			return false
		}
	}
	return true
}
