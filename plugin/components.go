package plugin

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// ComponentsOptions are the options of kubectl openova components.
type ComponentsOptions struct {
	*GlobalOptions
	noArgs
	Print *PrintFlags
	// All lists the catalog's components that are not installed too (--all).
	All bool
}

// NewCmdComponents returns the components command.
func NewCmdComponents(g *GlobalOptions) *cobra.Command {
	o := &ComponentsOptions{GlobalOptions: g, Print: NewPrintFlags()}
	cmd := &cobra.Command{
		Use:   "components",
		Short: "List the platform's components by category",
		Long: `List the components of the platform in three sections (mandatory, à la carte,
meta-platforms): installed mark, name, deployed version (→ the desired one while an
install or upgrade runs), health, and the upgrade the catalog offers.

--all adds the catalog's components that are not installed, with their newest version.
-o takes kubectl get's formats: custom-columns prints a row per component, jsonpath and
go-template read the document -o json prints, -o name names the Component objects.`,
		Example: `  kubectl openova components
  kubectl openova components --all
  kubectl openova components -o json

  # As kubectl get prints: names, a JSONPath, chosen columns
  kubectl openova components -o name
  kubectl openova components -o jsonpath='{.components[*].name}'
  kubectl openova components -o custom-columns=NAME:.name,VERSION:.version,HEALTH:.health`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	o.Print.AddFlags(cmd)
	cmd.Flags().BoolVarP(&o.All, "all", "A", false, "also list the catalog's components that are not installed")
	return cmd
}

// Validate checks the flags.
func (o *ComponentsOptions) Validate() error { return o.Print.Validate() }

// Run reads the platform view with the catalog and prints the components.
func (o *ComponentsOptions) Run(ctx context.Context) error {
	pv, err := o.readView(ctx, true)
	if err != nil {
		return err
	}
	view := NewComponentsView(pv, o.All)
	if !o.Print.Table() {
		return o.Print.Print(o.Out, view.printout())
	}
	return printComponents(o.Out, palette{on: o.Color(o.Out)}, view)
}

// ComponentsView is what components prints (-o json|yaml); docs/cli.md documents it.
type ComponentsView struct {
	// Platform is the Platform's name; Catalog where the catalog was read from.
	Platform string `json:"platform"`
	Catalog  string `json:"catalog"`
	// Regions name the platform's regions, the primary first, when it has two; each
	// installed component's regions hold its version and health in each.
	Regions []string `json:"regions,omitempty"`
	// Components are listed by category (mandatory, a-la-carte, meta-platform, then
	// entries the catalog does not have), then by name.
	Components []ComponentRow `json:"components"`
}

// printout is the view for -o: custom-columns prints a row per component, -o name the
// Component objects of the installed, enabled ones (component.openova.io/NAME).
func (v *ComponentsView) printout() printout {
	out := printout{view: v, rows: v.Components}
	for _, r := range v.Components {
		if r.Installed && r.Enabled {
			out.objects = append(out.objects, objectName{kind: "Component", name: r.Name})
		}
	}
	return out
}

// ComponentRow is one component of the components list.
type ComponentRow struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName,omitempty"`
	// Category is mandatory, a-la-carte or meta-platform; "unknown" when the catalog does
	// not have the component.
	Category    string `json:"category"`
	Description string `json:"description,omitempty"`
	// Installed: the component is in spec.components; Enabled: it is delivered.
	Installed bool `json:"installed"`
	Enabled   bool `json:"enabled"`
	// Reason says why an installed component is there ("requested", "dependency of ai-hub").
	Reason string `json:"reason,omitempty"`
	// Version is the deployed version; DesiredVersion the one spec.components asks for.
	Version        string `json:"version,omitempty"`
	DesiredVersion string `json:"desiredVersion,omitempty"`
	// Health is Healthy, Progressing, Degraded, Failed or Unknown (installed components).
	Health string `json:"health,omitempty"`
	// AvailableUpgrade is the newest version the catalog allows, as the operator found it.
	AvailableUpgrade string `json:"availableUpgrade,omitempty"`
	// NewestVersion is the catalog's newest stable version.
	NewestVersion string `json:"newestVersion,omitempty"`
	// Regions is the component in each region it is placed in (platforms with two
	// regions): the version running there and its health there.
	Regions []openovav1alpha1.RegionStatus `json:"regions,omitempty"`
}

