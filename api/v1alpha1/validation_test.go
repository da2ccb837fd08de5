package v1alpha1_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/cluster"
)

var k8s client.Client

func TestMain(m *testing.M) {
	env, err := cluster.StartEnvtest(cluster.EnvtestOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	k8s, err = client.New(env.Config, client.Options{Scheme: cluster.Scheme()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

func validPlatform(name string) *openovav1alpha1.Platform {
	return &openovav1alpha1.Platform{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: openovav1alpha1.PlatformSpec{
			Organization: openovav1alpha1.Organization{Name: "acme", Domain: "acme.example.com"},
			Regions: []openovav1alpha1.Region{
				{Name: "fsn1", Role: openovav1alpha1.RegionPrimary},
				{Name: "hel1", Role: openovav1alpha1.RegionStandby},
			},
			Components: []openovav1alpha1.PlatformComponent{
				{Name: "cilium", Version: "1.16.5"},
				{Name: "cnpg", Version: "0.23.0", Reason: "dependency of ai-hub", Values: &runtime.RawExtension{Raw: []byte(`{"replicas":2}`)}},
			},
			Catalog: &openovav1alpha1.CatalogSource{URL: "https://catalog.example.com/catalog.yaml"},
			Updates: &openovav1alpha1.UpdatePolicy{MaintenanceWindow: &openovav1alpha1.MaintenanceWindow{
				Start: "02:30", Duration: metav1.Duration{Duration: 7200e9}, Days: []openovav1alpha1.Weekday{"Saturday"},
			}},
		},
	}
}

func TestPlatformValidation(t *testing.T) {
	ctx := context.Background()
	p := validPlatform("valid")
	require.NoError(t, k8s.Create(ctx, p))
	assert.True(t, p.Spec.Components[0].IsEnabled(), "enabled defaults to true")
	require.NotNil(t, p.Spec.Updates.CheckInterval, "checkInterval defaults")
	assert.Equal(t, "6h0m0s", p.Spec.Updates.CheckInterval.Duration.String())

	tests := []struct {
		name   string
		mutate func(*openovav1alpha1.Platform)
		want   string
	}{
		{"two primary regions (CEL)", func(p *openovav1alpha1.Platform) { p.Spec.Regions[1].Role = openovav1alpha1.RegionPrimary }, "exactly one region must have role primary"},
		{"no primary region (CEL)", func(p *openovav1alpha1.Platform) { p.Spec.Regions[0].Role = openovav1alpha1.RegionStandby }, "exactly one region must have role primary"},
		{"three regions", func(p *openovav1alpha1.Platform) {
			p.Spec.Regions = append(p.Spec.Regions, openovav1alpha1.Region{Name: "nbg1", Role: openovav1alpha1.RegionStandby})
		}, "must have at most 2 items"},
		{"unknown role", func(p *openovav1alpha1.Platform) { p.Spec.Regions[1].Role = "backup" }, `supported values: "primary", "standby"`},
		{"duplicate component", func(p *openovav1alpha1.Platform) {
			p.Spec.Components = append(p.Spec.Components, openovav1alpha1.PlatformComponent{Name: "cilium", Version: "1.17.0"})
		}, "Duplicate value"},
		{"version not semver", func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Version = "latest" }, "spec.components[0].version"},
		{"version with four parts", func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Version = "1.2.3.4" }, "spec.components[0].version"},
		{"component name with capitals", func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Name = "Cilium" }, "spec.components[0].name"},
		{"organization name too long", func(p *openovav1alpha1.Platform) {
			p.Spec.Organization.Name = "a234567890123456789012345678901234567890123456789012345678901234"
		}, "spec.organization.name"},
		{"bad domain", func(p *openovav1alpha1.Platform) { p.Spec.Organization.Domain = "not a domain" }, "spec.organization.domain"},
		{"catalog not http", func(p *openovav1alpha1.Platform) { p.Spec.Catalog.URL = "ftp://example.com/c.yaml" }, "spec.catalog.url"},
		{"maintenance window start", func(p *openovav1alpha1.Platform) { p.Spec.Updates.MaintenanceWindow.Start = "25:00" }, "spec.updates.maintenanceWindow.start"},
		{"unknown weekday", func(p *openovav1alpha1.Platform) {
			p.Spec.Updates.MaintenanceWindow.Days = []openovav1alpha1.Weekday{"Caturday"}
		}, "spec.updates.maintenanceWindow.days[0]"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validPlatform(fmt.Sprintf("invalid-%d", i))
			tt.mutate(p)
			err := k8s.Create(ctx, p)
			require.Error(t, err)
			assert.True(t, apierrors.IsInvalid(err), "want Invalid, got %v", err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestOrganizationNameIsImmutable(t *testing.T) {
	ctx := context.Background()
	p := validPlatform("immutable")
	require.NoError(t, k8s.Create(ctx, p))
	p.Spec.Organization.Name = "other"
	err := k8s.Update(ctx, p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "organization.name is immutable")

	p.Spec.Organization.Name = "acme"
	p.Spec.Organization.Domain = "acme.example.org"
	require.NoError(t, k8s.Update(ctx, p), "the domain may change")
}

func TestComponentValidation(t *testing.T) {
	ctx := context.Background()
	c := &openovav1alpha1.Component{
		ObjectMeta: metav1.ObjectMeta{Name: "grafana", Namespace: "default"},
		Spec: openovav1alpha1.ComponentSpec{
			Version: "11.4.0", Category: openovav1alpha1.CategoryMandatory, TargetNamespace: "monitoring",
			Chart: &openovav1alpha1.ChartRef{Repository: "https://grafana.github.io/helm-charts", Name: "grafana", Version: "8.8.2"},
		},
	}
	require.NoError(t, k8s.Create(ctx, c))
	assert.Equal(t, openovav1alpha1.DeliveryHelm, c.Spec.Delivery, "delivery defaults to helm")

	bad := c.DeepCopy()
	bad.ResourceVersion = ""
	bad.Name = "bad"
	bad.Spec.Category = "optional"
	err := k8s.Create(ctx, bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "spec.category")

	bad.Spec.Category = openovav1alpha1.CategoryALaCarte
	bad.Spec.Chart.Repository = "git://example.com/charts"
	err = k8s.Create(ctx, bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "spec.chart.repository")
}
