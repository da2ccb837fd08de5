package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"debug/buildinfo"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/internal/kube"
)

type archiveContent struct {
	names []string
	modes map[string]fs.FileMode
	data  map[string][]byte
}

// readArchive reads a tar.gz or zip and checks that every entry has mtime and no owner.
func readArchive(t *testing.T, path string, mtime time.Time) archiveContent {
	t.Helper()
	c := archiveContent{modes: map[string]fs.FileMode{}, data: map[string][]byte{}}
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		require.NoError(t, err)
		defer zr.Close()
		for _, f := range zr.File {
			c.names = append(c.names, f.Name)
			c.modes[f.Name] = f.Mode()
			assert.True(t, mtime.Equal(f.Modified), "%s: mtime %s, want %s", f.Name, f.Modified, mtime)
			rc, err := f.Open()
			require.NoError(t, err)
			c.data[f.Name], err = io.ReadAll(rc)
			require.NoError(t, err)
			require.NoError(t, rc.Close())
		}
		return c
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		c.names = append(c.names, hdr.Name)
		c.modes[hdr.Name] = fs.FileMode(hdr.Mode)
		assert.True(t, mtime.Equal(hdr.ModTime), "%s: mtime %s, want %s", hdr.Name, hdr.ModTime, mtime)
		assert.Zero(t, hdr.Uid+hdr.Gid, hdr.Name)
		assert.Empty(t, hdr.Uname+hdr.Gname, hdr.Name)
		c.data[hdr.Name], err = io.ReadAll(tr)
		require.NoError(t, err)
	}
	return c
}

// checkBinary checks the executable format and what the Go toolchain recorded in the
// binary: the platform, a static trimmed build, and the version and commit set by the
// linker.
func checkBinary(t *testing.T, bin []byte, goos, arch, commit string) {
	t.Helper()
	magic := map[string][]byte{"linux": []byte("\x7fELF"), "darwin": {0xcf, 0xfa, 0xed, 0xfe}, "windows": []byte("MZ")}[goos]
	require.True(t, bytes.HasPrefix(bin, magic), "%s binary format", goos)
	info, err := buildinfo.Read(bytes.NewReader(bin))
	require.NoError(t, err)
	assert.Equal(t, "github.com/openova-io/core/cmd/kubectl-openova", info.Path)
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	assert.Equal(t, goos, settings["GOOS"])
	assert.Equal(t, arch, settings["GOARCH"])
	assert.Equal(t, "0", settings["CGO_ENABLED"])
	assert.Equal(t, "true", settings["-trimpath"])
	// go build leaves -ldflags out of the build info with -trimpath: look for the values.
	assert.True(t, bytes.Contains(bin, []byte(testVersion)), "the version is in the binary")
	assert.True(t, bytes.Contains(bin, []byte(commit)), "the commit is in the binary")
	assert.Empty(t, settings["vcs.revision"], "no VCS stamp: the commit comes from the linker flags")
}

// completions returns the candidates of cobra's __complete output (one per line, an
// optional tab and description, a last line ":<directive>").
func completions(out string) []string {
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" || strings.HasPrefix(line, ":") {
			continue
		}
		name, _, _ := strings.Cut(line, "\t")
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func images(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, o := range objs {
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		for _, c := range containers {
			out = append(out, c.(map[string]any)["image"].(string))
		}
	}
	return out
}

func byKey(objs []*unstructured.Unstructured) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, o := range objs {
		out[o.GetAPIVersion()+"/"+o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName()] = o.Object
	}
	return out
}

// kustomize runs kubectl kustomize on a copy of manifests/ whose image tag is set to
// version, as `kustomize edit set image` would.
func kustomize(ctx context.Context, t *testing.T, kubectl, root, version string) []*unstructured.Unstructured {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "manifests")
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(root, "manifests"))))
	kpath := filepath.Join(dir, "kustomization.yaml")
	data, err := os.ReadFile(kpath)
	require.NoError(t, err)
	var k map[string]any
	require.NoError(t, yaml.Unmarshal(data, &k))
	imgs, _ := k["images"].([]any)
	require.Len(t, imgs, 1, "manifests/kustomization.yaml sets the operator image")
	img := imgs[0].(map[string]any)
	require.Equal(t, install.Image, img["name"])
	img["newTag"] = version
	data, err = yaml.Marshal(k)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(kpath, data, 0o644))
	res := run(ctx, dir, env("PATH="+os.Getenv("PATH"), "HOME="+t.TempDir()), kubectl, "kustomize", dir)
	require.NoError(t, res.err, "%s", res)
	objs, err := kube.DecodeYAML([]byte(res.stdout))
	require.NoError(t, err)
	return objs
}
