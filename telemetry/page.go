package telemetry

import (
	"embed"
	"net/http"
	"path"
)

// web holds the live page: index.html, its script (app.js, charts.js) and
// styles (app.css) and icon, served from the binary. The page asks for them and for
// the API with relative URLs, so it also works under a reverse proxy's
// path prefix.
//
//go:embed web/index.html web/app.js web/charts.js web/app.css web/favicon.svg
var web embed.FS

// pagePolicy lets the page load its own script and styles and call its own
// API, and nothing else: no inline script or style, nothing from
// elsewhere. Charts are SVG the script draws; styles it sets go through
// the CSSOM, which style-src does not restrict.
const pagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var pageTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

// servePage serves GET / (index.html) and the page's own files.
func servePage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if name == "" {
		name = "index.html"
	}
	body, err := web.ReadFile("web/" + name)
	if err != nil || name == "index.html" && r.URL.Path != "/" {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such file: " + r.URL.Path})
		return
	}
	w.Header().Set("Content-Type", pageTypes[path.Ext(name)])
	w.Header().Set("Content-Security-Policy", pagePolicy)
	noCache(w)
	w.Write(body)
}
