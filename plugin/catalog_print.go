package plugin

import (
	"fmt"
	"io"
	"strings"

	"github.com/openova-io/core/catalog"
)

// printCatalogList writes the catalog by section, the way components does.
func printCatalogList(w io.Writer, pal palette, l *CatalogList) error {
	if len(l.Components) == 0 {
		_, err := fmt.Fprintf(w, "Catalog %s has no components.\n", l.Catalog)
		return err
	}
	t := &table{}
	t.add(txt("NAME"), txt("VERSION"), txt("DELIVERY"), txt("DESCRIPTION"))
	section := catalog.Category("")
	for _, c := range l.Components {
		if c.Category != section {
			section = c.Category
			t.section(pal.bold(sectionTitles[string(section)]))
		}
		t.add(txt(c.Name), styled(c.NewestVersion, pal.cyan), txt(string(c.Delivery)), txt(c.Description))
	}
	return t.write(w)
}

// printCatalogComponent describes one component, the way kubectl describe does: its
// fields, its versions, and for version v what it requires, offers and is made of.
func printCatalogComponent(w io.Writer, pal palette, c *catalog.Component, v *catalog.Version) error {
	var b strings.Builder
	fields := &table{}
	fields.add(txt("Name:"), styled(c.Name, pal.bold))
	if c.DisplayName != "" {
		fields.add(txt("Display name:"), txt(c.DisplayName))
	}
	fields.add(txt("Category:"), txt(string(c.Category)))
	fields.add(txt("Delivery:"), txt(string(c.Delivery)))
	fields.add(txt("Placement:"), txt(placementText(c.Placement)))
	if c.Namespace != "" {
		fields.add(txt("Namespace:"), txt(c.Namespace))
	}
	if c.Chart.Name != "" {
		fields.add(txt("Chart:"), txt(c.Chart.Name+" from "+c.Chart.Repository))
	}
	for i, e := range c.Endpoints {
		label := ""
		if i == 0 {
			label = "Endpoints:"
		}
		fields.add(txt(label), txt(e))
	}
	if c.Upgrade.Timeout != 0 {
		fields.add(txt("Upgrade timeout:"), txt(c.Upgrade.Timeout.String()))
	}
	if c.Description != "" {
		fields.add(txt("Description:"), txt(c.Description))
	}
	_ = fields.write(&b)

	b.WriteString("\nVERSIONS\n")
	versions := &table{indent: "  "}
	versions.add(txt("VERSION"), txt("CHART"), txt("APP"), txt("RELEASED"), txt("CHANGELOG"))
	for i := range c.Versions {
		cv := &c.Versions[i]
		name := cv.Version
		if cv.Prerelease() {
			name += " (pre-release)"
		}
		versions.add(styled(name, versionStyle(pal, cv, v)), txt(orDash(chartVersion(cv))), txt(orDash(cv.AppVersion)), txt(orDash(cv.Released)), txt(cv.Changelog))
	}
	_ = versions.write(&b)
	if v == nil {
		_, err := io.WriteString(w, b.String())
		return err
	}

	fmt.Fprintf(&b, "\nREQUIRES (%s %s)\n", c.Name, v.Version)
	if len(v.Requires) == 0 {
		b.WriteString("  nothing\n")
	} else {
		t := &table{indent: "  "}
		for _, r := range v.Requires {
			t.add(txt(r.Name), txt(r.Constraint))
		}
		_ = t.write(&b)
	}
	if len(v.Optional) > 0 {
		fmt.Fprintf(&b, "\nOPTIONAL MEMBERS (%s %s, add with install %s --with NAME)\n", c.Name, v.Version, c.Name)
		t := &table{indent: "  "}
		for _, m := range v.Optional {
			t.add(txt(m.Name), txt(m.Constraint), txt(m.Description))
		}
		_ = t.write(&b)
	}
	if len(v.Parts) > 0 {
		fmt.Fprintf(&b, "\nPARTS (%s %s, delivered in this order)\n", c.Name, v.Version)
		t := &table{indent: "  "}
		for i := range v.Parts {
			p := &v.Parts[i]
			what := "resources"
			if p.Kind() == catalog.PartChart {
				chart := p.Chart.Name
				if chart == "" {
					chart = c.Chart.Name
				}
				what = "chart " + chart + " " + p.ChartVersion
			}
			t.add(txt(fmt.Sprintf("%d.", i+1)), txt(p.Name), txt(what))
		}
		_ = t.write(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// chartVersion is the chart version of a single-part version, "" for parts and bundles.
func chartVersion(v *catalog.Version) string {
	if len(v.Parts) > 0 {
		return "parts"
	}
	return v.ChartVersion
}

func versionStyle(pal palette, v, shown *catalog.Version) func(string) string {
	if v == shown {
		return pal.bold
	}
	return nil
}

func placementText(p catalog.Placement) string {
	switch p {
	case catalog.PlacementPrimary:
		return "the primary region only"
	default:
		return "every region"
	}
}
