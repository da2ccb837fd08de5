package dashboard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/lifecycle"
)

// The settings are the Platform's spec.catalog and spec.updates. They are written with
// lifecycle.ApplySettings, one server-side apply as the CLI's writes (field manager
// kubectl-openova, the resourceVersion of a fresh read), after checking that those two
// fields are still what the form showed: a concurrent change of the settings is refused
// ("changed since you looked"), a concurrent change of anything else is not lost.

type settingsData struct {
	layout
	CatalogURL     string
	CatalogInUse   string
	Override       string
	Interval       string
	WindowStart    string
	WindowDuration string
	WindowZone     string
	Days           []dayBox
	LastCheck      *time.Time
	Checking       bool
	Seen           string
	Errors         []string
}

type dayBox struct {
	Name    string
	Checked bool
}

var weekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

func settingsSeen(pl *openovav1alpha1.Platform) string {
	b, _ := json.Marshal([]any{pl.Spec.Catalog, pl.Spec.Updates})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func (p *pages) settingsData(v *view) settingsData {
	pl := v.Platform
	d := settingsData{layout: p.layout(v, "Settings", "settings", "/settings"), CatalogInUse: v.Catalog.Source(), Override: p.s.opts.Catalog, Seen: settingsSeen(pl)}
	if pl.Spec.Catalog != nil {
		d.CatalogURL = pl.Spec.Catalog.URL
	}
	checked := map[string]bool{}
	if u := pl.Spec.Updates; u != nil {
		if u.CheckInterval != nil {
			d.Interval = u.CheckInterval.Duration.String()
		}
		if mw := u.MaintenanceWindow; mw != nil {
			d.WindowStart, d.WindowDuration, d.WindowZone = mw.Start, mw.Duration.Duration.String(), mw.TimeZone
			for _, day := range mw.Days {
				checked[string(day)] = true
			}
		}
	}
	for _, day := range weekdays {
		d.Days = append(d.Days, dayBox{Name: day, Checked: checked[day]})
	}
	if pl.Status.LastUpdateCheck != nil {
		t := pl.Status.LastUpdateCheck.Time
		d.LastCheck = &t
	}
	ann := pl.Annotations[openovav1alpha1.RefreshAnnotation]
	d.Checking = ann != "" && ann != pl.Status.LastHandledRefresh
	return d
}

func (p *pages) settings(w http.ResponseWriter, r *http.Request) {
	v, err := p.read(r.Context())
	if err != nil {
		p.fail(w, err)
		return
	}
	d := p.settingsData(v)
	switch r.URL.Query().Get("done") {
	case "saved":
		d.Flash = &flash{Kind: "ok", Text: "Settings saved."}
	case "refresh":
		d.Flash = &flash{Kind: "ok", Text: "Asked the operator to check the catalog for updates."}
	}
	p.render(w, http.StatusOK, "settings", d)
}

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// settingsForm turns the form into the settings, or the problems with it.
func settingsForm(form url.Values) (lifecycle.Settings, []string) {
	var problems []string
	var set lifecycle.Settings
	if u := strings.TrimSpace(form.Get("catalog")); u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			problems = append(problems, "The catalog URL must be an http(s) URL.")
		}
		set.Catalog = &openovav1alpha1.CatalogSource{URL: u}
	}
	updates := &openovav1alpha1.UpdatePolicy{}
	if s := strings.TrimSpace(form.Get("interval")); s != "" {
		if d, err := time.ParseDuration(s); err != nil || d < time.Minute {
			problems = append(problems, "The update check interval must be a duration of at least 1m, such as 6h.")
		} else {
			updates.CheckInterval = &metav1.Duration{Duration: d}
		}
	}
	if start := strings.TrimSpace(form.Get("start")); start != "" {
		mw := &openovav1alpha1.MaintenanceWindow{Start: start}
		if !hhmm.MatchString(start) {
			problems = append(problems, "The maintenance window starts at a time HH:MM, such as 02:00.")
		}
		d, err := time.ParseDuration(strings.TrimSpace(form.Get("duration")))
		if err != nil || d <= 0 || d > 24*time.Hour {
			problems = append(problems, "The maintenance window lasts a duration between 1m and 24h, such as 2h.")
		}
		mw.Duration = metav1.Duration{Duration: d}
		if tz := strings.TrimSpace(form.Get("timezone")); tz != "" {
			if _, err := time.LoadLocation(tz); err != nil {
				problems = append(problems, fmt.Sprintf("Unknown time zone %q: use an IANA name such as Europe/Berlin.", tz))
			}
			mw.TimeZone = tz
		}
		for _, day := range form["days"] {
			if slices.Contains(weekdays, day) {
				mw.Days = append(mw.Days, openovav1alpha1.Weekday(day))
			}
		}
		updates.MaintenanceWindow = mw
	}
	if updates.CheckInterval != nil || updates.MaintenanceWindow != nil {
		set.Updates = updates
	}
	return set, problems
}

