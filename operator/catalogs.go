package operator

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/openova-io/core/catalog"
)

// maxCatalogBytes bounds a catalog read over HTTP.
const maxCatalogBytes = 16 << 20

// Catalogs loads catalogs and keeps them until a reload is asked for (an update check, a
// refresh request, or a Platform naming something the copy lacks), so reconciles do not
// fetch a catalog each time. A reload of a catalog served over HTTP is a conditional GET
// (If-None-Match with the ETag, If-Modified-Since with the Last-Modified the server sent
// before): an unchanged catalog costs a 304 and keeps its parsed copy (the same
// *catalog.Catalog, so what was computed from it stays valid).
type Catalogs struct {
	// Default is the catalog source used when a Platform names none; the built-in catalog
	// when empty.
	Default string
	// HTTPClient fetches catalogs served over HTTP; http.DefaultClient when nil.
	HTTPClient *http.Client

	mu     sync.Mutex
	loaded map[string]*loadedCatalog
}

// loadedCatalog is a parsed catalog with the validators its server sent.
type loadedCatalog struct {
	catalog      *catalog.Catalog
	etag         string
	lastModified string
}

// Get returns the catalog of source (Default when empty), loading it when it is not loaded
// yet or when reload is set.
func (c *Catalogs) Get(ctx context.Context, source string, reload bool) (*catalog.Catalog, error) {
	if source == "" {
		source = c.Default
	}
	c.mu.Lock()
	prev := c.loaded[source]
	c.mu.Unlock()
	if prev != nil && (!reload || source == "" || source == catalog.BuiltinSource) {
		return prev.catalog, nil
	}
	var (
		next *loadedCatalog
		err  error
	)
	switch {
	case source == "":
		var cat *catalog.Catalog
		cat, err = catalog.Builtin()
		next = &loadedCatalog{catalog: cat}
	case strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://"):
		next, err = c.fetch(ctx, source, prev)
	default:
		var cat *catalog.Catalog
		cat, err = catalog.Load(ctx, source)
		next = &loadedCatalog{catalog: cat}
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded == nil {
		c.loaded = map[string]*loadedCatalog{}
	}
	c.loaded[source] = next
	return next.catalog, nil
}

// fetch GETs the catalog at url, conditionally when prev holds validators; a 304 returns
// prev.
func (c *Catalogs) fetch(ctx context.Context, url string, prev *loadedCatalog) (*loadedCatalog, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("load catalog %q: %w", url, err)
	}
	req.Header.Set("Accept", "application/yaml, text/yaml, text/plain, */*")
	if prev != nil {
		if prev.etag != "" {
			req.Header.Set("If-None-Match", prev.etag)
		}
		if prev.lastModified != "" {
			req.Header.Set("If-Modified-Since", prev.lastModified)
		}
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("load catalog %q: %w", url, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && prev != nil:
		return prev, nil
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("load catalog %q: GET: %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxCatalogBytes+1))
	if err != nil {
		return nil, fmt.Errorf("load catalog %q: read body: %w", url, err)
	}
	if len(data) > maxCatalogBytes {
		return nil, fmt.Errorf("load catalog %q: larger than %d bytes", url, maxCatalogBytes)
	}
	cat, err := catalog.Parse(url, data)
	if err != nil {
		return nil, fmt.Errorf("load catalog %q: %w", url, err)
	}
	return &loadedCatalog{catalog: cat, etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}, nil
}
