package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// installDialog is the Install dialog over the Components page: the resolver's plan for
// installing one component, in words.
type installDialog struct {
	Name, DisplayName, Description, Category string
	// Version is the version the plan installs; Versions what the catalog offers; Pinned the
	// one chosen ("" lets the resolver pick the newest that fits).
	Version  string
	Versions []string
	Pinned   string
	Required []member
	Optional []member
	Steps    []stepRow
	Summary  string
	// Error is the resolver's explanation when the choice cannot be installed.
	Error string
	// Changed: the platform changed since the form was made; the plan is the new one.
	Changed bool
	// WriteError is a failed write's message.
	WriteError string
	Seen       string
	CSRF       string
	Close      string
}

type member struct {
	Name, DisplayName, Description string
	Version                        string
	// State is "will be installed", "already installed", "will be upgraded from 1.0.0", …
	State   string
	Checked bool
	// Installed members keep their version here (an upgrade is the Upgrades page's job).
	Installed bool
	Versions  []string
	Pinned    string
}

type stepRow struct{ Action, Component, Version, Reason string }

// installRequest reads the dialog's choices: ?version=, with=NAME (repeatable) and
// v-NAME=VERSION for the members' versions.
func installRequest(name string, form url.Values) catalog.Request {
	req := catalog.Request{Kind: catalog.Install, Names: []string{name}, Versions: map[string]string{}}
	if v := form.Get("version"); v != "" {
		req.Versions[name] = v
	}
	for _, m := range form["with"] {
		if m == "" || m == name {
			continue
		}
		req.With = append(req.With, m)
		if v := form.Get("v-" + m); v != "" {
			req.Versions[m] = v
		}
	}
	return req
}

// dialog plans the request through lifecycle and describes the plan.
func (p *pages) dialog(v *view, name string, form url.Values) (*installDialog, *lifecycle.Change) {
	comp, ok := v.Catalog.Component(name)
	if !ok {
		return &installDialog{Name: name, Error: name + " is not in the catalog (" + v.Catalog.Source() + ")", Close: "/components?f=1"}, nil
	}
	req := installRequest(name, form)
	d := &installDialog{Name: name, DisplayName: comp.DisplayName, Description: comp.Description, Category: string(comp.Category),
		Pinned: req.Versions[name], Seen: seen(v.Platform), CSRF: p.s.secrets.csrf, Close: "/components?f=1"}
	for i := range comp.Versions {
		if !comp.Versions[i].Prerelease() {
			d.Versions = append(d.Versions, comp.Versions[i].Version)
		}
	}
	ch, err := lifecycle.PlanChange(v.Platform, v.Catalog, req, nil)
	if err != nil {
		d.Error = explain(err)
	}
	version := d.Pinned
	if ch != nil {
		version = ch.DesiredVersion(name)
	}
	if version == "" {
		if n := comp.Newest(false); n != nil {
			version = n.Version
		}
	}
	d.Version = version
	cv, ok := comp.Version(version)
	if !ok {
		return d, ch
	}
	state := func(member string) string {
		if ch == nil {
			if _, ok := v.Entry(member); ok {
				return "installed"
			}
			return ""
		}
		for _, s := range ch.Plan.Steps {
			if s.Component != member {
				continue
			}
			switch s.Action {
			case catalog.ActionInstall:
				return "will be installed"
			case catalog.ActionUpgrade:
				return "will be upgraded from " + s.From
			case catalog.ActionDowngrade:
				return "will be downgraded from " + s.From
			case catalog.ActionRemove:
				return "will be removed"
			}
		}
		return "already installed"
	}
	memberVersion := func(m string) string {
		if ch != nil {
			if dv := ch.DesiredVersion(m); dv != "" {
				return dv
			}
		}
		if st, ok := v.Entry(m); ok {
			return st.DesiredVersion
		}
		return ""
	}
	for _, r := range cv.Requires {
		d.Required = append(d.Required, member{Name: r.Name, DisplayName: displayName(v.Catalog, r.Name), Version: memberVersion(r.Name), State: state(r.Name)})
	}
	with := map[string]bool{}
	for _, m := range req.With {
		with[m] = true
	}
	for _, o := range cv.Optional {
		m := member{Name: o.Name, DisplayName: displayName(v.Catalog, o.Name), Description: o.Description, Pinned: req.Versions[o.Name],
			Versions: matching(v.Catalog, o.Name, o.Constraint)}
		_, installed := v.Entry(o.Name)
		m.Checked, m.Installed = with[o.Name] || installed, installed
		if m.Checked {
			m.Version, m.State = memberVersion(o.Name), state(o.Name)
		} else if len(m.Versions) > 0 {
			m.Version = m.Versions[0]
		}
		d.Optional = append(d.Optional, m)
	}
	if ch != nil {
		n := map[catalog.Action]int{}
		for _, s := range ch.Plan.Steps {
			n[s.Action]++
			d.Steps = append(d.Steps, stepRow{Action: string(s.Action), Component: s.Component, Version: s.Versions(), Reason: s.Reason})
		}
		switch {
		case !ch.Changed():
			d.Summary = "Nothing to do: the platform already has what was asked for."
		default:
			d.Summary = summary(n)
		}
	}
	return d, ch
}