func (p *pages) saveSettings(w http.ResponseWriter, r *http.Request) {
	v, ok := p.readForm(w, r)
	if !ok {
		return
	}
	set, problems := settingsForm(r.PostForm)
	if len(problems) > 0 {
		d := p.settingsData(v)
		d.Errors = problems
		p.render(w, http.StatusUnprocessableEntity, "settings", d)
		return
	}
	err := p.applySettings(r.Context(), v.Platform, r.PostForm.Get("seen"), set)
	if err != nil {
		d := p.settingsData(v)
		var changed *lifecycle.ChangedError
		if errors.As(err, &changed) {
			d.Flash = &flash{Kind: "notice", Text: "The settings changed since you looked — review them again."}
			p.render(w, http.StatusConflict, "settings", d)
			return
		}
		var conflict *lifecycle.ConflictError
		if errors.As(err, &conflict) {
			d.Flash = &flash{Kind: "alert", Text: "The settings were not saved:", Detail: inWords(err)}
			p.render(w, http.StatusConflict, "settings", d)
			return
		}
		d.Flash = &flash{Kind: "alert", Text: "The settings were not saved:", Detail: inWords(err)}
		p.render(w, http.StatusBadGateway, "settings", d)
		return
	}
	http.Redirect(w, r, "/settings?done=saved", http.StatusSeeOther)
}

// refresh asks the operator to check the catalog for upgrades now (the openova.io/refresh
// annotation, as upgrade --refresh does), and loads the catalog again on this side.
func (p *pages) refresh(w http.ResponseWriter, r *http.Request) {
	v, err := p.read(r.Context())
	if err != nil {
		p.fail(w, err)
		return
	}
	value := p.s.opts.Now().UTC().Format(time.RFC3339Nano)
	patch := map[string]any{"metadata": map[string]any{"annotations": map[string]any{openovav1alpha1.RefreshAnnotation: value}}}
	if err := p.patch(r.Context(), v.Platform, patch); err != nil {
		d := p.settingsData(v)
		d.Flash = &flash{Kind: "alert", Text: "Could not ask for an update check:", Detail: err.Error()}
		p.render(w, http.StatusBadGateway, "settings", d)
		return
	}
	_, _ = p.catalog(r.Context(), v.Platform, true)
	http.Redirect(w, r, "/settings?done=refresh", http.StatusSeeOther)
}

// applySettings reads the Platform from the API server and, when its settings are still
// the ones the form showed (seen), applies set through lifecycle.
func (p *pages) applySettings(ctx context.Context, pl *openovav1alpha1.Platform, seen string, set lifecycle.Settings) error {
	fresh, err := lifecycle.FindPlatform(ctx, p.s.opts.Client, lifecycle.Selector{Namespace: pl.Namespace, Platform: pl.Name})
	if err != nil {
		return err
	}
	if settingsSeen(fresh) != seen {
		return &lifecycle.ChangedError{Platform: fresh.Name}
	}
	_, err = lifecycle.ApplySettings(ctx, p.s.opts.Client, fresh, set, lifecycle.ApplyOptions{})
	return err
}

// patch merge-patches the Platform: the refresh annotation, an ask of the operator that
// replaces any earlier one (no field anyone keeps).
func (p *pages) patch(ctx context.Context, pl *openovav1alpha1.Platform, patch map[string]any) error {
	body, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	target := &openovav1alpha1.Platform{ObjectMeta: metav1.ObjectMeta{Name: pl.Name, Namespace: pl.Namespace}}
	if err := p.s.opts.Client.Patch(ctx, target, client.RawPatch(types.MergePatchType, body), client.FieldOwner(lifecycle.FieldManager)); err != nil {
		return lifecycle.ClusterError(err)
	}
	return nil
}
