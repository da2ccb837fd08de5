package lifecycle

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
)

// View is the platform as one read saw it: the Platform, the Component objects the
// operator made for it, and (when asked for) the catalog. Status, health and the component
// list are all computed from one View, so they agree with each other.
type View struct {
	// Platform is the Platform as read.
	Platform *openovav1alpha1.Platform
	// Objects are the Platform's Component objects (label openova.io/platform), by name.
	Objects map[string]*openovav1alpha1.Component
	// Catalog is the catalog the Platform resolves against; nil unless Read was asked for it.
	Catalog *catalog.Catalog
}

// ReadOptions say what Read reads besides the Platform.
type ReadOptions struct {
	// Catalog also loads the catalog (Selector.Catalog, else the Platform's, else built in).
	Catalog bool
}

// Read reads the selected Platform and its Components (two requests), and the catalog when
// asked.
func Read(ctx context.Context, c client.Reader, sel Selector, opts ReadOptions) (*View, error) {
	p, err := FindPlatform(ctx, c, sel)
	if err != nil {
		return nil, err
	}
	objs, err := ListComponents(ctx, c, p.Namespace, p.Name)
	if err != nil {
		return nil, err
	}
	v := &View{Platform: p, Objects: objs}
	if opts.Catalog {
		if v.Catalog, err = CatalogFor(ctx, sel.Catalog, p); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// ListComponents returns the Component objects of a Platform, by name (one list request).
func ListComponents(ctx context.Context, c client.Reader, namespace, platform string) (map[string]*openovav1alpha1.Component, error) {
	var list openovav1alpha1.ComponentList
	if err := c.List(ctx, &list, client.InNamespace(namespace), client.MatchingLabels{openovav1alpha1.PlatformLabel: platform}); err != nil {
		return nil, ClusterError(err)
	}
	out := make(map[string]*openovav1alpha1.Component, len(list.Items))
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out, nil
}

// ComponentState is one component of the view: its entry of spec.components joined with
// its Component object.
type ComponentState struct {
	openovav1alpha1.ComponentSummary
	// Entry is the entry of spec.components; nil for a Component the operator still has to
	// remove (its entry is gone or disabled).
	Entry *openovav1alpha1.PlatformComponent
	// Object is the Component object; nil before the operator created it.
	Object *openovav1alpha1.Component
}

// Delivered reports whether the component runs its desired version and is Healthy, in
// every region it is placed in on a platform with two regions.
func (s ComponentState) Delivered() bool {
	if s.Health != openovav1alpha1.HealthHealthy || s.Version != s.DesiredVersion {
		return false
	}
	for _, r := range s.Regions {
		if r.Health != openovav1alpha1.HealthHealthy || r.Version != s.DesiredVersion {
			return false
		}
	}
	return true
}

// Components returns the state of every enabled entry of spec.components, in spec order.
func (v *View) Components() []ComponentState {
	var out []ComponentState
	for i := range v.Platform.Spec.Components {
		e := &v.Platform.Spec.Components[i]
		if !e.IsEnabled() {
			continue
		}
		out = append(out, v.state(e))
	}
	return out
}

// Entry returns the state of the entry of spec.components named name (enabled or not), and
// false when there is none.
func (v *View) Entry(name string) (ComponentState, bool) {
	for i := range v.Platform.Spec.Components {
		if e := &v.Platform.Spec.Components[i]; e.Name == name {
			return v.state(e), true
		}
	}
	return ComponentState{}, false
}

func (v *View) state(e *openovav1alpha1.PlatformComponent) ComponentState {
	s := ComponentState{Entry: e, Object: v.Objects[e.Name]}
	s.Name, s.DesiredVersion = e.Name, e.Version
	if s.Object != nil {
		fillFromObject(&s)
	}
	if e.IsEnabled() && s.Health == "" {
		s.Health = openovav1alpha1.HealthUnknown
	}
	if regions := v.Regions(); regions != nil && e.IsEnabled() {
		s.Regions = regionStatuses(s.Object, regions)
	}
	return s
}

func fillFromObject(s *ComponentState) {
	st := s.Object.Status
	s.Version, s.Health, s.Endpoints = st.Version, st.Health, st.Endpoints
	if st.AvailableUpgrade != nil {
		s.AvailableUpgrade = st.AvailableUpgrade.Version
	}
}

// Removing returns the Component objects that no enabled entry asks for any more: the
// operator has yet to remove them. They are sorted by name.
func (v *View) Removing() []ComponentState {
	enabled := map[string]bool{}
	for _, e := range v.Platform.Spec.Components {
		if e.IsEnabled() {
			enabled[e.Name] = true
		}
	}
	var out []ComponentState
	for _, name := range sortedKeys(v.Objects) {
		if enabled[name] {
			continue
		}
		s := ComponentState{Object: v.Objects[name]}
		s.Name = name
		fillFromObject(&s)
		if regions := v.Regions(); regions != nil {
			s.Regions = regionStatuses(s.Object, regions)
		}
		out = append(out, s)
	}
	return out
}

// Health is the view's health summary: enabled components, those delivered (Healthy at
// their desired version), their percentage, and those with an upgrade available.
type Health struct {
	Components, Delivered, Percent, UpgradesAvailable int32
}

// Health computes the health summary from the same states Components returns.
func (v *View) Health() Health {
	var h Health
	for _, s := range v.Components() {
		h.Components++
		if s.Delivered() {
			h.Delivered++
		}
		if s.AvailableUpgrade != "" {
			h.UpgradesAvailable++
		}
	}
	if h.Components > 0 {
		h.Percent = h.Delivered * 100 / h.Components
	}
	return h
}

// Reconciled reports whether the Platform's status describes its latest spec.
func (v *View) Reconciled() bool {
	st := v.Platform.Status
	return st.ObservedGeneration == v.Platform.Generation && st.Phase != ""
}
