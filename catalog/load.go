package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Load reads a catalog from source:
//   - an http:// or https:// URL of a multi-document YAML file (one component per
//     document), fetched with ctx;
//   - a directory: every *.yaml and *.yml file in it (not in subdirectories), each with
//     one or more components;
//   - a file: a multi-document YAML file.
//
// Every problem found is reported, naming file, component and field, in a
// *ValidationError wrapped with the source.
func Load(ctx context.Context, source string) (*Catalog, error) {
	var (
		c   *Catalog
		err error
	)
	switch {
	case source == "":
		return nil, errors.New("load catalog: empty source")
	case source == BuiltinSource:
		return Builtin()
	case strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://"):
		c, err = loadURL(ctx, source)
	default:
		var info os.FileInfo
		info, err = os.Stat(source)
		switch {
		case err != nil:
		case info.IsDir():
			c, err = loadFS(os.DirFS(source), ".", strings.TrimSuffix(source, string(filepath.Separator))+string(filepath.Separator))
		default:
			var data []byte
			data, err = readFileLimited(source)
			if err == nil {
				c, err = Parse(source, data)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("load catalog %q: %w", source, err)
	}
	c.source = source
	return c, nil
}

func readFileLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f)
}

func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxCatalogBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxCatalogBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxCatalogBytes)
	}
	return data, nil
}

// loadFS parses every *.yaml/*.yml file directly in dir of fsys; prefix turns file names
// into the names used in messages.
func loadFS(fsys fs.FS, dir, prefix string) (*Catalog, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if ext := path.Ext(e.Name()); ext == ".yaml" || ext == ".yml" {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return nil, errors.New("no *.yaml or *.yml files")
	}
	var (
		comps    []*Component
		problems []Problem
		broken   = map[*Component]bool{}
	)
	for _, n := range names {
		f, err := fsys.Open(path.Join(dir, n))
		if err != nil {
			return nil, err
		}
		data, err := readLimited(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s%s: %w", prefix, n, err)
		}
		cs, br, ps := parseFile(prefix+n, data)
		comps = append(comps, cs...)
		problems = append(problems, ps...)
		for b := range br {
			broken[b] = true
		}
	}
	source := strings.TrimSuffix(prefix, "/")
	if dir == "data" {
		source = BuiltinSource
	}
	return build(source, comps, broken, problems)
}

func loadURL(ctx context.Context, u string) (*Catalog, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/yaml, text/yaml, text/plain, */*")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET: %s", resp.Status)
	}
	data, err := readLimited(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return Parse(u, data)
}
