package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/krew"
)

const (
	// DefaultURL is where a release's archives are published: URL/<archive name>.
	DefaultURL = "https://github.com/openova-io/core/releases/download/%s"
	// ManifestFile is the Krew plugin manifest (Krew wants <plugin name>.yaml).
	ManifestFile = krew.PluginName + ".yaml"
	// OperatorFile holds the operator's CRDs, RBAC and Deployment.
	OperatorFile = "openova-operator.yaml"
	// ChecksumsFile lists the SHA-256 of every other artifact, in sha256sum's format.
	ChecksumsFile = "checksums.txt"

	pluginPackage = "./cmd/kubectl-openova"
	versionPkg    = "github.com/openova-io/core/internal/version"
)

// DefaultPlatforms are the platforms of a release.
var DefaultPlatforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64"}

// krewPlatforms are the os/arch pairs Krew knows (validate-krew-manifest's list).
var krewPlatforms = []string{
	"darwin/386", "darwin/amd64", "darwin/arm64",
	"linux/386", "linux/amd64", "linux/arm", "linux/arm64",
	"windows/386", "windows/amd64", "windows/arm64",
}

// minZipTime is the earliest time a zip's MS-DOS timestamps hold.
var minZipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

type options struct {
	Version, Commit string
	// Dist is the output folder; only the release's own files in it are replaced.
	Dist string
	// URL is the base of the archives' download URLs.
	URL       string
	Platforms []Platform
	// ModTime is the modification time of the files in the archives.
	ModTime time.Time
	// Root is the repository's root.
	Root string
}

// Platform is a GOOS/GOARCH pair.
type Platform struct{ OS, Arch string }

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// ArchiveName returns the name of the platform's archive of a version.
func (p Platform) ArchiveName(version string) string {
	ext := ".tar.gz"
	if p.OS == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("kubectl-openova_%s_%s_%s%s", version, p.OS, p.Arch, ext)
}

// ParsePlatforms parses os/arch pairs separated by spaces or commas.
func ParsePlatforms(s string) ([]Platform, error) {
	var out []Platform
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if !slices.Contains(krewPlatforms, f) {
			return nil, fmt.Errorf("platform %q is not an os/arch pair Krew supports (%s)", f, strings.Join(krewPlatforms, ", "))
		}
		osName, arch, _ := strings.Cut(f, "/")
		p := Platform{osName, arch}
		if slices.Contains(out, p) {
			return nil, fmt.Errorf("platform %s is listed twice", f)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, errors.New("no platforms to build")
	}
	return out, nil
}

// ValidateVersion checks that a release version is a semantic version with a leading v
// that is also the operator's image tag.
func ValidateVersion(v string) error {
	if !krew.IsSemver(v) {
		return fmt.Errorf("VERSION %q is not a semantic version with a leading v: use e.g. make release VERSION=v1.2.3 (or v1.2.3-rc.1)", v)
	}
	if strings.Contains(v, "+") {
		return fmt.Errorf("VERSION %q carries build metadata (+...): the operator's image tag is the version, and image tags cannot hold '+'", v)
	}
	if install.ImageTag(v) != v {
		return fmt.Errorf("VERSION %q looks like a build of a modified tree (the operator image would be %q): release from a clean commit", v, install.ImageTag(v))
	}
	return nil
}

func (o *options) validate() error {
	if err := ValidateVersion(o.Version); err != nil {
		return err
	}
	if o.Commit == "" {
		return errors.New("the commit is required (-commit; make release sets it from git)")
	}
	if o.Dist == "" {
		return errors.New("the output folder is required (-dist)")
	}
	if len(o.Platforms) == 0 {
		return errors.New("no platforms to build")
	}
	if o.URL == "" {
		o.URL = fmt.Sprintf(DefaultURL, o.Version)
	}
	o.URL = strings.TrimSuffix(o.URL, "/")
	if !strings.HasPrefix(o.URL, "https://") && !strings.HasPrefix(o.URL, "http://") {
		return fmt.Errorf("the download URL %q is not an http(s) URL", o.URL)
	}
	if o.ModTime.Before(minZipTime) {
		o.ModTime = minZipTime
	}
	o.ModTime = o.ModTime.UTC()
	if o.Root == "" {
		o.Root = "."
	}
	return nil
}

