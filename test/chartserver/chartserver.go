// Package chartserver packs the test chart templates under test/charts into Helm chart
// archives at run time and serves them as a Helm repository (index.yaml with sha256
// digests) on 127.0.0.1.
package chartserver

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/yaml"
)

// Chart is one chart version to publish: a template folder packed under a name and version.
type Chart struct {
	// Name of the chart in the repository.
	Name string `json:"name"`
	// Template is the folder of the chart template (absolute, or relative to test/charts).
	Template string `json:"template"`
	// Version of the chart.
	Version string `json:"version"`
	// AppVersion of the chart; Version when empty.
	AppVersion string `json:"appVersion,omitempty"`
	// Values override the template's values.yaml (top-level keys).
	Values map[string]any `json:"values,omitempty"`
}

// set is the file format of test/charts/charts.yaml.
type set []struct {
	Name     string `json:"name"`
	Template string `json:"template"`
	Versions []struct {
		Version    string         `json:"version"`
		AppVersion string         `json:"appVersion,omitempty"`
		Values     map[string]any `json:"values,omitempty"`
	} `json:"versions"`
}

// ChartsDir returns test/charts of this repository.
func ChartsDir() string {
	if d := os.Getenv("OPENOVA_TEST_CHARTS"); d != "" {
		return d
	}
	return filepath.Join(sourceDir(), "..", "charts")
}

// Default returns the charts listed in test/charts/charts.yaml.
func Default() ([]Chart, error) {
	data, err := os.ReadFile(filepath.Join(ChartsDir(), "charts.yaml"))
	if err != nil {
		return nil, err
	}
	var s set
	if err := yaml.UnmarshalStrict(data, &s); err != nil {
		return nil, fmt.Errorf("charts.yaml: %w", err)
	}
	var out []Chart
	for _, c := range s {
		for _, v := range c.Versions {
			out = append(out, Chart{Name: c.Name, Template: c.Template, Version: v.Version, AppVersion: v.AppVersion, Values: v.Values})
		}
	}
	return out, nil
}

// Package packs c into a chart archive (.tgz). The archive is reproducible: the same chart
// gives the same bytes and so the same digest.
func Package(c Chart) ([]byte, error) {
	dir := c.Template
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(ChartsDir(), dir)
	}
	appVersion := c.AppVersion
	if appVersion == "" {
		appVersion = c.Version
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("chart template %s: %w", c.Template, err)
	}
	sort.Strings(files)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, p := range files {
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		switch filepath.ToSlash(rel) {
		case "Chart.yaml":
			data, err = rewriteChart(data, c.Name, c.Version, appVersion)
		case "values.yaml":
			data, err = mergeValues(data, c.Values)
		}
		if err != nil {
			return nil, fmt.Errorf("chart %s %s: %s: %w", c.Name, c.Version, rel, err)
		}
		hdr := &tar.Header{
			Name:    c.Name + "/" + filepath.ToSlash(rel),
			Mode:    0o644,
			Size:    int64(len(data)),
			ModTime: time.Unix(0, 0),
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func rewriteChart(data []byte, name, version, appVersion string) ([]byte, error) {
	var meta map[string]any
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return nil, err
	}
	meta["name"], meta["version"], meta["appVersion"] = name, version, appVersion
	return yaml.Marshal(meta)
}

func mergeValues(data []byte, overrides map[string]any) ([]byte, error) {
	if len(overrides) == 0 {
		return data, nil
	}
	values := map[string]any{}
	if err := yaml.Unmarshal(data, &values); err != nil {
		return nil, err
	}
	for k, v := range overrides {
		values[k] = v
	}
	return yaml.Marshal(values)
}

// Server is a Helm repository on 127.0.0.1.
type Server struct {
	// URL of the repository, e.g. http://127.0.0.1:41234.
	URL string

	srv      *httptest.Server
	mu       sync.RWMutex
	archives map[string][]byte // file name → archive
	index    []byte
	files    map[string][]byte
	entries  map[string][]indexEntry
	requests map[string]int
}

type indexEntry struct {
	APIVersion  string    `json:"apiVersion"`
	Name        string    `json:"name"`
	Version     string    `json:"version"`
	AppVersion  string    `json:"appVersion"`
	Description string    `json:"description,omitempty"`
	Digest      string    `json:"digest"`
	URLs        []string  `json:"urls"`
	Created     time.Time `json:"created"`
}

// Serve starts a repository serving charts.
func Serve(charts ...Chart) (*Server, error) {
	s := &Server{archives: map[string][]byte{}, files: map[string][]byte{}, entries: map[string][]indexEntry{}, requests: map[string]int{}}
	if err := s.Add(charts...); err != nil {
		return nil, err
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	return s, nil
}

// Add publishes more chart versions (as a chart repository does on a release) and rewrites
// index.yaml.
func (s *Server) Add(charts ...Chart) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range charts {
		archive, err := Package(c)
		if err != nil {
			return err
		}
		file := fmt.Sprintf("%s-%s.tgz", c.Name, c.Version)
		sum := sha256.Sum256(archive)
		s.archives[file] = archive
		appVersion := c.AppVersion
		if appVersion == "" {
			appVersion = c.Version
		}
		entries := s.entries[c.Name][:0:0]
		for _, e := range s.entries[c.Name] {
			if e.Version != c.Version {
				entries = append(entries, e)
			}
		}
		s.entries[c.Name] = append(entries, indexEntry{
			APIVersion: "v2", Name: c.Name, Version: c.Version, AppVersion: appVersion,
			Digest: hex.EncodeToString(sum[:]), URLs: []string{file}, Created: time.Unix(0, 0).UTC(),
		})
	}
	index, err := yaml.Marshal(map[string]any{
		"apiVersion": "v1",
		"entries":    s.entries,
		"generated":  time.Unix(0, 0).UTC(),
	})
	if err != nil {
		return err
	}
	s.index = index
	return nil
}

// SetFile serves data at /name besides the repository, e.g. a catalog.
func (s *Server) SetFile(name string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[name] = data
}

// Requests returns how often each path was fetched.
func (s *Server) Requests(path string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.requests[path]
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	s.mu.Unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	name := strings.TrimPrefix(r.URL.Path, "/")
	switch {
	case name == "index.yaml":
		w.Header().Set("Content-Type", "application/x-yaml")
		_, _ = w.Write(s.index)
	case s.archives[name] != nil:
		w.Header().Set("Content-Type", "application/gzip")
		_, _ = w.Write(s.archives[name])
	case s.files[name] != nil:
		_, _ = w.Write(s.files[name])
	default:
		http.NotFound(w, r)
	}
}