// categoryUnknown is the category of installed components the catalog does not have.
const categoryUnknown = "unknown"

// NewComponentsView joins the catalog, spec.components and the Component objects of the
// platform view (read with its catalog).
func NewComponentsView(pv *lifecycle.View, all bool) *ComponentsView {
	cat := pv.Catalog
	v := &ComponentsView{Platform: pv.Platform.Name, Catalog: cat.Source(), Components: []ComponentRow{}}
	for _, r := range pv.Regions() {
		v.Regions = append(v.Regions, r.Name)
	}
	for _, comp := range cat.Components() {
		st, installed := pv.Entry(comp.Name)
		if !installed && !all {
			continue
		}
		row := ComponentRow{Name: comp.Name, DisplayName: comp.DisplayName, Category: string(comp.Category), Description: comp.Description}
		if newest := comp.Newest(false); newest != nil {
			row.NewestVersion = newest.Version
		}
		if installed {
			fillInstalled(&row, st)
		}
		v.Components = append(v.Components, row)
	}
	var unknown []ComponentRow
	for _, e := range pv.Platform.Spec.Components {
		if _, ok := cat.Component(e.Name); ok {
			continue
		}
		st, _ := pv.Entry(e.Name)
		row := ComponentRow{Name: e.Name, Category: categoryUnknown}
		fillInstalled(&row, st)
		unknown = append(unknown, row)
	}
	slices.SortFunc(unknown, func(a, b ComponentRow) int { return strings.Compare(a.Name, b.Name) })
	v.Components = append(v.Components, unknown...)
	return v
}

func fillInstalled(row *ComponentRow, st lifecycle.ComponentState) {
	e := st.Entry
	row.Installed, row.Enabled, row.DesiredVersion = true, e.IsEnabled(), e.Version
	row.Reason = e.Reason
	if row.Reason == "" {
		row.Reason = catalog.ReasonRequested
	}
	row.Version, row.Health, row.AvailableUpgrade = st.Version, st.Health, st.AvailableUpgrade
	row.Regions = st.Regions
}

var sectionTitles = map[string]string{
	string(catalog.CategoryMandatory):    "MANDATORY",
	string(catalog.CategoryALaCarte):     "A LA CARTE",
	string(catalog.CategoryMetaPlatform): "META-PLATFORMS",
	categoryUnknown:                      "NOT IN THE CATALOG",
}

// printComponents writes the components by section.
func printComponents(w io.Writer, pal palette, v *ComponentsView) error {
	if len(v.Components) == 0 {
		_, err := fmt.Fprintf(w, "Platform %s has no components; list the catalog's with --all.\n", v.Platform)
		return err
	}
	t := &table{}
	header := []cell{txt(""), txt("NAME"), txt("VERSION"), txt("HEALTH")}
	if len(v.Regions) > 0 {
		// Two regions: a column per region (version and health there) instead of HEALTH.
		header = header[:3]
		for _, r := range v.Regions {
			header = append(header, txt(regionTitle(r)))
		}
	}
	t.add(append(header, txt("UPGRADE"))...)
	section := ""
	for _, r := range v.Components {
		if r.Category != section {
			section = r.Category
			t.section(pal.bold(sectionTitles[section]))
		}
		if !r.Installed {
			t.add(txt(""), styled(r.Name, pal.faint), styled(r.NewestVersion, pal.faint), styled("not installed", pal.faint))
			continue
		}
		mark := styled("✓", pal.green)
		health := styled(r.Health, pal.health)
		if !r.Enabled {
			mark, health = txt("-"), styled("disabled", pal.faint)
		}
		version := r.Version
		if version == "" {
			version = "-"
		}
		if r.DesiredVersion != r.Version {
			version += " → " + r.DesiredVersion
		}
		upgrade := txt("")
		if r.AvailableUpgrade != "" {
			upgrade = styled("Upgrade: "+r.AvailableUpgrade, pal.cyan)
		}
		if len(v.Regions) == 0 {
			t.add(mark, txt(r.Name), txt(version), health, upgrade)
			continue
		}
		cells := []cell{mark, txt(r.Name), txt(version)}
		for _, region := range v.Regions {
			if !r.Enabled {
				cells = append(cells, styled("disabled", pal.faint))
				continue
			}
			cells = append(cells, regionCell(pal, r.Regions, region))
		}
		t.add(append(cells, upgrade)...)
	}
	return t.write(w)
}
