package bootstrapweb

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"

	"github.com/openova-io/core/bootstrap"
	"github.com/openova-io/core/catalog"
)

// stepData is what a step's page shows.
type stepData struct {
	layout
	Step   string
	Errors fieldErrs
	// Other are errors of the step for fields the page has no input for.
	Other []string
	shown []string
	Cfg   *bootstrap.Config

	Providers []providerRow
	Settings  []settingRow

	Creds     []credRow
	TokenName string
	TokenSet  bool
	NeedSSH   bool

	Suggestions []string
	Two         bool
	Primary     int
	Regions     [2]bootstrap.Region
	Existing    bool
	NodeCount   string

	Sections   []compSection
	Plan       []planRow
	PlanError  string
	PlanCounts string

	YAML      string
	Resumable string
	Result    *planView
	Next      string
	Back      string
}

type providerRow struct {
	Name, Description string
	Checked           bool
}

type settingRow struct{ Key, Value string }

type credRow struct {
	Name, Description       string
	Secret, Optional, InEnv bool
	Entered                 bool
	Alternatives            []string
}

type compSection struct {
	ID, Title string
	Rows      []compRow
}

type compRow struct {
	Name, DisplayName, Description, Version string
	Mandatory, Checked                      bool
	Members                                 []memberRow
}

type memberRow struct {
	Name, DisplayName, Description string
	Checked                        bool
}

type planRow struct{ Action, Component, Version, Reason string }

// planView is the outcome of Plan: Terraform's summary line and its full text.
type planView struct {
	Summary, Text, Error string
}

// otherErrors are the errors whose field has no input on the page, sorted.
func (d *stepData) otherErrors() []string {
	var out []string
	for f, msg := range d.Errors {
		if !slices.Contains(d.shown, f) {
			out = append(out, f+": "+msg)
		}
	}
	sort.Strings(out)
	return out
}

// stepData builds a step's page from the draft; called with s.mu held.
func (p *pages) stepData(id string, errs fieldErrs) *stepData {
	wiz := p.s.wiz
	cfg := wiz.config()
	i := stepIndex(id)
	d := &stepData{layout: p.layout(steps[i].title, id), Step: id, Errors: errs, Cfg: cfg}
	if i > 0 {
		d.Back = "/step/" + steps[i-1].id
	}
	switch id {
	case stepOrganization:
		d.shown = []string{"organization.name", "organization.domain"}
	case stepProvider:
		d.shown = []string{"provider", "kubeconfig"}
		for _, pr := range bootstrap.Providers {
			d.Providers = append(d.Providers, providerRow{Name: string(pr), Description: bootstrap.ProviderDescription(pr), Checked: pr == cfg.Provider})
		}
		for _, k := range bootstrap.ProviderSettingsAsked(cfg.Provider) {
			d.Settings = append(d.Settings, settingRow{Key: k, Value: cfg.ProviderSettings[k]})
			d.shown = append(d.shown, "providerSettings["+k+"]")
		}
		d.Existing = cfg.Provider == bootstrap.ProviderExisting
	case stepCredentials:
		d.shown = []string{"token.name", "token.value", "sshKey"}
		for _, v := range bootstrap.CredentialVars(cfg) {
			d.Creds = append(d.Creds, credRow{Name: v.Name, Description: v.Description, Secret: v.Secret, Optional: v.Optional,
				InEnv: wiz.inEnv(v), Entered: wiz.entered[v.Name] != "", Alternatives: v.Alternatives})
			d.shown = append(d.shown, "cred."+v.Name)
		}
		d.TokenName, d.TokenSet = wiz.tokenName, wiz.tokenValue != ""
		d.NeedSSH = cfg.Provider.Cloud()
	case stepRegions:
		d.Suggestions = bootstrap.RegionSuggestions(cfg.Provider)
		d.Existing = cfg.Provider == bootstrap.ProviderExisting
		d.Two = len(cfg.Regions) == 2
		for i, r := range cfg.Regions {
			if i < 2 {
				d.Regions[i] = r
				if r.Role == bootstrap.RolePrimary {
					d.Primary = i
				}
			}
		}
		if d.Regions[0].Name == "" && len(d.Suggestions) > 0 && errs["regions[0].name"] == "" {
			d.Regions[0].Name = d.Suggestions[0]
		}
		d.NodeCount = strconv.Itoa(cfg.Nodes.Count)
		if wiz.nodeCount != "" {
			d.NodeCount = wiz.nodeCount
		}
		d.shown = []string{"regions", "regions[0].name", "regions[1].name", "regions[0].context", "regions[1].context",
			"regions[0].role", "regions[1].role", "nodes.count", "nodes.size"}
	case stepComponents:
		p.components(d, cfg)
		d.shown = []string{"components"}
	case stepReview:
		if data, err := cfg.Marshal(); err == nil {
			d.YAML = string(data)
		}
		d.Resumable = resumable(cfg)
		d.Result = p.s.lastPlan
	}
	d.Other = d.otherErrors()
	return d
}

