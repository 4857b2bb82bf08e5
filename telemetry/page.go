package telemetry

import (
	_ "embed"
	"net/http"
)

// page is the live page: one HTML file, its script and styles inline, no
// external assets. It polls api/snapshot (a relative URL, so it also works
// under a reverse proxy's path prefix).
//
//go:embed page.html
var page []byte

// pagePolicy forbids the page every fetch but its own API, so it cannot
// load anything from elsewhere.
const pagePolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func servePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", pagePolicy)
	noCache(w)
	w.Write(page)
}
