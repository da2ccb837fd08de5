package chartserver

import (
	"path/filepath"
	"runtime"
)

func sourceDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}
