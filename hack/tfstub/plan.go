package main

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// withComputedUnknown returns the proposed new state of a block with every computed
// attribute that is still null (set neither by the configuration nor by the prior state)
// made unknown, as a real provider plans a resource it creates: "known after apply".
func withComputedUnknown(block *tfprotov6.SchemaBlock, v tftypes.Value) (tftypes.Value, error) {
	if v.IsNull() || !v.IsKnown() {
		return v, nil
	}
	var vals map[string]tftypes.Value
	if err := v.As(&vals); err != nil {
		return v, err
	}
	for _, a := range block.Attributes {
		cur, ok := vals[a.Name]
		if ok && a.Computed && cur.IsNull() {
			vals[a.Name] = tftypes.NewValue(cur.Type(), tftypes.UnknownValue)
		}
	}
	for _, bt := range block.BlockTypes {
		cur, ok := vals[bt.TypeName]
		if !ok || cur.IsNull() || !cur.IsKnown() {
			continue
		}
		next, err := nestedWithComputedUnknown(bt, cur)
		if err != nil {
			return v, fmt.Errorf("block %s: %w", bt.TypeName, err)
		}
		vals[bt.TypeName] = next
	}
	return tftypes.NewValue(v.Type(), vals), nil
}

func nestedWithComputedUnknown(bt *tfprotov6.SchemaNestedBlock, v tftypes.Value) (tftypes.Value, error) {
	switch bt.Nesting {
	case tfprotov6.SchemaNestedBlockNestingModeSingle, tfprotov6.SchemaNestedBlockNestingModeGroup:
		return withComputedUnknown(bt.Block, v)
	case tfprotov6.SchemaNestedBlockNestingModeMap:
		var elems map[string]tftypes.Value
		if err := v.As(&elems); err != nil {
			return v, err
		}
		for k, e := range elems {
			next, err := withComputedUnknown(bt.Block, e)
			if err != nil {
				return v, err
			}
			elems[k] = next
		}
		return tftypes.NewValue(v.Type(), elems), nil
	default: // list and set
		var elems []tftypes.Value
		if err := v.As(&elems); err != nil {
			return v, err
		}
		for i, e := range elems {
			next, err := withComputedUnknown(bt.Block, e)
			if err != nil {
				return v, err
			}
			elems[i] = next
		}
		return tftypes.NewValue(v.Type(), elems), nil
	}
}

// deprecatedInConfig lists the deprecated attributes and blocks that a configuration sets.
// Real providers only warn (or reject them in their own validators, as hcloud does for a
// primary IP's datacenter); the modules of this project use none, so the stub makes each
// one an error.
func deprecatedInConfig(block *tfprotov6.SchemaBlock, v tftypes.Value, path string) ([]string, error) {
	if v.IsNull() || !v.IsKnown() {
		return nil, nil
	}
	var vals map[string]tftypes.Value
	if err := v.As(&vals); err != nil {
		return nil, err
	}
	var out []string
	for _, a := range block.Attributes {
		if cur, ok := vals[a.Name]; ok && a.Deprecated && !cur.IsNull() {
			out = append(out, path+a.Name)
		}
	}
	for _, bt := range block.BlockTypes {
		cur, ok := vals[bt.TypeName]
		if !ok || cur.IsNull() || !cur.IsKnown() {
			continue
		}
		var elems []tftypes.Value
		switch bt.Nesting {
		case tfprotov6.SchemaNestedBlockNestingModeSingle, tfprotov6.SchemaNestedBlockNestingModeGroup:
			elems = []tftypes.Value{cur}
		case tfprotov6.SchemaNestedBlockNestingModeMap:
			var m map[string]tftypes.Value
			if err := cur.As(&m); err != nil {
				return nil, err
			}
			for _, k := range sortedKeys(m) {
				elems = append(elems, m[k])
			}
		default:
			if err := cur.As(&elems); err != nil {
				return nil, err
			}
		}
		if bt.Block.Deprecated && len(elems) > 0 {
			out = append(out, path+bt.TypeName)
			continue
		}
		for _, e := range elems {
			found, err := deprecatedInConfig(bt.Block, e, path+bt.TypeName+".")
			if err != nil {
				return nil, err
			}
			out = append(out, found...)
		}
	}
	return out, nil
}
