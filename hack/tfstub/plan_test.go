package main

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWithComputedUnknown(t *testing.T) {
	block := &tfprotov6.SchemaBlock{
		Attributes: []*tfprotov6.SchemaAttribute{
			{Name: "id", Type: tftypes.String, Computed: true},
			{Name: "name", Type: tftypes.String, Required: true},
			{Name: "location", Type: tftypes.String, Optional: true, Computed: true},
			{Name: "datacenter", Type: tftypes.String, Optional: true, Computed: true, Deprecated: true},
		},
		BlockTypes: []*tfprotov6.SchemaNestedBlock{{
			TypeName: "network", Nesting: tfprotov6.SchemaNestedBlockNestingModeList,
			Block: &tfprotov6.SchemaBlock{Attributes: []*tfprotov6.SchemaAttribute{
				{Name: "ip", Type: tftypes.String, Optional: true},
				{Name: "mac", Type: tftypes.String, Computed: true},
			}},
		}},
	}
	schema := &tfprotov6.Schema{Block: block}
	typ := schema.ValueType().(tftypes.Object)
	netType := typ.AttributeTypes["network"].(tftypes.List).ElementType
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	null := tftypes.NewValue(tftypes.String, nil)
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	obj := func(id, name, location, datacenter tftypes.Value, nets ...tftypes.Value) tftypes.Value {
		return tftypes.NewValue(typ, map[string]tftypes.Value{
			"id": id, "name": name, "location": location, "datacenter": datacenter,
			"network": tftypes.NewValue(typ.AttributeTypes["network"], nets),
		})
	}
	net := func(ip, mac tftypes.Value) tftypes.Value {
		return tftypes.NewValue(netType, map[string]tftypes.Value{"ip": ip, "mac": mac})
	}

	t.Run("create: computed and unset become unknown", func(t *testing.T) {
		got, err := withComputedUnknown(block, obj(null, str("x"), null, null, net(str("10.0.0.2"), null)))
		require.NoError(t, err)
		assert.True(t, got.Equal(obj(unknown, str("x"), unknown, unknown, net(str("10.0.0.2"), unknown))), got.String())
	})
	t.Run("set values stay", func(t *testing.T) {
		in := obj(str("1"), str("x"), str("fsn1"), null)
		got, err := withComputedUnknown(block, in)
		require.NoError(t, err)
		assert.True(t, got.Equal(obj(str("1"), str("x"), str("fsn1"), unknown)), got.String())
	})
	t.Run("deprecated arguments are found", func(t *testing.T) {
		found, err := deprecatedInConfig(block, obj(null, str("x"), null, str("fsn1-dc14")), "")
		require.NoError(t, err)
		assert.Equal(t, []string{"datacenter"}, found)
		found, err = deprecatedInConfig(block, obj(null, str("x"), str("fsn1"), null), "")
		require.NoError(t, err)
		assert.Empty(t, found)
	})
}

func TestAddressFromPath(t *testing.T) {
	got, err := addressFromPath("/m/registry.terraform.io/hetznercloud/hcloud/1.68.0/linux_amd64/terraform-provider-hcloud_v1.68.0")
	require.NoError(t, err)
	assert.Equal(t, "registry.terraform.io/hetznercloud/hcloud", got)
	_, err = addressFromPath("/usr/bin/tfstub")
	assert.ErrorContains(t, err, "is not in a filesystem mirror's layout")
}
