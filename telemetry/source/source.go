// Package source says how a mod_wsgi module of a given version reports
// telemetry. It is a leaf package (telemetry re-exports it as
// telemetry.Source and telemetry.ModuleSource) so that the resolve step of
// --enable-telemetry can ask without importing the ingester.
package source

import (
	"fmt"
	"strconv"
	"strings"
)

// Source says how a mod_wsgi module reports telemetry.
type Source int

const (
	// Native: mod_wsgi 6 and later send datagrams themselves; the
	// configuration names the socket with WSGITelemetryService.
	Native Source = iota + 1
	// Reporter: mod_wsgi 4.8 to 5.x measure but do not send; the
	// Python reporter (templates/python/express_telemetry.py) started in
	// each process reads request_metrics() and process_metrics() and
	// sends the same datagrams.
	Reporter
)

func (s Source) String() string {
	switch s {
	case Native:
		return "native"
	case Reporter:
		return "reporter"
	}
	return "none"
}

// Of returns how a mod_wsgi module of the given version ("4.9.4",
// "6.0.5", "5.0.0rc1") reports telemetry, or an error naming the version
// when it cannot (older than 4.8) or the version does not parse.
func Of(version string) (Source, error) {
	major, minor, ok := parseVersion(version)
	switch {
	case !ok:
		return 0, fmt.Errorf("telemetry: cannot tell what mod_wsgi version %q supports", version)
	case major >= 6:
		return Native, nil
	case major > 4 || major == 4 && minor >= 8:
		return Reporter, nil
	}
	return 0, fmt.Errorf("mod_wsgi %s cannot report telemetry: --enable-telemetry needs mod_wsgi 4.8 or later (request_metrics() and process_metrics() came in 4.8); upgrade mod_wsgi", version)
}

func parseVersion(v string) (major, minor int, ok bool) {
	parts := strings.SplitN(strings.TrimSpace(v), ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	lead := func(s string) (int, bool) {
		end := 0
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		n, err := strconv.Atoi(s[:end])
		return n, err == nil
	}
	major, ok1 := lead(parts[0])
	minor, ok2 := lead(parts[1])
	return major, minor, ok1 && ok2 && len(parts[0]) > 0 && parts[0][0] != '-'
}
