package dashboard

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/openova-io/core/lifecycle"
)

// TestInWords: a page shows a field conflict in the CLI's words, without the CLI's
// --force-conflicts, which the browser has no way to pass; the CLI keeps it.
func TestInWords(t *testing.T) {
	conflict := &lifecycle.ConflictError{Err: errors.New("fields of platform acme are managed by someone else: grafana (flux); change them where they are managed (e.g. in Git)"),
		CLIHint: "or pass --force-conflicts to take them over"}
	wrapped := fmt.Errorf("install grafana: %w", conflict)
	assert.Equal(t, "fields of platform acme are managed by someone else: grafana (flux); change them where they are managed (e.g. in Git), or pass --force-conflicts to take them over", conflict.Error())
	assert.NotContains(t, inWords(wrapped), "--force-conflicts")
	assert.Contains(t, inWords(wrapped), "managed by someone else: grafana (flux)")
	assert.Equal(t, "the API server is unreachable", inWords(errors.New("the API server is unreachable")))
}
