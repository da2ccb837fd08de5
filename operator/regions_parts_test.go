package operator

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/test/testcatalog"
)

// TestPartsAndBundleInTwoRegions: a multi-part component on a two-region Platform gets
// every chart part's HelmRelease per region, chained within the region; its resource part
// is applied through the standby's kubeconfig (which reaches this test's own API server)
// and recorded per region; a single-chart component that needs it depends on the release
// of its own region; the bundle over both reports per region. An upgrade goes to the
// standby first and, rolled back there, never reaches the primary; retried and Healthy
// there, it moves the primary. An unreachable standby makes the component Unknown there.
// A steady state writes nothing; removing the component prunes both regions. Flux is played.
func TestPartsAndBundleInTwoRegions(t *testing.T) {
	ctx := context.Background()
	ns := "openova-system" // the operator's Role reads kubeconfig Secrets only here
	secret, reachable := standbySecret(t, ns)
	data, err := testcatalog.Render("parts", testRepo)
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(data) }))
	t.Cleanup(srv.Close)

	p := newPlatform(ns,
		entry{Name: "serving", Version: "1.0.0", Reason: "dependency of hub"},
		entry{Name: "gadgets", Version: "0.1.0", Reason: "dependency of hub"},
		entry{Name: "hub", Version: "1.0.0"},
		entry{Name: "solo", Version: "1.0.0"},
	)
	p.Spec.Catalog = &openovav1alpha1.CatalogSource{URL: srv.URL + "/parts.yaml"}
	p.Spec.Regions = twoRegions()
	require.NoError(t, k8s.Create(ctx, p))
	t.Cleanup(func() {
		// Components go first (envtest has no garbage collector): their finalizers delete
		// what they delivered.
		removeComponents(t, ns, "solo", "hub", "gadgets", "serving")
		_ = k8s.Delete(ctx, p)
	})

	// Every chart part per region, chained within its region; the standby's reach it
	// through its kubeconfig and keep the part's Helm release name.
	crds, serving := waitRelease(t, ns, "serving-crds", "1.0.0"), waitRelease(t, ns, "serving", "1.0.0")
	crdsS, servingS := waitRelease(t, ns, "serving-crds-hel1", "1.0.0"), waitRelease(t, ns, "serving-hel1", "1.0.0")
	assert.Empty(t, dependsOnNames(crdsS))
	assert.Equal(t, []string{"serving-crds-hel1"}, dependsOnNames(servingS))
	require.NotNil(t, servingS.Spec.KubeConfig)
	assert.Equal(t, "acme-hel1-kubeconfig", servingS.Spec.KubeConfig.SecretRef.Name)
	assert.Equal(t, "serving", servingS.Spec.ReleaseName)
	assert.Equal(t, "hel1", servingS.Labels[regionLabel])
	assert.Equal(t, "fsn1", serving.Labels[regionLabel])
	assert.Nil(t, serving.Spec.KubeConfig)
	op, opS := waitRelease(t, ns, "gadgets-operator", "0.1.0"), waitRelease(t, ns, "gadgets-operator-hel1", "0.1.0")
	assert.Equal(t, []string{"serving-hel1"}, dependsOnNames(opS), "a dependency's release in the same region")
	solo, soloS := waitRelease(t, ns, "solo", "1.0.0"), waitRelease(t, ns, "solo-hel1", "1.0.0")
	assert.Equal(t, []string{"serving"}, dependsOnNames(solo))
	assert.Equal(t, []string{"serving-hel1"}, dependsOnNames(soloS), "the standby's release waits for the standby's")

	// One region healthy is not the component healthy.
	playFluxDeployed(t, crdsS)
	playFluxDeployed(t, servingS)
	c := waitComponent(t, ns, "serving", "healthy in the standby", func(c *openovav1alpha1.Component) bool {
		return len(c.Status.Regions) == 2 && c.Status.Regions[0].Health == openovav1alpha1.HealthHealthy && c.Status.Regions[0].Version == "1.0.0"
	})
	assert.Equal(t, openovav1alpha1.HealthProgressing, c.Status.Health)
	assert.Equal(t, openovav1alpha1.HealthProgressing, c.Status.Regions[1].Health)
	assert.Empty(t, c.Status.Version, "not every region runs it")
	require.Len(t, c.Status.Parts, 2)
	require.Len(t, c.Status.Parts[1].Regions, 1)
	assert.Equal(t, openovav1alpha1.PartRegionStatus{Name: "hel1", Health: openovav1alpha1.HealthHealthy, Message: "chart 1.0.0 is deployed",
		Release: "serving-hel1", ChartVersion: "1.0.0", LastGoodChartVersion: "1.0.0"}, c.Status.Parts[1].Regions[0])
	playFluxDeployed(t, crds)
	playFluxDeployed(t, serving)
	waitComponent(t, ns, "serving", "healthy in both", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.0.0" && c.Status.Regions[1].Health == openovav1alpha1.HealthHealthy
	})

	// The resource part is applied in each region once the operator part is ready there.
	playFluxDeployed(t, op)
	playFluxDeployed(t, opS)
	crd := gadgetCRD()
	require.NoError(t, k8s.Create(ctx, crd))
	t.Cleanup(func() { _ = k8s.Delete(ctx, crd) })
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "gadgets-system"}}); err != nil && !apierrors.IsAlreadyExists(err) {
		require.NoError(t, err)
	}
	g := waitComponent(t, ns, "gadgets", "healthy in both", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && len(c.Status.Regions) == 2
	})
	require.Len(t, g.Status.Parts[1].Regions, 1)
	assert.Len(t, g.Status.Parts[1].Objects, 2, "applied in the primary")
	assert.Len(t, g.Status.Parts[1].Regions[0].Objects, 2, "applied in the standby, through its kubeconfig")
	gadget := &unstructured.Unstructured{}
	gadget.SetAPIVersion("test.openova.io/v1")
	gadget.SetKind("Gadget")
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Name: "default-gadget"}, gadget))

	// The bundle reports each region from its members there.
	playFluxDeployed(t, solo)
	playFluxDeployed(t, soloS)
	hub := waitComponent(t, ns, "hub", "healthy in both", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.0.0" && len(c.Status.Regions) == 2 &&
			c.Status.Regions[0].Health == openovav1alpha1.HealthHealthy && c.Status.Regions[1].Health == openovav1alpha1.HealthHealthy
	})
	assert.Equal(t, "1.0.0", hub.Status.Regions[0].Version)
	waitComponent(t, ns, "solo", "healthy in both", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy
	})

	// An upgrade goes to the standby first: the primary's parts wait for it.
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) { p.Spec.Components[0].Version = "1.1.0" })
	crdsS = waitRelease(t, ns, "serving-crds-hel1", "1.1.0")
	servingS = waitRelease(t, ns, "serving-hel1", "1.1.0")
	waitComponent(t, ns, "serving", "the primary waits", func(c *openovav1alpha1.Component) bool {
		return len(c.Status.Regions) == 2 && strings.Contains(c.Status.Regions[1].Message, "waiting for the standby region hel1")
	})
	assert.Equal(t, "1.0.0", mustRelease(t, ns, "serving-crds").Spec.Chart.Spec.Version)
	assert.Equal(t, "1.0.0", mustRelease(t, ns, "serving").Spec.Chart.Spec.Version)

	// The standby's second part fails and is rolled back there: the standby is held on
	// 1.0.0 and the primary is never upgraded.
	playFluxDeployed(t, crdsS)
	playFluxRolledBack(t, servingS, servingS.Status.History.Latest().ChartVersion) // back to the release deployed before
	c = waitComponent(t, ns, "serving", "rolled back in the standby", func(c *openovav1alpha1.Component) bool {
		return c.Status.FailedVersion == "1.1.0"
	})
	cond := meta.FindStatusCondition(c.Status.Conditions, openovav1alpha1.UpgradeFailedCondition)
	require.NotNil(t, cond)
	assert.Contains(t, cond.Message, "failed at part serving (chart widgets 1.1.0) in region hel1")
	// Each part is held on its own last good chart version there: the CRD part keeps 1.1.0.
	playFluxDeployed(t, waitRelease(t, ns, "serving-hel1", "1.0.0"))
	c = waitComponent(t, ns, "serving", "back on 1.0.0 in the standby", func(c *openovav1alpha1.Component) bool {
		return len(c.Status.Regions) == 2 && c.Status.Regions[0].Health == openovav1alpha1.HealthHealthy && c.Status.Regions[0].Version == "1.0.0" &&
			c.Status.Regions[1].Version == "1.0.0"
	})
	assert.Contains(t, c.Status.Regions[1].Message, "primary is not upgraded")
	assert.Equal(t, "1.0.0", mustRelease(t, ns, "serving-crds").Spec.Chart.Spec.Version, "a failed standby upgrade never reaches the primary")
	assert.Equal(t, "1.0.0", mustRelease(t, ns, "serving").Spec.Chart.Spec.Version)

	// A retry tries 1.1.0 again in the standby; once every part is Healthy at it there, the
	// primary's parts follow, in their order.
	require.Eventually(t, func() bool {
		c := mustComponent(t, ns, "serving")
		c.Annotations = map[string]string{openovav1alpha1.RetryAnnotation: "1"}
		return k8s.Update(ctx, c) == nil
	}, 10*time.Second, 50*time.Millisecond)
	servingS = waitRelease(t, ns, "serving-hel1", "1.1.0")
	assert.Equal(t, "1.0.0", mustRelease(t, ns, "serving-crds").Spec.Chart.Spec.Version, "the primary waits for the standby")
	playFluxDeployed(t, servingS)
	playFluxDeployed(t, waitRelease(t, ns, "serving-crds", "1.1.0"))
	playFluxDeployed(t, waitRelease(t, ns, "serving", "1.1.0"))
	c = waitComponent(t, ns, "serving", "1.1.0 in both", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy && c.Status.Version == "1.1.0" &&
			meta.IsStatusConditionTrue(c.Status.Conditions, openovav1alpha1.ReadyCondition)
	})
	assert.Empty(t, c.Status.FailedVersion)
	assert.Equal(t, "1.1.0", c.Status.Regions[0].Version)
	assert.Equal(t, "1.1.0", c.Status.Regions[1].Version)

	// The standby stops answering: gadgets is Unknown there (its resource part cannot be
	// applied there, what it applied stays recorded), the primary unchanged; then it is back.
	secret.Data["value"] = []byte(unreachableKubeconfig)
	require.NoError(t, k8s.Update(ctx, secret))
	g = waitComponent(t, ns, "gadgets", "Unknown in hel1", func(c *openovav1alpha1.Component) bool {
		return len(c.Status.Regions) == 2 && c.Status.Regions[0].Health == openovav1alpha1.HealthUnknown &&
			len(c.Status.Parts) == 2 && len(c.Status.Parts[1].Regions) == 1 && c.Status.Parts[1].Regions[0].Health == openovav1alpha1.HealthUnknown
	})
	assert.Contains(t, g.Status.Regions[0].Message, "region hel1 is unreachable")
	assert.Equal(t, openovav1alpha1.HealthUnknown, g.Status.Health)
	assert.Equal(t, openovav1alpha1.HealthHealthy, g.Status.Regions[1].Health)
	assert.Len(t, g.Status.Parts[1].Regions[0].Objects, 2, "what was applied there stays recorded")
	secret.Data["value"] = reachable
	require.NoError(t, k8s.Update(ctx, secret))
	waitComponent(t, ns, "gadgets", "back in hel1", func(c *openovav1alpha1.Component) bool {
		return c.Status.Health == openovav1alpha1.HealthHealthy
	})

	// Steady state: the resource part's objects are read in both regions every probe
	// interval, and not written again (by the operator or through the standby's kubeconfig).
	mark := auditLines(t)
	time.Sleep(2 * time.Second) // four probe intervals: both regions are looked at again
	assert.Empty(t, objectWrites(t, mark, "gadgets-config", "default-gadget"), "the resource part was written in a steady state")

	// Removing gadgets (and the bundle over it) deletes its releases in both regions and its
	// objects (one API server serves both regions here).
	updatePlatform(t, ns, func(p *openovav1alpha1.Platform) {
		p.Spec.Components = []openovav1alpha1.PlatformComponent{p.Spec.Components[0], p.Spec.Components[3]}
	})
	eventually(t, "gadgets pruned in both regions", func() (bool, string) {
		_, errR := getRelease(ns, "gadgets-operator")
		_, errS := getRelease(ns, "gadgets-operator-hel1")
		errG := k8s.Get(ctx, client.ObjectKey{Name: "default-gadget"}, gadget.DeepCopy())
		return apierrors.IsNotFound(errR) && apierrors.IsNotFound(errS) && apierrors.IsNotFound(errG), fmt.Sprint(errR, errS, errG)
	})
}

func auditLines(t *testing.T) int {
	t.Helper()
	_, n := operatorWrites(t, 0)
	return n
}

// objectWrites are the write requests (any client) since audit line from whose URI names
// one of names.
func objectWrites(t *testing.T, from int, names ...string) []string {
	t.Helper()
	f, err := os.Open(auditLog)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var out []string
	for n := 1; sc.Scan(); n++ {
		if n <= from {
			continue
		}
		var ev struct {
			Verb       string `json:"verb"`
			RequestURI string `json:"requestURI"`
			UserAgent  string `json:"userAgent"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Verb == "get" || ev.Verb == "list" || ev.Verb == "watch" {
			continue
		}
		for _, name := range names {
			if strings.Contains(ev.RequestURI, "/"+name) {
				out = append(out, ev.Verb+" "+ev.RequestURI+" ("+ev.UserAgent+")")
			}
		}
	}
	return out
}
