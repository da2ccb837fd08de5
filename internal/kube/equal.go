package kube

import (
	"encoding/json"
	"reflect"
)

// JSONEqual reports whether a and b serialise to the same JSON value (map key order and
// number representation aside, and an empty list or object the same as null, as the API
// server drops an empty field): the way to compare values the API server re-serialises,
// such as Helm values held in a RawExtension or a CRD's schema.
func JSONEqual(a, b any) bool {
	x, err1 := jsonValue(a)
	y, err2 := jsonValue(b)
	return err1 == nil && err2 == nil && reflect.DeepEqual(emptyToNil(x), emptyToNil(y))
}

func emptyToNil(v any) any {
	switch t := v.(type) {
	case []any:
		if len(t) == 0 {
			return nil
		}
	case map[string]any:
		if len(t) == 0 {
			return nil
		}
	}
	return v
}

// JSONSubset reports whether every field of want is in have with the same JSON value:
// objects may carry more fields in have (defaults the API server added); lists must match
// element by element.
func JSONSubset(want, have any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !JSONSubset(v, h[k]) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		for i := range w {
			if !JSONSubset(w[i], h[i]) {
				return false
			}
		}
		return true
	default:
		return JSONEqual(want, have)
	}
}

func jsonValue(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(data, &out)
}
