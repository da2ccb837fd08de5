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
