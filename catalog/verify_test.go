package catalog

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVerify(t *testing.T) {
	c := mkCatalog(t, platformCatalog+`
x 1.0.0: y ^1.0.0
y 1.0.0: x ^1.0.0
`)
	assert.NoError(t, Verify(c, inst("base 1.1.0, db 1.25.1, store 2.0.0, vec 2.4.0, ai v1.2.0, graph 5.26.0")))
	assert.NoError(t, Verify(c, nil))

	err := Verify(c, inst("base 1.1.0, db 2.0.0, vec 2.4.0, ai 1.2.0, graph 6.0.0, nope 1.0.0, bank 9.9.9, base 1.0.0, x 1.0.0, y 1.0.0"))
	var ve *VerifyError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []string{
		"nope is not in the catalog",
		"bank 9.9.9 is not in the catalog",
		"base is listed more than once",
		"vec 2.4.0 requires store >=1.0.0, which is not installed",
		"vec 2.4.0 requires db ^1.24.0, but db 2.0.0 is installed",
		"ai 1.2.0 requires db ^1.24.0, but db 2.0.0 is installed",
		"ai 1.2.0 accepts its optional member graph only at ^5.26.0, but graph 6.0.0 is installed",
		"dependency cycle x → y → x",
	}, ve.Violations)
}

func TestAvailableUpgrade(t *testing.T) {
	c := mkCatalog(t, platformCatalog)
	tests := []struct {
		name, installed, component, want string
	}{
		{"bounded by an installed dependent", "base 1.1.0, db 1.24.0, store 2.0.0, vec 2.4.0, ai 1.2.0", "db", "1.25.1"},
		{"free", "base 1.1.0, db 1.24.0", "db", "2.0.0"},
		{"newest is a pre-release", "base 1.1.0, db 2.0.0", "db", ""},
		{"own requirements need an upgrade", "base 1.0.0, db 1.24.0", "db", "2.0.0"},
		{"up to date", "base 1.1.0", "base", ""},
		{"meta-platform", "base 1.1.0, db 1.24.0, store 1.0.0, vec 2.3.0, ai 1.0.0", "ai", "1.2.0"},
		{"bounded by an optional member's constraint", "graph 5.20.0, base 1.1.0, db 1.25.1, store 2.0.0, vec 2.4.0, ai 1.1.0", "graph", "5.26.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := AvailableUpgrade(c, inst(tt.installed), tt.component)
			require.NoError(t, err)
			if tt.want == "" {
				assert.Nil(t, v)
				return
			}
			require.NotNil(t, v)
			assert.Equal(t, tt.want, v.Version)
		})
	}
	_, err := AvailableUpgrade(c, inst("base 1.1.0"), "db")
	assert.EqualError(t, err, "invalid request: db is not installed")
}
