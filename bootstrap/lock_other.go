//go:build !unix

package bootstrap

// lockWorkDir does not lock where flock is missing.
func lockWorkDir(string) (func(), error) { return func() {}, nil }
