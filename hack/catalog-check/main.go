// Command catalog-check holds the shipped catalog (catalog/data) against the chart
// repositories it names: every chart must exist, every chart version must be published,
// and the appVersion the catalog pairs with a chart version must be the one the chart
// declares. It fails (exit 1) on any reference upstream does not bear out.
//
//	go run ./hack/catalog-check                       # fetch every index.yaml / OCI tag list (network)
//	go run ./hack/catalog-check -recorded catalog/testdata/upstream   # offline, against the recording
//	go run ./hack/catalog-check -record catalog/testdata/upstream     # fetch and record the trimmed facts
//	go run ./hack/catalog-check -from-git /work/.mirror -record catalog/testdata/upstream
//
// -from-git reads the facts from GitHub repositories fetched as bare git directories
// (<dir>/<owner>+<name>/repo): the index.yaml of a gh-pages branch, a chart's release
// tags, or its Chart.yaml history, as hack/catalog-check/sources.yaml says per chart
// repository. It is how the first recording was made, on a machine without internet.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"time"

	"github.com/openova-io/core/hack/catalog-check/upstream"
)

type options struct {
	catalog  string
	recorded string
	record   string
	fromGit  string
	sources  string
	newest   int
	timeout  time.Duration
	verbose  bool
	images   bool

	// set by tests
	client   *http.Client
	insecure bool
}

func main() {
	var o options
	flag.StringVar(&o.catalog, "catalog", "catalog/data", "directory of the catalog documents to check")
	flag.StringVar(&o.recorded, "recorded", "", "check against the facts recorded in this directory instead of upstream")
	flag.StringVar(&o.record, "record", "", "record the trimmed upstream facts into this directory (e.g. catalog/testdata/upstream)")
	flag.StringVar(&o.fromGit, "from-git", "", "read upstream from GitHub repositories fetched as bare git directories under this directory")
	flag.StringVar(&o.sources, "sources", "hack/catalog-check/sources.yaml", "where -from-git finds each chart repository")
	flag.IntVar(&o.newest, "newest", 10, "how many of the newest stable versions of each chart -record keeps besides the catalog's")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "overall time limit")
	flag.BoolVar(&o.verbose, "v", false, "list every chart reference, not only the wrong ones")
	flag.BoolVar(&o.images, "images", true, "list the images the rendered default values pull (network mode: downloads each chart)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	err := run(ctx, o, os.Stdout)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "catalog-check:", err)
		os.Exit(1)
	}
}

var errFindings = errors.New("the catalog names charts, versions or pairings upstream does not publish")

func run(ctx context.Context, o options, w io.Writer) error {
	refs, err := ReadRefs(o.catalog)
	if err != nil {
		return err
	}
	wanted := Wanted(refs)
	facts, errs, err := gather(ctx, o, wanted)
	if err != nil {
		return err
	}
	if o.record != "" {
		for repo, fa := range facts {
			for name, c := range fa.Charts {
				c.Trim(wanted[repo][name], o.newest)
			}
			if err := upstream.Write(o.record, fa); err != nil {
				return fmt.Errorf("record %s: %w", repo, err)
			}
		}
		fmt.Fprintf(w, "recorded %d repositories into %s\n", len(facts), o.record)
	}
	findings := Check(refs, func(repo string) (*upstream.Facts, error) {
		if err := errs[repo]; err != nil {
			return nil, err
		}
		fa, ok := facts[repo]
		if !ok {
			return nil, fmt.Errorf("not recorded")
		}
		return fa, nil
	})
	if o.verbose {
		bad := map[Ref]bool{}
		for _, f := range findings {
			bad[f.Ref] = true
		}
		for _, r := range refs {
			if !bad[r] {
				fmt.Fprintf(w, "ok    %s (appVersion %s)\n", r, orNone(r.AppVersion))
			}
		}
	}
	for _, f := range findings {
		fmt.Fprintf(w, "WRONG %s\n", f)
	}
	if o.images && o.recorded == "" && o.fromGit == "" {
		if err := listImages(ctx, o.catalog, facts, w); err != nil {
			fmt.Fprintf(w, "images: %v\n", err)
		}
	}
	fmt.Fprintf(w, "%d chart references in %d repositories checked: %d wrong\n", len(refs), len(wanted), len(findings))
	if len(findings) > 0 {
		return errFindings
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// gather reads the facts of every wanted repository; a repository that cannot be read
// is an error of its own refs (errs), not of the run.
func gather(ctx context.Context, o options, wanted map[string]map[string][]string) (map[string]*upstream.Facts, map[string]error, error) {
	facts := map[string]*upstream.Facts{}
	errs := map[string]error{}
	repos := make([]string, 0, len(wanted))
	for r := range wanted {
		repos = append(repos, r)
	}
	sort.Strings(repos)
	switch {
	case o.recorded != "":
		rec, err := upstream.ReadRecording(o.recorded)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range repos {
			if fa, ok := rec.Repos[r]; ok {
				facts[r] = fa
			}
		}
	case o.fromGit != "":
		srcs, err := upstream.ReadSources(o.sources)
		if err != nil {
			return nil, nil, err
		}
		byRepo := map[string]upstream.GitSource{}
		for _, s := range srcs {
			byRepo[s.Repository] = s
		}
		g := &upstream.GitReader{Mirror: o.fromGit}
		for _, r := range repos {
			src, ok := byRepo[r]
			if !ok {
				errs[r] = fmt.Errorf("%s names no GitHub source for it", o.sources)
				continue
			}
			fa, err := g.Read(ctx, src, wanted[r])
			if err != nil {
				errs[r] = err
				continue
			}
			facts[r] = fa
		}
	default:
		f := &upstream.Fetcher{Client: o.client, Insecure: o.insecure, Archives: o.record != "" || o.images, Newest: o.newest}
		for _, r := range repos {
			fa, err := f.Fetch(ctx, r, wanted[r])
			if err != nil {
				errs[r] = err
				continue
			}
			facts[r] = fa
		}
	}
	return facts, errs, nil
}
