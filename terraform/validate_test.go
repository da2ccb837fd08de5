package terraform

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
)

// cloudModules are the modules whose providers come from the stub mirror.
var cloudModules = []string{"hetzner", "huawei", "oci"}

// TestCloudModulesValidate runs `terraform init` and `terraform validate` on every cloud
// module against the recorded provider schemas.
func TestCloudModulesValidate(t *testing.T) {
	bin := terraformBinary(t)
	env := stubEnv(t)
	for _, module := range cloudModules {
		t.Run(module, func(t *testing.T) {
			t.Parallel()
			dir := copyModule(t, module)
			terraformInit(t, bin, dir, env)
			out, err := runTerraform(t, bin, dir, env, "validate", "-no-color")
			require.NoError(t, err, "terraform validate %s:\n%s", module, out)
			assert.Contains(t, out, "The configuration is valid.")
		})
	}
}

// TestValidateRejectsSchemaErrors shows that validation against the stub providers can
// fail: a copy of the hetzner module gets one broken resource at a time.
func TestValidateRejectsSchemaErrors(t *testing.T) {
	bin := terraformBinary(t)
	env := stubEnv(t)
	dir := copyModule(t, "hetzner")
	terraformInit(t, bin, dir, env)

	for _, tc := range []struct {
		name, resource, want string
	}{{
		name:     "wrong argument",
		resource: "resource \"hcloud_network\" \"broken\" {\n  name      = \"x\"\n  ip_range  = \"10.0.0.0/16\"\n  ip_ranges = [\"10.1.0.0/16\"]\n}",
		want:     `An argument named "ip_ranges" is not expected here`,
	}, {
		name:     "missing required argument",
		resource: `resource "hcloud_network" "broken" { name = "x" }`,
		want:     `The argument "ip_range" is required, but no definition was found.`,
	}, {
		name:     "unknown block",
		resource: "resource \"hcloud_firewall\" \"broken\" {\n  name = \"x\"\n  ingress {\n    port = \"22\"\n  }\n}",
		want:     `Blocks of type "ingress" are not expected here.`,
	}, {
		name:     "datacenter removed from primary IPs",
		resource: "resource \"hcloud_primary_ip\" \"broken\" {\n  name       = \"x\"\n  type       = \"ipv4\"\n  datacenter = \"fsn1-dc14\"\n}",
		want:     `Deprecated argument datacenter of hcloud_primary_ip`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, "broken.tf")
			require.NoError(t, os.WriteFile(file, []byte(tc.resource+"\n"), 0o600))
			t.Cleanup(func() { _ = os.Remove(file) })
			out, err := runTerraform(t, bin, dir, env, "validate", "-no-color")
			require.Error(t, err, "terraform validate accepted %s:\n%s", tc.name, out)
			assert.Contains(t, strings.Join(strings.Fields(out), " "), tc.want)
		})
	}
}

// TestProviderConstraintsPinned checks that every module (and submodule) pins each
// provider it declares to the minor release whose schema is recorded: `~> X.Y.0`.
func TestProviderConstraintsPinned(t *testing.T) {
	recorded := map[string]recordedProvider{}
	for _, p := range loadRecordedProviders(t) {
		recorded[strings.ToLower(strings.TrimPrefix(p.Address, "registry.terraform.io/"))] = p
	}
	used := map[string][]string{}
	for _, module := range cloudModules {
		files, err := filepath.Glob(filepath.Join(module, "*.tf"))
		require.NoError(t, err)
		sub, err := filepath.Glob(filepath.Join(module, "*", "*.tf"))
		require.NoError(t, err)
		for _, file := range append(files, sub...) {
			for source, version := range requiredProviders(t, file) {
				source = strings.ToLower(source)
				p, ok := recorded[source]
				if !assert.True(t, ok, "%s: provider %s has no recorded schema in schemas/providers.json", file, source) {
					continue
				}
				used[source] = append(used[source], module)
				if filepath.Dir(file) != module && version == "" {
					continue // submodules inherit the root module's constraint
				}
				parts := strings.Split(p.Version, ".")
				want := fmt.Sprintf("~> %s.%s.0", parts[0], parts[1])
				assert.Equal(t, want, version, "%s: version constraint of %s (recorded %s)", file, source, p.Version)
			}
		}
	}
	for source, p := range recorded {
		modules := slices.Compact(slices.Sorted(slices.Values(used[source])))
		assert.Equal(t, p.Modules, modules, "schemas/providers.json: modules of %s", source)
	}
}

// requiredProviders returns source → version constraint from a file's terraform blocks.
func requiredProviders(t *testing.T, file string) map[string]string {
	t.Helper()
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	f, diags := hclparse.NewParser().ParseHCL(src, file)
	require.False(t, diags.HasErrors(), diags.Error())
	out := map[string]string{}
	for _, block := range f.Body.(*hclsyntax.Body).Blocks {
		if block.Type != "terraform" {
			continue
		}
		for _, rp := range block.Body.Blocks {
			if rp.Type != "required_providers" {
				continue
			}
			for name, attr := range rp.Body.Attributes {
				v, diags := attr.Expr.Value(&hcl.EvalContext{})
				require.False(t, diags.HasErrors(), "%s: required_providers.%s: %s", file, name, diags.Error())
				source := v.GetAttr("source").AsString()
				version := ""
				if v.Type().HasAttribute("version") && !v.GetAttr("version").IsNull() && v.GetAttr("version").Type() == cty.String {
					version = v.GetAttr("version").AsString()
				}
				out[source] = version
			}
		}
	}
	return out
}
