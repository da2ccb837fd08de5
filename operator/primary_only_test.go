package operator

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// TestPrimaryOnly: a multi-part component or bundle on two regions reports its own health
// in the primary and, in the standby, that it does not run there; on one region it reports
// no regions.
func TestPrimaryOnly(t *testing.T) {
	c := &openovav1alpha1.Component{Spec: openovav1alpha1.ComponentSpec{Regions: []openovav1alpha1.ComponentRegion{
		{Name: "hel1", Role: openovav1alpha1.RegionStandby}, {Name: "fsn1", Role: openovav1alpha1.RegionPrimary}}}}
	c.Status.Health, c.Status.Version = openovav1alpha1.HealthProgressing, "1.0.0"
	meta.SetStatusCondition(&c.Status.Conditions, metav1.Condition{Type: openovav1alpha1.ReadyCondition, Status: metav1.ConditionFalse,
		Reason: openovav1alpha1.ProgressingReason, Message: "part crds: installing"})
	primaryOnly(c)
	assert.Equal(t, []openovav1alpha1.RegionStatus{
		{Name: "hel1", Health: openovav1alpha1.HealthUnknown, Message: notPerRegion},
		{Name: "fsn1", Version: "1.0.0", Health: openovav1alpha1.HealthProgressing, Message: "part crds: installing"},
	}, c.Status.Regions)

	c.Status.Health = openovav1alpha1.HealthHealthy
	primaryOnly(c)
	assert.Equal(t, openovav1alpha1.RegionStatus{Name: "fsn1", Version: "1.0.0", Health: openovav1alpha1.HealthHealthy}, c.Status.Regions[1])

	c.Spec.Regions = nil
	primaryOnly(c)
	assert.Nil(t, c.Status.Regions)
}
