package lifecycle

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// Settings are a Platform's spec.catalog and spec.updates (the dashboard's Settings page).
type Settings struct {
	// Catalog is spec.catalog; nil: none (the operator's built-in catalog).
	Catalog *openovav1alpha1.CatalogSource
	// Updates is spec.updates; a nil CheckInterval is the API server's default.
	Updates *openovav1alpha1.UpdatePolicy
}

// SettingsOf returns p's settings.
func SettingsOf(p *openovav1alpha1.Platform) Settings {
	return Settings{Catalog: p.Spec.Catalog, Updates: p.Spec.Updates}
}

// ApplySettings makes s the Platform's spec.catalog and spec.updates with ONE server-side
// apply, as Apply writes spec.components: field manager kubectl-openova, live's
// resourceVersion, everything else the CLI owns sent as it is. A Platform whose settings
// someone else changed since live was read is a *ChangedError; a conflict with a write
// that left them alone (a status update, an install) is retried from the fresh object;
// settings another field manager owns are a *ConflictError (unless opts.Force).
func ApplySettings(ctx context.Context, c client.Client, live *openovav1alpha1.Platform, s Settings, opts ApplyOptions) (*openovav1alpha1.Platform, error) {
	return writePlatform(ctx, c, live, opts, platformWrite{
		build: func(live *openovav1alpha1.Platform) (*unstructured.Unstructured, error) {
			return buildSettingsApply(live, s)
		},
		same: func(fresh, live *openovav1alpha1.Platform) bool {
			return equality.Semantic.DeepEqual(SettingsOf(fresh), SettingsOf(live))
		},
		verify: func(got *openovav1alpha1.Platform) error { return verifySettings(got, s) },
	})
}

// buildSettingsApply is the apply that makes s the settings of live: as buildApply does
// for entries, a setting is sent when it changes (or the CLI owns it, then as it is), so a
// setting someone else keeps and the form left as it was stays theirs; a cleared one is
// left out (it goes, unless someone else keeps it).
func buildSettingsApply(live *openovav1alpha1.Platform, s Settings) (*unstructured.Unstructured, error) {
	base, _, err := ownedApply(live)
	if err != nil {
		return nil, err
	}
	spec := childMap(base, "spec")
	if !equality.Semantic.DeepEqual(live.Spec.Catalog, s.Catalog) {
		delete(spec, "catalog")
		if s.Catalog != nil {
			spec["catalog"] = map[string]any{"url": s.Catalog.URL}
		}
	}
	have, want := live.Spec.Updates, s.Updates
	if have == nil {
		have = &openovav1alpha1.UpdatePolicy{}
	}
	if want == nil {
		want = &openovav1alpha1.UpdatePolicy{}
	}
	updates := childMap(spec, "updates")
	switch {
	case want.CheckInterval == nil:
		delete(updates, "checkInterval")
	case !equality.Semantic.DeepEqual(have.CheckInterval, want.CheckInterval):
		updates["checkInterval"] = want.CheckInterval.Duration.String()
	}
	if !equality.Semantic.DeepEqual(have.MaintenanceWindow, want.MaintenanceWindow) {
		delete(updates, "maintenanceWindow")
		if want.MaintenanceWindow != nil {
			if updates["maintenanceWindow"], err = runtime.DefaultUnstructuredConverter.ToUnstructured(want.MaintenanceWindow); err != nil {
				return nil, err
			}
		}
	}
	if len(updates) == 0 {
		delete(spec, "updates")
	}
	return &unstructured.Unstructured{Object: base}, nil
}

// verifySettings checks that the written Platform has the settings: a field another
// manager owns stays when the apply leaves it out.
func verifySettings(got *openovav1alpha1.Platform, s Settings) error {
	var problems []string
	if !equality.Semantic.DeepEqual(got.Spec.Catalog, s.Catalog) {
		problems = append(problems, "spec.catalog")
	}
	var gotWindow, wantWindow *openovav1alpha1.MaintenanceWindow
	if got.Spec.Updates != nil {
		gotWindow = got.Spec.Updates.MaintenanceWindow
	}
	if s.Updates != nil {
		wantWindow = s.Updates.MaintenanceWindow
		// no interval asked for: the API server's default
		if want := s.Updates.CheckInterval; want != nil && (got.Spec.Updates == nil || !equality.Semantic.DeepEqual(got.Spec.Updates.CheckInterval, want)) {
			problems = append(problems, "spec.updates.checkInterval")
		}
	}
	if !equality.Semantic.DeepEqual(gotWindow, wantWindow) {
		problems = append(problems, "spec.updates.maintenanceWindow")
	}
	if len(problems) > 0 {
		return &ConflictError{Err: fmt.Errorf("platform %s was written, but its %s differ from the settings (another field manager owns them; see kubectl get platform %s -n %s --show-managed-fields -o yaml)",
			got.Name, strings.Join(problems, " and "), got.Name, got.Namespace)}
	}
	return nil
}
