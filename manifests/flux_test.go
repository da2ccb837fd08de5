package manifests_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/manifests"
)

// fluxRelease is one line of flux/releases.yaml (hack/flux-releases.sh).
type fluxRelease struct {
	Flux             string `json:"flux"`
	SourceController string `json:"sourceController"`
	HelmController   string `json:"helmController"`
}

// installedFlux returns the Flux releases whose controllers are the images of
// flux/controllers.yaml (patch releases of the CLI alone ship the same controllers).
func installedFlux(t *testing.T) (versions []string, images map[string]string) {
	t.Helper()
	data, err := manifests.FluxCRDs.ReadFile("flux/controllers.yaml")
	require.NoError(t, err)
	objs, err := kube.DecodeYAML(data)
	require.NoError(t, err)
	images = map[string]string{}
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		containers, _, err := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		require.NoError(t, err)
		for _, c := range containers {
			image, _ := c.(map[string]any)["image"].(string)
			repo, tag, ok := strings.Cut(image, ":")
			require.True(t, ok, "%s: image %q has a tag", o.GetName(), image)
			images[strings.TrimPrefix(repo, "ghcr.io/fluxcd/")] = tag
		}
	}
	require.Contains(t, images, "source-controller")
	require.Contains(t, images, "helm-controller")

	recorded, err := readReleases()
	require.NoError(t, err)
	for _, r := range recorded {
		if r.SourceController == images["source-controller"] && r.HelmController == images["helm-controller"] {
			versions = append(versions, r.Flux)
		}
	}
	return versions, images
}

func readReleases() ([]fluxRelease, error) {
	data, err := os.ReadFile(filepath.Join("flux", "releases.yaml"))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Releases []fluxRelease `json:"releases"`
	}
	return doc.Releases, yaml.UnmarshalStrict(data, &doc)
}

// Bootstrap installs manifests/flux; the catalog's flux entry says which Flux the platform
// runs. When they disagree, a Platform names a Flux that is not there (and a Helm rollback
// of a wrongly versioned Flux once deleted every Flux controller of a real platform).
func TestFluxVersionMatchesCatalog(t *testing.T) {
	installed, images := installedFlux(t)
	require.NotEmpty(t, installed, "no Flux release in flux/releases.yaml ships source-controller %s with helm-controller %s: "+
		"install the controllers of one Flux release (refresh the record with hack/flux-releases.sh)",
		images["source-controller"], images["helm-controller"])

	cat, err := catalog.Builtin()
	require.NoError(t, err)
	flux, ok := cat.Component("flux")
	require.True(t, ok, "the built-in catalog has a flux entry")
	require.NotEmpty(t, flux.Versions)
	newest := flux.Versions[0].Version
	assert.Contains(t, installed, newest,
		"catalog/data/flux.yaml's newest version is Flux %s, but manifests/flux installs source-controller %s and helm-controller %s, which are Flux %s",
		newest, images["source-controller"], images["helm-controller"], strings.Join(installed, " or "))
}

// The record itself knows the Flux versions this test depends on.
func TestFluxReleasesRecord(t *testing.T) {
	releases, err := readReleases()
	require.NoError(t, err)
	require.NotEmpty(t, releases)
	seen := map[string]bool{}
	for _, r := range releases {
		assert.False(t, seen[r.Flux], "Flux %s recorded twice", r.Flux)
		seen[r.Flux] = true
		assert.True(t, strings.HasPrefix(r.SourceController, "v") && strings.HasPrefix(r.HelmController, "v"), "%+v", r)
	}
}
