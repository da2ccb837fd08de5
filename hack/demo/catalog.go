package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/test/chartserver"
)

// heldBack are the components whose newest version the demo publishes only after the
// install, as a catalog release would: upgrade --dry-run then has something to show.
var heldBack = []string{"grafana", "cilium", "cert-manager", "ai-hub"}

// demoCatalog turns the built-in catalog into the demo's: every chart is a small stand-in
// named after its component, served by the demo's own chart repository at repo. With
// release false, the newest version of each heldBack component is left out of the catalog.
// It returns the catalog (multi-document YAML) and the charts to publish: a stand-in for
// every version of the built-in catalog, held back or not, so the repository serves a
// chart version before any catalog names it, as a real chart repository does. (Flux reads
// a repository's index once per interval: a chart published with the catalog release would
// be missing from the index Flux holds, and the upgrade the demo suggests would fail.)
func demoCatalog(repo string, release bool) ([]byte, []chartserver.Chart, error) {
	cat, err := catalog.Builtin()
	if err != nil {
		return nil, nil, err
	}
	var docs []string
	var charts []chartserver.Chart
	for _, c := range cat.Components() {
		comp := *c
		if comp.Delivery == catalog.DeliveryHelm || comp.Delivery == "" {
			comp.Chart = catalog.Chart{Repository: repo, Name: comp.Name}
		}
		comp.Versions = slices.Clone(comp.Versions)
		for i := range comp.Versions {
			v := &comp.Versions[i]
			if comp.Delivery == catalog.DeliveryBootstrap || comp.Delivery == catalog.DeliveryBundle {
				continue // bootstrap installs Flux; a bundle has no chart
			}
			// One stand-in chart per version: the parts of a multi-part version (and the
			// real charts' default values) have no stand-ins.
			if len(v.Parts) > 0 {
				v.Parts, v.ChartVersion = nil, v.Version
			}
			v.Values = ""
			charts = append(charts, chartserver.Chart{
				Name: comp.Name, Template: "app", Version: v.ChartVersion, AppVersion: v.AppVersion,
				Values: map[string]any{"replicas": 1, "image": "registry.invalid/openova-demo/" + comp.Name},
			})
		}
		if !release && slices.Contains(heldBack, comp.Name) && len(comp.Versions) > 1 {
			comp.Versions = comp.Versions[1:]
		}
		raw, err := json.Marshal(&comp)
		if err != nil {
			return nil, nil, err
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, nil, err
		}
		doc["apiVersion"] = "catalog.openova.io/v1alpha1"
		doc["kind"] = "Component"
		out, err := yaml.Marshal(doc)
		if err != nil {
			return nil, nil, err
		}
		docs = append(docs, fmt.Sprintf("# %s: a stand-in chart of the demo's repository\n%s", comp.Name, out))
	}
	return []byte(strings.Join(docs, "---\n")), charts, nil
}
