//go:build !linux

package bootstrap

// abortChildren is a no-op where /proc is missing: terraform-exec still kills Terraform
// when its wait delay expires, and exiting the CLI stops it too.
func abortChildren() {}
