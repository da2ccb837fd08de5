package main

import (
	"fmt"

	"github.com/openova-io/core/hack/catalog-check/upstream"
)

// Finding is a chart reference of the catalog that upstream does not bear out.
type Finding struct {
	Ref     Ref
	Problem string
}

func (f Finding) String() string { return f.Ref.String() + ": " + f.Problem }

// Lookup returns the upstream facts of a repository (nil facts and an error when the
// repository could not be read).
type Lookup func(repository string) (*upstream.Facts, error)

// Check holds every ref against upstream: the chart must exist in its repository, the
// chart version must be published, and where both the catalog and the chart name an
// appVersion they must be the same string.
func Check(refs []Ref, lookup Lookup) []Finding {
	var out []Finding
	for _, r := range refs {
		fa, err := lookup(r.Repository)
		if err != nil {
			out = append(out, Finding{r, fmt.Sprintf("repository cannot be read: %v", err)})
			continue
		}
		c, ok := fa.Charts[r.Chart]
		if !ok {
			out = append(out, Finding{r, fmt.Sprintf("no chart %q in the repository", r.Chart)})
			continue
		}
		cv, ok := c.Find(r.ChartVersion)
		if !ok {
			newest := ""
			if len(c.Versions) > 0 {
				newest = fmt.Sprintf(" (newest published: %s)", c.Versions[0].Version)
			}
			out = append(out, Finding{r, fmt.Sprintf("chart version %s is not published%s", r.ChartVersion, newest)})
			continue
		}
		if r.AppVersion != "" && cv.AppVersion != "" && r.AppVersion != cv.AppVersion {
			out = append(out, Finding{r, fmt.Sprintf("the catalog pairs it with appVersion %s, the chart says %s",
				r.AppVersion, cv.AppVersion)})
		}
	}
	return out
}
