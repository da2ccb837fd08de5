package lifecycle

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

func sampleSettings() Settings {
	return Settings{
		Catalog: &openovav1alpha1.CatalogSource{URL: "https://catalog.example.com/catalog.yaml"},
		Updates: &openovav1alpha1.UpdatePolicy{
			CheckInterval: &metav1.Duration{Duration: 2 * time.Hour},
			MaintenanceWindow: &openovav1alpha1.MaintenanceWindow{Start: "02:00", Duration: metav1.Duration{Duration: 3 * time.Hour},
				Days: []openovav1alpha1.Weekday{"Saturday"}, TimeZone: "Europe/Berlin"},
		},
	}
}

func mergePatch(t *testing.T, ns, manager string, patch map[string]any) {
	t.Helper()
	body, err := json.Marshal(patch)
	require.NoError(t, err)
	p := &openovav1alpha1.Platform{}
	p.Name, p.Namespace = "acme", ns
	require.NoError(t, k8s.Patch(context.Background(), p, client.RawPatch(types.MergePatchType, body), client.FieldOwner(manager)))
}

// TestApplySettings: the settings are one server-side apply of kubectl-openova that keeps
// spec.components and the CLI's ownership of them, and clears what the form left empty.
func TestApplySettings(t *testing.T) {
	startEnv(t)
	ns := newNamespace(t)
	live := applyPlatform(t, ns, FieldManager, map[string]any{"name": "grafana", "version": "0.1.0"})
	got, err := ApplySettings(context.Background(), k8s, live, sampleSettings(), ApplyOptions{})
	require.NoError(t, err)
	assert.Equal(t, sampleSettings().Updates, got.Spec.Updates)
	stored := getPlatform(t, ns)
	assert.Equal(t, SettingsOf(got), SettingsOf(stored))
	assert.Equal(t, []string{"grafana@0.1.0"}, names(stored), "spec.components kept")
	var managers []string
	for _, m := range stored.ManagedFields {
		managers = append(managers, m.Manager+"/"+string(m.Operation))
	}
	assert.Equal(t, []string{FieldManager + "/Apply"}, managers, "one applier, no update")

	// Later: the CLI still owns its entry (an uninstall can remove it), and cleared
	// settings are gone.
	got, err = ApplySettings(context.Background(), k8s, stored, Settings{Updates: &openovav1alpha1.UpdatePolicy{CheckInterval: &metav1.Duration{Duration: time.Hour}}}, ApplyOptions{})
	require.NoError(t, err)
	assert.Nil(t, got.Spec.Catalog)
	require.NotNil(t, got.Spec.Updates)
	assert.Nil(t, got.Spec.Updates.MaintenanceWindow)
	assert.Equal(t, time.Hour, got.Spec.Updates.CheckInterval.Duration)
	_, err = Apply(context.Background(), k8s, getPlatform(t, ns), nil, ApplyOptions{})
	require.NoError(t, err)
	assert.Empty(t, getPlatform(t, ns).Spec.Components)
}

// TestApplySettingsConcurrent: a Platform written since it was read is a ChangedError
// when its settings changed and is retried when something else changed; settings another
// manager owns are a ConflictError.
func TestApplySettingsConcurrent(t *testing.T) {
	startEnv(t)
	ns := newNamespace(t)
	stale := applyPlatform(t, ns, FieldManager, map[string]any{"name": "grafana", "version": "0.1.0"})

	mergePatch(t, ns, "someone", map[string]any{"metadata": map[string]any{"annotations": map[string]any{"note": "unrelated"}}})
	_, err := ApplySettings(context.Background(), k8s, stale, sampleSettings(), ApplyOptions{})
	require.NoError(t, err, "a write that left the settings alone is retried")
	assert.Equal(t, "Europe/Berlin", getPlatform(t, ns).Spec.Updates.MaintenanceWindow.TimeZone)

	stale = getPlatform(t, ns)
	mergePatch(t, ns, FieldManager, map[string]any{"spec": map[string]any{"updates": map[string]any{"checkInterval": "30m"}}})
	_, err = ApplySettings(context.Background(), k8s, stale, Settings{}, ApplyOptions{})
	var changed *ChangedError
	require.ErrorAs(t, err, &changed)
	assert.Equal(t, 30*time.Minute, getPlatform(t, ns).Spec.Updates.CheckInterval.Duration, "nothing written")

	// Another manager (kubectl edit, GitOps) sets the interval: the dashboard does not take it.
	mergePatch(t, ns, "gitops", map[string]any{"spec": map[string]any{"updates": map[string]any{"checkInterval": "45m"}}})
	s := sampleSettings()
	_, err = ApplySettings(context.Background(), k8s, getPlatform(t, ns), s, ApplyOptions{})
	var conflict *ConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Contains(t, err.Error(), "gitops")
	assert.Equal(t, 45*time.Minute, getPlatform(t, ns).Spec.Updates.CheckInterval.Duration, "nothing written")
}
