package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// record runs terraform on a copy of the module against the real providers in the mirror
// and writes the module's trimmed schema file.
func record(o options, module, mirror string) error {
	dir := filepath.Join(o.work, "modules", module)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(o.root, module))); err != nil {
		return err
	}
	cfg := filepath.Join(o.work, "terraformrc")
	conf := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [\"registry.terraform.io/*/*\"]\n  }\n}\n", mirror)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		return err
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cfg, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"OPENOVA_TFSTUB_SCHEMAS="+filepath.Join(o.work, "recorded"))
	tf := func(args ...string) ([]byte, error) {
		cmd := exec.Command("terraform", args...)
		cmd.Dir, cmd.Env = dir, env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return out, fmt.Errorf("terraform %s: %w\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
		}
		return out, nil
	}
	if _, err := tf("init", "-backend=false", "-input=false", "-no-color"); err != nil {
		return err
	}
	// The real providers' own validators run here too; report, but record anyway, so a
	// module can be fixed against the new schema.
	if out, err := tf("validate", "-no-color"); err != nil {
		fmt.Fprintf(os.Stderr, "%s: real providers reject the module:\n%s\n", module, err)
	} else {
		fmt.Fprintf(os.Stderr, "%s: %s", module, out)
	}
	raw, err := tf("providers", "schema", "-json")
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("parse schema: %w", err)
	}
	resources, dataSources, err := usedTypes(filepath.Join(o.root, module))
	if err != nil {
		return err
	}
	providers, _ := doc["provider_schemas"].(map[string]any)
	for _, ps := range providers {
		p, _ := ps.(map[string]any)
		trim(p, "resource_schemas", resources)
		trim(p, "data_source_schemas", dataSources)
		for _, k := range []string{"ephemeral_resource_schemas", "functions", "resource_identity_schemas", "list_resource_schemas", "action_schemas"} {
			delete(p, k)
		}
	}
	out, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return err
	}
	file := filepath.Join(o.root, "schemas", module+".json")
	fmt.Fprintf(os.Stderr, "%s: wrote %s\n", module, file)
	return os.WriteFile(file, append(out, '\n'), 0o644)
}

// trim keeps only the schemas of the given types (and always an object, even when empty).
func trim(p map[string]any, key string, keep map[string]bool) {
	all, _ := p[key].(map[string]any)
	kept := map[string]any{}
	for name, s := range all {
		if keep[name] {
			kept[name] = s
		}
	}
	p[key] = kept
}

// usedTypes lists the resource and data source types declared in a module's .tf files,
// its submodules included.
func usedTypes(dir string) (resources, dataSources map[string]bool, err error) {
	resources, dataSources = map[string]bool{}, map[string]bool{}
	parser := hclparse.NewParser()
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".tf" {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, diags := parser.ParseHCL(src, path)
		if diags.HasErrors() {
			return diags
		}
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			switch {
			case b.Type == "resource" && len(b.Labels) == 2:
				resources[b.Labels[0]] = true
			case b.Type == "data" && len(b.Labels) == 2:
				dataSources[b.Labels[0]] = true
			}
		}
		return nil
	})
	return resources, dataSources, err
}