// run builds the release and returns the artifacts' paths.
func run(ctx context.Context, o options, log io.Writer) ([]string, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	license, err := os.ReadFile(filepath.Join(o.Root, "LICENSE"))
	if err != nil {
		return nil, fmt.Errorf("read the LICENSE the archives ship: %w", err)
	}
	if err := os.MkdirAll(o.Dist, 0o755); err != nil {
		return nil, err
	}
	if err := removeOldArtifacts(o.Dist); err != nil {
		return nil, err
	}
	buildDir, err := os.MkdirTemp("", "openova-release-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(buildDir)

	release := krew.Release{Version: o.Version}
	var names []string
	for _, p := range o.Platforms {
		fmt.Fprintf(log, "building kubectl-openova %s for %s\n", o.Version, p)
		bin, err := buildPlugin(ctx, o, p, buildDir)
		if err != nil {
			return nil, err
		}
		binData, err := os.ReadFile(bin)
		if err != nil {
			return nil, err
		}
		name := p.ArchiveName(o.Version)
		files := []archiveFile{
			{Name: krew.BinName(p.OS), Mode: 0o755, Data: binData},
			{Name: krew.CompletionScript, Mode: 0o755, Data: krew.CompletionScriptContent},
			{Name: "LICENSE", Mode: 0o644, Data: license},
		}
		data, err := writeArchive(name, files, o.ModTime)
		if err != nil {
			return nil, fmt.Errorf("pack %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(o.Dist, name), data, 0o644); err != nil {
			return nil, err
		}
		release.Platforms = append(release.Platforms, krew.Platform{
			OS: p.OS, Arch: p.Arch, URI: o.URL + "/" + name, SHA256: sha256Hex(data), Bin: krew.BinName(p.OS),
		})
		names = append(names, name)
	}

	manifest, err := krew.Render(release)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Dist, ManifestFile), manifest, 0o644); err != nil {
		return nil, err
	}
	names = append(names, ManifestFile)

	operator, err := OperatorManifest(o.Version)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Dist, OperatorFile), operator, 0o644); err != nil {
		return nil, err
	}
	names = append(names, OperatorFile)

	sums, err := checksums(o.Dist, names)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Dist, ChecksumsFile), sums, 0o644); err != nil {
		return nil, err
	}
	names = append(names, ChecksumsFile)

	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = filepath.Join(o.Dist, n)
	}
	return paths, nil
}

// buildPlugin cross-compiles kubectl-openova: static (no cgo), without local paths or VCS
// stamps, with the version and commit set by the linker, so that the same commit and
// toolchain give the same binary.
func buildPlugin(ctx context.Context, o options, p Platform, buildDir string) (string, error) {
	out := filepath.Join(buildDir, p.OS+"_"+p.Arch, krew.BinName(p.OS))
	ldflags := fmt.Sprintf("-s -w -X %s.Version=%s -X %s.Commit=%s", versionPkg, o.Version, versionPkg, o.Commit)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, pluginPackage)
	cmd.Dir = o.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Arch, "GOFLAGS=-mod=readonly")
	if output, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s for %s: %w\n%s", pluginPackage, p, err, output)
	}
	return out, nil
}

// OperatorManifest renders the operator's objects for a version: the same objects
// kubectl openova bootstrap installs (package install), with the image tag set to it.
func OperatorManifest(version string) ([]byte, error) {
	objs, err := install.OperatorObjects(version)
	if err != nil {
		return nil, fmt.Errorf("operator manifests: %w", err)
	}
	body, err := install.RenderYAML(objs)
	if err != nil {
		return nil, fmt.Errorf("operator manifests: %w", err)
	}
	header := fmt.Sprintf("# The openova operator %s: CRDs, RBAC and Deployment (image %s:%s).\n"+
		"# kubectl apply --server-side -f %s\n", version, install.Image, install.ImageTag(version), OperatorFile)
	return append([]byte(header), body...), nil
}

// removeOldArtifacts deletes what an earlier release left in dist, and nothing else.
func removeOldArtifacts(dist string) error {
	old, err := filepath.Glob(filepath.Join(dist, "kubectl-openova_*"))
	if err != nil {
		return err
	}
	for _, n := range []string{ManifestFile, OperatorFile, ChecksumsFile} {
		old = append(old, filepath.Join(dist, n))
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// checksums returns sha256sum's output for the named files of dir, sorted by name, so
// `sha256sum -c checksums.txt` checks a download.
func checksums(dir string, names []string) ([]byte, error) {
	sorted := slices.Clone(names)
	sort.Strings(sorted)
	var b strings.Builder
	for _, n := range sorted {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%s  %s\n", sha256Hex(data), n)
	}
	return []byte(b.String()), nil
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
