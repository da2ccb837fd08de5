#!/usr/bin/env bash
# Copies the Flux CRDs of the pinned source-controller and helm-controller (hack/tools) into
# manifests/flux/crds, so tests, bootstrap and the demo install exactly the versions the
# local controllers are built from.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/manifests/flux/crds"
mkdir -p "$out"
rm -f "$out"/*.yaml
copy() { # <tools module> <go module>
	local dir
	dir=$(cd "$root/hack/tools/$1" && GONOSUMDB=github.com/fluxcd/pkg GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' "$2")
	[ -n "$dir" ] || { (cd "$root/hack/tools/$1" && GONOSUMDB=github.com/fluxcd/pkg go mod download "$2"); dir=$(cd "$root/hack/tools/$1" && go list -m -f '{{.Dir}}' "$2"); }
	cp "$dir"/config/crd/bases/*.yaml "$out/"
	chmod 0644 "$out"/*.yaml
}
copy source-controller github.com/fluxcd/source-controller
copy helm-controller github.com/fluxcd/helm-controller