// components fills the Components step: every catalog entry by category, the chosen
// ones' optional members with what they are, and the resolver's plan for the choice.
func (p *pages) components(d *stepData, cfg *bootstrap.Config) {
	cat := p.s.opts.Catalog
	chosen := map[string][]string{}
	for _, c := range cfg.Components.Install {
		chosen[c.Name] = c.With
	}
	for _, sec := range []struct {
		cat       catalog.Category
		id, title string
	}{
		{catalog.CategoryMandatory, "mandatory", "Mandatory (always installed)"},
		{catalog.CategoryALaCarte, "a-la-carte", "À la carte"},
		{catalog.CategoryMetaPlatform, "meta-platforms", "Meta-platforms"},
	} {
		s := compSection{ID: sec.id, Title: sec.title}
		for _, comp := range cat.Components() {
			if comp.Category != sec.cat {
				continue
			}
			with, checked := chosen[comp.Name]
			row := compRow{Name: comp.Name, DisplayName: comp.DisplayName, Description: comp.Description,
				Mandatory: comp.Category == catalog.CategoryMandatory}
			row.Checked = checked || row.Mandatory
			if v := comp.Newest(false); v != nil {
				row.Version = v.Version
				if row.Checked {
					for _, o := range v.Optional {
						row.Members = append(row.Members, memberRow{Name: o.Name, DisplayName: displayName(cat, o.Name),
							Description: o.Description, Checked: slices.Contains(with, o.Name)})
					}
				}
			}
			s.Rows = append(s.Rows, row)
		}
		sort.SliceStable(s.Rows, func(i, j int) bool { return s.Rows[i].Name < s.Rows[j].Name })
		d.Sections = append(d.Sections, s)
	}
	// The plan is the one bootstrap installs.
	plan, err := bootstrap.ComponentPlan(cat, cfg)
	if err != nil {
		d.PlanError = err.Error()
		return
	}
	for _, s := range plan.Steps {
		d.Plan = append(d.Plan, planRow{Action: string(s.Action), Component: s.Component, Version: s.To, Reason: s.Reason})
	}
	d.PlanCounts = fmt.Sprintf("Plan: %d components to install.", len(plan.Steps))
}

func displayName(cat *catalog.Catalog, name string) string {
	if c, ok := cat.Component(name); ok && c.DisplayName != "" {
		return c.DisplayName
	}
	return name
}

// previewComponents re-renders the Components step for the choice so far (htmx, on every
// change): the plan and the optional members follow the ticks.
func (p *pages) previewComponents(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if p.s.run != nil {
		http.Redirect(w, r, "/run", http.StatusSeeOther)
		return
	}
	p.s.wiz.apply(stepComponents, r.PostForm, p.s.opts.Catalog)
	p.s.wiz.done[stepComponents] = false
	p.render(w, http.StatusOK, "step", p.stepData(stepComponents, fieldErrs{}))
}
