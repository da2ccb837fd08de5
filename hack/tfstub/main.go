// Command tfstub is a Terraform provider that knows a real provider's schema and nothing
// else: it answers Terraform's plugin protocol (version 6) with a schema recorded from the
// real provider build (terraform/schemas/*.json, made by hack/tfschemas), so that
// `terraform init`, `validate`, `plan` and `test` run on the cloud modules with no network
// and no cloud account.
//
// One binary serves every provider: it is placed in a filesystem mirror at
// <mirror>/<host>/<namespace>/<type>/<version>/<os>_<arch>/terraform-provider-<type>_v<version>
// and reads the provider's address from that path. OPENOVA_TFSTUB_SCHEMAS names the
// directory of schema files (Terraform passes its environment on to providers).
//
// What Terraform itself checks against a schema (unknown arguments and blocks, missing
// required arguments, types, block counts) is checked for real. What a provider checks in
// its own code (conflicting arguments, value validators, API calls) is not: validation
// answers without diagnostics, planning echoes the proposed state with every computed
// attribute that is not set made unknown, data sources return their configuration (or
// recorded answers, see data.go), and apply refuses, because the stub creates nothing.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// SchemasEnv names the environment variable holding the directory of schema files.
const SchemasEnv = "OPENOVA_TFSTUB_SCHEMAS"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tfstub:", err)
		os.Exit(1)
	}
}

func run() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	address, err := addressFromPath(exe)
	if err != nil {
		return err
	}
	dir := os.Getenv(SchemasEnv)
	if dir == "" {
		return fmt.Errorf("%s must name the directory of provider schema files", SchemasEnv)
	}
	schema, err := loadProviderSchema(dir, address)
	if err != nil {
		return err
	}
	answers, err := loadDataAnswers()
	if err != nil {
		return err
	}
	return tf6server.Serve(address, func() tfprotov6.ProviderServer { return &server{schema: schema, answers: answers} })
}

// addressFromPath reads host/namespace/type from a filesystem mirror's unpacked layout:
// .../<host>/<namespace>/<type>/<version>/<os>_<arch>/<binary>.
func addressFromPath(exe string) (string, error) {
	parts := strings.Split(filepath.ToSlash(filepath.Clean(exe)), "/")
	if len(parts) < 7 || !strings.HasPrefix(parts[len(parts)-1], "terraform-provider-"+parts[len(parts)-4]) {
		return "", fmt.Errorf("%s is not in a filesystem mirror's layout <host>/<namespace>/<type>/<version>/<os>_<arch>/terraform-provider-<type>_v<version>", exe)
	}
	return strings.Join(parts[len(parts)-6:len(parts)-3], "/"), nil
}
