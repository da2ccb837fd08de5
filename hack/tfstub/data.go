package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// DataEnv names an optional JSON file of data source answers, for plans that need what a
// cloud's API would return (terraform test's mocks cannot give Plugin Framework
// nested-list attributes in Terraform 1.11, hashicorp/terraform#38369):
//
//	{"hcloud_server_type": [{"when": {"name": "cx33"}, "values": {"locations": [...]}}]}
//
// The first entry whose "when" arguments equal the configuration's gives the values of
// the data source's other attributes.
const DataEnv = "OPENOVA_TFSTUB_DATA"

type dataAnswer struct {
	When   map[string]json.RawMessage `json:"when"`
	Values map[string]json.RawMessage `json:"values"`
}

func loadDataAnswers() (map[string][]dataAnswer, error) {
	file := os.Getenv(DataEnv)
	if file == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", file, err)
	}
	out := map[string][]dataAnswer{}
	for typeName, answers := range doc {
		if strings.HasPrefix(typeName, "_") { // comments
			continue
		}
		var list []dataAnswer
		if err := json.Unmarshal(answers, &list); err != nil {
			return nil, fmt.Errorf("parse %s: %s: %w", file, typeName, err)
		}
		out[typeName] = list
	}
	return out, nil
}

// answerDataSource fills the configuration of a data source with the first matching
// answer; without one the configuration is the state (computed attributes null).
func answerDataSource(answers []dataAnswer, schema *tfprotov6.Schema, config tftypes.Value) (tftypes.Value, error) {
	typ, ok := schema.ValueType().(tftypes.Object)
	if !ok || config.IsNull() {
		return config, nil
	}
	var vals map[string]tftypes.Value
	if err := config.As(&vals); err != nil {
		return config, err
	}
	for _, a := range answers {
		if !matches(a.When, vals, typ) {
			continue
		}
		for name, raw := range a.Values {
			attrType, ok := typ.AttributeTypes[name]
			if !ok {
				return config, fmt.Errorf("answer sets %s, which the schema does not have", name)
			}
			v, err := tftypes.ValueFromJSON(raw, attrType) //nolint:staticcheck // the only decoder of JSON into a schema type; the stub pins terraform-plugin-go
			if err != nil {
				return config, fmt.Errorf("answer for %s: %w", name, err)
			}
			vals[name] = v
		}
		return tftypes.NewValue(typ, vals), nil
	}
	return config, nil
}

func matches(when map[string]json.RawMessage, vals map[string]tftypes.Value, typ tftypes.Object) bool {
	for name, raw := range when {
		want, err := tftypes.ValueFromJSON(raw, typ.AttributeTypes[name]) //nolint:staticcheck // as above
		if err != nil || !want.Equal(vals[name]) {
			return false
		}
	}
	return true
}
