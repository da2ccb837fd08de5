package plugin

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Check statuses.
const (
	CheckOK      = "ok"
	CheckWarning = "warning"
	CheckFailed  = "failed"
)

// CheckResult is one check (-o json|yaml prints a CheckReport).
type CheckResult struct {
	// Group is what the check is about: Kubernetes, CRDs, operator, Flux, catalog.
	Group string `json:"group"`
	// Status is ok, warning or failed.
	Status  string `json:"status"`
	Message string `json:"message"`
}

// CheckReport is what check prints.
type CheckReport struct {
	// Passed is true when no check failed.
	Passed bool          `json:"passed"`
	Checks []CheckResult `json:"checks"`
}

func (r *CheckReport) add(group, status, format string, args ...any) {
	r.Checks = append(r.Checks, CheckResult{Group: group, Status: status, Message: fmt.Sprintf(format, args...)})
}

// printChecks writes the report the way flux check does.
func printChecks(w io.Writer, pal palette, r *CheckReport) error {
	var b strings.Builder
	group := ""
	for _, c := range r.Checks {
		if c.Group != group {
			group = c.Group
			fmt.Fprintf(&b, "► checking %s\n", group)
		}
		switch c.Status {
		case CheckOK:
			b.WriteString(pal.green("✔") + " " + c.Message + "\n")
		case CheckWarning:
			b.WriteString(pal.yellow("!") + " " + c.Message + "\n")
		default:
			b.WriteString(pal.red("✗") + " " + c.Message + "\n")
		}
	}
	failed := slices.IndexFunc(r.Checks, func(c CheckResult) bool { return c.Status == CheckFailed }) >= 0
	if failed {
		b.WriteString(pal.red("✗ checks failed") + "\n")
	} else {
		b.WriteString(pal.green("✔ all checks passed") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
