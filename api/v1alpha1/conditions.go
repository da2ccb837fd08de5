package v1alpha1

// Condition types. Every condition's reason is also the reason of the event recorded with it.
const (
	// ReadyCondition summarises the object: True when everything it asks for is delivered
	// and healthy.
	ReadyCondition = "Ready"
	// ProgressingCondition is True while a reconciliation, an install or an upgrade is under way.
	ProgressingCondition = "Progressing"
	// DegradedCondition is True on a Platform when one or more Components are not healthy.
	DegradedCondition = "Degraded"
	// UpgradeFailedCondition is True on a Component whose last upgrade failed and was rolled
	// back by Flux; the Component keeps running its last good version.
	UpgradeFailedCondition = "UpgradeFailed"
	// UpgradeScheduledCondition is True on a Component whose desired version waits for its
	// not-before time or the Platform's maintenance window.
	UpgradeScheduledCondition = "UpgradeScheduled"
	// ReconcilingCondition (kstatus) is True while the object is on its way to Ready: an
	// install or upgrade in flight, a HelmRelease not yet observed by Flux. kstatus consumers
	// (kubectl wait on kstatus, Flux health checks, cli-utils) read it as InProgress.
	ReconcilingCondition = "Reconciling"
	// StalledCondition (kstatus) is True when the object will not become Ready without a
	// change: an entry the catalog lacks, a failed upgrade Flux rolled back, a failed
	// install. Its reason is the terminal reason (the same as Ready's).
	StalledCondition = "Stalled"
)

// Condition reasons.
const (
	// ReconciledReason: the object is delivered as asked.
	ReconciledReason = "Reconciled"
	// HealthyReason: every delivered workload is healthy.
	HealthyReason = "Healthy"
	// ProgressingReason: an install or upgrade is in flight.
	ProgressingReason = "Progressing"
	// DegradedReason: one or more Components are not healthy.
	DegradedReason = "Degraded"
	// FluxNotInstalledReason: the Flux CRDs (HelmRelease, HelmRepository) are missing from the
	// cluster, so nothing can be delivered.
	FluxNotInstalledReason = "FluxNotInstalled"
	// CatalogUnavailableReason: the catalog named by spec.catalog could not be loaded.
	CatalogUnavailableReason = "CatalogUnavailable"
	// UnknownComponentReason: an entry of spec.components names a component the catalog lacks,
	// even after the operator reloaded the catalog. Terminal: only a spec or catalog change
	// helps. Reported on the entry (status.components[].reason), in an alert and on Ready.
	UnknownComponentReason = "UnknownComponent"
	// UnknownVersionReason: an entry of spec.components names a version the catalog lacks,
	// even after the operator reloaded the catalog. Terminal, reported like UnknownComponent;
	// the entry's Component stays as it was, the other entries are delivered.
	UnknownVersionReason = "UnknownVersion"
	// InvalidEntryReason: the catalog's templates for an entry (its endpoints) do not render
	// with the Platform's values. Terminal, reported like UnknownComponent.
	InvalidEntryReason = "InvalidEntry"
	// ConstraintViolationReason: the set of spec.components breaks a catalog constraint
	// (a client wrote the Platform without resolving it first).
	ConstraintViolationReason = "ConstraintViolation"
	// ComponentConflictReason: a Component of that name already belongs to another Platform.
	// Terminal, reported on the entry like UnknownComponent.
	ComponentConflictReason = "ComponentConflict"
	// InstallFailedReason: Flux could not install the component.
	InstallFailedReason = "InstallFailed"
	// ChartNotFoundReason: Flux cannot fetch the chart version the component is delivered
	// at: the chart repository has no such chart or version (a catalog naming a version the
	// repository does not publish). Terminal (Stalled) until the repository or the spec
	// changes; Flux keeps watching the repository, and the component recovers on its own
	// once the version appears there.
	ChartNotFoundReason = "ChartNotFound"
	// UpgradeRolledBackReason: Flux reported the upgrade failed and rolled it back.
	UpgradeRolledBackReason = "UpgradeRolledBack"
	// UpgradeScheduledReason: the upgrade waits for its not-before time or maintenance window.
	UpgradeScheduledReason = "UpgradeScheduled"
	// DependencyNotReadyReason: a dependency of the component is not yet healthy.
	DependencyNotReadyReason = "DependencyNotReady"
	// WorkloadNotReadyReason: a workload of a bootstrap-delivered component is not ready.
	WorkloadNotReadyReason = "WorkloadNotReady"
	// InvalidValuesReason: the catalog's default values of a component do not render for
	// the Platform, or an entry's values do not fit the component's parts.
	// Terminal, reported on the entry like UnknownComponent.
	InvalidValuesReason = "InvalidValues"
	// MemberNotReadyReason: a member of a bundle is not healthy at its desired version.
	MemberNotReadyReason = "MemberNotReady"
)

// Health values of a Component.
const (
	HealthHealthy     = "Healthy"
	HealthProgressing = "Progressing"
	HealthDegraded    = "Degraded"
	HealthFailed      = "Failed"
	HealthUnknown     = "Unknown"
)

// Phases of a Platform.
const (
	PhasePending     = "Pending"
	PhaseProgressing = "Progressing"
	PhaseReady       = "Ready"
	PhaseDegraded    = "Degraded"
	PhaseFailed      = "Failed"
)

// Annotations, labels and names shared by the CLI and the operator.
const (
	// RefreshAnnotation on a Platform asks the operator to check the catalog for upgrades
	// now; any new value triggers one check.
	RefreshAnnotation = "openova.io/refresh"
	// RetryAnnotation on a Component asks the operator to try its failed version again;
	// any new value triggers one retry.
	RetryAnnotation = "openova.io/retry"
	// PlatformLabel on a Component names the Platform it belongs to.
	PlatformLabel = "openova.io/platform"
	// ComponentLabel on Flux objects names the Component they deliver.
	ComponentLabel = "openova.io/component"
	// AvailableUpgradeAnnotation on a Component carries the Platform reconciler's upgrade
	// check for it (JSON of AvailableUpgrade; absent when there is none). The Platform
	// reconciler, which holds the catalog and the whole set, writes it with the Component's
	// spec; the Component reconciler, the only writer of Component status, copies it into
	// status.availableUpgrade.
	AvailableUpgradeAnnotation = "openova.io/available-upgrade"
	// ComponentFinalizer keeps a Component until its Flux objects (and so its Helm releases)
	// are gone. The Platform reconciler creates every Component with it (one write instead
	// of a create and a patch); the Component reconciler adds it to one that lacks it and
	// removes it once the Component's objects are deleted.
	ComponentFinalizer = "openova.io/finalizer"
	// DefaultNamespace is where Platforms live unless told otherwise, and where the operator
	// runs.
	DefaultNamespace = "openova-system"
	// FluxNamespace is where Flux's controllers run.
	FluxNamespace = "flux-system"
)

// EntryProblemReasons are the reasons the operator gives a Platform entry it will not deliver
// until the entry or the catalog changes (status.components[].reason, an alert and, for the
// first of them, Ready). They are terminal: the Platform is Stalled with any of them, and
// `kubectl openova … --wait` ends when a target's entry has one.
var EntryProblemReasons = map[string]bool{
	UnknownComponentReason:  true,
	UnknownVersionReason:    true,
	InvalidEntryReason:      true,
	InvalidValuesReason:     true,
	ComponentConflictReason: true,
}
