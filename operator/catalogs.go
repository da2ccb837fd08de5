package operator

import (
	"context"
	"sync"

	"github.com/openova-io/core/catalog"
)

// Catalogs loads catalogs and keeps them until a reload is asked for (an update check or a
// refresh request), so reconciles do not fetch a catalog each time.
type Catalogs struct {
	// Default is the catalog source used when a Platform names none; the built-in catalog
	// when empty.
	Default string

	mu     sync.Mutex
	loaded map[string]*catalog.Catalog
}

// Get returns the catalog of source (Default when empty), loading it when it is not loaded
// yet or when reload is set.
func (c *Catalogs) Get(ctx context.Context, source string, reload bool) (*catalog.Catalog, error) {
	if source == "" {
		source = c.Default
	}
	c.mu.Lock()
	cat, ok := c.loaded[source]
	c.mu.Unlock()
	if ok && !reload {
		return cat, nil
	}
	var err error
	if source == "" {
		cat, err = catalog.Builtin()
	} else {
		cat, err = catalog.Load(ctx, source)
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded == nil {
		c.loaded = map[string]*catalog.Catalog{}
	}
	c.loaded[source] = cat
	return cat, nil
}
