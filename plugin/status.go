package plugin

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/lifecycle"
)

// StatusOptions are the options of kubectl openova status.
type StatusOptions struct {
	*GlobalOptions
	noArgs
	Print *PrintFlags
	// Check exits with code 4 when the platform is not healthy (--check).
	Check bool

	now func() time.Time
}

// NewCmdStatus returns the status command.
func NewCmdStatus(g *GlobalOptions) *cobra.Command {
	o := &StatusOptions{GlobalOptions: g, Print: NewPrintFlags(), now: time.Now}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the platform's health, upgrades, alerts and links",
		Long: `Show the platform at a glance: its phase, the share of healthy components, the upgrades
available, active alerts (such as failed upgrades that were rolled back) and the quick
links of its components, from one read of the Platform and its Components.

With --check the command exits with code 4 unless the platform is healthy: phase Ready,
every component healthy, no alert, and the status describes the latest spec.`,
		Example: `  kubectl openova status
  kubectl openova status -o json
  kubectl openova status -o jsonpath='{.phase} {.healthPercent}%'

  # CI gate
  kubectl openova status --check`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	o.Print.AddFlags(cmd)
	cmd.Flags().BoolVar(&o.Check, "check", false, "exit with code 4 unless the platform is healthy")
	return cmd
}

// Validate checks the flags.
func (o *StatusOptions) Validate() error { return o.Print.Validate() }

// Run reads the platform view and prints its status.
func (o *StatusOptions) Run(ctx context.Context) error {
	pv, err := o.readView(ctx, false)
	if err != nil {
		return err
	}
	view := NewStatusView(pv)
	if !o.Print.Table() {
		// -o name names the Platform; custom-columns prints one row of the view.
		err = o.Print.Print(o.Out, printout{view: view, objects: []objectName{{kind: "Platform", name: view.Platform}}})
	} else {
		err = printStatus(o.Out, palette{on: o.Color(o.Out)}, o.GlobalOptions, view, o.now())
	}
	if err != nil {
		return err
	}
	if o.Check && !view.Healthy {
		return Errorf(ExitUnhealthy, "platform %s is not healthy: %s", view.Platform, strings.Join(view.Problems, "; "))
	}
	return nil
}

// StatusView is what status prints (-o json|yaml); docs/cli.md documents it.
type StatusView struct {
	// Platform is the Platform's name; Namespace where it lives; Domain its DNS domain.
	Platform  string `json:"platform"`
	Namespace string `json:"namespace"`
	Domain    string `json:"domain"`
	// Phase is the operator's summary: Pending, Progressing, Ready, Degraded or Failed.
	Phase string `json:"phase"`
	// Message is the Ready condition's message.
	Message string `json:"message,omitempty"`
	// Healthy is what status --check tests: phase Ready, every component Healthy at its
	// desired version, no alert, and the status is about the latest spec.
	Healthy bool `json:"healthy"`
	// Problems say why Healthy is false.
	Problems []string `json:"problems,omitempty"`
	// Reconciled is true when the status describes the latest spec (observedGeneration).
	Reconciled bool `json:"reconciled"`
	// HealthPercent is healthy components as a percentage of enabled ones.
	HealthPercent int32 `json:"healthPercent"`
	// ComponentCount counts enabled components; HealthyCount those Healthy at their
	// desired version.
	ComponentCount int32 `json:"componentCount"`
	HealthyCount   int32 `json:"healthyCount"`
	// UpgradesAvailable counts components with a newer version allowed.
	UpgradesAvailable int32 `json:"upgradesAvailable"`
	// Components summarise every enabled component (one per entry of spec.components).
	// Counts, percentage and this list come from the same read of the Platform and its
	// Component objects, so they agree.
	Components []openovav1alpha1.ComponentSummary `json:"components"`
	// Removing are Component objects no enabled entry asks for any more, which the
	// operator has yet to remove.
	Removing []openovav1alpha1.ComponentSummary `json:"removing,omitempty"`
	// Alerts are the platform's active problems.
	Alerts []openovav1alpha1.Alert `json:"alerts"`
	// Links are the endpoints of the components.
	Links []Link `json:"links"`
	// LastUpdateCheck is when the operator last checked the catalog for upgrades.
	LastUpdateCheck *metav1.Time `json:"lastUpdateCheck,omitempty"`
	// Regions are the platform's regions, the primary first, when it has two: whether the
	// operator reaches each, and its components' health there. Each component's regions
	// (in Components) hold its version and health per region.
	Regions []lifecycle.RegionState `json:"regions,omitempty"`
}

