package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Component is one delivered member of a Platform. The operator creates one per enabled
// entry of the Platform's spec.components, fills its spec from the catalog and delivers it
// as a Flux HelmRelease; users read it (kubectl get components).
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ocomp;ocomps,categories=openova
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.version`
// +kubebuilder:printcolumn:name="Desired",type=string,JSONPath=`.spec.version`,priority=1
// +kubebuilder:printcolumn:name="Health",type=string,JSONPath=`.status.health`
// +kubebuilder:printcolumn:name="Upgrade",type=string,JSONPath=`.status.availableUpgrade.version`
// +kubebuilder:printcolumn:name="Category",type=string,JSONPath=`.spec.category`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Component struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the component, filled from the catalog.
	// +required
	Spec ComponentSpec `json:"spec"`

	// status is what the operator observed.
	// +optional
	Status ComponentStatus `json:"status,omitempty"`
}

// Category of a component in the catalog.
// +kubebuilder:validation:Enum=mandatory;a-la-carte;meta-platform
type Category string

// Categories.
const (
	CategoryMandatory    Category = "mandatory"
	CategoryALaCarte     Category = "a-la-carte"
	CategoryMetaPlatform Category = "meta-platform"
)

// Delivery says who installs a component.
// +kubebuilder:validation:Enum=helm;bootstrap;bundle
type Delivery string

// Deliveries.
const (
	// DeliveryHelm: the operator delivers the component as a Flux HelmRelease.
	DeliveryHelm Delivery = "helm"
	// DeliveryBootstrap: bootstrap installs the component (Flux itself); the operator only
	// watches its workloads.
	DeliveryBootstrap Delivery = "bootstrap"
	// DeliveryBundle: the component has no chart (a meta-platform); its health is the
	// aggregate of its members (spec.dependencies).
	DeliveryBundle Delivery = "bundle"
)

// PartKind says how a part of a multi-part component is delivered.
// +kubebuilder:validation:Enum=chart;resources
type PartKind string

// Part kinds.
const (
	// PartChart: a Helm chart, delivered as its own HelmRelease.
	PartChart PartKind = "chart"
	// PartResources: Kubernetes objects the operator applies with server-side apply.
	PartResources PartKind = "resources"
)

// ComponentSpec is the desired state of a Component.
type ComponentSpec struct {
	// version of the component in the catalog.
	// +required
	// +kubebuilder:validation:MinLength=5
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`
	Version string `json:"version"`

	// category of the component: mandatory, a-la-carte or meta-platform.
	// +required
	Category Category `json:"category"`

	// delivery says who installs the component: helm (the operator, through Flux),
	// bootstrap (installed with the cluster; only watched) or bundle (no chart; healthy when
	// every member in dependencies is healthy at its desired version).
	// +optional
	// +kubebuilder:default=helm
	Delivery Delivery `json:"delivery,omitempty"`

	// chart is the Helm chart that delivers a single-part component; helm delivery needs
	// chart or parts.
	// +optional
	Chart *ChartRef `json:"chart,omitempty"`

	// parts deliver a multi-part component version in order, instead of chart and values:
	// each chart part is its own HelmRelease depending on the part before it; each resource
	// part is applied by the operator once the parts before it are Ready.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	Parts []ComponentPart `json:"parts,omitempty"`

	// targetNamespace is where the component's workloads run.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	TargetNamespace string `json:"targetNamespace"`

	// dependencies are the names of the Components this one needs; their HelmReleases are
	// installed first.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	Dependencies []string `json:"dependencies,omitempty"`

	// values are the Helm values passed to the chart of a single-part component: the
	// catalog's default values rendered for the Platform, with the Platform entry's values
	// merged over them.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Values *runtime.RawExtension `json:"values,omitempty"`

	// providedBy names what installs the component when the cluster provides it (the
	// Platform entry's provided.by); delivery is then bootstrap.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	ProvidedBy string `json:"providedBy,omitempty"`

	// workloads are watched for health when delivery is bootstrap.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	Workloads []WorkloadRef `json:"workloads,omitempty"`

	// upgradeTimeout bounds an install or upgrade before Flux rolls it back.
	// +optional
	UpgradeTimeout *metav1.Duration `json:"upgradeTimeout,omitempty"`

	// notBefore holds an upgrade back until this time.
	// +optional
	NotBefore *metav1.Time `json:"notBefore,omitempty"`

	// maintenanceWindow, copied from the Platform, restricts when an upgrade may start.
	// +optional
	MaintenanceWindow *MaintenanceWindow `json:"maintenanceWindow,omitempty"`

	// endpoints are the component's URLs, rendered from the catalog with the Platform's domain.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	Endpoints []string `json:"endpoints,omitempty"`

	// regions the component is delivered to, in delivery order: a standby before the
	// primary, so an upgrade reaches the primary only once the standby is Healthy at it.
	// Empty on a one-region platform: the component runs in the operator's own cluster.
	// Filled by the operator from the Platform's spec.regions and the catalog's placement.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=2
	Regions []ComponentRegion `json:"regions,omitempty"`
}

