// Package templates holds the files written into a server root: the Apache
// configuration and control scripts (text/template sources) and the Python
// handler and runtime that run inside mod_wsgi (copied as they are).
package templates

import "embed"

// FS holds every template and static file.
//
//go:embed *.tmpl python/handler.wsgi python/express_runtime.py python/resource.wsgi python/express_debug.py python/express_telemetry.py
var FS embed.FS
