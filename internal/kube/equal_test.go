package kube

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestJSONEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"same map, other order", map[string]any{"a": 1, "b": "x"}, map[string]any{"b": "x", "a": 1}, true},
		{"int and float of one number", map[string]any{"n": int64(3)}, map[string]any{"n": 3.0}, true},
		{"raw values re-serialised", &runtime.RawExtension{Raw: []byte(`{"b": 1, "a": [1, 2]}`)}, &runtime.RawExtension{Raw: []byte(`{"a":[1,2],"b":1}`)}, true},
		{"different value", map[string]any{"a": 1}, map[string]any{"a": 2}, false},
		{"extra key", map[string]any{"a": 1}, map[string]any{"a": 1, "b": 2}, false},
		{"not serialisable", func() {}, 1, false},
		{"an empty list is null", []string{}, nil, true},
		{"an empty object is null", map[string]any{}, (*runtime.RawExtension)(nil), true},
		{"an empty list is not an empty string", []string{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, JSONEqual(tt.a, tt.b))
		})
	}
}

func TestJSONSubset(t *testing.T) {
	tests := []struct {
		name       string
		want, have any
		ok         bool
	}{
		{"defaults added by the server", map[string]any{"a": 1}, map[string]any{"a": int64(1), "default": true}, true},
		{"nested", map[string]any{"s": map[string]any{"x": "1"}}, map[string]any{"s": map[string]any{"x": "1", "y": "2"}}, true},
		{"a field missing", map[string]any{"a": 1, "b": 2}, map[string]any{"a": 1}, false},
		{"lists element by element", []any{map[string]any{"name": "a"}}, []any{map[string]any{"name": "a", "extra": 1}}, true},
		{"lists of other lengths", []any{1}, []any{1, 2}, false},
		{"a map against a scalar", map[string]any{"a": 1}, "a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.ok, JSONSubset(tt.want, tt.have))
		})
	}
}
