package upstream

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"sigs.k8s.io/yaml"
)

// maxDownload bounds an index or chart download.
const maxDownload = 64 << 20

// HelmChartLayer is the media type of a Helm chart's content in an OCI registry.
const HelmChartLayer types.MediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

// Fetcher reads facts from the chart repositories themselves (network mode).
type Fetcher struct {
	// Client fetches HTTP indexes and chart archives; http.DefaultClient when nil.
	Client *http.Client
	// Remote are the options of OCI registry calls (e.g. remote.WithTransport).
	Remote []remote.Option
	// Insecure talks plain HTTP to OCI registries (the tests' loopback registry).
	Insecure bool
	// Archives also downloads the wanted versions' chart archives (ChartVersion.Archive),
	// and takes their values.schema.json and values.yaml out of them.
	Archives bool
	// Newest is how many of the newest stable versions of an OCI chart get their
	// appVersion read besides the wanted ones.
	Newest int
}

// Fetch reads the facts of the given charts of repository; wanted maps a chart name to
// the versions the catalog uses (their appVersion and schema are always read).
func (f *Fetcher) Fetch(ctx context.Context, repository string, wanted map[string][]string) (*Facts, error) {
	if strings.HasPrefix(repository, "oci://") {
		return f.fetchOCI(ctx, repository, wanted)
	}
	return f.fetchIndex(ctx, repository, wanted)
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return http.DefaultClient
}

func (f *Fetcher) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if len(b) > maxDownload {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", u, maxDownload)
	}
	return b, nil
}

// IndexFile is the part of a Helm repository's index.yaml the check reads.
type IndexFile struct {
	Entries map[string][]IndexEntry `json:"entries"`
}

// IndexEntry is one chart version of an index.yaml.
type IndexEntry struct {
	Version    string   `json:"version"`
	AppVersion string   `json:"appVersion"`
	URLs       []string `json:"urls"`
}

// ParseIndex reads an index.yaml.
func ParseIndex(b []byte) (*IndexFile, error) {
	var idx IndexFile
	if err := yaml.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("parse index.yaml: %w", err)
	}
	return &idx, nil
}

// ChartsFromIndex turns an index's entries for the wanted charts into facts; a wanted
// chart the index lacks is left out (the check then reports it missing).
func ChartsFromIndex(idx *IndexFile, wanted map[string][]string) map[string]*Chart {
	out := map[string]*Chart{}
	for chart := range wanted {
		entries, ok := idx.Entries[chart]
		if !ok {
			continue
		}
		c := &Chart{}
		for _, e := range entries {
			c.Versions = append(c.Versions, ChartVersion{Version: e.Version, AppVersion: e.AppVersion})
		}
		c.Sort()
		out[chart] = c
	}
	return out
}

func (f *Fetcher) fetchIndex(ctx context.Context, repository string, wanted map[string][]string) (*Facts, error) {
	base := strings.TrimSuffix(repository, "/")
	idxURL := base + "/index.yaml"
	b, err := f.get(ctx, idxURL)
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", repository, err)
	}
	idx, err := ParseIndex(b)
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", repository, err)
	}
	fa := &Facts{Repository: repository, Source: idxURL, Charts: ChartsFromIndex(idx, wanted)}
	if !f.Archives {
		return fa, nil
	}
	for chart, versions := range wanted {
		c := fa.Charts[chart]
		for _, e := range idx.Entries[chart] {
			cv, ok := c.Find(e.Version)
			if !ok || !contains(versions, e.Version) || len(e.URLs) == 0 {
				continue
			}
			u, err := resolveURL(base+"/", e.URLs[0])
			if err != nil {
				return nil, err
			}
			tgz, err := f.get(ctx, u)
			if err != nil {
				return nil, fmt.Errorf("chart %s %s: %w", chart, e.Version, err)
			}
			if err := cv.fromArchive(tgz, chart); err != nil {
				return nil, fmt.Errorf("chart %s %s: %w", chart, e.Version, err)
			}
		}
	}
	return fa, nil
}

func resolveURL(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	return b.ResolveReference(r).String(), nil
}

// SchemaFromArchive returns <chart>/values.schema.json of a chart archive, nil when it
// has none.
func SchemaFromArchive(tgz []byte, chart string) ([]byte, error) {
	return FileFromArchive(tgz, chart+"/values.schema.json")
}

