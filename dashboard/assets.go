package dashboard

import "embed"

// templateFS holds the pages (html/template), rendered on the server.
//
//go:embed templates/*.html
var templateFS embed.FS

// staticFS holds the style sheet, the dashboard's script and the pinned htmx
// (static/htmx.version says which, with its sha256; hack/htmx.sh refreshes it).
//
//go:embed static
var staticFS embed.FS
