package bootstrapweb

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/openova-io/core/bootstrap"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

func wizardStatic() fs.FS {
	static, _ := fs.Sub(staticFS, "static")
	return static
}

type pages struct {
	s     *Server
	tmpls map[string]*template.Template
}

var pageNames = []string{"step", "run"}

func newPages(s *Server) (*pages, error) {
	p := &pages{s: s, tmpls: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"errof": func(errs fieldErrs, field string) fieldError {
			return fieldError{ID: errID(field), Msg: errs[field]}
		},
		"fid":   fieldID,
		"eid":   errID,
		"join":  strings.Join,
		"since": func(t time.Time) string { return duration.HumanDuration(s.opts.Now().Sub(t)) },
		"dur": func(d time.Duration) string {
			return d.Round(time.Second).String()
		},
		"ms": func(t time.Time) int64 { return t.UnixMilli() },
	}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		p.tmpls[name] = t
	}
	return p, nil
}

// fieldID and errID are the ids of a field's input and of its error message.
func fieldID(field string) string { return "f-" + idSafe(field) }
func errID(field string) string   { return "err-" + idSafe(field) }

func idSafe(s string) string {
	return strings.NewReplacer(".", "-", "[", "-", "]", "", "_", "-").Replace(s)
}

type fieldError struct{ ID, Msg string }

// layout is what every page shows around its content.
type layout struct {
	Title    string
	CSRF     string
	Steps    []stepLink
	Revision uint64
	// Run: a bootstrap was started in this wizard (the stepper links to it).
	Run bool
}

type stepLink struct {
	ID, Title, Href    string
	Done, Current, Off bool
}

// layout is called with s.mu held.
func (p *pages) layout(title, current string) layout {
	l := layout{Title: title, CSRF: p.s.guarded.CSRF(), Revision: p.s.notify.Revision(), Run: p.s.run != nil}
	for _, st := range steps {
		l.Steps = append(l.Steps, stepLink{ID: st.id, Title: st.title, Href: "/step/" + st.id, Done: p.s.wiz.done[st.id],
			Current: st.id == current, Off: !p.s.wiz.reachable(st.id) || p.s.run != nil})
	}
	return l
}

// render writes a page; a template error is a 500 without detail for the browser.
func (p *pages) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := p.tmpls[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		fmt.Fprintf(os.Stderr, "bootstrap wizard: render %s: %v\n", name, err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// home reattaches to a started bootstrap, else shows the first step not done.
func (p *pages) home(w http.ResponseWriter, r *http.Request) {
	p.s.mu.Lock()
	started := p.s.run != nil
	p.s.mu.Unlock()
	if started {
		http.Redirect(w, r, "/run", http.StatusSeeOther)
		return
	}
	p.s.mu.Lock()
	next := stepOrganization
	for _, st := range steps {
		if !p.s.wiz.done[st.id] {
			next = st.id
			break
		}
		next = stepReview
	}
	p.s.mu.Unlock()
	http.Redirect(w, r, "/step/"+next, http.StatusSeeOther)
}

func (p *pages) step(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("step")
	if stepIndex(id) < 0 {
		http.NotFound(w, r)
		return
	}
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if p.s.run != nil {
		http.Redirect(w, r, "/run", http.StatusSeeOther)
		return
	}
	if !p.s.wiz.reachable(id) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	d := p.stepData(id, fieldErrs{})
	if id == stepReview {
		d.Errors = p.s.wiz.validate("", p.s.opts.Catalog)
		d.Other = d.otherErrors()
	}
	p.render(w, http.StatusOK, "step", d)
}

// submit takes a step's form: the draft is updated, the step validated; with errors the
// step is shown again with them next to the fields (422), else the next step.
func (p *pages) submit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("step")
	if stepIndex(id) < 0 || id == stepReview {
		http.NotFound(w, r)
		return
	}
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
	wiz := p.s.wiz
	wiz.apply(id, r.PostForm, p.s.opts.Catalog)
	errs := wiz.validate(id, p.s.opts.Catalog)
	if len(errs) > 0 {
		wiz.done[id] = false
		p.render(w, http.StatusUnprocessableEntity, "step", p.stepData(id, errs))
		return
	}
	wiz.done[id] = true
	http.Redirect(w, r, "/step/"+wiz.next(id), http.StatusSeeOther)
}

// download is the configuration file, as --config takes it: no credentials.
func (p *pages) download(w http.ResponseWriter, _ *http.Request) {
	p.s.mu.Lock()
	cfg := p.s.wiz.config()
	p.s.mu.Unlock()
	data, err := cfg.Marshal()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	name := "bootstrap.yaml"
	if cfg.Organization.Name != "" {
		name = cfg.Organization.Name + "-bootstrap.yaml"
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(data)
}

// resumable describes an unfinished bootstrap in the work directory, or "".
func resumable(cfg *bootstrap.Config) string {
	if cfg.WorkDir == "" {
		return ""
	}
	cp, err := bootstrap.LoadCheckpoint(cfg.WorkDir)
	if err != nil || cp == nil {
		return ""
	}
	if cp.Complete {
		return fmt.Sprintf("Platform %s was bootstrapped from %s already: Create only reports it again.", cp.Organization, cfg.WorkDir)
	}
	last := ""
	for _, ph := range cp.Phases {
		if ph.State == bootstrap.PhaseFailed || ph.State == bootstrap.PhaseInterrupted {
			last = fmt.Sprintf(" (%s in phase %s)", ph.State, ph.Name)
		}
	}
	return fmt.Sprintf("An unfinished bootstrap of %s is in %s%s: with the same configuration, Create resumes it from its checkpoint.", cp.Organization, cfg.WorkDir, last)
}
