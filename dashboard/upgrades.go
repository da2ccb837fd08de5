package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// ---- Progress of a written change

type progressData struct {
	layout
	What   string
	Rows   []progressRow
	Done   bool
	Failed bool
}

type progressRow struct {
	Name, Version, State, Class, Message string
	Done, Failed                         bool
}

func (p *pages) progress(w http.ResponseWriter, r *http.Request) {
	v, err := p.read(r.Context())
	if err != nil {
		p.fail(w, err)
		return
	}
	q := r.URL.Query()
	d := progressData{layout: p.layout(v, "Progress", "components", "/progress?"+q.Encode()), What: q.Get("what"), Done: true}
	var targets []lifecycle.Target
	for _, c := range q["c"] {
		name, version, _ := strings.Cut(c, "@")
		targets = append(targets, lifecycle.Target{Name: name, Version: version})
	}
	for _, name := range q["rm"] {
		targets = append(targets, lifecycle.Target{Name: name, Remove: true})
	}
	for _, t := range targets {
		ts := lifecycle.Evaluate(t, v.Objects[t.Name])
		row := progressRow{Name: t.Name, Version: t.Version, State: ts.State, Done: ts.Done, Class: "h-Progressing"}
		switch {
		case ts.Failed != nil:
			row.Failed, row.Message, row.Class = true, ts.Failed.Message, "h-Failed"
			if obj := v.Objects[t.Name]; obj != nil && obj.Status.FailedVersion == t.Version {
				row.State, row.Class = "rolled back", "h-RolledBack"
				if back := obj.Status.Version; back != "" && back != t.Version {
					row.State = "rolled back to " + back
				}
			}
			d.Failed = true
		case ts.Done:
			row.Class = "h-Healthy"
		}
		d.Done = d.Done && ts.Done
		d.Rows = append(d.Rows, row)
	}
	p.render(w, http.StatusOK, "progress", d)
}

// ---- Upgrades

type upgradesData struct {
	layout
	Upgrades  []upgradeCard
	Failed    []failedRow
	Scheduled []scheduledRow
	HeldBack  []catalog.HeldBack
	Warnings  []string
	Window    string
	Now       string
}

type upgradeCard struct {
	lifecycle.Upgrade
	DisplayName string
	// Preview is the plan the upgrade makes (what else moves), from lifecycle.
	Preview []stepRow
	Error   string
	Seen    string
}

type failedRow struct {
	Component, Failed, Current, Message string
}

type scheduledRow struct {
	Component, From, To string
	At                  time.Time
}

func (p *pages) upgradesData(v *view) upgradesData {
	now := p.s.opts.Now()
	d := upgradesData{layout: p.layout(v, "Upgrades", "upgrades", "/upgrades"), Window: windowText(v.Platform), Now: now.UTC().Format("2006-01-02T15:04")}
	list := lifecycle.ListUpgrades(v.Platform, v.Catalog)
	d.HeldBack, d.Warnings = list.HeldBack, list.Warnings
	for _, u := range list.Available {
		// The preview is lifecycle's plan of this upgrade: the step itself and what else it
		// moves (dependencies first).
		card := upgradeCard{Upgrade: u, DisplayName: displayName(v.Catalog, u.Component), Seen: seen(v.Platform)}
		for _, s := range u.Needs {
			card.Preview = append(card.Preview, stepRow{Action: string(s.Action), Component: s.Component, Version: s.Versions(), Reason: s.Reason})
		}
		card.Preview = append(card.Preview, stepRow{Action: string(catalog.ActionUpgrade), Component: u.Component, Version: u.From + " → " + u.To, Reason: "requested"})
		d.Upgrades = append(d.Upgrades, card)
	}
	for _, s := range v.Components() {
		if s.Object != nil && s.Object.Status.FailedVersion != "" {
			row := failedRow{Component: s.Name, Failed: s.Object.Status.FailedVersion, Current: s.Version}
			for _, a := range v.Platform.Status.Alerts {
				if a.Component == s.Name {
					row.Message = a.Message
				}
			}
			d.Failed = append(d.Failed, row)
		}
		if e := s.Entry; e != nil && e.NotBefore != nil && e.NotBefore.After(now) {
			d.Scheduled = append(d.Scheduled, scheduledRow{Component: s.Name, From: s.Version, To: e.Version, At: e.NotBefore.Time})
		}
	}
	return d
}

