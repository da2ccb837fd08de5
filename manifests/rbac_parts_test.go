package manifests_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/manifests"
)

// resourcePartVerbs are the verbs the operator uses on the objects of a resource part
// (operator/parts_resources.go): server-side apply is a patch that creates the object when
// it is missing (create and patch), the read-back of its status is a get, and pruning an
// object the part no longer renders, or the part or component that goes, is a delete.
var resourcePartVerbs = []string{"create", "patch", "get", "delete"}

// Every kind that a resource part of the shipped catalog renders, for any of its versions,
// is granted to the operator by the generated ClusterRole with the verbs the operator uses
// on it: a kind missing from manifests/rbac/role.yaml would only fail in a customer's
// cluster, with a forbidden error on the Component. (Chart parts are applied by Flux's
// helm-controller under its own ServiceAccount, not by the operator.)
func TestRoleGrantsShippedResourceParts(t *testing.T) {
	rules := clusterRoleRules(t)
	cat, err := catalog.Builtin()
	require.NoError(t, err)

	kinds := map[schema.GroupVersionKind][]string{} // kind → where it is rendered
	for _, newest := range []bool{true, false} {
		comps := platformAt(t, cat, newest)
		for _, comp := range cat.Components() {
			for i := range comp.Versions {
				v := &comp.Versions[i]
				parts, err := comp.Render(v, comp.Context(v.Version, "acme.example", "acme", comps))
				require.NoError(t, err, "render %s %s", comp.Name, v.Version)
				for _, p := range parts {
					if p.Kind != catalog.PartResources {
						continue
					}
					require.NotEmpty(t, p.Objects, "%s %s part %s renders no object", comp.Name, v.Version, p.Name)
					for _, o := range p.Objects {
						apiVersion, _ := o["apiVersion"].(string)
						kind, _ := o["kind"].(string)
						gv, err := schema.ParseGroupVersion(apiVersion)
						require.NoError(t, err, "%s %s part %s", comp.Name, v.Version, p.Name)
						gvk := gv.WithKind(kind)
						kinds[gvk] = append(kinds[gvk], comp.Name+" "+v.Version+" part "+p.Name)
					}
				}
			}
		}
	}
	require.NotEmpty(t, kinds, "the shipped catalog has resource parts")

	for gvk, where := range kinds {
		plural, _ := meta.UnsafeGuessKindToResource(gvk)
		for _, verb := range resourcePartVerbs {
			assert.True(t, allows(rules, gvk.Group, plural.Resource, verb),
				"manifests/rbac/role.yaml does not grant %s on %s (group %q), which %s renders; add a +kubebuilder:rbac marker in operator/ and run make generate",
				verb, plural.Resource, gvk.Group, where[0])
		}
	}
	t.Logf("%d kinds checked", len(kinds))
}

// platformAt is every component of cat at its newest (or oldest) version, as templates see
// them, for domain acme.example.
func platformAt(t *testing.T, cat *catalog.Catalog, newest bool) map[string]*catalog.ComponentContext {
	t.Helper()
	var set []catalog.Installed
	for _, comp := range cat.Components() {
		v := comp.Newest(false).Version
		if !newest {
			v = comp.Versions[len(comp.Versions)-1].Version
		}
		set = append(set, catalog.Installed{Name: comp.Name, Version: v})
	}
	comps, err := catalog.PlatformComponents(cat, "acme.example", set)
	require.NoError(t, err)
	return comps
}

// clusterRoleRules reads the operator's generated ClusterRole from the embedded manifests,
// as bootstrap installs it.
func clusterRoleRules(t *testing.T) []rbacv1.PolicyRule {
	t.Helper()
	data, err := manifests.Operator.ReadFile("rbac/role.yaml")
	require.NoError(t, err)
	var role rbacv1.ClusterRole
	require.NoError(t, yaml.Unmarshal(data, &role))
	require.Equal(t, "ClusterRole", role.Kind)
	require.NotEmpty(t, role.Rules)
	return role.Rules
}

// allows reports whether one of rules grants verb on resource in group (cluster-wide, as a
// ClusterRole bound by a ClusterRoleBinding does).
func allows(rules []rbacv1.PolicyRule, group, resource, verb string) bool {
	for _, r := range rules {
		if len(r.ResourceNames) > 0 {
			continue // a rule limited to names does not cover objects a catalog names
		}
		if matches(r.APIGroups, group) && matches(r.Resources, resource) && matches(r.Verbs, verb) {
			return true
		}
	}
	return false
}

func matches(list []string, s string) bool {
	return slices.Contains(list, s) || slices.Contains(list, "*")
}
