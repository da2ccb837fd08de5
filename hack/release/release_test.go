package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/internal/kube"
)

func TestValidateVersion(t *testing.T) {
	tests := []struct {
		version string
		wantErr string
	}{
		{"v1.2.3", ""},
		{"v0.0.0-test.1", ""},
		{"v1.2.3-rc.1", ""},
		{"v10.20.30", ""},
		{"1.2.3", "not a semantic version with a leading v"},
		{"v1.2", "not a semantic version"},
		{"v01.2.3", "not a semantic version"},
		{"vv1.2.3", "not a semantic version"},
		{"c8590c1", "not a semantic version"},
		{"", "not a semantic version"},
		{"v1.2.3+build.5", "build metadata"},
		{"v1.2.3-4-gabcdef0-dirty", "modified tree"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			err := ValidateVersion(tt.version)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), "VERSION")
		})
	}
}

func TestParsePlatforms(t *testing.T) {
	ps, err := ParsePlatforms(strings.Join(DefaultPlatforms, " "))
	require.NoError(t, err)
	require.Len(t, ps, 5)
	assert.Equal(t, Platform{"windows", "amd64"}, ps[4])
	assert.Equal(t, "kubectl-openova_v1.0.0_windows_amd64.zip", ps[4].ArchiveName("v1.0.0"))
	assert.Equal(t, "kubectl-openova_v1.0.0_darwin_arm64.tar.gz", ps[3].ArchiveName("v1.0.0"))

	ps, err = ParsePlatforms("linux/amd64, darwin/arm64")
	require.NoError(t, err)
	assert.Equal(t, []Platform{{"linux", "amd64"}, {"darwin", "arm64"}}, ps)

	for in, want := range map[string]string{
		"":                        "no platforms",
		"linux/s390x":             "not an os/arch pair Krew supports",
		"linux":                   "not an os/arch pair",
		"linux/amd64 linux/amd64": "listed twice",
	} {
		_, err := ParsePlatforms(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := options{Version: "v1.2.3", Commit: "abc", Dist: "d", Platforms: []Platform{{"linux", "amd64"}}}
	require.NoError(t, o.validate())
	assert.Equal(t, "https://github.com/openova-io/core/releases/download/v1.2.3", o.URL)
	assert.Equal(t, minZipTime, o.ModTime, "no time given: the earliest a zip holds")

	o = options{Version: "v1.2.3", Commit: "abc", Dist: "d", Platforms: []Platform{{"linux", "amd64"}}, URL: "ftp://x"}
	assert.ErrorContains(t, o.validate(), "not an http(s) URL")
	o = options{Version: "v1.2.3", Dist: "d", Platforms: []Platform{{"linux", "amd64"}}}
	assert.ErrorContains(t, o.validate(), "commit is required")
}

var testFiles = []archiveFile{
	{Name: "kubectl-openova", Mode: 0o755, Data: []byte("\x7fELF binary")},
	{Name: "kubectl_complete-openova", Mode: 0o755, Data: []byte("#!/bin/sh\n")},
	{Name: "LICENSE", Mode: 0o644, Data: []byte("Apache License\n")},
}

func TestTarGzIsReproducible(t *testing.T) {
	mtime := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	a, err := writeArchive("x.tar.gz", testFiles, mtime)
	require.NoError(t, err)
	b, err := writeArchive("x.tar.gz", testFiles, mtime)
	require.NoError(t, err)
	assert.Equal(t, a, b, "same files and time, same bytes")
	c, err := writeArchive("x.tar.gz", testFiles, mtime.Add(time.Second))
	require.NoError(t, err)
	assert.NotEqual(t, a, c)

	gz, err := gzip.NewReader(bytes.NewReader(a))
	require.NoError(t, err)
	assert.True(t, gz.ModTime.IsZero(), "no time in the gzip header")
	assert.Empty(t, gz.Name)
	tr := tar.NewReader(gz)
	for _, want := range testFiles {
		hdr, err := tr.Next()
		require.NoError(t, err)
		assert.Equal(t, want.Name, hdr.Name)
		assert.Equal(t, byte(tar.TypeReg), hdr.Typeflag)
		assert.Equal(t, int64(want.Mode), hdr.Mode)
		assert.True(t, mtime.Equal(hdr.ModTime))
		assert.Zero(t, hdr.Uid)
		assert.Zero(t, hdr.Gid)
		assert.Empty(t, hdr.Uname)
		assert.Empty(t, hdr.Gname)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		assert.Equal(t, want.Data, data)
	}
	_, err = tr.Next()
	assert.ErrorIs(t, err, io.EOF)
}

func TestZipIsReproducible(t *testing.T) {
	mtime := time.Date(2026, 3, 4, 5, 6, 8, 0, time.UTC)
	a, err := writeArchive("x.zip", testFiles, mtime)
	require.NoError(t, err)
	b, err := writeArchive("x.zip", testFiles, mtime)
	require.NoError(t, err)
	assert.Equal(t, a, b)

	zr, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	require.NoError(t, err)
	require.Len(t, zr.File, len(testFiles))
	for i, f := range zr.File {
		assert.Equal(t, testFiles[i].Name, f.Name)
		assert.Equal(t, testFiles[i].Mode, f.Mode())
		assert.True(t, mtime.Equal(f.Modified), "%s: %s", f.Name, f.Modified)
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		assert.Equal(t, testFiles[i].Data, data)
	}

	_, err = writeArchive("x.rar", testFiles, mtime)
	assert.ErrorContains(t, err, "unknown archive type")
}

func TestOperatorManifestIsWhatBootstrapInstalls(t *testing.T) {
	data, err := OperatorManifest("v2.3.4")
	require.NoError(t, err)
	objs, err := kube.DecodeYAML(data)
	require.NoError(t, err)
	want, err := install.OperatorObjects("v2.3.4")
	require.NoError(t, err)
	require.Len(t, objs, len(want))
	for i := range want {
		assert.Equal(t, want[i].Object, objs[i].Object, "%s %s", want[i].GetKind(), want[i].GetName())
	}
	assert.Contains(t, string(data), "image: ghcr.io/openova-io/openova-operator:v2.3.4\n")
}

func TestRemoveOldArtifactsLeavesOtherFiles(t *testing.T) {
	dist := t.TempDir()
	for _, n := range []string{"kubectl-openova_v1.0.0_linux_amd64.tar.gz", "openova.yaml", "openova-operator.yaml", "checksums.txt", "notes.md"} {
		require.NoError(t, os.WriteFile(filepath.Join(dist, n), nil, 0o644))
	}
	require.NoError(t, removeOldArtifacts(dist))
	left, err := os.ReadDir(dist)
	require.NoError(t, err)
	require.Len(t, left, 1)
	assert.Equal(t, "notes.md", left[0].Name())
}