// FileFromArchive returns one file of a chart archive, nil when it has none.
func FileFromArchive(tgz []byte, file string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, fmt.Errorf("read chart archive: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read chart archive: %w", err)
		}
		if path.Clean(h.Name) == file {
			return io.ReadAll(io.LimitReader(tr, maxDownload))
		}
	}
}

// ChartMeta is the part of a chart's Chart.yaml (or an OCI chart's config blob, which
// is Chart.yaml as JSON) the check reads.
type ChartMeta struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	AppVersion string `json:"appVersion"`
}

func (f *Fetcher) fetchOCI(ctx context.Context, repository string, wanted map[string][]string) (*Facts, error) {
	fa := &Facts{Repository: repository, Source: repository, Charts: map[string]*Chart{}}
	var nameOpts []name.Option
	if f.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	opts := append([]remote.Option{remote.WithContext(ctx)}, f.Remote...)
	for chart, versions := range wanted {
		repo, err := name.NewRepository(strings.TrimPrefix(repository, "oci://")+"/"+chart, nameOpts...)
		if err != nil {
			return nil, fmt.Errorf("repository %s: %w", repository, err)
		}
		tags, err := remote.List(repo, opts...)
		if err != nil {
			if notFound(err) {
				continue // the chart does not exist
			}
			return nil, fmt.Errorf("list tags of %s: %w", repo, err)
		}
		c := &Chart{}
		for _, t := range tags {
			// Helm stores "+" of a chart version as "_" in a tag.
			c.Versions = append(c.Versions, ChartVersion{Version: strings.ReplaceAll(t, "_", "+")})
		}
		c.Sort()
		read := map[string]bool{}
		for _, v := range versions {
			read[v] = true
		}
		n := 0
		for _, v := range c.Versions {
			if sv, err := semver.NewVersion(v.Version); err == nil && sv.Prerelease() == "" && n < f.Newest {
				read[v.Version] = true
				n++
			}
		}
		for i := range c.Versions {
			cv := &c.Versions[i]
			if !read[cv.Version] {
				continue
			}
			meta, tgz, err := f.ociChart(repo.Tag(strings.ReplaceAll(cv.Version, "+", "_")), opts, contains(versions, cv.Version))
			if err != nil {
				return nil, err
			}
			cv.AppVersion = meta.AppVersion
			if tgz != nil {
				if err := cv.fromArchive(tgz, chart); err != nil {
					return nil, fmt.Errorf("chart %s %s: %w", chart, cv.Version, err)
				}
			}
		}
		fa.Charts[chart] = c
	}
	return fa, nil
}

// ociChart reads an OCI chart's config and, when archive, its chart archive.
func (f *Fetcher) ociChart(ref name.Tag, opts []remote.Option, archive bool) (*ChartMeta, []byte, error) {
	img, err := remote.Image(ref, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("chart %s: %w", ref, err)
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return nil, nil, fmt.Errorf("chart %s: config: %w", ref, err)
	}
	var meta ChartMeta
	if err := json.Unmarshal(cfg, &meta); err != nil {
		return nil, nil, fmt.Errorf("chart %s: config: %w", ref, err)
	}
	if !f.Archives || !archive {
		return &meta, nil, nil
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, nil, fmt.Errorf("chart %s: %w", ref, err)
	}
	for _, l := range layers {
		mt, err := l.MediaType()
		if err != nil || mt != HelmChartLayer {
			continue
		}
		rc, err := l.Compressed()
		if err != nil {
			return nil, nil, fmt.Errorf("chart %s: %w", ref, err)
		}
		tgz, err := io.ReadAll(io.LimitReader(rc, maxDownload))
		_ = rc.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("chart %s: %w", ref, err)
		}
		return &meta, tgz, nil
	}
	return &meta, nil, nil
}

// fromArchive takes the version's values.schema.json, and its values.yaml when it has
// a schema, out of its chart archive.
func (cv *ChartVersion) fromArchive(tgz []byte, chart string) error {
	cv.Archive = tgz
	var err error
	if cv.SchemaJSON, err = SchemaFromArchive(tgz, chart); err != nil || cv.SchemaJSON == nil {
		return err
	}
	cv.ValuesYAML, err = FileFromArchive(tgz, chart+"/values.yaml")
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func notFound(err error) bool {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return false
	}
	if terr.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range terr.Errors {
		if d.Code == transport.NameUnknownErrorCode {
			return true
		}
	}
	return false
}