// ComponentRegion is one region a Component is delivered to.
type ComponentRegion struct {
	// name of the region.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`

	// role of the region.
	// +required
	Role RegionRole `json:"role"`

	// kubeConfig reaches a remote region (see Region.kubeConfig); empty for the operator's
	// own cluster.
	// +optional
	KubeConfig *KubeConfigReference `json:"kubeConfig,omitempty"`
}

// RegionStatus is a Component as observed in one region.
type RegionStatus struct {
	// name of the region.
	Name string `json:"name"`
	// version deployed and running there; empty before the first install succeeds.
	// +optional
	Version string `json:"version,omitempty"`
	// health there: Healthy, Progressing, Degraded, Failed or Unknown (the region's API
	// server could not be reached).
	// +optional
	// +kubebuilder:validation:Enum=Healthy;Progressing;Degraded;Failed;Unknown
	Health string `json:"health,omitempty"`
	// message says why the component is not healthy there.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
}

// ComponentPart is one part of a multi-part component: a chart or resources.
type ComponentPart struct {
	// name of the part in the catalog.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// kind of the part: chart or resources.
	// +required
	Kind PartKind `json:"kind"`

	// release names the HelmRelease (and Helm release) of a chart part.
	// +optional
	// +kubebuilder:validation:MaxLength=53
	Release string `json:"release,omitempty"`

	// chart of a chart part.
	// +optional
	Chart *ChartRef `json:"chart,omitempty"`

	// values of a chart part: the catalog's defaults rendered for the Platform, with the
	// Platform entry's values for this part merged over them.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Values *runtime.RawExtension `json:"values,omitempty"`

	// resources are the objects of a resource part, rendered from the catalog.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Resources []runtime.RawExtension `json:"resources,omitempty"`
}

// ChartRef names a Helm chart version in a chart repository.
type ChartRef struct {
	// repository is the URL of the Helm repository (http, https or oci).
	// +required
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^(https?|oci)://`
	Repository string `json:"repository"`

	// name of the chart in the repository.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// version of the chart.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Version string `json:"version"`
}

