package testcatalog

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/catalog"
)

func TestRenderPointsAtTheRepository(t *testing.T) {
	c, err := catalog.Load(context.Background(), WriteFile(t, "operator", "http://127.0.0.1:1"))
	require.NoError(t, err)
	base, ok := c.Component("base")
	require.True(t, ok)
	assert.Equal(t, "http://127.0.0.1:1", base.Chart.Repository)
	eps, err := base.RenderEndpoints("acme.example.com")
	require.NoError(t, err)
	assert.Equal(t, []string{"https://base.acme.example.com"}, eps)
}

func TestPartsCatalogLoads(t *testing.T) {
	c, err := catalog.Load(context.Background(), WriteFile(t, "parts", "http://127.0.0.1:1"))
	require.NoError(t, err)
	hub, ok := c.Component("hub")
	require.True(t, ok)
	assert.Equal(t, catalog.DeliveryBundle, hub.Delivery)
	serving, _ := c.Component("serving")
	assert.Equal(t, []string{"serving-crds", "serving"}, serving.Versions[0].PartNames())
	assert.Equal(t, "{{ .Name }}.{{ .Namespace }}.svc:8080", serving.Services["api"], "catalog templates survive the test-time rendering")
}
