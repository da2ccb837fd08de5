// Package upstream holds what the chart repositories behind the catalog really publish:
// chart -> version -> appVersion, and a chart version's values.schema.json where it has
// one. hack/catalog-check fetches these facts (index.yaml over HTTP, tags of an OCI
// repository, or a GitHub repository fetched into a local mirror) and records them under
// catalog/testdata/upstream so tests can hold the shipped catalog against them offline.
package upstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/yaml"
)

// Facts is what one chart repository publishes (trimmed to the charts the catalog uses).
type Facts struct {
	// Repository is the chart repository URL as the catalog names it.
	Repository string `json:"repository"`
	// Source says where the facts were read: a URL, or a git repository, commit and file.
	Source string `json:"source"`
	// Charts maps a chart name to its facts.
	Charts map[string]*Chart `json:"charts"`
}

// Chart is one chart of a repository.
type Chart struct {
	// Source overrides Facts.Source for this chart (charts of one OCI repository can
	// come from different files of a git repository).
	Source string `json:"source,omitempty"`
	// Versions are the published versions, newest first.
	Versions []ChartVersion `json:"versions"`
}

// ChartVersion is one published version of a chart.
type ChartVersion struct {
	Version string `json:"version"`
	// AppVersion is the chart's appVersion, "" when the chart declares none.
	AppVersion string `json:"appVersion,omitempty"`
	// Schema is the file name (relative to the recording's schemas directory) of the
	// version's values.schema.json, when recorded.
	Schema string `json:"schema,omitempty"`
	// Values is the file name of the version's values.yaml (as JSON), recorded next to
	// the schema so a test can validate defaults merged over it, as Helm does.
	Values string `json:"values,omitempty"`

	// SchemaJSON and ValuesYAML are the files' content while they are being recorded.
	SchemaJSON []byte `json:"-"`
	ValuesYAML []byte `json:"-"`
	// Archive is the chart archive, when it was downloaded.
	Archive []byte `json:"-"`
}

// Find returns the version v of the chart.
func (c *Chart) Find(v string) (*ChartVersion, bool) {
	if c == nil {
		return nil, false
	}
	for i := range c.Versions {
		if c.Versions[i].Version == v {
			return &c.Versions[i], true
		}
	}
	return nil, false
}

// Sort orders versions newest first (semantic versions first, the rest by name) and
// drops duplicates, keeping the first one seen.
func (c *Chart) Sort() {
	seen := map[string]bool{}
	out := c.Versions[:0]
	for _, v := range c.Versions {
		if !seen[v.Version] {
			seen[v.Version] = true
			out = append(out, v)
		}
	}
	c.Versions = out
	sort.SliceStable(c.Versions, func(i, j int) bool {
		a, ea := semver.NewVersion(c.Versions[i].Version)
		b, eb := semver.NewVersion(c.Versions[j].Version)
		switch {
		case ea == nil && eb == nil:
			return a.GreaterThan(b)
		case ea == nil:
			return true
		case eb == nil:
			return false
		}
		return c.Versions[i].Version > c.Versions[j].Version
	})
}

// Trim keeps the versions in keep plus the newest n stable versions.
func (c *Chart) Trim(keep []string, n int) {
	c.Sort()
	out := []ChartVersion{}
	stable := 0
	for _, v := range c.Versions {
		sv, err := semver.NewVersion(v.Version)
		isStable := err == nil && sv.Prerelease() == ""
		if slices.Contains(keep, v.Version) || (isStable && stable < n) {
			out = append(out, v)
		}
		if isStable {
			stable++
		}
	}
	c.Versions = out
}

// Key is the file name (without extension) under which a repository's facts are
// recorded: its URL without scheme, "/" and ":" replaced by "_".
func Key(repository string) string {
	s := repository
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	s = strings.TrimSuffix(s, "/")
	return strings.NewReplacer("/", "_", ":", "_").Replace(s)
}

