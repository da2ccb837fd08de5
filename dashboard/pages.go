package dashboard

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// pages renders the dashboard's pages from the watch's cache and the catalog.
type pages struct {
	s     *Server
	tmpls map[string]*template.Template

	catMu  sync.Mutex
	cat    *catalog.Catalog
	catKey string
}

var pageNames = []string{"dashboard", "components", "progress", "upgrades", "settings"}

func newPages(s *Server) (*pages, error) {
	p := &pages{s: s, tmpls: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"healthClass": func(h string) string {
			if h == "" {
				return "h-Unknown"
			}
			return "h-" + strings.ReplaceAll(h, " ", "")
		},
		"join": strings.Join,
		"ago": func(t time.Time) string {
			return duration.HumanDuration(s.opts.Now().Sub(t))
		},
		"utc": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		p.tmpls[name] = t
	}
	return p, nil
}

// layout is what every page shows around its content.
type layout struct {
	Title     string
	Active    string
	CSRF      string
	Platform  string
	Namespace string
	Context   string
	Domain    string
	// Self is the page's own address, which its live parts re-render from.
	Self string
	// Flash is a message about what the last action did.
	Flash *flash
	// Revision is the watch's revision the page was rendered at: a change the page's event
	// stream missed while the page loaded makes it re-render at once (app.js).
	Revision uint64
}

type flash struct {
	// Kind is ok, notice or alert.
	Kind string
	Text string
	// Detail is shown preformatted (a resolver explanation).
	Detail string
}

// view is one moment of the platform for a page: the watch's snapshot as lifecycle's View,
// with the catalog.
type view struct {
	*lifecycle.View
	state *State
}

// read takes a snapshot from the watch and adds the catalog.
func (p *pages) read(ctx context.Context) (*view, error) {
	st, err := p.s.opts.Watch.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := p.catalog(ctx, st.Platform, false)
	if err != nil {
		return nil, err
	}
	return &view{View: &lifecycle.View{Platform: st.Platform, Objects: st.Components, Catalog: cat}, state: st}, nil
}

// catalog returns the platform's catalog (the --catalog override, else spec.catalog, else
// the built-in one), loaded through lifecycle once per source and kept; reload loads it
// again (check for updates now).
func (p *pages) catalog(ctx context.Context, pl *openovav1alpha1.Platform, reload bool) (*catalog.Catalog, error) {
	key := p.s.opts.Catalog
	if key == "" && pl.Spec.Catalog != nil {
		key = pl.Spec.Catalog.URL
	}
	p.catMu.Lock()
	defer p.catMu.Unlock()
	if p.cat != nil && p.catKey == key && !reload {
		return p.cat, nil
	}
	cat, err := lifecycle.CatalogFor(ctx, p.s.opts.Catalog, pl)
	if err != nil {
		return nil, err
	}
	p.cat, p.catKey = cat, key
	return cat, nil
}

func (p *pages) layout(v *view, title, active, self string) layout {
	l := layout{Title: title, Active: active, CSRF: p.s.secrets.csrf, Context: p.s.opts.Context, Self: self}
	if v != nil {
		l.Platform, l.Namespace, l.Domain = v.Platform.Name, v.Platform.Namespace, v.Platform.Spec.Organization.Domain
		if v.state != nil {
			l.Revision = v.state.Revision
		}
	}
	return l
}

// readForm parses a POST's form and takes a snapshot of the platform, answering the
// request itself (400, or the error page) when either fails.
func (p *pages) readForm(w http.ResponseWriter, r *http.Request) (*view, bool) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return nil, false
	}
	v, err := p.read(r.Context())
	if err != nil {
		p.fail(w, err)
		return nil, false
	}
	return v, true
}

