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
// +kubebuilder:validation:Enum=helm;bootstrap
type Delivery string

// Deliveries.
const (
	// DeliveryHelm: the operator delivers the component as a Flux HelmRelease.
	DeliveryHelm Delivery = "helm"
	// DeliveryBootstrap: bootstrap installs the component (Flux itself); the operator only
	// watches its workloads.
	DeliveryBootstrap Delivery = "bootstrap"
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

	// delivery says who installs the component: helm (the operator, through Flux) or
	// bootstrap (installed with the cluster; only watched).
	// +optional
	// +kubebuilder:default=helm
	Delivery Delivery `json:"delivery,omitempty"`

	// chart is the Helm chart that delivers the component; required for helm delivery.
	// +optional
	Chart *ChartRef `json:"chart,omitempty"`

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

	// values are Helm values passed to the chart.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Values *runtime.RawExtension `json:"values,omitempty"`

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
