package plugin

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/openova-io/core/catalog"
)

// CatalogOptions are the options of kubectl openova catalog.
type CatalogOptions struct {
	*GlobalOptions
	Output string

	// name and version are NAME[@VERSION], the component to show; empty: list them all.
	name, version string
}

// NewCmdCatalog returns the catalog command.
func NewCmdCatalog(g *GlobalOptions) *cobra.Command {
	o := &CatalogOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "catalog [NAME[@VERSION]]",
		Short: "List the catalog's components, or show one: versions, changelog, requirements, parts",
		Long: `Read the component catalog, with no cluster and no kubeconfig: --catalog FILE, DIR or URL,
else the catalog built into the plugin.

Without a name, list every component by category with its newest version, its delivery
(helm, bootstrap or bundle) and what it is. With a name, show the component: its
versions with their charts and changelogs, and for the newest version (or the one named
with @VERSION) what it requires, the optional members it offers, the parts it is
delivered in and where it runs.`,
		Example: `  kubectl openova catalog
  kubectl openova catalog ai-hub
  kubectl openova catalog ai-hub@1.0.0 -o yaml

  # A catalog of your own, before it goes into a Platform's spec.catalog
  kubectl openova catalog --catalog ./my-catalog/`,
		Args: cobra.MaximumNArgs(1),
		RunE: runCommand(o),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			cat, err := o.LoadCatalog(ctx)
			if err != nil {
				return nil, cobra.ShellCompDirectiveError
			}
			var names []string
			for _, c := range cat.Components() {
				names = append(names, c.Name)
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
	}
	AddOutputFlag(cmd, &o.Output, "table")
	return cmd
}

// Complete reads NAME[@VERSION].
func (o *CatalogOptions) Complete(args []string) error {
	if len(args) == 1 {
		name, version, pinned := strings.Cut(args[0], "@")
		if name == "" || (pinned && version == "") {
			return Errorf(ExitInvalidInput, "invalid component %q: use NAME or NAME@VERSION", args[0])
		}
		o.name, o.version = name, version
	}
	return nil
}

// Validate checks the flags.
func (o *CatalogOptions) Validate() error { return ValidateOutput(o.Output, "table") }

// Run loads the catalog and prints the list or the component.
func (o *CatalogOptions) Run(ctx context.Context) error {
	cat, err := o.LoadCatalog(ctx)
	if err != nil {
		return err
	}
	pal := palette{on: o.Color(o.Out)}
	if o.name == "" {
		l := NewCatalogList(cat)
		if o.Output == "" || o.Output == "table" {
			return printCatalogList(o.Out, pal, l)
		}
		return PrintData(o.Out, o.Output, l)
	}
	comp, ok := cat.Component(o.name)
	if !ok {
		msg := "unknown component %q in catalog %s"
		args := []any{o.name, cat.Source()}
		if s := cat.Suggest(o.name); s != "" {
			msg += " (did you mean %s?)"
			args = append(args, s)
		}
		return Errorf(ExitInvalidInput, msg+"; list the catalog with "+o.commandLine("catalog"), args...)
	}
	shown := comp.Newest(false)
	if shown == nil {
		shown = comp.Newest(true)
	}
	if o.version != "" {
		v, ok := comp.Version(o.version)
		if !ok {
			return Errorf(ExitInvalidInput, "%s has no version %s in catalog %s (versions: %s)", comp.Name, o.version, cat.Source(), versionNames(comp))
		}
		shown = v
	}
	if o.Output == "" || o.Output == "table" {
		return printCatalogComponent(o.Out, pal, comp, shown)
	}
	if o.version != "" {
		// NAME@VERSION: the catalog entry with that version alone.
		one := *comp
		one.Versions = []catalog.Version{*shown}
		comp = &one
	}
	return PrintData(o.Out, o.Output, comp)
}

// CatalogList is what catalog without a name prints (-o json|yaml).
type CatalogList struct {
	// Catalog is where the catalog was read from ("builtin" for the plugin's own).
	Catalog string `json:"catalog"`
	// Components are listed by category (mandatory, a-la-carte, meta-platform), then name.
	Components []CatalogEntry `json:"components"`
}

// CatalogEntry is one component of the catalog list.
type CatalogEntry struct {
	Name        string           `json:"name"`
	DisplayName string           `json:"displayName,omitempty"`
	Category    catalog.Category `json:"category"`
	Delivery    catalog.Delivery `json:"delivery"`
	// NewestVersion is the newest stable version (the newest pre-release when there is
	// no stable one).
	NewestVersion string `json:"newestVersion"`
	Description   string `json:"description,omitempty"`
}

// NewCatalogList lists cat's components.
func NewCatalogList(cat *catalog.Catalog) *CatalogList {
	l := &CatalogList{Catalog: cat.Source(), Components: []CatalogEntry{}}
	for _, c := range cat.Components() {
		e := CatalogEntry{Name: c.Name, DisplayName: c.DisplayName, Category: c.Category, Delivery: c.Delivery, Description: c.Description}
		newest := c.Newest(false)
		if newest == nil {
			newest = c.Newest(true)
		}
		if newest != nil {
			e.NewestVersion = newest.Version
		}
		l.Components = append(l.Components, e)
	}
	return l
}

func versionNames(c *catalog.Component) string {
	names := make([]string, 0, len(c.Versions))
	for _, v := range c.Versions {
		names = append(names, v.Version)
	}
	return strings.Join(names, ", ")
}
