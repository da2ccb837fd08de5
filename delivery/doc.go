// Package delivery renders what the operator makes of a Platform: a Component for each
// entry (spec from the catalog, default values rendered with the platform's context,
// parts) and, for a Component, its Flux HelmRepository and HelmReleases. The operator
// applies them; the CLI's --diff previews them. Pure functions: no client, no cluster.
package delivery
