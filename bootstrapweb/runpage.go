package bootstrapweb

import (
	"net/http"
	"strings"
	"time"

	"github.com/openova-io/core/bootstrap"
)

// runData is the progress page.
type runData struct {
	layout
	Org, Domain, Provider, WorkDir string
	Phases                         []phaseView
	Notes                          []string
	Started                        time.Time
	Elapsed                        time.Duration
	Running, Cancelling            bool
	Error                          string
	Interrupted                    bool
	Report                         *report
}

type phaseView struct {
	Name, Label, State, Note string
	Lines                    string
	Count                    int
	Elapsed                  time.Duration
	// Open: the phase's output is shown unfolded (it is running or failed).
	Open bool
}

// report is the end of a successful run: where the platform is and how to go on.
type report struct {
	Dashboard string
	Clusters  []bootstrap.ClusterOutput
	URLs      []link
}

type link struct{ Name, URL string }

func (p *pages) runPage(w http.ResponseWriter, r *http.Request) {
	p.s.mu.Lock()
	rn := p.s.run
	if rn == nil {
		p.s.mu.Unlock()
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	d := runData{layout: p.layout("Bootstrap", "")}
	p.s.mu.Unlock()

	rn.mu.Lock()
	cfg := rn.cfg
	d.Org, d.Domain, d.Provider, d.WorkDir = cfg.Organization.Name, cfg.Organization.Domain, string(cfg.Provider), cfg.WorkDir
	d.Started, d.Running, d.Cancelling, d.Notes = rn.started, rn.finished.IsZero(), rn.cancelling, rn.notes
	end := rn.finished
	if d.Running {
		end = p.s.opts.Now()
	}
	d.Elapsed = end.Sub(rn.started)
	for _, ph := range rn.phases {
		v := phaseView{Name: string(ph.name), Label: phaseLabels[ph.name], State: ph.state, Note: ph.note,
			Lines: strings.Join(ph.lines, "\n"), Count: ph.count}
		if !ph.started.IsZero() {
			stop := ph.finished
			if stop.IsZero() {
				stop = p.s.opts.Now()
			}
			v.Elapsed = stop.Sub(ph.started)
		}
		v.Open = ph.state == string(bootstrap.PhaseFailed)
		d.Phases = append(d.Phases, v)
	}
	if rn.err != nil {
		d.Error = rn.err.Error()
		d.Interrupted = strings.Contains(d.Error, "bootstrap interrupted")
	}
	res := rn.result
	rn.mu.Unlock()

	if !d.Running && d.Error == "" && res != nil {
		d.Report = p.report(cfg, res)
	}
	p.render(w, http.StatusOK, "run", d)
}

// report is what bootstrap's report prints, for the page: the dashboard command of the
// primary region, every cluster with its kubeconfig, the service URLs.
func (p *pages) report(cfg *bootstrap.Config, res *bootstrap.Result) *report {
	rep := &report{}
	if res.Outputs != nil {
		rep.Clusters = res.Outputs.Clusters
		if pr := res.Outputs.Primary(); pr != nil {
			rep.Dashboard = "kubectl openova dashboard --kubeconfig " + pr.Kubeconfig + " --context " + pr.Context
		}
	}
	set, err := bootstrap.ComponentSet(p.s.opts.Catalog, cfg)
	if err != nil {
		return rep
	}
	for _, s := range set {
		comp, ok := p.s.opts.Catalog.Component(s.Name)
		if !ok {
			continue
		}
		eps, err := comp.RenderEndpoints(cfg.Organization.Domain)
		if err != nil {
			continue
		}
		for _, e := range eps {
			rep.URLs = append(rep.URLs, link{Name: comp.DisplayName, URL: e})
		}
	}
	return rep
}
