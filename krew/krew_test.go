package krew

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func testRelease() Release {
	r := Release{Version: "v1.2.3"}
	for _, p := range [][2]string{{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"}, {"windows", "amd64"}} {
		ext := ".tar.gz"
		if p[0] == "windows" {
			ext = ".zip"
		}
		r.Platforms = append(r.Platforms, Platform{
			OS: p[0], Arch: p[1], Bin: BinName(p[0]),
			URI:    "https://github.com/openova-io/core/releases/download/v1.2.3/kubectl-openova_v1.2.3_" + p[0] + "_" + p[1] + ext,
			SHA256: strings.Repeat(p[1][:1], 64),
		})
	}
	return r
}

func TestRenderMatchesGolden(t *testing.T) {
	got, err := Render(testRelease())
	require.NoError(t, err)
	golden := filepath.Join("testdata", "openova.golden.yaml")
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./krew -update to create it")
	assert.Equal(t, string(want), string(got), "go test ./krew -update rewrites the golden file")
}

func TestRenderedManifest(t *testing.T) {
	data, err := Render(testRelease())
	require.NoError(t, err)
	m, err := Parse(data)
	require.NoError(t, err)

	assert.Equal(t, "krew.googlecontainertools.github.com/v1alpha2", m.APIVersion)
	assert.Equal(t, "Plugin", m.Kind)
	assert.Equal(t, "openova", m.Metadata.Name)
	assert.Equal(t, "v1.2.3", m.Spec.Version)
	assert.Equal(t, "https://github.com/openova-io/core", m.Spec.Homepage)
	assert.LessOrEqual(t, len(m.Spec.ShortDescription), 50)
	assert.NotContains(t, m.Spec.ShortDescription, "\n")
	for _, line := range strings.Split(m.Spec.Description, "\n") {
		assert.LessOrEqual(t, len(line), 80, line)
	}
	assert.Contains(t, m.Spec.Caveats, "Terraform")
	assert.Contains(t, m.Spec.Caveats, "OpenTofu")
	assert.Contains(t, m.Spec.Caveats, "/store/openova/v1.2.3/kubectl_complete-openova", "where Krew puts the completion script")

	require.Len(t, m.Spec.Platforms, 5)
	win := m.Spec.Platforms[4]
	assert.Equal(t, map[string]string{"os": "windows", "arch": "amd64"}, win.Selector.MatchLabels)
	assert.Equal(t, "kubectl-openova.exe", win.Bin)
	assert.True(t, strings.HasSuffix(win.URI, "_windows_amd64.zip"))
	var files []string
	for _, f := range win.Files {
		files = append(files, f.From+"->"+f.To)
	}
	assert.Equal(t, []string{"kubectl-openova.exe->.", "kubectl_complete-openova->.", "LICENSE->."}, files)
	assert.Equal(t, "kubectl-openova", m.Spec.Platforms[0].Bin)
}

func TestRenderRejects(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Release)
		wantErr string
	}{
		{"version without v", func(r *Release) { r.Version = "1.2.3" }, "not a semantic version"},
		{"no platforms", func(r *Release) { r.Platforms = nil }, "spec.platforms is empty"},
		{"uppercase sha256", func(r *Release) { r.Platforms[0].SHA256 = strings.Repeat("A", 64) }, "lowercase hex"},
		{"short sha256", func(r *Release) { r.Platforms[0].SHA256 = "abc" }, "lowercase hex"},
		{"duplicate platform", func(r *Release) { r.Platforms[1] = r.Platforms[0] }, "listed twice"},
		{"windows bin", func(r *Release) { r.Platforms[4].Bin = "kubectl-openova" }, `not "kubectl-openova.exe"`},
		{"uri that is not a YAML scalar", func(r *Release) { r.Platforms[0].URI = "https://x/a: b" }, "does not parse"},
		{"uri that YAML reads differently", func(r *Release) { r.Platforms[0].URI = "https://x/a #b" }, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRelease()
			tt.mutate(&r)
			_, err := Render(r)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestValidateRules(t *testing.T) {
	data, err := Render(testRelease())
	require.NoError(t, err)
	tests := []struct {
		name    string
		mutate  func(*Manifest)
		wantErr string
	}{
		{"long short description", func(m *Manifest) { m.Spec.ShortDescription = strings.Repeat("x", 51) }, "more than 50"},
		{"two-line short description", func(m *Manifest) { m.Spec.ShortDescription = "a\nb" }, "one non-empty line"},
		{"wide description", func(m *Manifest) { m.Spec.Description += strings.Repeat("y", 81) + "\n" }, "more than 80"},
		{"caveats without OpenTofu", func(m *Manifest) { m.Spec.Caveats = "needs Terraform for bootstrap" }, "do not mention OpenTofu"},
		{"other name", func(m *Manifest) { m.Metadata.Name = "ova" }, "metadata.name"},
		{"other apiVersion", func(m *Manifest) { m.APIVersion = "krew.googlecontainertools.github.com/v1alpha1" }, "apiVersion"},
		{"no LICENSE", func(m *Manifest) { m.Spec.Platforms[2].Files = m.Spec.Platforms[2].Files[:2] }, "does not install LICENSE"},
		{"selector with more keys", func(m *Manifest) { m.Spec.Platforms[0].Selector.MatchLabels["libc"] = "musl" }, "exactly os and arch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(data)
			require.NoError(t, err)
			require.NoError(t, m.Validate())
			tt.mutate(m)
			err = m.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}

	_, err = Parse([]byte("apiVersion: x\nspec:\n  unknownField: 1\n"))
	assert.ErrorContains(t, err, "unknownField", "fields this project does not write are rejected")
}

func TestCompletionScript(t *testing.T) {
	script := string(CompletionScriptContent)
	assert.True(t, strings.HasPrefix(script, "#!/usr/bin/env sh\n"))
	assert.Contains(t, script, `exec kubectl-openova __complete "$@"`)
	info, err := os.Stat(CompletionScript)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), info.Mode().Perm(), "git keeps the executable bit")
	assert.True(t, IsSemver("v0.0.0-test.1"))
	assert.False(t, IsSemver("0.0.0"))
}
