package lifecycle

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
)

func TestDesiredEntries(t *testing.T) {
	enabled := false
	later := &metav1.Time{Time: refTime.Add(time.Hour)}
	live := []openovav1alpha1.PlatformComponent{
		{Name: "grafana", Version: "0.1.0", NotBefore: later},
		{Name: "vllm", Version: "0.1.0", Reason: "dependency of ai-hub", Enabled: &enabled},
		{Name: "kserve", Version: "1.0.0", Reason: "dependency of ai-hub", NotBefore: later},
	}
	after := []catalog.Installed{
		{Name: "grafana", Version: "0.1.0"},
		{Name: "vllm", Version: "0.2.0", Reason: "requested"},
		{Name: "kserve", Version: "1.2.0", Reason: "dependency of ai-hub"},
		{Name: "neo4j", Version: "1.0.0", Reason: "optional member of ai-hub"},
	}
	got := DesiredEntries(live, after, nil)
	require.Len(t, got, 4)
	assert.Equal(t, later, got[0].NotBefore, "an unchanged version keeps its schedule")
	assert.Equal(t, "0.2.0", got[1].Version)
	assert.Equal(t, "requested", got[1].Reason)
	assert.False(t, got[1].IsEnabled(), "enabled is the user's")
	assert.Nil(t, got[2].NotBefore, "a new version without --schedule runs now")
	assert.Equal(t, openovav1alpha1.PlatformComponent{Name: "neo4j", Version: "1.0.0", Reason: "optional member of ai-hub"}, got[3])
	assert.NotNil(t, live[2].NotBefore, "live entries are not modified")

	schedule := &metav1.Time{Time: refTime.Add(8 * time.Hour)}
	got = DesiredEntries(live, after, schedule)
	assert.Equal(t, later, got[0].NotBefore)
	assert.Equal(t, schedule, got[2].NotBefore)
	assert.Nil(t, got[3].NotBefore, "new components are installed right away")

	assert.True(t, ComponentsChanged(live, got))
	assert.False(t, ComponentsChanged(live, live))
}

func TestExtractOwnedFields(t *testing.T) {
	live := map[string]any{
		"metadata": map[string]any{"name": "acme", "labels": map[string]any{"a": "1", "b": "2"}},
		"spec": map[string]any{
			"organization": map[string]any{"name": "acme", "domain": "acme.example.com"},
			"components": []any{
				map[string]any{"name": "grafana", "version": "0.1.0", "values": map[string]any{"x": int64(1)}},
				map[string]any{"name": "vllm", "version": "0.1.0", "reason": "requested"},
			},
			"regions": []any{map[string]any{"name": "fsn1", "role": "primary"}},
		},
	}
	set := fieldSet{
		"f:metadata": map[string]any{"f:labels": map[string]any{"f:a": map[string]any{}}},
		"f:spec": map[string]any{
			"f:organization": map[string]any{"f:name": map[string]any{}},
			"f:components": map[string]any{
				`k:{"name":"vllm"}`: map[string]any{".": map[string]any{}, "f:name": map[string]any{}, "f:version": map[string]any{}},
			},
			"f:regions": map[string]any{`k:{"name":"fsn1"}`: map[string]any{}},
		},
	}
	got := extract(live, set)
	assert.Equal(t, map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"a": "1"}},
		"spec": map[string]any{
			"organization": map[string]any{"name": "acme"},
			"components":   []any{map[string]any{"name": "vllm", "version": "0.1.0"}},
			"regions":      []any{map[string]any{"name": "fsn1", "role": "primary"}},
		},
	}, got)
	assert.Equal(t, map[string][]string{"vllm": {"name", "version"}}, componentEntries(set))
}

// TestWriteLeavesOtherManagersEntries: entries and fields another manager (GitOps) owns
// stay as they are; the CLI's own entries come and go.
func TestWriteLeavesOtherManagersEntries(t *testing.T) {
	startEnv(t)
	ctx := context.Background()
	ns := newNamespace(t)
	live := applyPlatform(t, ns, "gitops",
		map[string]any{"name": "grafana", "version": "0.1.0", "values": map[string]any{"adminUser": "ops"}})

	desired := append(slices.Clone(live.Spec.Components), entry("vllm", "0.1.0", "requested"))
	got, err := Apply(ctx, k8s, live, desired, ApplyOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"grafana@0.1.0", "vllm@0.1.0"}, names(got))
	require.NotNil(t, got.Spec.Components[0].Values)
	assert.JSONEq(t, `{"adminUser":"ops"}`, string(got.Spec.Components[0].Values.Raw))
	owned, err := ownedFields(got.ManagedFields, FieldManager)
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"vllm": {"name", "reason", "version"}}, componentEntries(owned), "the CLI owns only what it wrote")

	// Removing its own entry works; removing the other manager's is refused up front.
	live = getPlatform(t, ns)
	got, err = Apply(ctx, k8s, live, live.Spec.Components[:1], ApplyOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"grafana@0.1.0"}, names(got))
	_, err = Apply(ctx, k8s, got, nil, ApplyOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot remove grafana (managed by gitops) from platform acme")
	assert.ErrorAs(t, err, new(*ConflictError))

	// Changing a field another manager owns is a conflict, unless forced.
	upgraded := []openovav1alpha1.PlatformComponent{entry("grafana", "0.2.0", "")}
	_, err = Apply(ctx, k8s, got, upgraded, ApplyOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `conflict with "gitops"`)
	assert.Contains(t, err.Error(), "--force-conflicts")
	assert.Equal(t, []string{"grafana@0.1.0"}, names(getPlatform(t, ns)))
	got, err = Apply(ctx, k8s, got, upgraded, ApplyOptions{Force: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"grafana@0.2.0"}, names(got))
	assert.NotNil(t, got.Spec.Components[0].Values, "values stay with their manager")
}

