#!/usr/bin/env bash
# Refreshes the htmx library the dashboard embeds (dashboard/static/htmx.min.js) from the
# npm registry, and records its version and sha256 in dashboard/static/htmx.version.
#   hack/htmx.sh 2.0.11
# Only the minified file is kept: no Node build step, nothing fetched at run time.
set -euo pipefail
version=${1:?usage: hack/htmx.sh VERSION (e.g. 2.0.11)}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@$version" >/dev/null && tar xzf "htmx.org-$version.tgz")
got=$(node -p "require('$tmp/package/package.json').version" 2>/dev/null || sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$tmp/package/package.json" | head -1)
[ "$got" = "$version" ] || { echo "npm gave htmx.org $got, not $version" >&2; exit 1; }
cp "$tmp/package/dist/htmx.min.js" "$root/dashboard/static/htmx.min.js"
sum=$(sha256sum "$root/dashboard/static/htmx.min.js" | cut -d' ' -f1)
printf 'htmx.org %s (npm registry, package/dist/htmx.min.js)\nsha256 %s\n' "$version" "$sum" >"$root/dashboard/static/htmx.version"
echo "dashboard/static/htmx.min.js: htmx.org $version, sha256 $sum"
