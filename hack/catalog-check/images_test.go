package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// In network mode the tool renders each component's newest version with its default
// values and lists the images the parts pull: a chart rendered with Helm's engine, and
// the objects of a resource part.
func TestListImages(t *testing.T) {
	deploy := `apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ .Release.Name }}, namespace: {{ .Release.Namespace }}}
spec:
  template:
    spec:
      initContainers: [{name: init, image: "busybox:1.37"}]
      containers: [{name: app, image: "{{ .Values.image }}"}]
`
	repo := serveIndex(t, []fakeChart{{name: "app", version: "1.2.0", appVersion: "1.2.0",
		schema:    `{"type": "object", "properties": {"image": {"type": "string"}}}`,
		templates: map[string]string{"deployment.yaml": deploy}}})
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(fmt.Sprintf(`apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: app
category: a-la-carte
description: An app.
namespace: apps
chart: {repository: %s, name: app}
versions:
  - version: "1.2.0"
    appVersion: "1.2.0"
    released: "2026-01-01"
    changelog: First.
    parts:
      - name: app
        chartVersion: "1.2.0"
        values: |
          image: "registry.example/app:{{ .Version }}"
      - name: job
        resources: |
          apiVersion: batch/v1
          kind: Job
          metadata: {name: setup, namespace: {{ .Namespace }}}
          spec:
            template:
              spec:
                containers: [{name: setup, image: "registry.example/setup:1"}]
`, repo)), 0o644))
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), options{catalog: dir, images: true}, &out), out.String())
	assert.Contains(t, out.String(), "images app 1.2.0 part app: busybox:1.37 registry.example/app:1.2.0\n")
	assert.Contains(t, out.String(), "images app 1.2.0 part job: registry.example/setup:1\n")

	// A default value the chart's schema rejects is reported, not rendered.
	b, err := os.ReadFile(filepath.Join(dir, "app.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.yaml"),
		bytes.Replace(b, []byte(`image: "registry.example/app:{{ .Version }}"`), []byte(`image: 3`), 1), 0o644))
	out.Reset()
	require.NoError(t, run(context.Background(), options{catalog: dir, images: true}, &out), out.String())
	assert.Contains(t, out.String(), "images app 1.2.0 part app: cannot render: values:")
}
