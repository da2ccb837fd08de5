package delivery

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

func component(name string, spec openovav1alpha1.ComponentSpec) *openovav1alpha1.Component {
	return &openovav1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Spec: spec}
}

func TestReleaseDependenciesAndDesiredReleases(t *testing.T) {
	chart := func(v string) *openovav1alpha1.ChartRef {
		return &openovav1alpha1.ChartRef{Repository: "http://charts.example.test", Name: "app", Version: v}
	}
	comps := map[string]*openovav1alpha1.Component{
		"cilium": component("cilium", openovav1alpha1.ComponentSpec{Delivery: openovav1alpha1.DeliveryBootstrap}),
		"bundle": component("bundle", openovav1alpha1.ComponentSpec{Delivery: openovav1alpha1.DeliveryBundle}),
		"kserve": component("kserve", openovav1alpha1.ComponentSpec{Delivery: openovav1alpha1.DeliveryHelm, Version: "1.0.0", Parts: []openovav1alpha1.ComponentPart{
			{Name: "crd", Kind: openovav1alpha1.PartChart, Release: "kserve-crd", Chart: chart("1.0.0")},
			{Name: "main", Kind: openovav1alpha1.PartChart, Release: "kserve", Chart: chart("1.0.1")},
			{Name: "config", Kind: openovav1alpha1.PartResources},
		}}),
	}
	app := component("app", openovav1alpha1.ComponentSpec{Delivery: openovav1alpha1.DeliveryHelm, Version: "2.0.0", Chart: chart("2.0.0"),
		Dependencies: []string{"bundle", "cilium", "kserve", "later"}})
	deps := ReleaseDependencies(app, func(name string) *openovav1alpha1.Component { return comps[name] })
	assert.Equal(t, []string{"kserve", "later"}, deps, "no release for bootstrap or bundle; a multi-part one's last chart part; a missing one by name")

	releases, err := DesiredReleases(app, deps)
	require.NoError(t, err)
	require.Len(t, releases, 1)
	assert.Equal(t, "2.0.0", releases[0].Spec.Chart.Spec.Version)
	assert.Equal(t, "2.0.0", releases[0].Annotations[VersionAnnotation])
	assert.Equal(t, RepositoryName("http://charts.example.test"), releases[0].Spec.Chart.Spec.SourceRef.Name)

	releases, err = DesiredReleases(comps["kserve"], []string{"dep"})
	require.NoError(t, err)
	require.Len(t, releases, 2, "one per chart part")
	assert.Equal(t, "kserve-crd", releases[0].Name)
	assert.Equal(t, "dep", releases[0].Spec.DependsOn[0].Name)
	assert.Equal(t, "kserve", releases[1].Name)
	assert.Equal(t, "kserve-crd", releases[1].Spec.DependsOn[0].Name, "each part waits for the one before")
	assert.Equal(t, "1.0.1", releases[1].Spec.Chart.Spec.Version)
	assert.Equal(t, "main", releases[1].Labels[PartLabel])

	for _, c := range []string{"cilium", "bundle"} {
		releases, err = DesiredReleases(comps[c], nil)
		require.NoError(t, err)
		assert.Empty(t, releases, c)
	}
}

// TestReleaseDependenciesIn: in a region, a dependency placed elsewhere (placement primary,
// seen from the standby) has no release to wait for; one placed there, or not yet placed
// anywhere, does.
func TestReleaseDependenciesIn(t *testing.T) {
	both := []openovav1alpha1.ComponentRegion{{Name: "hel1", Role: openovav1alpha1.RegionStandby}, {Name: "fsn1", Role: openovav1alpha1.RegionPrimary}}
	comps := map[string]*openovav1alpha1.Component{
		"portal": component("portal", openovav1alpha1.ComponentSpec{Delivery: openovav1alpha1.DeliveryHelm, Regions: both[1:]}),
		"pg":     component("pg", openovav1alpha1.ComponentSpec{Delivery: openovav1alpha1.DeliveryHelm, Regions: both}),
		"kserve": component("kserve", openovav1alpha1.ComponentSpec{Delivery: openovav1alpha1.DeliveryHelm, Regions: both, Parts: []openovav1alpha1.ComponentPart{
			{Name: "crd", Kind: openovav1alpha1.PartChart, Release: "kserve-crd", Chart: &openovav1alpha1.ChartRef{Name: "crd"}},
			{Name: "main", Kind: openovav1alpha1.PartChart, Release: "kserve-main", Chart: &openovav1alpha1.ChartRef{Name: "main"}},
		}}),
		"new": component("new", openovav1alpha1.ComponentSpec{Delivery: openovav1alpha1.DeliveryHelm}),
	}
	app := component("app", openovav1alpha1.ComponentSpec{Delivery: openovav1alpha1.DeliveryHelm, Regions: both,
		Dependencies: []string{"kserve", "new", "pg", "portal"}})
	get := func(name string) *openovav1alpha1.Component { return comps[name] }
	assert.Equal(t, []string{"kserve-main", "new", "pg"}, ReleaseDependenciesIn(app, "hel1", get))
	assert.Equal(t, []string{"kserve-main", "new", "pg", "portal"}, ReleaseDependenciesIn(app, "fsn1", get))
	assert.Equal(t, ReleaseDependenciesIn(app, "fsn1", get), ReleaseDependencies(app, get))
}

