package upstream

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// GitSource says where a chart repository's facts can be read in a GitHub repository
// when the chart repository itself cannot be reached (the -from-git mode). It is
// written by hand in hack/catalog-check/sources.yaml, one per chart repository.
type GitSource struct {
	// Repository is the chart repository URL the catalog names.
	Repository string `json:"repository"`
	// GitHub is the owner/name of the GitHub repository that publishes it.
	GitHub string `json:"github"`
	// Note says why the facts can be read this way (how the chart is built and published).
	Note   string     `json:"note,omitempty"`
	Charts []GitChart `json:"charts"`
}

// GitChart is how one chart's versions are read. Exactly one of Index, Tags or History.
type GitChart struct {
	Name string `json:"name"`
	// Index is "<ref>:<path>" of the index.yaml the chart repository serves (a gh-pages branch).
	Index string `json:"index,omitempty"`
	// Tags is a regular expression of the release tags of the chart; VersionFrom says how
	// a tag gives the chart version and appVersion: "chart" (Chart.yaml at the tag, in
	// ChartDir), "tag" (both are the tag) or "tag-without-v".
	Tags        string `json:"tags,omitempty"`
	VersionFrom string `json:"versionFrom,omitempty"`
	ChartDir    string `json:"chartDir,omitempty"`
	// History is "<ref>:<path to Chart.yaml>": every commit that changed it is a release
	// (repositories that publish each merge to the default branch).
	History string `json:"history,omitempty"`
	// Schema is "<rev>:<path>" of a version's values.schema.json, with {version}, {tag}
	// or {commit} replaced; SchemaArchive is "<rev>:<path>" of the chart archive that
	// holds it.
	Schema        string `json:"schema,omitempty"`
	SchemaArchive string `json:"schemaArchive,omitempty"`
}

// ReadSources reads a sources file.
func ReadSources(file string) ([]GitSource, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []GitSource
	if err := yaml.UnmarshalStrict(b, &out); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return out, nil
}

// GitReader reads facts from GitHub repositories fetched as bare git directories under
// Mirror (<Mirror>/<owner>+<name>/repo, the layout the search tool's fetch uses).
type GitReader struct {
	Mirror string
	// MaxHistory bounds how many commits of a History chart are read.
	MaxHistory int
}

type gitDir string

func (g gitDir) run(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"--git-dir", string(g)}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func (g gitDir) show(ctx context.Context, spec string) ([]byte, bool) {
	out, err := g.run(ctx, "show", spec)
	return out, err == nil
}

func (g gitDir) commit(ctx context.Context, rev string) string {
	out, err := g.run(ctx, "rev-parse", rev+"^{commit}")
	if err != nil {
		return rev
	}
	return strings.TrimSpace(string(out))
}

// Read returns the facts of src's charts (trimmed by the caller).
func (r *GitReader) Read(ctx context.Context, src GitSource, wanted map[string][]string) (*Facts, error) {
	owner, repoName, ok := strings.Cut(src.GitHub, "/")
	if !ok {
		return nil, fmt.Errorf("source %s: github %q is not owner/name", src.Repository, src.GitHub)
	}
	g := gitDir(filepath.Join(r.Mirror, owner+"+"+repoName, "repo"))
	if _, err := os.Stat(string(g)); err != nil {
		return nil, fmt.Errorf("source %s: %w (fetch github:%s first)", src.Repository, err, src.GitHub)
	}
	fa := &Facts{Repository: src.Repository, Source: "github.com/" + src.GitHub, Charts: map[string]*Chart{}}
	for _, gc := range src.Charts {
		if _, ok := wanted[gc.Name]; !ok {
			continue
		}
		c, err := r.readChart(ctx, g, src, gc, wanted[gc.Name])
		if err != nil {
			return nil, fmt.Errorf("source %s chart %s: %w", src.Repository, gc.Name, err)
		}
		fa.Charts[gc.Name] = c
	}
	return fa, nil
}

