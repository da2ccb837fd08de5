package plugin

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/openova-io/core/lifecycle"
)

// NewCmdRegion returns the region command and its subcommands.
func NewCmdRegion(g *GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "region",
		Short: "List the platform's regions, or store a standby region's credentials",
		Long: `A platform runs in one region or in two (a primary and a standby), one cluster each. The
operator runs in the primary and reaches the standby with a kubeconfig kept in a Secret
next to the Platform; bootstrap creates it, region set-credentials replaces it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newCmdRegionList(g), newCmdRegionSetCredentials(g))
	return cmd
}

// RegionListOptions are the options of kubectl openova region list.
type RegionListOptions struct {
	*GlobalOptions
	noArgs
	Output string
}

func newCmdRegionList(g *GlobalOptions) *cobra.Command {
	o := &RegionListOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the platform's regions: role, reachability, components and health",
		Long: `List the regions of a platform with two: each one's role, whether the operator reaches
its API server, how many components are placed there and the share of them Healthy
there at their desired version.`,
		Example: `  kubectl openova region list
  kubectl openova region list -o json`,
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		RunE:    runCommand(o),
	}
	AddOutputFlag(cmd, &o.Output, "")
	return cmd
}

// Validate checks the flags.
func (o *RegionListOptions) Validate() error { return ValidateOutput(o.Output, "") }

// RegionList is what region list prints (-o json|yaml).
type RegionList struct {
	// Platform is the Platform's name.
	Platform string `json:"platform"`
	// Regions are its regions, the primary first (empty on a one-region platform).
	Regions []lifecycle.RegionState `json:"regions"`
}

// Run reads the platform view and prints its regions.
func (o *RegionListOptions) Run(ctx context.Context) error {
	pv, err := o.readView(ctx, false)
	if err != nil {
		return err
	}
	l := &RegionList{Platform: pv.Platform.Name, Regions: pv.RegionStates()}
	if l.Regions == nil {
		l.Regions = []lifecycle.RegionState{}
	}
	if o.Output != "" {
		return PrintData(o.Out, o.Output, l)
	}
	if len(l.Regions) == 0 {
		where := "its cluster"
		if r := pv.Platform.Spec.Regions; len(r) == 1 {
			where = fmt.Sprintf("region %s (%s)", r[0].Name, r[0].Role)
		}
		_, err := fmt.Fprintf(o.Out, "Platform %s runs in one region, %s: see %s\n", l.Platform, where, o.commandLine("status"))
		return err
	}
	return printRegions(o.Out, palette{on: o.Color(o.Out)}, l)
}

// printRegions writes the region table.
func printRegions(w io.Writer, pal palette, l *RegionList) error {
	t := &table{}
	t.add(txt("NAME"), txt("ROLE"), txt("REACHABLE"), txt("HEALTH"), txt("COMPONENTS"))
	for _, r := range l.Regions {
		t.add(regionRow(pal, r.Name, r)...)
	}
	var b strings.Builder
	_ = t.write(&b)
	_, err := io.WriteString(w, b.String())
	return err
}
