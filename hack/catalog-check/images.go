package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader"
	"helm.sh/helm/v4/pkg/engine"
	"sigs.k8s.io/yaml"
)

// ChartImages renders a chart archive with values the way helm install would (release
// name, namespace, default capabilities; the chart's values.schema.json is enforced) and
// returns the image references its manifests pull, sorted.
func ChartImages(archive []byte, release, namespace string, values map[string]any) ([]string, error) {
	ch, err := loader.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		return nil, fmt.Errorf("load chart: %w", err)
	}
	opts := common.ReleaseOptions{Name: release, Namespace: namespace, Revision: 1, IsInstall: true}
	vals, err := util.ToRenderValuesWithSchemaValidation(ch, values, opts, common.DefaultCapabilities.Copy(), false)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	files, err := engine.Render(ch, vals)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	var objs []map[string]any
	for name, body := range files {
		if !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml") {
			continue // NOTES.txt, helpers
		}
		for _, doc := range strings.Split(body, "\n---") {
			var o map[string]any
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil || o == nil {
				continue
			}
			objs = append(objs, o)
		}
	}
	return ObjectImages(objs), nil
}

// ObjectImages returns the distinct image references of Kubernetes objects: every
// string field named "image" (containers, init containers, and custom resources that
// name one), sorted.
func ObjectImages(objs []map[string]any) []string {
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "image" && s != "" {
					seen[s] = true
					continue
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, o := range objs {
		walk(o)
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