// Recording is a directory of recorded facts: repositories/<key>.yaml and
// schemas/<key>/<chart>-<version>.json.
type Recording struct {
	Dir   string
	Repos map[string]*Facts // by repository URL
}

// ReadRecording reads the facts recorded in dir.
func ReadRecording(dir string) (*Recording, error) {
	r := &Recording{Dir: dir, Repos: map[string]*Facts{}}
	files, err := filepath.Glob(filepath.Join(dir, "repositories", "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("read recording %s: no repositories/*.yaml", dir)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read recording: %w", err)
		}
		var fa Facts
		if err := yaml.UnmarshalStrict(b, &fa); err != nil {
			return nil, fmt.Errorf("read recording %s: %w", f, err)
		}
		r.Repos[fa.Repository] = &fa
	}
	return r, nil
}

// Chart returns the recorded chart of repository.
func (r *Recording) Chart(repository, chart string) (*Chart, bool) {
	fa, ok := r.Repos[repository]
	if !ok {
		return nil, false
	}
	c, ok := fa.Charts[chart]
	return c, ok
}

// Schema returns the recorded values.schema.json of a chart version, nil when the chart
// version has none recorded.
func (r *Recording) Schema(repository, chart, version string) ([]byte, error) {
	c, ok := r.Chart(repository, chart)
	if !ok {
		return nil, nil
	}
	v, ok := c.Find(version)
	if !ok || v.Schema == "" {
		return nil, nil
	}
	return os.ReadFile(filepath.Join(r.Dir, "schemas", v.Schema))
}

// Values returns the recorded values.yaml (as JSON) of a chart version whose schema is
// recorded, nil when none is.
func (r *Recording) Values(repository, chart, version string) ([]byte, error) {
	c, ok := r.Chart(repository, chart)
	if !ok {
		return nil, nil
	}
	v, ok := c.Find(version)
	if !ok || v.Values == "" {
		return nil, nil
	}
	return os.ReadFile(filepath.Join(r.Dir, "schemas", v.Values))
}

// Write records facts under dir, replacing the repository's previous recording.
func Write(dir string, fa *Facts) error {
	key := Key(fa.Repository)
	if err := os.MkdirAll(filepath.Join(dir, "repositories"), 0o755); err != nil {
		return err
	}
	schemaDir := filepath.Join(dir, "schemas", key)
	if err := os.RemoveAll(schemaDir); err != nil {
		return err
	}
	for name, c := range fa.Charts {
		c.Sort()
		for i := range c.Versions {
			v := &c.Versions[i]
			if v.SchemaJSON == nil {
				continue
			}
			if err := os.MkdirAll(schemaDir, 0o755); err != nil {
				return err
			}
			v.Schema = key + "/" + name + "-" + v.Version + ".json"
			var compact bytes.Buffer
			if err := json.Compact(&compact, v.SchemaJSON); err != nil {
				return fmt.Errorf("%s %s values.schema.json: %w", name, v.Version, err)
			}
			compact.WriteByte('\n')
			if err := os.WriteFile(filepath.Join(dir, "schemas", v.Schema), compact.Bytes(), 0o644); err != nil {
				return err
			}
			if v.ValuesYAML == nil {
				continue
			}
			js, err := yaml.YAMLToJSON(v.ValuesYAML)
			if err != nil {
				return fmt.Errorf("%s %s values.yaml: %w", name, v.Version, err)
			}
			v.Values = key + "/" + name + "-" + v.Version + ".values.json"
			if err := os.WriteFile(filepath.Join(dir, "schemas", v.Values), append(js, '\n'), 0o644); err != nil {
				return err
			}
		}
	}
	b, err := yaml.Marshal(fa)
	if err != nil {
		return err
	}
	head := "# Recorded by hack/catalog-check -record; do not edit by hand.\n"
	return os.WriteFile(filepath.Join(dir, "repositories", key+".yaml"), append([]byte(head), b...), 0o644)
}
