package terraform

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
)

// moduleDecls is what a module declares at its top level.
type moduleDecls struct {
	variables map[string]declaredVariable
	outputs   map[string]declaredOutput
}

type declaredVariable struct {
	typ         cty.Type
	required    bool
	description bool
}

type declaredOutput struct {
	sensitive   bool
	description bool
}

// parseModule parses every .tf file of one module directory (not its submodules) from the
// embedded FS, with the HCL parser only: no provider is needed.
func parseModule(t *testing.T, provider string) moduleDecls {
	t.Helper()
	entries, err := fs.ReadDir(FS, provider)
	require.NoError(t, err)

	parser := hclparse.NewParser()
	decls := moduleDecls{variables: map[string]declaredVariable{}, outputs: map[string]declaredOutput{}}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".tf" {
			continue
		}
		name := path.Join(provider, e.Name())
		src, err := fs.ReadFile(FS, name)
		require.NoError(t, err)
		file, diags := parser.ParseHCL(src, name)
		require.False(t, diags.HasErrors(), "parse %s: %s", name, diags.Error())
		body := file.Body.(*hclsyntax.Body)
		for _, block := range body.Blocks {
			switch block.Type {
			case "variable":
				v := declaredVariable{typ: cty.DynamicPseudoType, required: true}
				if attr, ok := block.Body.Attributes["type"]; ok {
					typ, diags := typeexpr.TypeConstraint(attr.Expr)
					require.False(t, diags.HasErrors(), "%s: variable %q type: %s", name, block.Labels[0], diags.Error())
					v.typ = typ
				}
				_, hasDefault := block.Body.Attributes["default"]
				v.required = !hasDefault
				_, v.description = block.Body.Attributes["description"]
				decls.variables[block.Labels[0]] = v
			case "output":
				o := declaredOutput{}
				if attr, ok := block.Body.Attributes["sensitive"]; ok {
					val, diags := attr.Expr.Value(&hcl.EvalContext{})
					require.False(t, diags.HasErrors(), "%s: output %q sensitive: %s", name, block.Labels[0], diags.Error())
					o.sensitive = val.True()
				}
				_, o.description = block.Body.Attributes["description"]
				decls.outputs[block.Labels[0]] = o
			}
		}
	}
	return decls
}

func parseType(t *testing.T, src string) cty.Type {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "contract.go", hcl.InitialPos)
	require.False(t, diags.HasErrors(), "contract type %q: %s", src, diags.Error())
	typ, diags := typeexpr.TypeConstraint(expr)
	require.False(t, diags.HasErrors(), "contract type %q: %s", src, diags.Error())
	return typ
}

func TestModulesHonourContract(t *testing.T) {
	for _, provider := range Providers() {
		t.Run(provider, func(t *testing.T) {
			decls := parseModule(t, provider)

			var want []string
			for _, v := range Variables {
				want = append(want, v.Name)
				got, ok := decls.variables[v.Name]
				if !assert.True(t, ok, "variable %q missing", v.Name) {
					continue
				}
				wantType := parseType(t, v.Type)
				assert.True(t, wantType.Equals(got.typ), "variable %q: type %s, contract says %s",
					v.Name, got.typ.FriendlyName(), wantType.FriendlyName())
				assert.Equal(t, v.Required, got.required, "variable %q: required", v.Name)
				assert.True(t, got.description, "variable %q has no description", v.Name)
			}
			assert.ElementsMatch(t, want, keys(decls.variables), "variables")

			want = nil
			for _, o := range Outputs {
				want = append(want, o.Name)
				got, ok := decls.outputs[o.Name]
				if !assert.True(t, ok, "output %q missing", o.Name) {
					continue
				}
				assert.Equal(t, o.Sensitive, got.sensitive, "output %q: sensitive", o.Name)
				assert.True(t, got.description, "output %q has no description", o.Name)
			}
			assert.ElementsMatch(t, want, keys(decls.outputs), "outputs")
		})
	}
}

func TestVariablesFileIsShared(t *testing.T) {
	want, err := fs.ReadFile(FS, "local/variables.tf")
	require.NoError(t, err)
	for _, provider := range Providers() {
		got, err := fs.ReadFile(FS, provider+"/variables.tf")
		require.NoError(t, err)
		if !bytes.Equal(want, got) {
			t.Errorf("%s/variables.tf differs from local/variables.tf (first difference at line %d); copy it over",
				provider, firstDifferentLine(want, got))
		}
	}
}

// TestEveryFileParses parses submodules and templates' neighbours too.
func TestEveryFileParses(t *testing.T) {
	parser := hclparse.NewParser()
	n := 0
	err := fs.WalkDir(FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(name) != ".tf" {
			return err
		}
		src, err := fs.ReadFile(FS, name)
		if err != nil {
			return err
		}
		_, diags := parser.ParseHCL(src, name)
		assert.False(t, diags.HasErrors(), "%s: %s", name, diags.Error())
		n++
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, n, 10)
}

func TestContractDocumented(t *testing.T) {
	doc, err := fs.ReadFile(FS, "contract.md")
	require.NoError(t, err)
	for _, v := range Variables {
		assert.Contains(t, string(doc), "| `"+v.Name+"` | `"+v.Type+"` |", "contract.md row for variable %q", v.Name)
	}
	for _, o := range Outputs {
		assert.Contains(t, string(doc), "| `"+o.Name+"` |", "contract.md row for output %q", o.Name)
	}
}

func TestModule(t *testing.T) {
	m, err := Module("local")
	require.NoError(t, err)
	_, err = fs.Stat(m, "main.tf")
	require.NoError(t, err)

	_, err = Module("kind")
	require.ErrorContains(t, err, `no Terraform module for provider "kind"`)
}

func terraformBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform is not on PATH; the Makefile's test target provides it")
	}
	return bin
}

func quietCLIConfig(t *testing.T) []string {
	// The machine image points TF_CLI_CONFIG_FILE at a missing file; an empty one keeps
	// the output free of that warning.
	cfg := filepath.Join(t.TempDir(), "terraformrc")
	require.NoError(t, os.WriteFile(cfg, nil, 0o600))
	return append(os.Environ(), "TF_CLI_CONFIG_FILE="+cfg, "CHECKPOINT_DISABLE=1")
}

func TestModulesFormatted(t *testing.T) {
	bin := terraformBinary(t)
	cmd := exec.Command(bin, "fmt", "-check", "-recursive", "-diff", ".")
	cmd.Env = quietCLIConfig(t)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), "terraform fmt -check found unformatted files:\n%s", out.String())
}

// TestLocalModuleValidates runs terraform validate on the local module, the only one
// whose providers (none) are available offline.
func TestLocalModuleValidates(t *testing.T) {
	bin := terraformBinary(t)
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, mustSub(t, "local")))
	for _, args := range [][]string{{"init", "-backend=false", "-input=false", "-no-color"}, {"validate", "-no-color"}} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = quietCLIConfig(t)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "terraform %v:\n%s", args, out)
	}
}

func firstDifferentLine(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

func mustSub(t *testing.T, dir string) fs.FS {
	t.Helper()
	sub, err := fs.Sub(FS, dir)
	require.NoError(t, err)
	return sub
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
