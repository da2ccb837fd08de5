package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// record runs terraform on a copy of the module against the real providers in the mirror
// and writes the module's trimmed schema file.
func record(o options, providers []provider, module, mirror string) error {
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
	if err := mergeTrimmed(o, providers, module, doc, resources, dataSources); err != nil {
		return err
	}
	schemas, _ := doc["provider_schemas"].(map[string]any)
	for _, ps := range schemas {
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

// mergeTrimmed completes the schemas of trimmed builds from the previous recording: the
// provider block, and the types the trimmed build could not hold (constructors in the
// provider's root package). A type found in neither is an error.
func mergeTrimmed(o options, providers []provider, module string, doc map[string]any, resources, dataSources map[string]bool) error {
	var old map[string]any
	if raw, err := os.ReadFile(filepath.Join(o.work, "recorded", module+".json")); err == nil {
		if err := json.Unmarshal(raw, &old); err != nil {
			return fmt.Errorf("parse recorded %s.json: %w", module, err)
		}
	}
	oldSchemas, _ := old["provider_schemas"].(map[string]any)
	schemas, _ := doc["provider_schemas"].(map[string]any)
	for _, p := range providers {
		if !o.trim[p.typeName()] || !slices.Contains(p.Modules, module) {
			continue
		}
		cur, _ := schemas[p.Address].(map[string]any)
		prev, _ := oldSchemas[p.Address].(map[string]any)
		if cur == nil {
			return fmt.Errorf("%s: the trimmed build answered no schema", p.Address)
		}
		if prev["provider"] == nil {
			return fmt.Errorf("%s: a trimmed build needs the provider block from a previous recording of %s.json", p.Address, module)
		}
		cur["provider"] = prev["provider"]
		for key, want := range map[string]map[string]bool{"resource_schemas": resources, "data_source_schemas": dataSources} {
			got, _ := cur[key].(map[string]any)
			if got == nil {
				got = map[string]any{}
				cur[key] = got
			}
			before, _ := prev[key].(map[string]any)
			for name := range want {
				if !strings.HasPrefix(name, p.typeName()+"_") || got[name] != nil {
					continue
				}
				if before[name] == nil {
					return fmt.Errorf("%s: %s %s is neither in the trimmed build nor in the previous recording", p.Address, key, name)
				}
				fmt.Fprintf(os.Stderr, "%s: %s kept from the previous recording\n", p.Address, name)
				got[name] = before[name]
			}
		}
	}
	return nil
}
