package cluster

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeAddr(t *testing.T) {
	a, err := decodeAddr("0100007F:1F90")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8080", a)
	a, err = decodeAddr("00000000:0050")
	require.NoError(t, err)
	assert.Equal(t, "0.0.0.0:80", a)
	assert.False(t, IsLoopback(a))
	a, err = decodeAddr("00000000000000000000000001000000:1F90")
	require.NoError(t, err)
	assert.Equal(t, "[::1]:8080", a)
	assert.True(t, IsLoopback(a))
}
