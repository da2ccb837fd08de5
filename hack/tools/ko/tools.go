//go:build tools

// Package tools records the binaries this module builds so that go mod tidy keeps them.
package tools

import (
	_ "github.com/google/ko"
)
