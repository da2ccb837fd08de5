package catalog

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The components the platform is made of (issue 3).
var shippedComponents = map[Category][]string{
	CategoryMandatory: {"backstage", "cert-manager", "cilium", "external-secrets", "flux", "grafana"},
	CategoryALaCarte: {"cnpg", "crossplane", "external-dns", "harbor", "k8gb", "keda", "keycloak", "knative", "kserve",
		"kyverno", "milvus", "minio", "mongodb", "neo4j", "openbao", "redpanda", "stalwart", "stunner", "trivy", "valkey",
		"vault", "velero", "vllm", "vpa"},
	CategoryMetaPlatform: {"ai-hub", "open-banking"},
}

func TestBuiltinCatalog(t *testing.T) {
	c, err := Builtin()
	require.NoError(t, err)
	assert.Equal(t, BuiltinSource, c.Source())
	again, err := Builtin()
	require.NoError(t, err)
	assert.Same(t, c, again, "parsed once")

	got := map[Category][]string{}
	for _, comp := range c.Components() {
		got[comp.Category] = append(got[comp.Category], comp.Name)
	}
	assert.Equal(t, shippedComponents, got)

	for _, comp := range c.Components() {
		t.Run(comp.Name, func(t *testing.T) {
			if comp.Delivery != DeliveryBootstrap {
				// Bootstrap-delivered Flux is the one release manifests/flux installs.
				assert.GreaterOrEqual(t, len(comp.Versions), 2, "at least two versions, so upgrades exist")
			}
			assert.Equal(t, "catalog/data/"+comp.Name+".yaml", comp.Source)
			for _, v := range comp.Versions {
				switch {
				case comp.Delivery == DeliveryBundle:
					assert.Empty(t, v.ChartVersion, v.Version)
					assert.Empty(t, v.Parts, v.Version)
					assert.NotEmpty(t, v.Requires, "a bundle is its members")
				case comp.Delivery == DeliveryBootstrap:
					assert.Empty(t, v.ChartVersion, "bootstrap installs %s from manifests/, not a chart", comp.Name)
					assert.NotEmpty(t, v.AppVersion, v.Version)
				case len(v.Parts) > 0:
					assert.Empty(t, v.ChartVersion, v.Version)
					assert.NotEmpty(t, v.AppVersion, v.Version)
				default:
					assert.NotEmpty(t, v.ChartVersion, v.Version)
					assert.NotEmpty(t, v.AppVersion, v.Version)
				}
				assert.NotEmpty(t, v.Released, v.Version)
				assert.NotEmpty(t, v.Changelog, v.Version)
				assert.False(t, v.Prerelease(), "the shipped catalog offers releases only")
				for _, p := range v.Parts {
					if p.Kind() == PartChart {
						assertTLSRepository(t, comp.partChart(&p).Repository)
					}
				}
			}
			if comp.Chart.Repository != "" {
				assertTLSRepository(t, comp.Chart.Repository)
			}
			eps, err := comp.RenderEndpoints("acme.example")
			require.NoError(t, err)
			for _, e := range eps {
				assert.True(t, strings.HasPrefix(e, "https://") && strings.HasSuffix(e, ".acme.example"), e)
			}
		})
	}
	flux, _ := c.Component("flux")
	assert.Equal(t, DeliveryBootstrap, flux.Delivery)
	assert.Contains(t, flux.Workloads, Workload{Kind: "Deployment", Name: "source-controller"})
	for _, name := range []string{"grafana", "backstage", "vault", "openbao", "harbor", "keycloak", "minio"} {
		comp, _ := c.Component(name)
		assert.Equal(t, []string{"https://" + name + ".{{ .Domain }}"}, comp.Endpoints, name)
	}
	ai, _ := c.Component("ai-hub")
	var req, opt []string
	for _, r := range ai.Newest(false).Requires {
		req = append(req, r.Name)
	}
	for _, o := range ai.Newest(false).Optional {
		opt = append(opt, o.Name+" ("+o.Description+")")
	}
	assert.ElementsMatch(t, []string{"kserve", "knative", "vllm", "milvus", "cnpg"}, req)
	assert.ElementsMatch(t, []string{"neo4j (knowledge graph)"}, opt)
	for _, name := range []string{"ai-hub", "open-banking"} {
		comp, _ := c.Component(name)
		assert.Equal(t, DeliveryBundle, comp.Delivery, name)
		assert.Zero(t, comp.Chart, name)
	}
	// Components whose objects need CRDs of their own chart deliver them as later parts.
	for name, parts := range map[string][]string{
		"cert-manager": {"cert-manager", "cluster-issuer"},
		"knative":      {"knative-operator", "serving"},
		"kserve":       {"kserve-crd", "kserve"},
		"minio":        {"operator", "tenant"},
		"vault":        {"vault", "cluster-secret-store"},
		"keycloak":     {"postgres", "keycloak"},
		"harbor":       {"postgres", "harbor"},
		"backstage":    {"postgres", "backstage"},
		"stalwart":     {"server"},
	} {
		comp, _ := c.Component(name)
		for _, v := range comp.Versions {
			assert.Equal(t, parts, v.PartNames(), "%s %s", name, v.Version)
		}
	}
}

func assertTLSRepository(t *testing.T, repo string) {
	t.Helper()
	u, err := url.Parse(repo)
	require.NoError(t, err)
	assert.Contains(t, []string{"https", "oci"}, u.Scheme, "real chart repositories are served over TLS: %s", repo)
}

