package install

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestOperatorObjectsCarryTheVersionsImage(t *testing.T) {
	objs, err := OperatorObjects("v1.4.2")
	require.NoError(t, err)
	require.Equal(t, "Namespace", objs[0].GetKind(), "namespaces first")
	kinds := map[string]int{}
	var image string
	for _, o := range objs {
		kinds[o.GetKind()]++
		assert.NotEqual(t, "Kustomization", o.GetKind())
		if o.GetKind() == "Deployment" {
			containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
			image = containers[0].(map[string]any)["image"].(string)
		}
	}
	assert.Equal(t, "ghcr.io/openova-io/openova-operator:v1.4.2", image)
	assert.Equal(t, 2, kinds["CustomResourceDefinition"])
	assert.Equal(t, 1, kinds["ClusterRole"])
	assert.Equal(t, 1, kinds["ServiceAccount"])

	objs, err = OperatorObjects("dev")
	require.NoError(t, err)
	data, err := RenderYAML(objs)
	require.NoError(t, err)
	assert.Contains(t, string(data), "image: ghcr.io/openova-io/openova-operator:latest")
}

func TestFluxObjects(t *testing.T) {
	objs, err := FluxObjects()
	require.NoError(t, err)
	require.Equal(t, "Namespace", objs[0].GetKind(), "the namespace first")
	var deployments []string
	crds := 0
	for _, o := range objs {
		switch o.GetKind() {
		case "Deployment":
			deployments = append(deployments, o.GetName())
		case "CustomResourceDefinition":
			crds++
		}
	}
	assert.Equal(t, []string{"source-controller", "helm-controller"}, deployments)
	assert.GreaterOrEqual(t, crds, 2)
}
