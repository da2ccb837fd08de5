package plugin

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/lifecycle"
)

// TestStatusAgreesWithItself: health percentage, counts and the component list come from
// one view and agree, whatever the operator's (possibly stale) aggregate says. The
// "after uninstall" case is the one the README's demo showed: the operator's status said
// 100 % and 7 components while 14 Component objects existed and one was not healthy.
func TestStatusAgreesWithItself(t *testing.T) {
	comp := func(name, version, health string) *openovav1alpha1.Component {
		return &openovav1alpha1.Component{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: openovav1alpha1.DefaultNamespace},
			Spec:       openovav1alpha1.ComponentSpec{Version: version},
			Status:     openovav1alpha1.ComponentStatus{Version: version, Health: health},
		}
	}
	afterUninstall := func() *lifecycle.View {
		p := testPlatform()
		objs := map[string]*openovav1alpha1.Component{}
		for i := range 7 {
			name := fmt.Sprintf("kept-%d", i)
			p.Spec.Components = append(p.Spec.Components, entry(name, "1.0.0", ""))
			health := openovav1alpha1.HealthHealthy
			if i == 6 {
				health = openovav1alpha1.HealthProgressing
			}
			objs[name] = comp(name, "1.0.0", health)
			gone := fmt.Sprintf("gone-%d", i)
			objs[gone] = comp(gone, "1.0.0", openovav1alpha1.HealthHealthy)
		}
		// The operator's stale aggregate.
		p.Status = openovav1alpha1.PlatformStatus{Phase: openovav1alpha1.PhaseReady, ObservedGeneration: p.Generation,
			HealthPercent: 100, ComponentCount: 7}
		return &lifecycle.View{Platform: p, Objects: objs}
	}
	notCreated := func() *lifecycle.View {
		p := testPlatform(entry("grafana", "0.1.0", ""), entry("vllm", "0.1.0", ""))
		p.Status = openovav1alpha1.PlatformStatus{Phase: openovav1alpha1.PhaseProgressing, ObservedGeneration: p.Generation,
			HealthPercent: 100, ComponentCount: 1}
		return &lifecycle.View{Platform: p, Objects: map[string]*openovav1alpha1.Component{"grafana": comp("grafana", "0.1.0", "Healthy")}}
	}
	disabled := func() *lifecycle.View {
		off := false
		p := testPlatform(entry("grafana", "0.1.0", ""), openovav1alpha1.PlatformComponent{Name: "vllm", Version: "0.1.0", Enabled: &off})
		return &lifecycle.View{Platform: p, Objects: map[string]*openovav1alpha1.Component{
			"grafana": comp("grafana", "0.1.0", "Healthy"), "vllm": comp("vllm", "0.1.0", "Healthy")}}
	}
	tests := []struct {
		name                string
		view                *lifecycle.View
		count, healthy, pct int32
		removing            int
		line                string
	}{
		{"after uninstall", afterUninstall(), 7, 6, 85, 7, "Health 85% 6 of 7 components healthy"},
		{"not yet created", notCreated(), 2, 1, 50, 0, "Health 50% 1 of 2 components healthy"},
		{"disabled entry", disabled(), 1, 1, 100, 1, "Health 100% 1 of 1 components healthy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewStatusView(tt.view)
			assert.Equal(t, tt.count, v.ComponentCount)
			assert.Len(t, v.Components, int(v.ComponentCount), "the count is the list's length")
			var healthy int32
			for _, c := range v.Components {
				if c.Health == openovav1alpha1.HealthHealthy && c.Version == c.DesiredVersion {
					healthy++
				}
			}
			assert.Equal(t, healthy, v.HealthyCount, "the healthy count is the list's")
			assert.Equal(t, tt.healthy, v.HealthyCount)
			assert.Equal(t, tt.pct, v.HealthPercent)
			assert.Equal(t, v.HealthyCount*100/v.ComponentCount, v.HealthPercent, "the percentage is the counts'")
			assert.Len(t, v.Removing, tt.removing)
			if tt.removing > 0 {
				assert.False(t, v.Healthy, "components still to remove are not a healthy platform")
			}
			var out bytes.Buffer
			require.NoError(t, printStatus(&out, palette{}, newTestGlobal(&out), v, refTime))
			assert.Contains(t, strings.Join(strings.Fields(out.String()), " "), tt.line)
		})
	}
}
