package plugin

import (
	"context"
	"fmt"
	"strings"

	"github.com/openova-io/core/bootstrap"
)

// confirmRegionRemoval asks before a bootstrap whose configuration drops a region an
// earlier run created: that region is detached from the Platform and its cluster
// destroyed, the other region left alone. --yes confirms; without a terminal and without
// --yes the command refuses (exit 2). It reports whether regions are to be removed.
func (o *BootstrapOptions) confirmRegionRemoval(ctx context.Context) (bool, error) {
	if o.DryRun {
		return false, nil
	}
	removed, err := bootstrap.RemovedRegions(o.cfg)
	if err != nil || len(removed) == 0 {
		return false, err
	}
	what := fmt.Sprintf("region %s", strings.Join(removed, ", "))
	if o.Yes {
		fmt.Fprintf(o.ErrOut, "Removing %s from platform %s (--yes): its releases and its cluster are deleted.\n", what, o.cfg.Organization.Name)
		return true, nil
	}
	if !IsTerminal(o.In) {
		return false, Errorf(ExitInvalidInput, "the configuration no longer has %s: bootstrap would delete its releases and destroy its cluster; pass --yes to confirm", what)
	}
	ok, err := Confirm(ctx, o.In, o.ErrOut, fmt.Sprintf("The configuration no longer has %s. Delete its releases and destroy its cluster (the other region is not touched)?", what))
	if err != nil {
		return false, err
	}
	if !ok {
		return false, Errorf(ExitFailure, "bootstrap cancelled; %s was not touched", what)
	}
	return true, nil
}
