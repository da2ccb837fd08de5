package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Ref is one chart at one version the catalog delivers.
type Ref struct {
	Component string
	Version   string
	// Part is the part's name for a multi-part version, "" for a single chart.
	Part         string
	Repository   string
	Chart        string
	ChartVersion string
	// AppVersion is the appVersion the catalog pairs the chart version with; only set on
	// the component's main chart (the single chart, or the part whose chart is the
	// component's chart, else the last chart part).
	AppVersion string
}

func (r Ref) String() string {
	s := r.Component + " " + r.Version
	if r.Part != "" {
		s += " part " + r.Part
	}
	return fmt.Sprintf("%s: %s %s %s", s, r.Repository, r.Chart, r.ChartVersion)
}

// The part of a catalog document the check reads. It is parsed here, not with package
// catalog, so the tool reads any catalog directory (also one that does not load).
type chartDoc struct {
	Repository string `json:"repository"`
	Name       string `json:"name"`
}

type partDoc struct {
	Name         string    `json:"name"`
	Chart        *chartDoc `json:"chart"`
	ChartVersion string    `json:"chartVersion"`
}

type versionDoc struct {
	Version      string    `json:"version"`
	ChartVersion string    `json:"chartVersion"`
	AppVersion   string    `json:"appVersion"`
	Parts        []partDoc `json:"parts"`
}

type componentDoc struct {
	Name     string       `json:"name"`
	Delivery string       `json:"delivery"`
	Chart    *chartDoc    `json:"chart"`
	Versions []versionDoc `json:"versions"`
}

// ReadRefs reads every chart reference of the catalog documents in dir (*.yaml).
func ReadRefs(dir string) ([]Ref, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no catalog documents in %s", dir)
	}
	var refs []Ref
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for i, doc := range strings.Split(string(b), "\n---") {
			var c componentDoc
			if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
				return nil, fmt.Errorf("%s document %d: %w", f, i, err)
			}
			if c.Name == "" {
				continue
			}
			refs = append(refs, componentRefs(c)...)
		}
	}
	sort.SliceStable(refs, func(i, j int) bool { return refs[i].Component < refs[j].Component })
	return refs, nil
}

func componentRefs(c componentDoc) []Ref {
	var out []Ref
	for _, v := range c.Versions {
		if len(v.Parts) == 0 {
			if c.Chart == nil || v.ChartVersion == "" {
				continue // a bundle
			}
			out = append(out, Ref{Component: c.Name, Version: v.Version, Repository: c.Chart.Repository,
				Chart: c.Chart.Name, ChartVersion: v.ChartVersion, AppVersion: v.AppVersion})
			continue
		}
		main := -1
		var parts []Ref
		for _, p := range v.Parts {
			if p.ChartVersion == "" {
				continue // a resource part
			}
			// A field the part's chart leaves empty is the component's.
			ch := chartDoc{}
			if p.Chart != nil {
				ch = *p.Chart
			}
			if c.Chart != nil {
				if ch.Repository == "" {
					ch.Repository = c.Chart.Repository
				}
				if ch.Name == "" {
					ch.Name = c.Chart.Name
				}
			}
			if c.Chart != nil && ch == *c.Chart {
				main = len(parts)
			}
			parts = append(parts, Ref{Component: c.Name, Version: v.Version, Part: p.Name,
				Repository: ch.Repository, Chart: ch.Name, ChartVersion: p.ChartVersion})
		}
		if main < 0 {
			main = len(parts) - 1
		}
		if main >= 0 {
			parts[main].AppVersion = v.AppVersion
		}
		out = append(out, parts...)
	}
	return out
}

// Wanted groups refs by repository: chart -> chart versions.
func Wanted(refs []Ref) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, r := range refs {
		if out[r.Repository] == nil {
			out[r.Repository] = map[string][]string{}
		}
		out[r.Repository][r.Chart] = appendUnique(out[r.Repository][r.Chart], r.ChartVersion)
	}
	return out
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
