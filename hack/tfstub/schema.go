package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The JSON form of `terraform providers schema -json` (format_version 1.0), as far as the
// stub needs it.
type schemasJSON struct {
	FormatVersion   string                         `json:"format_version"`
	ProviderSchemas map[string]*providerSchemaJSON `json:"provider_schemas"`
}

type providerSchemaJSON struct {
	Provider          *schemaJSON            `json:"provider"`
	ResourceSchemas   map[string]*schemaJSON `json:"resource_schemas"`
	DataSourceSchemas map[string]*schemaJSON `json:"data_source_schemas"`
}

type schemaJSON struct {
	Version int64      `json:"version"`
	Block   *blockJSON `json:"block"`
}

type blockJSON struct {
	Attributes  map[string]*attributeJSON `json:"attributes"`
	BlockTypes  map[string]*blockTypeJSON `json:"block_types"`
	Description string                    `json:"description"`
	Deprecated  bool                      `json:"deprecated"`
}

type attributeJSON struct {
	Type        json.RawMessage `json:"type"`
	NestedType  *nestedTypeJSON `json:"nested_type"`
	Description string          `json:"description"`
	Required    bool            `json:"required"`
	Optional    bool            `json:"optional"`
	Computed    bool            `json:"computed"`
	Sensitive   bool            `json:"sensitive"`
	Deprecated  bool            `json:"deprecated"`
	WriteOnly   bool            `json:"write_only"`
}

type nestedTypeJSON struct {
	Attributes  map[string]*attributeJSON `json:"attributes"`
	NestingMode string                    `json:"nesting_mode"`
}

type blockTypeJSON struct {
	NestingMode string     `json:"nesting_mode"`
	Block       *blockJSON `json:"block"`
	MinItems    int64      `json:"min_items"`
	MaxItems    int64      `json:"max_items"`
}

// providerSchema is one provider's schema in the plugin protocol's form.
type providerSchema struct {
	provider    *tfprotov6.Schema
	resources   map[string]*tfprotov6.Schema
	dataSources map[string]*tfprotov6.Schema
}

// loadProviderSchema reads every *.json file of dir and merges what they record for the
// provider address (e.g. registry.terraform.io/hetznercloud/hcloud): one module's file
// may hold several providers, and one provider may appear in several modules' files.
func loadProviderSchema(dir, address string) (*providerSchema, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	out := &providerSchema{resources: map[string]*tfprotov6.Schema{}, dataSources: map[string]*tfprotov6.Schema{}}
	found := false
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var doc schemasJSON
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("parse %s: %w", file, err)
		}
		for addr, ps := range doc.ProviderSchemas {
			if !strings.EqualFold(addr, address) {
				continue
			}
			found = true
			if ps.Provider != nil && out.provider == nil {
				if out.provider, err = convertSchema(ps.Provider); err != nil {
					return nil, fmt.Errorf("%s: provider schema: %w", file, err)
				}
			}
			for name, s := range ps.ResourceSchemas {
				if out.resources[name], err = convertSchema(s); err != nil {
					return nil, fmt.Errorf("%s: resource %s: %w", file, name, err)
				}
			}
			for name, s := range ps.DataSourceSchemas {
				if out.dataSources[name], err = convertSchema(s); err != nil {
					return nil, fmt.Errorf("%s: data source %s: %w", file, name, err)
				}
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("no schema for provider %s in %s/*.json", address, dir)
	}
	if out.provider == nil {
		out.provider = &tfprotov6.Schema{Block: &tfprotov6.SchemaBlock{}}
	}
	return out, nil
}

func convertSchema(s *schemaJSON) (*tfprotov6.Schema, error) {
	if s == nil || s.Block == nil {
		return &tfprotov6.Schema{Block: &tfprotov6.SchemaBlock{}}, nil
	}
	b, err := convertBlock(s.Block)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.Schema{Version: s.Version, Block: b}, nil
}

func convertBlock(b *blockJSON) (*tfprotov6.SchemaBlock, error) {
	out := &tfprotov6.SchemaBlock{Description: b.Description, Deprecated: b.Deprecated}
	attrs, err := convertAttributes(b.Attributes)
	if err != nil {
		return nil, err
	}
	out.Attributes = attrs
	for _, name := range sortedKeys(b.BlockTypes) {
		bt := b.BlockTypes[name]
		nested, err := convertBlock(bt.Block)
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", name, err)
		}
		mode, ok := blockNesting[bt.NestingMode]
		if !ok {
			return nil, fmt.Errorf("block %s: nesting mode %q", name, bt.NestingMode)
		}
		out.BlockTypes = append(out.BlockTypes, &tfprotov6.SchemaNestedBlock{
			TypeName: name, Block: nested, Nesting: mode, MinItems: bt.MinItems, MaxItems: bt.MaxItems,
		})
	}
	return out, nil
}

func convertAttributes(in map[string]*attributeJSON) ([]*tfprotov6.SchemaAttribute, error) {
	var out []*tfprotov6.SchemaAttribute
	for _, name := range sortedKeys(in) {
		a := in[name]
		attr := &tfprotov6.SchemaAttribute{
			Name: name, Description: a.Description, Required: a.Required, Optional: a.Optional,
			Computed: a.Computed, Sensitive: a.Sensitive, Deprecated: a.Deprecated, WriteOnly: a.WriteOnly,
		}
		switch {
		case a.NestedType != nil:
			nested, err := convertAttributes(a.NestedType.Attributes)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", name, err)
			}
			mode, ok := objectNesting[a.NestedType.NestingMode]
			if !ok {
				return nil, fmt.Errorf("attribute %s: nesting mode %q", name, a.NestedType.NestingMode)
			}
			attr.NestedType = &tfprotov6.SchemaObject{Attributes: nested, Nesting: mode}
		case len(a.Type) > 0:
			typ, err := tftypes.ParseJSONType(a.Type) //nolint:staticcheck // the schema JSON is cty's type JSON
			if err != nil {
				return nil, fmt.Errorf("attribute %s: type %s: %w", name, a.Type, err)
			}
			attr.Type = typ
		default:
			return nil, fmt.Errorf("attribute %s has neither type nor nested_type", name)
		}
		out = append(out, attr)
	}
	return out, nil
}

var blockNesting = map[string]tfprotov6.SchemaNestedBlockNestingMode{
	"single": tfprotov6.SchemaNestedBlockNestingModeSingle,
	"group":  tfprotov6.SchemaNestedBlockNestingModeGroup,
	"list":   tfprotov6.SchemaNestedBlockNestingModeList,
	"set":    tfprotov6.SchemaNestedBlockNestingModeSet,
	"map":    tfprotov6.SchemaNestedBlockNestingModeMap,
}

var objectNesting = map[string]tfprotov6.SchemaObjectNestingMode{
	"single": tfprotov6.SchemaObjectNestingModeSingle,
	"list":   tfprotov6.SchemaObjectNestingModeList,
	"set":    tfprotov6.SchemaObjectNestingModeSet,
	"map":    tfprotov6.SchemaObjectNestingModeMap,
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
