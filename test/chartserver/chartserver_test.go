package chartserver

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

func TestServeIndexAndArchives(t *testing.T) {
	charts, err := Default()
	require.NoError(t, err)
	require.NotEmpty(t, charts)
	s, err := Serve(charts...)
	require.NoError(t, err)
	defer s.Close()

	var index struct {
		Entries map[string][]struct {
			Version, AppVersion, Digest string
			URLs                        []string
		}
	}
	require.NoError(t, yaml.Unmarshal(get(t, s.URL+"/index.yaml"), &index))
	require.Len(t, index.Entries["app"], 4)
	for _, e := range index.Entries["app"] {
		archive := get(t, s.URL+"/"+e.URLs[0])
		sum := sha256.Sum256(archive)
		assert.Equal(t, hex.EncodeToString(sum[:]), e.Digest, "digest of %s", e.URLs[0])
		files := untar(t, archive)
		var meta map[string]any
		require.NoError(t, yaml.Unmarshal(files["app/Chart.yaml"], &meta))
		assert.Equal(t, e.Version, meta["version"])
		assert.Contains(t, files, "app/templates/deployment.yaml")
		if e.Version == "2.0.0" {
			assert.Contains(t, string(files["app/values.yaml"]), "unschedulable: true")
		} else {
			assert.Contains(t, string(files["app/values.yaml"]), "unschedulable: false")
		}
	}
	s.SetFile("catalog.yaml", []byte("kind: Component\n"))
	assert.Equal(t, "kind: Component\n", string(get(t, s.URL+"/catalog.yaml")))
	resp, err := http.Get(s.URL + "/nope-1.0.0.tgz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestPackageIsReproducible(t *testing.T) {
	c := Chart{Name: "grafana", Template: "app", Version: "11.4.0"}
	a, err := Package(c)
	require.NoError(t, err)
	b, err := Package(c)
	require.NoError(t, err)
	assert.Equal(t, a, b)
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return data
}

func untar(t *testing.T, archive []byte) map[string][]byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		files[h.Name] = data
	}
}
