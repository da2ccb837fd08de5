package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Platform is the whole desired state of one OpenOva platform: its organization, regions and
// the closed set of components it runs. The CLI writes only this object; the operator
// expands it into Components and reports their health here.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=oplat;oplats,categories=openova
// +kubebuilder:printcolumn:name="Domain",type=string,JSONPath=`.spec.organization.domain`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Health%",type=integer,JSONPath=`.status.healthPercent`,description="Healthy components as a percentage of enabled ones"
// +kubebuilder:printcolumn:name="Components",type=integer,JSONPath=`.status.componentCount`
// +kubebuilder:printcolumn:name="Upgrades",type=integer,JSONPath=`.status.upgradesAvailable`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Platform struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the platform.
	// +required
	Spec PlatformSpec `json:"spec"`

	// status is what the operator observed.
	// +optional
	Status PlatformStatus `json:"status,omitempty"`
}

// PlatformSpec is the desired state of a Platform.
type PlatformSpec struct {
	// organization names who runs the platform and the DNS domain its endpoints live under.
	// +required
	Organization Organization `json:"organization"`

	// regions the platform spans: one, or two with exactly one primary.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=2
	// +kubebuilder:validation:XValidation:rule="self.size() == 0 || self.exists_one(r, r.role == 'primary')",message="exactly one region must have role primary"
	Regions []Region `json:"regions,omitempty"`

	// components is the closed set of components of the platform: every dependency is
	// listed, with a reason for the ones the user did not ask for. Entry names are unique.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=2000
	Components []PlatformComponent `json:"components,omitempty"`

	// catalog is where the operator reads the component catalog; the catalog built into the
	// operator when empty.
	// +optional
	Catalog *CatalogSource `json:"catalog,omitempty"`

	// updates configures how the operator checks for and applies upgrades.
	// +optional
	Updates *UpdatePolicy `json:"updates,omitempty"`
}

// Organization identifies the owner of a platform.
// +kubebuilder:validation:XValidation:rule="self.name == oldSelf.name",message="organization.name is immutable"
type Organization struct {
	// name of the organization, a DNS label (lower case, digits and '-').
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// domain under which the platform's endpoints are published, e.g. example.com.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$`
	Domain string `json:"domain"`
}

// RegionRole is the role of a region.
// +kubebuilder:validation:Enum=primary;standby
type RegionRole string

// Region roles.
const (
	RegionPrimary RegionRole = "primary"
	RegionStandby RegionRole = "standby"
)

// Region is one region (one cluster) of a platform.
type Region struct {
	// name of the region, a DNS label such as fsn1 or eu-frankfurt-1.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// role of the region: primary serves traffic, standby takes over on failover.
	// +required
	Role RegionRole `json:"role"`

	// context is the kubeconfig context that reaches the region's cluster.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Context string `json:"context,omitempty"`

	// kubeConfig names the Secret, in the Platform's namespace, that holds a kubeconfig for
	// the region's cluster. The operator runs in the primary region and reaches a standby
	// with it, as Flux's helm-controller does (HelmRelease spec.kubeConfig.secretRef).
	// Bootstrap creates it; `kubectl openova region set-credentials` rotates it. Empty for
	// the primary.
	// +optional
	KubeConfig *KubeConfigReference `json:"kubeConfig,omitempty"`
}

// KubeConfigReference names a kubeconfig held in a Secret.
type KubeConfigReference struct {
	// secretRef is the Secret and its key (default "value", as Flux reads it).
	// +required
	SecretRef SecretKeyReference `json:"secretRef"`
}

// SecretKeyReference is a key of a Secret in the same namespace.
type SecretKeyReference struct {
	// name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// key in the Secret's data; "value" when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key,omitempty"`
}

