package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader"
	"helm.sh/helm/v4/pkg/engine"
	"sigs.k8s.io/yaml"

	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/hack/catalog-check/upstream"
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

// listImages renders the newest version of every component of the catalog in dir for a
// sample platform (every component at its newest version, domain example.com) and
// prints the images each part pulls: chart parts rendered with Helm's engine from the
// chart archives fetched (network mode only), resource parts from their objects.
func listImages(ctx context.Context, dir string, facts map[string]*upstream.Facts, w io.Writer) error {
	c, err := catalog.Load(ctx, dir)
	if err != nil {
		return err
	}
	var all []catalog.Installed
	for _, comp := range c.Components() {
		if v := comp.Newest(false); v != nil {
			all = append(all, catalog.Installed{Name: comp.Name, Version: v.Version})
		}
	}
	comps, err := catalog.PlatformComponents(c, "example.com", all)
	if err != nil {
		return err
	}
	for _, comp := range c.Components() {
		v := comp.Newest(false)
		if v == nil {
			continue
		}
		parts, err := comp.Render(v, comp.Context(v.Version, "example.com", "example", comps))
		if err != nil {
			return err
		}
		for _, p := range parts {
			label := fmt.Sprintf("%s %s", comp.Name, v.Version)
			if len(parts) > 1 || p.Name != comp.Name {
				label += " part " + p.Name
			}
			var imgs []string
			switch p.Kind {
			case catalog.PartResources:
				imgs = ObjectImages(p.Objects)
			case catalog.PartChart:
				archive := chartArchiveOf(facts, p.Chart.Repository, p.Chart.Name, p.ChartVersion)
				if archive == nil {
					fmt.Fprintf(w, "images %s: chart archive not fetched (network mode only)\n", label)
					continue
				}
				if imgs, err = ChartImages(archive, p.Release, comp.Namespace, p.Values); err != nil {
					fmt.Fprintf(w, "images %s: cannot render: %v\n", label, err)
					continue
				}
			}
			fmt.Fprintf(w, "images %s: %s\n", label, strings.Join(imgs, " "))
		}
	}
	return nil
}

func chartArchiveOf(facts map[string]*upstream.Facts, repo, chart, version string) []byte {
	fa, ok := facts[repo]
	if !ok {
		return nil
	}
	cv, ok := fa.Charts[chart].Find(version)
	if !ok {
		return nil
	}
	return cv.Archive
}
