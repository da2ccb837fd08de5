package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/hack/catalog-check/upstream"
)

// fakeChart is one chart version a fake upstream publishes.
type fakeChart struct {
	name, version, appVersion string
	schema                    string            // values.schema.json, "" for none
	templates                 map[string]string // templates/<name>
}

// chartArchive packs a chart the way helm package does: <name>/Chart.yaml and, when
// set, <name>/values.schema.json.
func chartArchive(t *testing.T, c fakeChart) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	add := func(file, body string) {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: c.name + "/" + file, Mode: 0o644, Size: int64(len(body))}))
		_, err := tw.Write([]byte(body))
		require.NoError(t, err)
	}
	add("Chart.yaml", fmt.Sprintf("apiVersion: v2\nname: %s\nversion: %s\nappVersion: %q\n", c.name, c.version, c.appVersion))
	if c.schema != "" {
		add("values.schema.json", c.schema)
	}
	for name, body := range c.templates {
		add("templates/"+name, body)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// serveIndex starts a Helm HTTP repository serving index.yaml and the charts' archives.
func serveIndex(t *testing.T, charts []fakeChart) string {
	t.Helper()
	archives := map[string][]byte{}
	var idx strings.Builder
	idx.WriteString("apiVersion: v1\nentries:\n")
	byName := map[string][]fakeChart{}
	var names []string
	for _, c := range charts {
		if byName[c.name] == nil {
			names = append(names, c.name)
		}
		byName[c.name] = append(byName[c.name], c)
	}
	for _, n := range names {
		fmt.Fprintf(&idx, "  %s:\n", n)
		for _, c := range byName[n] {
			file := fmt.Sprintf("%s-%s.tgz", c.name, c.version)
			archives["/charts/"+file] = chartArchive(t, c)
			fmt.Fprintf(&idx, "  - name: %s\n    version: %s\n    appVersion: %q\n    urls: [%s]\n", c.name, c.version, c.appVersion, file)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/charts/index.yaml" {
			_, _ = w.Write([]byte(idx.String()))
			return
		}
		if b, ok := archives[r.URL.Path]; ok {
			_, _ = w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/charts"
}

// helmManifest is an OCI image manifest as helm push writes it.
type helmManifest []byte

func (m helmManifest) RawManifest() ([]byte, error)        { return m, nil }
func (m helmManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// serveOCI starts an in-process OCI registry and pushes the charts to it the way helm
// push does (config blob = Chart.yaml as JSON, one chart-content layer), returning the
// oci:// repository URL.
func serveOCI(t *testing.T, charts []fakeChart) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(nopLogger())))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, c := range charts {
		repo, err := name.NewRepository(host+"/charts/"+c.name, name.Insecure)
		require.NoError(t, err)
		cfg, err := json.Marshal(upstream.ChartMeta{Name: c.name, Version: c.version, AppVersion: c.appVersion})
		require.NoError(t, err)
		cfgLayer := static.NewLayer(cfg, "application/vnd.cncf.helm.config.v1+json")
		chartLayer := static.NewLayer(chartArchive(t, c), upstream.HelmChartLayer)
		desc := func(l v1.Layer, mt types.MediaType) v1.Descriptor {
			d, err := l.Digest()
			require.NoError(t, err)
			sz, err := l.Size()
			require.NoError(t, err)
			return v1.Descriptor{MediaType: mt, Digest: d, Size: sz}
		}
		for _, l := range []v1.Layer{cfgLayer, chartLayer} {
			require.NoError(t, remote.WriteLayer(repo, l))
		}
		m, err := json.Marshal(v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
			Config: desc(cfgLayer, "application/vnd.cncf.helm.config.v1+json"),
			Layers: []v1.Descriptor{desc(chartLayer, upstream.HelmChartLayer)}})
		require.NoError(t, err)
		require.NoError(t, remote.Put(repo.Tag(strings.ReplaceAll(c.version, "+", "_")), helmManifest(m)))
	}
	return "oci://" + host + "/charts"
}

func nopLogger() *log.Logger { return log.New(io.Discard, "", 0) }
