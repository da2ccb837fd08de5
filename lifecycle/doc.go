// Package lifecycle holds the day-2 use cases the CLI (plugin/) and the browser dashboard
// share, over the Kubernetes API and the catalog:
//
//   - Read: the platform view — the Platform, its Component objects and the catalog — from
//     which status, health and the component list are computed consistently (View).
//   - Plan: a request (install, uninstall, upgrade) resolved against the catalog and the
//     Platform's spec.components (PlanChange), and the upgrades the catalog offers (Upgrades).
//   - Apply: the whole plan as ONE server-side apply of the Platform, refused with a
//     *ChangedError when another client wrote spec.components since it was read (Apply).
//   - Wait: until the written plan is delivered, or a Component or the Platform reports a
//     terminal failure (Wait).
//
// Errors are typed, so callers classify them without reading their text: *InputError (the
// request names something that is not there), *ChangedError, *ConflictError (fields another
// manager owns), *UnhealthyError (a wait ended unhealthy or timed out); any other error is
// a failure talking to the cluster.
package lifecycle
