// Package krew renders and checks the Krew plugin manifest of kubectl openova
// (openova.yaml.tmpl), and embeds kubectl_complete-openova, the completion script the
// release archives ship.
package krew

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"sigs.k8s.io/yaml"
)

const (
	// APIVersion is the apiVersion of Krew plugin manifests.
	APIVersion = "krew.googlecontainertools.github.com/v1alpha2"
	// PluginName is the plugin's name in Krew: kubectl krew install openova.
	PluginName = "openova"
	// Homepage is the plugin's homepage.
	Homepage = "https://github.com/openova-io/core"
	// CompletionScript is the name of the completion script kubectl runs for the plugin.
	CompletionScript = "kubectl_complete-openova"
	// MaxShortDescription is the longest shortDescription that fits kubectl krew search.
	MaxShortDescription = 50
	// MaxDescriptionWidth is the column description lines are wrapped at.
	MaxDescriptionWidth = 80
)

var (
	//go:embed openova.yaml.tmpl
	manifestTemplate string
	// CompletionScriptContent is kubectl_complete-openova.
	//
	//go:embed kubectl_complete-openova
	CompletionScriptContent []byte

	tmpl = template.Must(template.New("openova.yaml").Option("missingkey=error").Parse(manifestTemplate))

	// semverRE is semver 2.0 with a leading v (https://semver.org, the suggested regexp).
	semverRE = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
		`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
		`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
	sha256RE = regexp.MustCompile(`^[a-f0-9]{64}$`)
)

// IsSemver reports whether v is a semantic version with a leading v (v1.2.3, v1.2.3-rc.1).
func IsSemver(v string) bool { return semverRE.MatchString(v) }

// Release is what a manifest is rendered from.
type Release struct {
	// Version is the release's version, a semantic version with a leading v.
	Version string
	// Platforms holds one entry per archive.
	Platforms []Platform
}

// Platform is one archive of the release.
type Platform struct {
	OS, Arch string
	// URI is where Krew downloads the archive.
	URI string
	// SHA256 is the archive's checksum, lowercase hex.
	SHA256 string
	// Bin is the binary's name in the archive: kubectl-openova, or kubectl-openova.exe.
	Bin string
}

// BinName returns the plugin binary's file name on an OS.
func BinName(goos string) string {
	if goos == "windows" {
		return "kubectl-openova.exe"
	}
	return "kubectl-openova"
}

// Render renders the plugin manifest of a release and checks the result with Validate.
func Render(r Release) ([]byte, error) {
	var b bytes.Buffer
	data := struct {
		Release
		Homepage, CompletionScript string
	}{r, Homepage, CompletionScript}
	if err := tmpl.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("render the krew manifest: %w", err)
	}
	m, err := Parse(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("the rendered krew manifest does not parse: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("the rendered krew manifest is invalid: %w", err)
	}
	// Values that YAML would read differently than written (a URI with ": ") show here.
	if m.Spec.Version != r.Version || len(m.Spec.Platforms) != len(r.Platforms) {
		return nil, errors.New("the rendered krew manifest does not hold the release's version and platforms")
	}
	for i, p := range r.Platforms {
		got := m.Spec.Platforms[i]
		if got.URI != p.URI || got.SHA256 != p.SHA256 || got.Bin != p.Bin ||
			got.Selector.MatchLabels["os"] != p.OS || got.Selector.MatchLabels["arch"] != p.Arch {
			return nil, fmt.Errorf("the rendered krew manifest's platform %d does not match %s/%s %s", i, p.OS, p.Arch, p.URI)
		}
	}
	return b.Bytes(), nil
}

// Manifest is the part of a Krew plugin manifest this project writes.
type Manifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec Spec `json:"spec"`
}

// Spec is a plugin manifest's spec.
type Spec struct {
	Version          string             `json:"version"`
	Homepage         string             `json:"homepage"`
	ShortDescription string             `json:"shortDescription"`
	Description      string             `json:"description"`
	Caveats          string             `json:"caveats"`
	Platforms        []ManifestPlatform `json:"platforms"`
}

// ManifestPlatform is one entry of spec.platforms.
type ManifestPlatform struct {
	Selector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	} `json:"selector"`
	URI    string `json:"uri"`
	SHA256 string `json:"sha256"`
	Files  []struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"files"`
	Bin string `json:"bin"`
}

// Parse decodes a plugin manifest, rejecting fields this project does not write.
func Parse(data []byte) (*Manifest, error) {
	m := &Manifest{}
	if err := yaml.UnmarshalStrict(data, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Validate checks what Krew's own validation checks and this project's rules on top:
// a short description that fits krew search, a description wrapped at 80 columns, caveats
// naming bootstrap's prerequisites, and every platform shipping the binary, the completion
// script and the LICENSE.
func (m *Manifest) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	s := m.Spec
	check(m.APIVersion == APIVersion, "apiVersion is %q, not %q", m.APIVersion, APIVersion)
	check(m.Kind == "Plugin", "kind is %q, not Plugin", m.Kind)
	check(m.Metadata.Name == PluginName, "metadata.name is %q, not %q", m.Metadata.Name, PluginName)
	check(IsSemver(s.Version), "spec.version %q is not a semantic version with a leading v", s.Version)
	check(strings.HasPrefix(s.Homepage, "https://"), "spec.homepage %q is not an https URL", s.Homepage)
	check(s.ShortDescription != "" && !strings.ContainsAny(s.ShortDescription, "\r\n"), "spec.shortDescription must be one non-empty line")
	check(len(s.ShortDescription) <= MaxShortDescription, "spec.shortDescription is %d characters, more than %d", len(s.ShortDescription), MaxShortDescription)
	check(strings.TrimSpace(s.Description) != "", "spec.description is empty")
	for i, line := range strings.Split(s.Description, "\n") {
		check(len([]rune(line)) <= MaxDescriptionWidth, "spec.description line %d is %d columns, more than %d", i+1, len([]rune(line)), MaxDescriptionWidth)
	}
	for _, word := range []string{"bootstrap", "Terraform", "OpenTofu"} {
		check(strings.Contains(s.Caveats, word), "spec.caveats do not mention %s", word)
	}
	check(len(s.Platforms) > 0, "spec.platforms is empty")
	seen := map[string]bool{}
	for i, p := range s.Platforms {
		goos, arch := p.Selector.MatchLabels["os"], p.Selector.MatchLabels["arch"]
		check(goos != "" && arch != "" && len(p.Selector.MatchLabels) == 2, "spec.platforms[%d].selector.matchLabels must be exactly os and arch", i)
		check(!seen[goos+"/"+arch], "spec.platforms[%d]: %s/%s is listed twice", i, goos, arch)
		seen[goos+"/"+arch] = true
		check(p.URI != "", "spec.platforms[%d].uri is empty", i)
		check(sha256RE.MatchString(p.SHA256), "spec.platforms[%d].sha256 %q is not a lowercase hex SHA-256", i, p.SHA256)
		check(p.Bin == BinName(goos), "spec.platforms[%d].bin is %q, not %q", i, p.Bin, BinName(goos))
		var from []string
		for _, f := range p.Files {
			check(f.From != "" && f.To != "", "spec.platforms[%d].files needs from and to", i)
			from = append(from, f.From)
		}
		for _, want := range []string{p.Bin, CompletionScript, "LICENSE"} {
			check(slices.Contains(from, want), "spec.platforms[%d].files does not install %s", i, want)
		}
	}
	return errors.Join(errs...)
}
