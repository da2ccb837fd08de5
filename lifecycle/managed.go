package lifecycle

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/openova-io/core/internal/install"
)

// Server-side apply sends a manager's whole intent: a field the manager owned and leaves
// out of an apply is removed. The CLI therefore starts every apply from what its field
// manager already owns on the live Platform (read from metadata.managedFields) and changes
// only spec.components entries, so it never drops a field it set before (or that bootstrap,
// which writes as the same manager, set), and never touches entries it does not manage.

// FieldManager is the field manager of every write of kubectl openova (and of bootstrap,
// which installs the operator and creates the Platform as the same manager).
const FieldManager = install.FieldManager

// fieldSet is a decoded FieldsV1 set: keys "f:<field>", "k:<json key>", "v:<json value>",
// "i:<index>" and "." (the node itself), each mapping to the set below it.
type fieldSet map[string]any

// ownedFields returns the fields manager owns through apply requests on the main resource
// (not the status subresource).
func ownedFields(entries []metav1.ManagedFieldsEntry, manager string) (fieldSet, error) {
	out := fieldSet{}
	for _, e := range entries {
		if e.Manager != manager || e.Operation != metav1.ManagedFieldsOperationApply || e.Subresource != "" || e.FieldsV1 == nil {
			continue
		}
		var set fieldSet
		if err := json.Unmarshal(e.FieldsV1.GetRawBytes(), &set); err != nil {
			return nil, fmt.Errorf("decode managed fields of %s: %w", manager, err)
		}
		mergeSets(out, set)
	}
	return out, nil
}

func mergeSets(dst, src fieldSet) {
	for k, v := range src {
		sub, _ := v.(map[string]any)
		have, ok := dst[k].(map[string]any)
		if !ok {
			have = map[string]any{}
			dst[k] = have
		}
		mergeSets(have, sub)
	}
}

// componentEntries returns, for every spec.components entry set mentions, the names of
// its fields set mentions ("version", "reason", …).
func componentEntries(set fieldSet) map[string][]string {
	spec, _ := set["f:spec"].(map[string]any)
	list, _ := spec["f:components"].(map[string]any)
	out := map[string][]string{}
	for k, v := range list {
		if !strings.HasPrefix(k, "k:") {
			continue
		}
		var key map[string]any
		if err := json.Unmarshal([]byte(k[2:]), &key); err != nil {
			continue
		}
		name, _ := key["name"].(string)
		var fields []string
		sub, _ := v.(map[string]any)
		for f := range sub {
			if strings.HasPrefix(f, "f:") {
				fields = append(fields, f[2:])
			}
		}
		slices.Sort(fields)
		out[name] = fields
	}
	return out
}

// otherManagers returns, for every spec.components entry, the field managers other than
// manager's apply that own any part of it: an entry they own stays when the CLI leaves it
// out of its apply.
func otherManagers(entries []metav1.ManagedFieldsEntry, manager string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, e := range entries {
		if e.Manager == manager && e.Operation == metav1.ManagedFieldsOperationApply || e.Subresource != "" || e.FieldsV1 == nil {
			continue
		}
		var set fieldSet
		if err := json.Unmarshal(e.FieldsV1.GetRawBytes(), &set); err != nil {
			return nil, fmt.Errorf("decode managed fields of %s: %w", e.Manager, err)
		}
		for name := range componentEntries(set) {
			if !slices.Contains(out[name], e.Manager) {
				out[name] = append(out[name], e.Manager)
			}
		}
	}
	for _, ms := range out {
		slices.Sort(ms)
	}
	return out, nil
}

// extract returns the parts of live that set names: what an apply by the set's owner
// would have to send to keep owning exactly those fields.
func extract(live any, set fieldSet) any {
	switch v := live.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, sub := range set {
			name, ok := strings.CutPrefix(k, "f:")
			if !ok {
				continue
			}
			val, present := v[name]
			if !present {
				continue
			}
			subset, _ := sub.(map[string]any)
			if isLeaf(subset) {
				out[name] = runtime.DeepCopyJSONValue(val)
				continue
			}
			out[name] = extract(val, subset)
		}
		return out
	case []any:
		out := []any{}
		for i, item := range v {
			for k, sub := range set {
				if matchListItem(k, i, item) {
					subset, _ := sub.(map[string]any)
					if isLeaf(subset) {
						out = append(out, runtime.DeepCopyJSONValue(item))
					} else {
						out = append(out, extract(item, subset))
					}
					break
				}
			}
		}
		return out
	default:
		return runtime.DeepCopyJSONValue(live)
	}
}

// isLeaf reports whether a set names a whole value (no fields below it besides ".").
func isLeaf(set map[string]any) bool {
	for k := range set {
		if k != "." {
			return false
		}
	}
	return true
}

// matchListItem reports whether the set key k ("k:{…}", "v:…" or "i:N") names item, the
// i-th element of a list.
func matchListItem(k string, i int, item any) bool {
	switch {
	case strings.HasPrefix(k, "k:"):
		var key map[string]any
		if json.Unmarshal([]byte(k[2:]), &key) != nil {
			return false
		}
		obj, ok := item.(map[string]any)
		if !ok {
			return false
		}
		for f, want := range key {
			if !jsonValueEqual(obj[f], want) {
				return false
			}
		}
		return true
	case strings.HasPrefix(k, "v:"):
		var want any
		if json.Unmarshal([]byte(k[2:]), &want) != nil {
			return false
		}
		return jsonValueEqual(item, want)
	case strings.HasPrefix(k, "i:"):
		return k[2:] == fmt.Sprint(i)
	}
	return false
}

// jsonValueEqual compares two decoded JSON values, numbers by value.
func jsonValueEqual(a, b any) bool {
	na, aok := number(a)
	nb, bok := number(b)
	if aok && bok {
		return na == nb
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
