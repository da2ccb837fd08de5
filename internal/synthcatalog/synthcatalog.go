// Package synthcatalog generates catalogs for benchmarks, so that no large fixture is
// checked in: the catalog package's load benchmark and test/bench's install --dry-run
// read the same file.
package synthcatalog

import (
	"fmt"
	"strings"
)

// YAML returns a catalog file of n components (c00000, c00001, …) with versions versions
// each, as a private catalog would look: component i depends on up to deps components
// with a higher index (i+7, i+14, …; so there is no cycle), with lower bounds that rise
// with its version. Deterministic, so a benchmark measures the same file every time.
func YAML(n, versions, deps int) []byte {
	var sb strings.Builder
	sb.Grow(n * (330 + versions*(50+deps*60)))
	for i := range n {
		fmt.Fprintf(&sb, `---
apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: c%05d
displayName: "Component %d"
category: a-la-carte
description: >-
  Synthetic component %d of a generated private catalog.
namespace: ns-%d
chart:
  repository: https://charts.example.com/stable
  name: app-%d
versions:
`, i, i, i, i%50, i)
		for k := versions - 1; k >= 0; k-- {
			v := fmt.Sprintf("%d.%d.0", 1+k/5, k%5)
			fmt.Fprintf(&sb, "  - version: %q\n    chartVersion: %q\n", v, v)
			var reqs []string
			for d := 1; d <= deps && i+d*7 < n; d++ {
				reqs = append(reqs, fmt.Sprintf("      - name: c%05d\n        constraint: \">=%d.0.0\"\n", i+d*7, 1+k/10))
			}
			if len(reqs) > 0 {
				sb.WriteString("    requires:\n")
				sb.WriteString(strings.Join(reqs, ""))
			}
		}
	}
	return []byte(sb.String())
}