// Link is a component's endpoint.
type Link struct {
	Component string `json:"component"`
	URL       string `json:"url"`
}

// NewStatusView summarises the platform view: the operator's phase, message and alerts
// from the Platform's status; the components, their counts and percentage from the
// entries of spec.components joined with the Component objects.
func NewStatusView(pv *lifecycle.View) *StatusView {
	p := pv.Platform
	st := p.Status
	h := pv.Health()
	v := &StatusView{
		Platform: p.Name, Namespace: p.Namespace, Domain: p.Spec.Organization.Domain,
		Phase: st.Phase, Reconciled: pv.Reconciled(),
		HealthPercent: h.Percent, ComponentCount: h.Components, HealthyCount: h.Delivered, UpgradesAvailable: h.UpgradesAvailable,
		Components: []openovav1alpha1.ComponentSummary{}, Alerts: st.Alerts, Links: []Link{}, LastUpdateCheck: st.LastUpdateCheck,
	}
	if v.Alerts == nil {
		v.Alerts = []openovav1alpha1.Alert{}
	}
	if cond := meta.FindStatusCondition(st.Conditions, openovav1alpha1.ReadyCondition); cond != nil {
		v.Message = cond.Message
	}
	var notHealthy []string
	for _, c := range pv.Components() {
		v.Components = append(v.Components, c.ComponentSummary)
		if !c.Delivered() {
			notHealthy = append(notHealthy, c.Name)
		}
		for _, url := range c.Endpoints {
			v.Links = append(v.Links, Link{Component: c.Name, URL: url})
		}
	}
	v.Regions = pv.RegionStates()
	var removing []string
	for _, c := range pv.Removing() {
		v.Removing = append(v.Removing, c.ComponentSummary)
		removing = append(removing, c.Name)
	}
	switch {
	case st.Phase == "":
		v.Problems = append(v.Problems, "the operator has not reported on this platform yet")
	case !v.Reconciled:
		v.Problems = append(v.Problems, fmt.Sprintf("the operator has not handled the latest change yet (generation %d, status of %d)", p.Generation, st.ObservedGeneration))
	}
	if st.Phase != "" && st.Phase != openovav1alpha1.PhaseReady {
		v.Problems = append(v.Problems, "phase "+st.Phase)
	}
	if len(notHealthy) > 0 {
		v.Problems = append(v.Problems, fmt.Sprintf("%d of %d components not healthy (%s)", len(notHealthy), h.Components, strings.Join(notHealthy, ", ")))
	}
	if len(removing) > 0 {
		v.Problems = append(v.Problems, fmt.Sprintf("%s still to remove (%s)", plural(len(removing), "component"), strings.Join(removing, ", ")))
	}
	for _, r := range v.Regions {
		if problem := r.Problem(); problem != "" {
			v.Problems = append(v.Problems, problem)
		}
	}
	if n := len(st.Alerts); n > 0 {
		v.Problems = append(v.Problems, plural(n, "alert"))
	}
	v.Healthy = len(v.Problems) == 0
	return v
}