// TestWriteKeepsWhatTheManagerOwns: a Platform created by bootstrap as the same field
// manager keeps its organization, regions and settings when the CLI writes components.
func TestWriteKeepsWhatTheManagerOwns(t *testing.T) {
	startEnv(t)
	ctx := context.Background()
	ns := newNamespace(t)
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": openovav1alpha1.GroupVersion.String(), "kind": "Platform",
		"metadata": map[string]any{"name": "acme", "namespace": ns, "labels": map[string]any{"team": "platform"}},
		"spec": map[string]any{
			"organization": map[string]any{"name": "acme", "domain": "acme.example.com"},
			"regions":      []any{map[string]any{"name": "fsn1", "role": "primary"}},
			"updates":      map[string]any{"checkInterval": "1h"},
			"components": []any{
				map[string]any{"name": "grafana", "version": "0.1.0"},
				map[string]any{"name": "vllm", "version": "0.1.0", "notBefore": "2030-01-01T00:00:00Z"},
			},
		},
	}}
	require.NoError(t, k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldManager)))
	live := getPlatform(t, ns)
	desired := append(slices.Clone(live.Spec.Components), entry("langserve", "0.1.0", "requested"))
	got, err := Apply(ctx, k8s, live, desired, ApplyOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"grafana@0.1.0", "vllm@0.1.0", "langserve@0.1.0"}, names(got))
	assert.Equal(t, "platform", got.Labels["team"])
	assert.Len(t, got.Spec.Regions, 1)
	require.NotNil(t, got.Spec.Updates)
	assert.Equal(t, time.Hour, got.Spec.Updates.CheckInterval.Duration)
	require.NotNil(t, got.Spec.Components[1].NotBefore, "a scheduled upgrade stays scheduled")
}

// TestWriteRefusesStaleReads: a Platform whose spec.components changed since it was read
// is not overwritten; one that only got a status update is written.
func TestWriteRefusesStaleReads(t *testing.T) {
	startEnv(t)
	ctx := context.Background()
	ns := newNamespace(t)
	live := applyPlatform(t, ns, FieldManager, map[string]any{"name": "grafana", "version": "0.1.0"})

	// The operator writes status: the read is stale, but its spec.components is current.
	status := live.DeepCopy()
	status.Status.Phase = openovav1alpha1.PhaseReady
	require.NoError(t, k8s.Status().Update(ctx, status))
	desired := append(slices.Clone(live.Spec.Components), entry("vllm", "0.1.0", "requested"))
	got, err := Apply(ctx, k8s, live, desired, ApplyOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"grafana@0.1.0", "vllm@0.1.0"}, names(got))

	// Another CLI wrote spec.components in between: refused, and its write stays.
	stale := got
	other := append(slices.Clone(stale.Spec.Components), entry("langserve", "0.1.0", "requested"))
	_, err = Apply(ctx, k8s, stale, other, ApplyOptions{})
	require.NoError(t, err)
	mine := append(slices.Clone(stale.Spec.Components), entry("neo4j", "1.0.0", "requested"))
	_, err = Apply(ctx, k8s, stale, mine, ApplyOptions{})
	require.Error(t, err)
	var changed *ChangedError
	require.ErrorAs(t, err, &changed, "a concurrent write is a ChangedError")
	assert.Equal(t, "acme", changed.Platform)
	assert.Contains(t, err.Error(), "the platform acme changed since it was read")
	assert.Contains(t, err.Error(), "run the command again")
	assert.Equal(t, []string{"grafana@0.1.0", "vllm@0.1.0", "langserve@0.1.0"}, names(getPlatform(t, ns)))
}

func TestWriteDryRun(t *testing.T) {
	startEnv(t)
	ctx := context.Background()
	ns := newNamespace(t)
	live := applyPlatform(t, ns, FieldManager, map[string]any{"name": "grafana", "version": "0.1.0"})
	desired := append(slices.Clone(live.Spec.Components), entry("vllm", "0.1.0", "requested"))
	got, err := Apply(ctx, k8s, live, desired, ApplyOptions{DryRun: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"grafana@0.1.0", "vllm@0.1.0"}, names(got))
	after := getPlatform(t, ns)
	assert.Equal(t, []string{"grafana@0.1.0"}, names(after))
	assert.Equal(t, live.ResourceVersion, after.ResourceVersion)

	// The API server's validation runs on a dry run too.
	bad := append(slices.Clone(live.Spec.Components), entry("vllm", "not-a-version", "requested"))
	_, err = Apply(ctx, k8s, live, bad, ApplyOptions{DryRun: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "spec.components[1].version")
}
