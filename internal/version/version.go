// Package version holds the build's version, set by the linker:
//
//	-X github.com/openova-io/core/internal/version.Version=v1.2.3
//	-X github.com/openova-io/core/internal/version.Commit=abc1234
package version

import "runtime"

var (
	// Version of the build, a semantic version with a leading v for releases.
	Version = "dev"
	// Commit the build was made from.
	Commit = "unknown"
)

// Info describes the build.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the build's Info.
func Get() Info {
	return Info{Version: Version, Commit: Commit, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}