// printStatus writes the status dashboard.
func printStatus(w io.Writer, pal palette, g *GlobalOptions, v *StatusView, now time.Time) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Platform %s (%s) in namespace %s\n\n", pal.bold(v.Platform), v.Domain, v.Namespace)
	t := &table{indent: "  "}
	phase := v.Phase
	if phase == "" {
		phase = "Unknown"
	}
	phaseStyle := pal.yellow
	switch phase {
	case openovav1alpha1.PhaseReady:
		phaseStyle = pal.green
	case openovav1alpha1.PhaseDegraded, openovav1alpha1.PhaseFailed:
		phaseStyle = pal.red
	}
	message := ""
	if phase != openovav1alpha1.PhaseReady && phase != openovav1alpha1.PhaseProgressing {
		message = v.Message
	}
	t.add(txt("Phase"), styled(phase, phaseStyle), txt(message))
	healthStyle := pal.green
	if v.HealthyCount < v.ComponentCount {
		healthStyle = pal.yellow
	}
	t.add(txt("Health"), styled(fmt.Sprintf("%d%%", v.HealthPercent), healthStyle),
		txt(fmt.Sprintf("%d of %d components healthy", v.HealthyCount, v.ComponentCount)))
	upgrades := "none"
	hint := ""
	if v.UpgradesAvailable > 0 {
		upgrades = fmt.Sprintf("%d available", v.UpgradesAvailable)
		hint = "see " + g.commandLine("upgrade")
	}
	t.add(txt("Upgrades"), styled(upgrades, pal.cyan), txt(hint))
	alerts := styled("none", pal.green)
	if n := len(v.Alerts); n > 0 {
		alerts = styled(plural(n, "alert"), pal.red)
	}
	t.add(txt("Alerts"), alerts)
	if v.LastUpdateCheck != nil {
		t.add(txt("Last check"), txt(ago(v.LastUpdateCheck.Time, now)+" ago"))
	}
	if !v.Reconciled && v.Phase != "" {
		t.add(txt("Reconciling"), styled("the operator has not handled the latest change yet", pal.yellow))
	}
	_ = t.write(&b)
	writeRegions(&b, pal, v.Regions)

	if len(v.Alerts) > 0 {
		b.WriteString("\nALERTS\n")
		t := &table{indent: "  "}
		for _, a := range v.Alerts {
			since := ""
			if a.Since != nil {
				since = ago(a.Since.Time, now)
			}
			subject := a.Component
			if subject == "" {
				subject = "platform"
			}
			if a.Region != "" {
				subject += " (" + a.Region + ")"
			}
			t.add(styled("✗ "+subject, pal.red), txt(a.Reason), txt(since), txt(a.Message))
		}
		_ = t.write(&b)
	}
	var unhealthy []openovav1alpha1.ComponentSummary
	for _, c := range v.Components {
		if !summaryDelivered(c) {
			unhealthy = append(unhealthy, c)
		}
	}
	if len(unhealthy) > 0 || len(v.Removing) > 0 {
		b.WriteString("\nNEEDS ATTENTION\n")
		t := &table{indent: "  "}
		if len(v.Regions) > 0 {
			header := []cell{txt(""), txt("VERSION")}
			for _, r := range v.Regions {
				header = append(header, txt(regionTitle(r.Name)))
			}
			t.add(header...)
		}
		for _, c := range unhealthy {
			version := orDash(c.Version)
			if c.DesiredVersion != "" && c.DesiredVersion != c.Version {
				version += " → " + c.DesiredVersion
			}
			if len(v.Regions) == 0 {
				t.add(txt(c.Name), txt(version), styled(orUnknown(c.Health), pal.health))
				continue
			}
			cells := []cell{txt(c.Name), txt(version)}
			for _, r := range v.Regions {
				cells = append(cells, regionCell(pal, c.Regions, r.Name))
			}
			t.add(cells...)
		}
		for _, c := range v.Removing {
			t.add(txt(c.Name), txt(orDash(c.Version)+" → removed"), styled("being removed", pal.yellow))
		}
		_ = t.write(&b)
	}
	if len(v.Links) > 0 {
		b.WriteString("\nQUICK LINKS\n")
		t := &table{indent: "  "}
		for _, l := range v.Links {
			t.add(txt(l.Component), styled(l.URL, pal.cyan))
		}
		_ = t.write(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orUnknown(h string) string {
	if h == "" {
		return openovav1alpha1.HealthUnknown
	}
	return h
}

// ago is the time since t, the way kubectl prints ages (5m, 3h, 2d).
func ago(t, now time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	return duration.HumanDuration(d)
}
