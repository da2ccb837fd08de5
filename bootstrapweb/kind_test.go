package bootstrapweb

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/bootstrap"
)

// TestProviderKind: the browser wizard offers kind, with what it needs, and the
// configuration it writes has provider kind and two regions.
func TestProviderKind(t *testing.T) {
	_, c := start(t, &fakeBootstrap{})
	code, loc := c.post("/step/organization", url.Values{"organization.name": {"acme"}, "organization.domain": {"acme.example.com"}})
	require.Equal(t, http.StatusSeeOther, code, loc)
	_, page := c.get("/step/provider")
	assert.Contains(t, page, `value="kind"`)
	assert.Contains(t, page, bootstrap.ProviderDescription(bootstrap.ProviderKind))

	code, loc = c.post("/step/provider", url.Values{"provider": {"kind"}})
	require.Equal(t, http.StatusSeeOther, code, loc)
	assert.Equal(t, "/step/credentials", loc)
	code, loc = c.post("/step/credentials", url.Values{})
	require.Equal(t, http.StatusSeeOther, code, loc)
	code, loc = c.post("/step/regions", url.Values{"regions[0].name": {"dev"}, "regions[1].name": {"dr"}, "two": {"on"}, "primary": {"0"}, "nodes.count": {"1"}})
	require.Equal(t, http.StatusSeeOther, code, loc)

	_, file := c.get("/config.yaml")
	cfg, err := bootstrap.ParseConfig([]byte(file))
	require.NoError(t, err)
	assert.Equal(t, bootstrap.ProviderKind, cfg.Provider)
	require.Len(t, cfg.Regions, 2)
	cfg.Default()
	require.NoError(t, cfg.Validate())
}