func upgradeRequest(name, to string) catalog.Request {
	return catalog.Request{Kind: catalog.Upgrade, Names: []string{name}, Versions: map[string]string{name: to}}
}

// windowText describes the maintenance window ("any time" without one).
func windowText(pl *openovav1alpha1.Platform) string {
	if pl.Spec.Updates == nil || pl.Spec.Updates.MaintenanceWindow == nil {
		return "none (upgrades start right away)"
	}
	mw := pl.Spec.Updates.MaintenanceWindow
	days := "every day"
	if len(mw.Days) > 0 {
		names := make([]string, len(mw.Days))
		for i, d := range mw.Days {
			names[i] = string(d)
		}
		days = strings.Join(names, ", ")
	}
	tz := mw.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	return days + " from " + mw.Start + " for " + mw.Duration.Duration.String() + " (" + tz + ")"
}

func (p *pages) upgrades(w http.ResponseWriter, r *http.Request) {
	v, err := p.read(r.Context())
	if err != nil {
		p.fail(w, err)
		return
	}
	d := p.upgradesData(v)
	if c := r.URL.Query().Get("scheduled"); c != "" {
		d.Flash = &flash{Kind: "ok", Text: "Upgrade of " + c + " scheduled."}
	}
	p.render(w, http.StatusOK, "upgrades", d)
}

// upgrade writes one upgrade, now or at the form's time (the entry's notBefore).
func (p *pages) upgrade(w http.ResponseWriter, r *http.Request) {
	v, ok := p.readForm(w, r)
	if !ok {
		return
	}
	name, to := r.PathValue("name"), r.PostForm.Get("to")
	d := p.upgradesData(v)
	var schedule *metav1.Time
	if r.PostForm.Get("action") == "schedule" {
		at, err := time.ParseInLocation("2006-01-02T15:04", r.PostForm.Get("at"), time.UTC)
		switch {
		case err != nil:
			d.Flash = &flash{Kind: "alert", Text: "Choose when the upgrade of " + name + " may start (a date and time, UTC)."}
		case !at.After(p.s.opts.Now()):
			d.Flash = &flash{Kind: "alert", Text: "The time " + at.Format("2006-01-02 15:04 UTC") + " is not in the future."}
		}
		if d.Flash != nil {
			p.render(w, http.StatusUnprocessableEntity, "upgrades", d)
			return
		}
		schedule = &metav1.Time{Time: at}
	}
	if r.PostForm.Get("seen") != seen(v.Platform) {
		d.Flash = &flash{Kind: "notice", Text: "The platform changed since you looked — review the upgrades again."}
		p.render(w, http.StatusConflict, "upgrades", d)
		return
	}
	ch, err := lifecycle.PlanChange(v.Platform, v.Catalog, upgradeRequest(name, to), schedule)
	if err != nil {
		d.Flash = &flash{Kind: "alert", Text: "Cannot upgrade " + name + " to " + to + ":", Detail: explain(err)}
		p.render(w, http.StatusUnprocessableEntity, "upgrades", d)
		return
	}
	if _, err := lifecycle.Apply(r.Context(), p.s.opts.Client, v.Platform, ch.Desired, lifecycle.ApplyOptions{}); err != nil {
		var changed *lifecycle.ChangedError
		if errors.As(err, &changed) {
			d.Flash = &flash{Kind: "notice", Text: "The platform changed since you looked — review the upgrades again."}
			p.render(w, http.StatusConflict, "upgrades", d)
			return
		}
		d.Flash = &flash{Kind: "alert", Text: "The upgrade was not written:", Detail: inWords(err)}
		p.render(w, http.StatusBadGateway, "upgrades", d)
		return
	}
	if schedule != nil {
		http.Redirect(w, r, "/upgrades?"+url.Values{"scheduled": {name + " to " + to}}.Encode(), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, progressURL("Upgrade "+name+" to "+to, ch), http.StatusSeeOther)
}
