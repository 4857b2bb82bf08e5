package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addTelemetryFlags declares the Telemetry options (express/telemetry.go).
func addTelemetryFlags(b *flagBuilder, o *express.Options) {
	b.in("Telemetry")
	b.str(&o.TelemetryService, "telemetry-service", "TARGET", "send telemetry to an ingester of your own on a local socket, unix:/path (needs mod_wsgi 6)")
	b.float(&o.TelemetryInterval, "telemetry-interval", "SECONDS", "how often each process sends telemetry, 0.5 or more; with --enable-telemetry or --telemetry-service")
	b.strs(&o.TelemetryCaptures, "telemetry-options", "ARGS", "what telemetry captures, such as +CaptureUserAgent; one WSGITelemetryOptions line each (repeatable; needs mod_wsgi 6)")
	b.fraction(&o.SlowRequests, "slow-requests", "SECONDS", "report requests still running after this many seconds; with --enable-telemetry or --telemetry-service")
	b.boolean(&o.EnableTelemetry, "enable-telemetry", "receive the processes' telemetry in start-server and serve it: Prometheus metrics, JSON, a live page and mod_wsgi-express top (needs mod_wsgi 4.8; 6 gives the most)")
	b.str(&o.TelemetryHost, "telemetry-host", "IP-ADDRESS", "interface the telemetry web UI listens on, with --enable-telemetry")
	b.integer(&o.TelemetryUIPort, "telemetry-ui-port", "NUMBER", "port of the telemetry web UI (/, /metrics, /api/...), with --enable-telemetry")
}