// TestDesiredRegionReleases: on two regions each region has its own chain of a multi-part
// component's releases — the standby's named <release>-<region>, with the region label,
// spec.kubeConfig (key defaulted) and the part's Helm release name, waiting for the
// dependency's release in the same region — and a one-region component the releases of
// DesiredReleases.
func TestDesiredRegionReleases(t *testing.T) {
	both := []openovav1alpha1.ComponentRegion{
		{Name: "hel1", Role: openovav1alpha1.RegionStandby, KubeConfig: &openovav1alpha1.KubeConfigReference{SecretRef: openovav1alpha1.SecretKeyReference{Name: "acme-hel1-kubeconfig"}}},
		{Name: "fsn1", Role: openovav1alpha1.RegionPrimary},
	}
	comps := map[string]*openovav1alpha1.Component{
		"pg": component("pg", openovav1alpha1.ComponentSpec{Delivery: openovav1alpha1.DeliveryHelm, Regions: both}),
	}
	get := func(name string) *openovav1alpha1.Component { return comps[name] }
	app := component("app", openovav1alpha1.ComponentSpec{Delivery: openovav1alpha1.DeliveryHelm, Regions: both, Dependencies: []string{"pg"},
		Parts: []openovav1alpha1.ComponentPart{
			{Name: "crd", Kind: openovav1alpha1.PartChart, Release: "app-crd", Chart: &openovav1alpha1.ChartRef{Name: "crd", Version: "1.0.0"}},
			{Name: "main", Kind: openovav1alpha1.PartChart, Release: "app", Chart: &openovav1alpha1.ChartRef{Name: "main", Version: "2.0.0"}},
		}})
	releases, err := DesiredRegionReleases(app, get)
	require.NoError(t, err)
	type row struct{ name, helm, region, dependsOn, secret string }
	var got []row
	for _, hr := range releases {
		r := row{name: hr.Name, helm: hr.Spec.ReleaseName, region: hr.Labels[RegionLabel]}
		for _, d := range hr.Spec.DependsOn {
			r.dependsOn += d.Name
		}
		if hr.Spec.KubeConfig != nil {
			r.secret = hr.Spec.KubeConfig.SecretRef.Name + "/" + hr.Spec.KubeConfig.SecretRef.Key
		}
		got = append(got, r)
	}
	assert.Equal(t, []row{
		{"app-crd-hel1", "app-crd", "hel1", "pg-hel1", "acme-hel1-kubeconfig/value"},
		{"app-hel1", "app", "hel1", "app-crd-hel1", "acme-hel1-kubeconfig/value"},
		{"app-crd", "app-crd", "fsn1", "pg", ""},
		{"app", "app", "fsn1", "app-crd", ""},
	}, got)

	one := component("one", openovav1alpha1.ComponentSpec{Delivery: openovav1alpha1.DeliveryHelm, Chart: &openovav1alpha1.ChartRef{Name: "one"}})
	regional, err := DesiredRegionReleases(one, get)
	require.NoError(t, err)
	plain, err := DesiredReleases(one, nil)
	require.NoError(t, err)
	assert.Equal(t, plain, regional)
	assert.NotContains(t, regional[0].Labels, RegionLabel)
}
