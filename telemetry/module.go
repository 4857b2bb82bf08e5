package telemetry

import "github.com/modwsgi-go/mod_wsgi-express/telemetry/source"

// Source says how a mod_wsgi module reports telemetry (package source).
type Source = source.Source

const (
	// SourceNative: mod_wsgi 6 and later send datagrams themselves; the
	// configuration names the socket with WSGITelemetryService.
	SourceNative = source.Native
	// SourceReporter: mod_wsgi 4.8 to 5.x measure but do not send; the
	// Python reporter (templates/python/express_telemetry.py) started in
	// each process reads request_metrics() and process_metrics() and
	// sends the same datagrams.
	SourceReporter = source.Reporter
)

// ModuleSource returns how a mod_wsgi module of the given version ("4.9.4",
// "6.0.5", "5.0.0rc1") reports telemetry, or an error naming the version
// when it cannot (older than 4.8) or the version does not parse.
func ModuleSource(version string) (Source, error) { return source.Of(version) }
