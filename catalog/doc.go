// Package catalog is the domain core of OpenOva: the component catalog (what a platform
// can be made of: components, their versions, the Helm charts that deliver them and what
// each version requires), its loader and validation, and the dependency resolver that
// turns install, upgrade and uninstall requests into plans.
//
// The package is pure Go, without Kubernetes clients, so that the CLI and the operator
// share one implementation and everything is unit-testable and fast.
//
//	cat, err := catalog.Builtin() // or catalog.Load(ctx, "https://…/catalog.yaml")
//	plan, err := catalog.Resolve(cat, installed, catalog.Request{
//		Kind: catalog.Install, Names: []string{"ai-hub"}, With: []string{"neo4j"},
//	})
//	// plan.Steps: install / upgrade / downgrade / keep / remove, dependencies first.
//	platform.Spec.Components = toSpec(plan.Apply(installed))
//
// Resolve returns a *InputError for requests it refuses outright, and a *ConflictError or
// *CycleError, whose messages name the constraint chains involved and suggest what would
// fit, when no combination of versions satisfies the request. Verify checks a set of
// components independently of the resolver; AvailableUpgrade serves the
// operator and the upgrade listings (with upgrades.go). The file format, the resolution rules and the plan contract are documented in
// docs/catalog.md.
package catalog
