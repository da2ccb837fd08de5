// Package testcatalog renders the test catalogs under test/catalogs: templates whose chart
// repository ({{ .Repo }}) is the chart server a test started.
package testcatalog

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"text/template"
)

// Render returns the test catalog name (a file under test/catalogs, without .yaml) with its
// chart repositories pointing at repo.
func Render(name, repo string) ([]byte, error) {
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "catalogs", name+".yaml")
	tmpl, err := template.ParseFiles(path)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, map[string]string{"Repo": repo}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteFile renders the test catalog into a file of t's temporary folder and returns its path.
func WriteFile(t testing.TB, name, repo string) string {
	t.Helper()
	data, err := Render(name, repo)
	if err != nil {
		t.Fatalf("render test catalog %s: %v", name, err)
	}
	path := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
