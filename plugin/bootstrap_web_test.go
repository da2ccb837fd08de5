package plugin

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBootstrapWebFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"port without --web", []string{"bootstrap", "--port", "8080"}, "--address, --port and --no-browser go with --web"},
		{"web and dry-run", []string{"bootstrap", "--web", "--dry-run"}, "--dry-run does not go with --web"},
		{"bad port", []string{"bootstrap", "--web", "--port", "70000"}, "--port must be between 0 and 65535"},
		{"bad address", []string{"bootstrap", "--web", "--address", "example.com"}, "--address must be an IP address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := run(t, tt.args...)
			assert.Equal(t, ExitInvalidInput, code, errOut)
			assert.Contains(t, errOut, tt.msg)
		})
	}
}
