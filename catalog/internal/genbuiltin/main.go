// Command genbuiltin writes catalog/builtin_gen.go from catalog/data/*.yaml (run by go
// generate in catalog/, and so by make generate).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/openova-io/core/catalog/internal/builtinsrc"
)

func main() {
	src, err := builtinsrc.Generate(context.Background(), "data")
	if err != nil {
		fmt.Fprintln(os.Stderr, "genbuiltin:", err)
		os.Exit(1)
	}
	if err := os.WriteFile("builtin_gen.go", src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "genbuiltin:", err)
		os.Exit(1)
	}
}