// PlatformComponent is one entry of spec.components.
type PlatformComponent struct {
	// name of the component in the catalog, e.g. grafana or ai-hub.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// version of the component in the catalog, a semantic version such as 1.16.5.
	// +required
	// +kubebuilder:validation:MinLength=5
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`
	Version string `json:"version"`

	// enabled delivers the component when true; false keeps the entry but removes the
	// component from the cluster.
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`

	// values are Helm values merged over the catalog's defaults.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Values *runtime.RawExtension `json:"values,omitempty"`

	// reason says why an entry the user did not ask for is there, e.g. "dependency of
	// ai-hub"; empty or "requested" for entries the user asked for. Uninstall prunes entries
	// with a reason once nothing needs them.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Reason string `json:"reason,omitempty"`

	// notBefore holds an upgrade to version back until this time; until then the component
	// stays on its deployed version and reports UpgradeScheduled.
	// +optional
	NotBefore *metav1.Time `json:"notBefore,omitempty"`

	// provided says the cluster itself installs and runs this component, so the operator
	// never installs, upgrades or removes it: k3s installs Cilium at boot on hetzner; CCE
	// and OKE network pods with their own CNI instead of Cilium. The entry still counts for
	// the catalog's requirements. Bootstrap sets it per provider.
	// +optional
	Provided *ProvidedComponent `json:"provided,omitempty"`
}

// ProvidedComponent is a component the cluster provides.
type ProvidedComponent struct {
	// by names what provides it, e.g. k3s, cce or oke.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	By string `json:"by"`

	// workloads of the component the cluster installed, watched for health (in the
	// catalog entry's namespace), the version then being the entry's. With none (the cloud's
	// own CNI stands in), the component is healthy when every node is Ready, which the
	// kubelet reports only once the node's network is ready, and no version is claimed.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=8
	Workloads []WorkloadRef `json:"workloads,omitempty"`
}

// IsEnabled reports whether the entry is to be delivered (the default).
func (c PlatformComponent) IsEnabled() bool { return c.Enabled == nil || *c.Enabled }

// CatalogSource says where a catalog comes from.
type CatalogSource struct {
	// url of the catalog: an http(s) URL of a multi-document YAML file.
	// +required
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^https?://`
	URL string `json:"url"`
}

// UpdatePolicy configures upgrade checks and the window upgrades may run in.
type UpdatePolicy struct {
	// checkInterval is how often the operator checks the catalog for upgrades.
	// +optional
	// +kubebuilder:default="6h"
	CheckInterval *metav1.Duration `json:"checkInterval,omitempty"`

	// maintenanceWindow restricts when upgrades are rolled out; any time when unset.
	// +optional
	MaintenanceWindow *MaintenanceWindow `json:"maintenanceWindow,omitempty"`
}

// Weekday is a day of the week.
// +kubebuilder:validation:Enum=Monday;Tuesday;Wednesday;Thursday;Friday;Saturday;Sunday
type Weekday string

// MaintenanceWindow is a daily (or weekly, with days) period in which upgrades may start.
type MaintenanceWindow struct {
	// start of the window, HH:MM in 24-hour time.
	// +required
	// +kubebuilder:validation:Pattern=`^([01][0-9]|2[0-3]):[0-5][0-9]$`
	Start string `json:"start"`

	// duration of the window, e.g. 2h.
	// +required
	Duration metav1.Duration `json:"duration"`

	// days on which the window opens; every day when empty.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=7
	Days []Weekday `json:"days,omitempty"`

	// timeZone of start, an IANA name such as Europe/Berlin; UTC when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	TimeZone string `json:"timeZone,omitempty"`
}

