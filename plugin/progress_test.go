package plugin

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTerraformProgressFoldsTerraformOutput(t *testing.T) {
	var screen, log bytes.Buffer
	spin := newSpinner(&screen, false)
	p := newTerraformProgress(spin, &log)
	input := "==> [1/9] validate\n    using terraform 1.11.4\n==> [5/9] apply\nterraform_data.cluster: Creating...\n\nApply complete! Resources: 2 added.\n==> [7/9] install-operator\n==> region dev: installing Flux\nunfinished"
	// Written in odd pieces, as a pipe delivers it.
	for i := 0; i < len(input); i += 7 {
		_, err := p.Write([]byte(input[i:min(i+7, len(input))]))
		require.NoError(t, err)
	}
	require.NoError(t, p.Close())
	spin.stop()
	assert.Equal(t, input, log.String(), "the log keeps everything")
	assert.Equal(t, "==> [1/9] validate\n    using terraform 1.11.4\n==> [5/9] apply\n==> [7/9] install-operator\n==> region dev: installing Flux\nunfinished\n",
		screen.String(), "Terraform's lines only feed the status line")
	assert.Empty(t, spin.msg, "a new phase clears the status line")
}