// WorkloadRef names a workload in the component's target namespace.
type WorkloadRef struct {
	// kind of the workload.
	// +required
	// +kubebuilder:validation:Enum=Deployment;StatefulSet;DaemonSet
	Kind string `json:"kind"`

	// name of the workload.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// ComponentStatus is what the operator observed of a Component.
type ComponentStatus struct {
	// health of the component: Healthy, Progressing, Degraded, Failed or Unknown.
	// +optional
	// +kubebuilder:validation:Enum=Healthy;Progressing;Degraded;Failed;Unknown
	Health string `json:"health,omitempty"`

	// version deployed and running; empty before the first install succeeds.
	// +optional
	Version string `json:"version,omitempty"`

	// lastGoodVersion is the last version that was deployed and healthy.
	// +optional
	LastGoodVersion string `json:"lastGoodVersion,omitempty"`

	// lastGoodChartVersion is the chart version of lastGoodVersion; the operator keeps the
	// HelmRelease on it while an upgrade is held back or has failed.
	// +optional
	LastGoodChartVersion string `json:"lastGoodChartVersion,omitempty"`

	// failedVersion is a version whose upgrade failed and was rolled back. The operator does
	// not try it again until spec.version changes or the openova.io/retry annotation does.
	// +optional
	FailedVersion string `json:"failedVersion,omitempty"`

	// lastHandledRetry is the value of the openova.io/retry annotation last acted on.
	// +optional
	LastHandledRetry string `json:"lastHandledRetry,omitempty"`

	// availableUpgrade is the newest version the catalog allows given every installed
	// dependent's constraints, when newer than version.
	// +optional
	AvailableUpgrade *AvailableUpgrade `json:"availableUpgrade,omitempty"`

	// endpoints are the component's published URLs.
	// +optional
	// +listType=atomic
	Endpoints []string `json:"endpoints,omitempty"`

	// parts is what the operator observed of each part of a multi-part component, in
	// delivery order, including parts being pruned.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=32
	Parts []PartStatus `json:"parts,omitempty"`

	// regions is the component in each region of spec.regions, in the same order; health
	// and version above are the worst of them (a version only when every region runs it).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=2
	Regions []RegionStatus `json:"regions,omitempty"`

	// conditions: Ready, Progressing, UpgradeFailed, UpgradeScheduled, and kstatus'
	// Reconciling and Stalled.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// lastReconciled is when the operator last changed this status.
	// +optional
	LastReconciled *metav1.Time `json:"lastReconciled,omitempty"`

	// observedGeneration is the generation of the last spec the operator reconciled without
	// error (its Flux objects applied). Ready=True with observedGeneration equal to
	// metadata.generation means the component runs spec.version.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// PartStatus is what the operator observed of one part.
type PartStatus struct {
	// name of the part.
	Name string `json:"name"`

	// kind of the part: chart or resources.
	Kind PartKind `json:"kind"`

	// health of the part: Healthy, Progressing, Degraded, Failed or Unknown.
	// +optional
	Health string `json:"health,omitempty"`

	// message says why the part is not healthy, or what it delivered.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`

	// release is the HelmRelease of a chart part.
	// +optional
	Release string `json:"release,omitempty"`

	// chartVersion deployed by a chart part.
	// +optional
	ChartVersion string `json:"chartVersion,omitempty"`

	// lastGoodChartVersion is the chart version the part last ran healthy; the part is held
	// on it while the component's upgrade has failed.
	// +optional
	LastGoodChartVersion string `json:"lastGoodChartVersion,omitempty"`

	// objects applied by a resource part; the operator deletes them when the part, or one
	// of its objects, or the component goes.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Objects []ObjectReference `json:"objects,omitempty"`

	// regions is the part in each remote region (a standby) of spec.regions: the fields
	// above describe it in the operator's own cluster (the primary, or the only region).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=2
	Regions []PartRegionStatus `json:"regions,omitempty"`
}

// PartRegionStatus is what the operator observed of one part in one remote region.
type PartRegionStatus struct {
	// name of the region.
	Name string `json:"name"`

	// health of the part there: Healthy, Progressing, Degraded, Failed or Unknown.
	// +optional
	Health string `json:"health,omitempty"`

	// message says why the part is not healthy there, or what it delivered.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`

	// release is the HelmRelease of a chart part for that region.
	// +optional
	Release string `json:"release,omitempty"`

	// chartVersion deployed there by a chart part.
	// +optional
	ChartVersion string `json:"chartVersion,omitempty"`

	// lastGoodChartVersion is the chart version the part last ran healthy there.
	// +optional
	LastGoodChartVersion string `json:"lastGoodChartVersion,omitempty"`

	// objects applied there by a resource part (through the region's kubeconfig).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Objects []ObjectReference `json:"objects,omitempty"`
}

// ObjectReference names an object the operator applied.
type ObjectReference struct {
	// apiVersion of the object.
	APIVersion string `json:"apiVersion"`
	// kind of the object.
	Kind string `json:"kind"`
	// namespace of the object; empty for cluster-scoped objects.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// name of the object.
	Name string `json:"name"`
}

// AvailableUpgrade is a newer version of a component.
type AvailableUpgrade struct {
	// version the component can be upgraded to.
	Version string `json:"version"`
	// changelog of that version, from the catalog.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Changelog string `json:"changelog,omitempty"`
}

// +kubebuilder:object:root=true

// ComponentList is a list of Components.
type ComponentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Component `json:"items"`
}

// GetConditions returns the conditions of the Component.
func (c *Component) GetConditions() []metav1.Condition { return c.Status.Conditions }

// SetConditions replaces the conditions of the Component.
func (c *Component) SetConditions(conds []metav1.Condition) { c.Status.Conditions = conds }