// PlatformStatus is what the operator observed of a Platform.
type PlatformStatus struct {
	// phase summarises the platform: Pending, Progressing, Ready, Degraded or Failed.
	// +optional
	// +kubebuilder:validation:Enum=Pending;Progressing;Ready;Degraded;Failed
	Phase string `json:"phase,omitempty"`

	// conditions: Ready, Progressing, Degraded, and kstatus' Reconciling and Stalled.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// components summarises each enabled component.
	// +optional
	// +listType=map
	// +listMapKey=name
	Components []ComponentSummary `json:"components,omitempty"`

	// componentCount is the number of enabled components.
	// +optional
	ComponentCount int32 `json:"componentCount,omitempty"`

	// healthPercent is healthy components as a percentage of enabled ones (0-100).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	HealthPercent int32 `json:"healthPercent,omitempty"`

	// upgradesAvailable counts components with a newer version allowed by the catalog.
	// +optional
	UpgradesAvailable int32 `json:"upgradesAvailable,omitempty"`

	// alerts are the platform's active problems, such as failed upgrades that were rolled
	// back or degraded components. They clear when the problem does.
	// +optional
	// +listType=atomic
	Alerts []Alert `json:"alerts,omitempty"`

	// lastUpdateCheck is when the catalog was last checked for upgrades.
	// +optional
	LastUpdateCheck *metav1.Time `json:"lastUpdateCheck,omitempty"`

	// lastHandledRefresh is the value of the openova.io/refresh annotation last acted on.
	// +optional
	LastHandledRefresh string `json:"lastHandledRefresh,omitempty"`

	// lastReconciled is when the operator last changed this status.
	// +optional
	LastReconciled *metav1.Time `json:"lastReconciled,omitempty"`

	// regions summarises each region of spec.regions, the primary first.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=2
	Regions []RegionSummary `json:"regions,omitempty"`

	// observedGeneration is the generation of the last spec the operator reconciled without
	// error: its Components applied (or a problem reported as terminal). It is not written
	// when a reconcile failed (catalog unreachable, an API error), so a status whose
	// observedGeneration lags describes an older spec.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// ComponentSummary is one component as the Platform reports it.
type ComponentSummary struct {
	// name of the component.
	Name string `json:"name"`
	// version deployed, empty before the first install succeeds.
	// +optional
	Version string `json:"version,omitempty"`
	// desiredVersion is the version spec.components asks for.
	// +optional
	DesiredVersion string `json:"desiredVersion,omitempty"`
	// health of the component: Healthy, Progressing, Degraded, Failed or Unknown.
	// +optional
	Health string `json:"health,omitempty"`
	// ready is true when the component is delivered at desiredVersion and healthy, as
	// observed for its current generation.
	// +optional
	Ready bool `json:"ready,omitempty"`
	// reason says why the entry is not ready, as a condition reason: Progressing,
	// Degraded, UpgradeRolledBack, UpgradeScheduled, or a problem of the entry itself
	// (UnknownComponent, UnknownVersion, InvalidEntry, ComponentConflict) that stops its
	// delivery and nothing else. Empty when ready.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Reason string `json:"reason,omitempty"`
	// message explains reason for a human.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
	// availableUpgrade is the newest version the catalog allows, if newer than version.
	// +optional
	AvailableUpgrade string `json:"availableUpgrade,omitempty"`
	// endpoints are the component's published URLs.
	// +optional
	Endpoints []string `json:"endpoints,omitempty"`
	// regions is the component in each region it is placed in (platforms with two regions).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=2
	Regions []RegionStatus `json:"regions,omitempty"`
}

// RegionSummary is one region as the Platform reports it.
type RegionSummary struct {
	// name of the region.
	Name string `json:"name"`
	// role of the region.
	// +optional
	Role RegionRole `json:"role,omitempty"`
	// reachable is false when the operator could not reach the region's API server at its
	// last attempt; its components are Unknown there.
	Reachable bool `json:"reachable"`
	// message says why the region is unreachable, or is empty.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
	// componentCount is the number of enabled components placed in the region.
	// +optional
	ComponentCount int32 `json:"componentCount,omitempty"`
	// healthPercent is the region's healthy components as a percentage of those placed in
	// it (0-100).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	HealthPercent int32 `json:"healthPercent,omitempty"`
}

// Alert is an active problem of a platform.
type Alert struct {
	// component the alert is about; empty for the platform itself.
	// +optional
	Component string `json:"component,omitempty"`
	// region the alert is about, on a platform with two regions; empty when it is about
	// every region or the platform itself.
	// +optional
	Region string `json:"region,omitempty"`
	// reason is a CamelCase code such as UpgradeRolledBack or Degraded.
	Reason string `json:"reason"`
	// message explains the problem for a human.
	Message string `json:"message"`
	// since is when the problem was first seen.
	// +optional
	Since *metav1.Time `json:"since,omitempty"`
}

// +kubebuilder:object:root=true

// PlatformList is a list of Platforms.
type PlatformList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Platform `json:"items"`
}

// GetConditions returns the conditions of the Platform.
func (p *Platform) GetConditions() []metav1.Condition { return p.Status.Conditions }

// SetConditions replaces the conditions of the Platform.
func (p *Platform) SetConditions(c []metav1.Condition) { p.Status.Conditions = c }
