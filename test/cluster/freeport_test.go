package cluster

import (
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFreePort: the ports are below the ephemeral range (no client connection takes them
// before the server binds), differ from call to call, and can be listened on.
func TestFreePort(t *testing.T) {
	seen := map[int]bool{}
	for range 20 {
		port, err := FreePort()
		require.NoError(t, err)
		assert.Less(t, port, ephemeralStart())
		assert.GreaterOrEqual(t, port, 20000)
		seen[port] = true
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		require.NoError(t, err)
		require.NoError(t, l.Close())
	}
	assert.Greater(t, len(seen), 15, "random ports, not one")
}
