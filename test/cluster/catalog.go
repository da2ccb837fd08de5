package cluster

import (
	"fmt"

	"github.com/openova-io/core/catalog"
)

// StandaloneComponent returns a component of the built-in catalog that a Platform can name
// alone, delivered by one HelmRelease of its own chart: helm delivery, no parts, and a
// newest version that requires nothing. Tests that only need the operator to write a
// HelmRelease use it, so they keep passing as the shipped catalog changes.
func StandaloneComponent() (name, version, chart string, err error) {
	cat, err := catalog.Builtin()
	if err != nil {
		return "", "", "", err
	}
	for _, c := range cat.Components() {
		if (c.Delivery != "" && c.Delivery != catalog.DeliveryHelm) || c.Chart.Name == "" || len(c.Versions) == 0 {
			continue
		}
		v := c.Versions[0]
		if len(v.Requires) == 0 && len(v.Parts) == 0 {
			return c.Name, v.Version, c.Chart.Name, nil
		}
	}
	return "", "", "", fmt.Errorf("the built-in catalog has no component without requirements")
}