// TestBuiltinCatalogHasNoCycles checks the component graph over every version.
func TestBuiltinCatalogHasNoCycles(t *testing.T) {
	c, err := Builtin()
	require.NoError(t, err)
	edges := map[string][]string{}
	var names []string
	for _, comp := range c.Components() {
		names = append(names, comp.Name)
		for _, v := range comp.Versions {
			for _, r := range v.Requires {
				edges[comp.Name] = append(edges[comp.Name], r.Name)
			}
			for _, o := range v.Optional {
				edges[comp.Name] = append(edges[comp.Name], o.Name)
			}
		}
	}
	assert.Nil(t, findCycle(names, edges))
}

// TestBuiltinCatalogResolves installs every component (with all its optional members)
// on its own, on top of the mandatory components, and together with every other one;
// every plan must verify.
func TestBuiltinCatalogResolves(t *testing.T) {
	c, err := Builtin()
	require.NoError(t, err)
	var mandatory []string
	for _, comp := range c.Mandatory() {
		mandatory = append(mandatory, comp.Name)
	}
	p, err := Resolve(c, nil, Request{Kind: Install, Names: mandatory})
	require.NoError(t, err)
	base := p.Apply(nil)
	require.NoError(t, Verify(c, base))

	withAll := func(names ...string) Request {
		req := Request{Kind: Install, Names: names}
		for _, n := range names {
			comp, _ := c.Component(n)
			for _, o := range comp.Newest(false).Optional {
				if !slices.Contains(req.With, o.Name) {
					req.With = append(req.With, o.Name)
				}
			}
		}
		return req
	}
	comps := c.Components()
	for _, a := range comps {
		for _, start := range [][]Installed{nil, base} {
			p, err := Resolve(c, start, withAll(a.Name))
			require.NoError(t, err, a.Name)
			require.NoError(t, Verify(c, p.Apply(start)), a.Name)
		}
		// Every version on its own, pinned.
		for _, v := range a.Versions {
			p, err := Resolve(c, nil, Request{Kind: Install, Names: []string{a.Name}, Versions: map[string]string{a.Name: v.Version}})
			require.NoError(t, err, "%s %s", a.Name, v.Version)
			require.NoError(t, Verify(c, p.Apply(nil)))
		}
	}
	for i, a := range comps {
		for _, b := range comps[i+1:] {
			p, err := Resolve(c, base, withAll(a.Name, b.Name))
			require.NoError(t, err, "%s + %s", a.Name, b.Name)
			require.NoError(t, Verify(c, p.Apply(base)), "%s + %s", a.Name, b.Name)
		}
	}
	// Everything at once, then upgraded and uninstalled again.
	var all []string
	for _, comp := range comps {
		all = append(all, comp.Name)
	}
	p, err = Resolve(c, base, Request{Kind: Install, Names: all})
	require.NoError(t, err)
	everything := p.Apply(base)
	require.NoError(t, Verify(c, everything))
	p, err = Resolve(c, everything, Request{Kind: Upgrade, All: true})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), "everything was installed at its newest version")
	inBase := map[string]bool{}
	for _, in := range base {
		inBase[in.Name] = true
	}
	var optional []string
	for _, comp := range comps {
		if !inBase[comp.Name] {
			optional = append(optional, comp.Name)
		}
	}
	p, err = Resolve(c, everything, Request{Kind: Uninstall, Names: optional})
	require.NoError(t, err)
	left := p.Apply(everything)
	require.NoError(t, Verify(c, left))
	var leftNames, baseNames []string
	for _, in := range left {
		leftNames = append(leftNames, in.Name)
	}
	for _, in := range base {
		baseNames = append(baseNames, in.Name)
	}
	assert.ElementsMatch(t, baseNames, leftNames, "back to the mandatory components and what they need")

	// The mandatory components' dependency cannot go.
	_, err = Resolve(c, left, Request{Kind: Uninstall, Names: []string{"cnpg"}})
	assert.EqualError(t, err, "cannot uninstall cnpg: cnpg is still required: backstage 2.8.2 requires cnpg >=1.28.0\nhint: backstage is mandatory, so cnpg stays")
}

// TestBuiltinUpgradePath installs the oldest versions and upgrades everything.
func TestBuiltinUpgradePath(t *testing.T) {
	c, err := Builtin()
	require.NoError(t, err)
	req := Request{Kind: Install, Versions: map[string]string{}}
	for _, comp := range c.Components() {
		req.Names = append(req.Names, comp.Name)
		req.Versions[comp.Name] = comp.Versions[len(comp.Versions)-1].Version
	}
	p, err := Resolve(c, nil, req)
	require.NoError(t, err, "the oldest versions fit together")
	old := p.Apply(nil)
	available := func(name string) string {
		v, err := AvailableUpgrade(c, old, name)
		require.NoError(t, err)
		if v == nil {
			return ""
		}
		return v.Version
	}
	assert.Equal(t, "1.2.0", available("ai-hub"))
	assert.Equal(t, "1.1.0", available("open-banking"))
	assert.Equal(t, "", available("cnpg"), "open-banking 1.0.0 requires cnpg ~1.28.0")
	assert.Equal(t, "", available("kserve"), "ai-hub 1.1.0 requires kserve ~0.15.2")
	assert.Equal(t, "", available("milvus"), "ai-hub 1.1.0 requires milvus ~2.5.16")
	assert.Equal(t, "", available("redpanda"), "open-banking 1.0.0 requires redpanda ~25.3.0")
	p, err = Resolve(c, old, Request{Kind: Upgrade, All: true})
	require.NoError(t, err)
	for _, s := range p.Steps {
		comp, _ := c.Component(s.Component)
		assert.Equal(t, comp.Newest(false).Version, s.To, s.Component)
	}
}