// render writes a page; a template error is a 500 with no detail for the browser.
func (p *pages) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := p.tmpls[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		fmt.Fprintf(os.Stderr, "dashboard: render %s: %v\n", name, err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail renders an error page (the platform cannot be read).
func (p *pages) fail(w http.ResponseWriter, err error) {
	data := struct {
		layout
		Error string
	}{layout: p.layout(nil, "Error", "", "/"), Error: err.Error()}
	data.Flash = &flash{Kind: "alert", Text: "The platform cannot be shown", Detail: err.Error()}
	p.render(w, http.StatusServiceUnavailable, "dashboard", data)
}

// seen is a digest of spec.components: the form of a change carries the one its plan was
// made from, so a write after someone else changed the platform is refused ("changed since
// you looked") instead of applying a plan the user did not see.
func seen(pl *openovav1alpha1.Platform) string {
	h := sha256.New()
	for _, e := range pl.Spec.Components {
		nb := ""
		if e.NotBefore != nil {
			nb = e.NotBefore.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(h, "%s@%s|%s|%t|%s\n", e.Name, e.Version, e.Reason, e.IsEnabled(), nb)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ---- Dashboard

type dashboardData struct {
	layout
	Phase      string
	Message    string
	Reconciled bool
	Health     lifecycle.Health
	Upgrades   int
	Alerts     []alertRow
	Links      []linkRow
	Regions    []regionRow
	LastCheck  *time.Time
	Error      string
}

type alertRow struct {
	Component, Version, Region, Reason, Message string
	Since                                       *time.Time
}

// regionRow is one region of a two-region platform, as the CLI's REGIONS section shows it:
// how many of the components placed there are Healthy at their version, and why not.
type regionRow struct {
	Name, Role, Context string
	Healthy, Components int32
	Percent             int32
	Problem             string
}

// regionRows are the platform's regions, the primary first; nil for one region.
func regionRows(v *view) []regionRow {
	var out []regionRow
	for _, rs := range v.RegionStates() {
		row := regionRow{Name: rs.Name, Role: string(rs.Role), Healthy: rs.HealthyCount, Components: rs.ComponentCount,
			Percent: rs.HealthPercent, Problem: rs.Problem()}
		for _, r := range v.Platform.Spec.Regions {
			if r.Name == rs.Name {
				row.Context = r.Context
			}
		}
		if rs.ComponentCount == 0 && rs.Reported && rs.Reachable {
			row.Percent = 100
		}
		out = append(out, row)
	}
	return out
}

type linkRow struct{ Component, DisplayName, URL string }

func (p *pages) dashboard(w http.ResponseWriter, r *http.Request) {
	v, err := p.read(r.Context())
	if err != nil {
		p.fail(w, err)
		return
	}
	st := v.Platform.Status
	d := dashboardData{layout: p.layout(v, "Dashboard", "dashboard", "/"), Phase: st.Phase, Reconciled: v.Reconciled(),
		Health: v.Health(), Regions: regionRows(v)}
	if d.Phase == "" {
		d.Phase = "Unknown"
	}
	for _, c := range st.Conditions {
		if c.Type == openovav1alpha1.ReadyCondition {
			d.Message = c.Message
		}
	}
	if st.LastUpdateCheck != nil {
		t := st.LastUpdateCheck.Time
		d.LastCheck = &t
	}
	d.Upgrades = len(lifecycle.ListUpgrades(v.Platform, v.Catalog).Available)
	d.Alerts = alerts(v)
	for _, s := range v.Components() {
		for _, u := range s.Endpoints {
			d.Links = append(d.Links, linkRow{Component: s.Name, DisplayName: displayName(v.Catalog, s.Name), URL: u})
		}
	}
	p.render(w, http.StatusOK, "dashboard", d)
}

// alerts are the Platform's alerts, each with its component's version (the failed one
// for a rolled-back upgrade).
func alerts(v *view) []alertRow {
	var out []alertRow
	for _, a := range v.Platform.Status.Alerts {
		row := alertRow{Component: a.Component, Region: a.Region, Reason: a.Reason, Message: a.Message}
		if a.Since != nil {
			t := a.Since.Time
			row.Since = &t
		}
		if s, ok := v.Entry(a.Component); ok {
			row.Version = s.DesiredVersion
			if s.Object != nil && s.Object.Status.FailedVersion != "" {
				row.Version = s.Object.Status.FailedVersion
			}
		}
		if row.Component == "" {
			row.Component = "platform"
		}
		out = append(out, row)
	}
	return out
}

func displayName(cat *catalog.Catalog, name string) string {
	if c, ok := cat.Component(name); ok && c.DisplayName != "" {
		return c.DisplayName
	}
	return name
}

// ---- Components

type componentsData struct {
	layout
	InstalledOnly bool
	Sections      []section
	Dialog        *installDialog
}

type section struct {
	ID, Title string
	Rows      []componentRow
}

type componentRow struct {
	Name, DisplayName, Description string
	Installed, Enabled             bool
	Version, Desired               string
	Health                         string
	Upgrade                        string
	Newest                         string
	Reason                         string
}

var sectionTitles = []struct {
	cat   catalog.Category
	id    string
	title string
}{
	{catalog.CategoryMandatory, "mandatory", "Mandatory"},
	{catalog.CategoryALaCarte, "a-la-carte", "À la carte"},
	{catalog.CategoryMetaPlatform, "meta-platforms", "Meta-platforms"},
}

func installedOnly(r *http.Request) bool {
	q := r.URL.Query()
	return q.Get("f") == "" || q.Get("show") == "installed"
}

func (p *pages) componentsData(v *view, r *http.Request) componentsData {
	only := installedOnly(r)
	self := "/components"
	if !only {
		self = "/components?f=1"
	}
	d := componentsData{layout: p.layout(v, "Components", "components", self), InstalledOnly: only}
	for _, sec := range sectionTitles {
		s := section{ID: sec.id, Title: sec.title}
		for _, comp := range v.Catalog.Components() {
			if comp.Category != sec.cat {
				continue
			}
			row := componentRow{Name: comp.Name, DisplayName: comp.DisplayName, Description: comp.Description}
			if n := comp.Newest(false); n != nil {
				row.Newest = n.Version
			}
			if st, ok := v.Entry(comp.Name); ok {
				row.Installed, row.Enabled = true, st.Entry.IsEnabled()
				row.Version, row.Health, row.Upgrade = st.Version, st.Health, st.AvailableUpgrade
				if st.DesiredVersion != st.Version {
					row.Desired = st.DesiredVersion
				}
				row.Reason = st.Entry.Reason
				if row.Reason == "" {
					row.Reason = catalog.ReasonRequested
				}
			} else if only {
				continue
			}
			s.Rows = append(s.Rows, row)
		}
		sort.SliceStable(s.Rows, func(i, j int) bool { return s.Rows[i].Name < s.Rows[j].Name })
		d.Sections = append(d.Sections, s)
	}
	return d
}

func (p *pages) components(w http.ResponseWriter, r *http.Request) {
	v, err := p.read(r.Context())
	if err != nil {
		p.fail(w, err)
		return
	}
	p.render(w, http.StatusOK, "components", p.componentsData(v, r))
}