func (r *GitReader) readChart(ctx context.Context, g gitDir, src GitSource, gc GitChart, wanted []string) (*Chart, error) {
	c := &Chart{}
	revOf := map[string]string{} // version -> tag or commit its files are read at
	switch {
	case gc.Index != "":
		ref, _, _ := strings.Cut(gc.Index, ":")
		b, ok := g.show(ctx, gc.Index)
		if !ok {
			return nil, fmt.Errorf("no %s", gc.Index)
		}
		idx, err := ParseIndex(b)
		if err != nil {
			return nil, err
		}
		ch := ChartsFromIndex(idx, map[string][]string{gc.Name: nil})[gc.Name]
		if ch == nil {
			return nil, fmt.Errorf("%s has no chart %s", gc.Index, gc.Name)
		}
		c = ch
		c.Source = fmt.Sprintf("github.com/%s@%s %s", src.GitHub, g.commit(ctx, ref), gc.Index)
	case gc.Tags != "":
		re, err := regexp.Compile(gc.Tags)
		if err != nil {
			return nil, err
		}
		out, err := g.run(ctx, "tag", "--list")
		if err != nil {
			return nil, err
		}
		for _, tag := range strings.Fields(string(out)) {
			if !re.MatchString(tag) {
				continue
			}
			var cv ChartVersion
			switch gc.VersionFrom {
			case "tag":
				cv = ChartVersion{Version: tag, AppVersion: tag}
			case "tag-without-v":
				v := strings.TrimPrefix(tag, "v")
				cv = ChartVersion{Version: v, AppVersion: v}
			case "chart", "":
				b, ok := g.show(ctx, tag+":"+gc.ChartDir+"/Chart.yaml")
				if !ok {
					continue
				}
				var m ChartMeta
				if err := yaml.Unmarshal(b, &m); err != nil {
					return nil, fmt.Errorf("%s:%s/Chart.yaml: %w", tag, gc.ChartDir, err)
				}
				cv = ChartVersion{Version: m.Version, AppVersion: m.AppVersion}
			default:
				return nil, fmt.Errorf("versionFrom %q", gc.VersionFrom)
			}
			c.Versions = append(c.Versions, cv)
			revOf[cv.Version] = tag
		}
		c.Source = fmt.Sprintf("github.com/%s release tags %s", src.GitHub, gc.Tags)
		if gc.ChartDir != "" {
			c.Source += " (" + gc.ChartDir + "/Chart.yaml)"
		}
	case gc.History != "":
		ref, file, _ := strings.Cut(gc.History, ":")
		max := r.MaxHistory
		if max == 0 {
			max = 300
		}
		out, err := g.run(ctx, "log", "--format=%H", fmt.Sprintf("-n%d", max), ref, "--", file)
		if err != nil {
			return nil, err
		}
		for _, commit := range strings.Fields(string(out)) {
			b, ok := g.show(ctx, commit+":"+file)
			if !ok {
				continue
			}
			var m ChartMeta
			if err := yaml.Unmarshal(b, &m); err != nil || m.Version == "" {
				continue
			}
			if _, seen := revOf[m.Version]; seen {
				continue // newest first: keep the commit that released it last
			}
			c.Versions = append(c.Versions, ChartVersion{Version: m.Version, AppVersion: m.AppVersion})
			revOf[m.Version] = commit
		}
		c.Source = fmt.Sprintf("github.com/%s@%s history of %s", src.GitHub, g.commit(ctx, ref), file)
	default:
		return nil, fmt.Errorf("neither index, tags nor history")
	}
	c.Sort()
	for _, v := range wanted {
		cv, ok := c.Find(v)
		if !ok {
			continue
		}
		repl := strings.NewReplacer("{version}", v, "{tag}", revOf[v], "{commit}", revOf[v])
		switch {
		case gc.Schema != "":
			spec := repl.Replace(gc.Schema)
			if b, ok := g.show(ctx, spec); ok {
				cv.SchemaJSON = b
				cv.ValuesYAML, _ = g.show(ctx, strings.TrimSuffix(spec, "values.schema.json")+"values.yaml")
			}
		case gc.SchemaArchive != "":
			if tgz, ok := g.show(ctx, repl.Replace(gc.SchemaArchive)); ok {
				if err := cv.fromArchive(tgz, gc.Name); err != nil {
					return nil, err
				}
			}
		}
	}
	return c, nil
}
