package main

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

const testCerts = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

func testOptions(t *testing.T) options {
	t.Helper()
	certs := filepath.Join(t.TempDir(), "ca.crt")
	require.NoError(t, os.WriteFile(certs, []byte(testCerts), 0o644))
	return options{Layout: filepath.Join(t.TempDir(), "img"), CACertificates: certs, Repository: DefaultRepository, Platforms: DefaultPlatforms}
}

// files reads the layer: name → header and content.
func files(t *testing.T, rc io.ReadCloser) map[string]*tar.Header {
	t.Helper()
	defer rc.Close()
	out := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out[h.Name] = h
	}
}

func TestWriteBase(t *testing.T) {
	o := testOptions(t)
	ref, err := Write(o)
	require.NoError(t, err)
	assert.Equal(t, DefaultRepository, ref.Context().String())

	// The same inputs give the same digest, and writing again adds nothing to the layout.
	again, err := Write(o)
	require.NoError(t, err)
	assert.Equal(t, ref, again)
	p, err := layout.FromPath(o.Layout)
	require.NoError(t, err)
	top, err := p.ImageIndex()
	require.NoError(t, err)
	im, err := top.IndexManifest()
	require.NoError(t, err)
	require.Len(t, im.Manifests, 3, "two platform images and their index, each once")

	h, err := v1.NewHash(ref.DigestStr())
	require.NoError(t, err)
	idx, err := top.ImageIndex(h)
	require.NoError(t, err)
	manifests, err := idx.IndexManifest()
	require.NoError(t, err)

	var platforms []string
	for _, desc := range manifests.Manifests {
		platforms = append(platforms, desc.Platform.String())
		img, err := idx.Image(desc.Digest)
		require.NoError(t, err)
		cfg, err := img.ConfigFile()
		require.NoError(t, err)
		assert.Equal(t, desc.Platform.Architecture, cfg.Architecture)
		assert.Equal(t, "linux", cfg.OS)
		assert.Equal(t, "65532:65532", cfg.Config.User, "numeric, so that runAsNonRoot can verify it")
		assert.Empty(t, cfg.Config.Entrypoint, "ko sets the entrypoint")
		assert.Contains(t, cfg.Config.Env, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt")

		layers, err := img.Layers()
		require.NoError(t, err)
		require.Len(t, layers, 1)
		rc, err := layers[0].Uncompressed()
		require.NoError(t, err)
		fs := files(t, rc)
		for _, name := range []string{"etc/passwd", "etc/group", CACertificatesPath, "home/nonroot/", "tmp/"} {
			assert.Contains(t, fs, name)
		}
		assert.Equal(t, 65532, fs["home/nonroot/"].Uid)
		for name, h := range fs {
			if h.Typeflag == tar.TypeReg {
				assert.Zero(t, h.Mode&0o111, "%s: nothing in the base is executable", name)
			}
			assert.False(t, strings.HasPrefix(name, "bin/") || strings.HasPrefix(name, "usr/"), "%s: no shell, no binaries", name)
		}
	}
	assert.ElementsMatch(t, []string{"linux/amd64", "linux/arm64"}, platforms)
}

func TestLayerContents(t *testing.T) {
	layer, err := Layer([]byte(testCerts))
	require.NoError(t, err)
	rc, err := layer.Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	tr := tar.NewReader(rc)
	contents := map[string]string{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		contents[h.Name] = string(data)
	}
	assert.Equal(t, testCerts, contents[CACertificatesPath])
	assert.Contains(t, contents["etc/passwd"], "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")
	assert.Contains(t, contents["etc/group"], "nonroot:x:65532:\n")
}

func TestIndexErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(*options)
		want   string
	}{
		{"missing certificates", func(o *options) { o.CACertificates = "/nonexistent/ca.crt" }, "install Debian's ca-certificates package"},
		{"not PEM", func(o *options) { require.NoError(t, os.WriteFile(o.CACertificates, []byte("hello"), 0o644)) }, "no PEM certificate"},
		{"bad platform", func(o *options) { o.Platforms = []string{"windows/amd64"} }, "want linux/<arch>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOptions(t)
			tt.change(&o)
			_, err := Index(o)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// .ko.yaml builds the operator as the Dockerfile did: static, without local paths, stripped,
// with the version stamped.
func TestKoConfig(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", ".ko.yaml"))
	require.NoError(t, err)
	var cfg struct {
		DefaultBaseImage string   `json:"defaultBaseImage"`
		DefaultPlatforms []string `json:"defaultPlatforms"`
		Builds           []struct {
			ID      string   `json:"id"`
			Main    string   `json:"main"`
			Env     []string `json:"env"`
			Flags   []string `json:"flags"`
			Ldflags []string `json:"ldflags"`
		} `json:"builds"`
	}
	require.NoError(t, yaml.UnmarshalStrict(data, &cfg))
	assert.Empty(t, cfg.DefaultBaseImage, "the base is made by make image (KO_DEFAULTBASEIMAGE), never pulled")
	assert.Equal(t, DefaultPlatforms, cfg.DefaultPlatforms)
	require.Len(t, cfg.Builds, 1)
	b := cfg.Builds[0]
	assert.Equal(t, "./cmd/openova-operator", b.Main)
	assert.Contains(t, b.Env, "CGO_ENABLED=0")
	assert.Contains(t, b.Flags, "-trimpath")
	ldflags := strings.Join(b.Ldflags, " ")
	assert.Contains(t, ldflags, "-X github.com/openova-io/core/internal/version.Version={{.Env.VERSION}}")
	assert.Contains(t, ldflags, "-X github.com/openova-io/core/internal/version.Commit={{.Env.COMMIT}}")
}