func summary(n map[catalog.Action]int) string {
	parts := []string{strconv.Itoa(n[catalog.ActionInstall]) + " to install", strconv.Itoa(n[catalog.ActionUpgrade]) + " to upgrade"}
	if n[catalog.ActionDowngrade] > 0 {
		parts = append(parts, strconv.Itoa(n[catalog.ActionDowngrade])+" to downgrade")
	}
	parts = append(parts, strconv.Itoa(n[catalog.ActionRemove])+" to remove")
	return "Plan: " + strings.Join(parts, ", ") + "."
}

// matching lists the stable versions of name that constraint accepts, newest first.
func matching(cat *catalog.Catalog, name, constraint string) []string {
	comp, ok := cat.Component(name)
	if !ok {
		return nil
	}
	cons, err := semver.NewConstraint(constraint)
	if err != nil {
		return nil
	}
	var out []string
	for i := range comp.Versions {
		if v := &comp.Versions[i]; !v.Prerelease() && cons.Check(v.Semver()) {
			out = append(out, v.Version)
		}
	}
	return out
}

// explain is an error in the words the CLI uses.
func explain(err error) string {
	var conflict *catalog.ConflictError
	if errors.As(err, &conflict) {
		return conflict.Error()
	}
	return inWords(err)
}

// inWords is a write's error as the page shows it: the CLI's words, without what only the
// CLI can do (--force-conflicts).
func inWords(err error) string {
	var conflict *lifecycle.ConflictError
	if errors.As(err, &conflict) {
		return conflict.Err.Error()
	}
	return err.Error()
}

func (p *pages) installDialog(w http.ResponseWriter, r *http.Request) {
	v, err := p.read(r.Context())
	if err != nil {
		p.fail(w, err)
		return
	}
	d := p.componentsData(v, r)
	d.Dialog, _ = p.dialog(v, r.PathValue("name"), r.URL.Query())
	d.Self = ""
	p.render(w, http.StatusOK, "components", d)
}

// install writes the dialog's plan: the plan is made again from the current platform; when
// spec.components is no longer what the dialog showed, or another client writes it before
// the server-side apply lands, nothing is written and the dialog shows the new plan.
func (p *pages) install(w http.ResponseWriter, r *http.Request) {
	v, ok := p.readForm(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	d := p.componentsData(v, r)
	d.Self = ""
	dialog, ch := p.dialog(v, name, r.PostForm)
	d.Dialog = dialog
	switch {
	case r.PostForm.Get("seen") != seen(v.Platform):
		dialog.Changed = true
		p.render(w, http.StatusConflict, "components", d)
		return
	case ch == nil:
		p.render(w, http.StatusUnprocessableEntity, "components", d)
		return
	case !ch.Changed():
		http.Redirect(w, r, "/components", http.StatusSeeOther)
		return
	}
	if _, err := lifecycle.Apply(r.Context(), p.s.opts.Client, v.Platform, ch.Desired, lifecycle.ApplyOptions{}); err != nil {
		var changed *lifecycle.ChangedError
		if errors.As(err, &changed) {
			// The dialog's plan is stale: show the one made from the platform as it is now.
			if fresh, rerr := p.fresh(r, v); rerr == nil {
				d.Dialog, _ = p.dialog(fresh, name, r.PostForm)
			}
			d.Dialog.Changed = true
			p.render(w, http.StatusConflict, "components", d)
			return
		}
		dialog.WriteError = inWords(err)
		p.render(w, http.StatusBadGateway, "components", d)
		return
	}
	http.Redirect(w, r, progressURL("Install "+name, ch), http.StatusSeeOther)
}

// fresh reads the platform again after a refused write: straight from the API server
// through lifecycle, since the watch may not have seen the other write yet.
func (p *pages) fresh(r *http.Request, v *view) (*view, error) {
	lv, err := lifecycle.Read(r.Context(), p.s.opts.Client, lifecycle.Selector{Namespace: v.Platform.Namespace, Platform: v.Platform.Name}, lifecycle.ReadOptions{})
	if err != nil {
		return nil, err
	}
	lv.Catalog = v.Catalog
	return &view{View: lv, state: v.state}, nil
}

// progressURL is the progress page of a written change: its targets in the query.
func progressURL(what string, ch *lifecycle.Change) string {
	q := url.Values{"what": {what}}
	for _, t := range lifecycle.Targets(ch.Plan) {
		if t.Remove {
			q.Add("rm", t.Name)
		} else {
			q.Add("c", t.Name+"@"+t.Version)
		}
	}
	return "/progress?" + q.Encode()
}
