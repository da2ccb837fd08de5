// Package terraform embeds the Terraform modules that create an OpenOva platform's
// clusters, one per provider, and describes the contract every module honours: the same
// input variables and the same outputs (see contract.md).
package terraform

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
)

// FS holds every module: <provider>/*.tf (plus templates and submodules).
//
//go:embed contract.md local hetzner huawei oci
var FS embed.FS

// providers lists the embedded modules in the order the wizard offers them.
var providers = []string{"hetzner", "huawei", "oci", "local"}

// Providers returns the names of the embedded provider modules.
func Providers() []string { return slices.Clone(providers) }

// Module returns the files of one provider's module, rooted at the module directory.
func Module(provider string) (fs.FS, error) {
	if !slices.Contains(providers, provider) {
		return nil, fmt.Errorf("no Terraform module for provider %q (have %v)", provider, providers)
	}
	return fs.Sub(FS, provider)
}
