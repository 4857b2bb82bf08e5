package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addTelemetryFlags declares the Telemetry options (express/telemetry.go).
func addTelemetryFlags(b *flagBuilder, o *express.Options) {
	b.in("Telemetry")
	b.str(&o.TelemetryService, "telemetry-service", "TARGET", "send telemetry to an ingester on a local socket, unix:/path (needs mod_wsgi 6)")
	b.float(&o.TelemetryInterval, "telemetry-interval", "SECONDS", "how often telemetry is sampled, with --telemetry-service (needs mod_wsgi 6)")
	b.strs(&o.TelemetryCaptures, "telemetry-options", "ARGS", "what telemetry captures, such as +CaptureUserAgent; one WSGITelemetryOptions line each (repeatable; needs mod_wsgi 6)")
	b.fraction(&o.SlowRequests, "slow-requests", "SECONDS", "report requests still running after this many seconds, through --telemetry-service (needs mod_wsgi 6)")
	b.boolean(&o.EnableTelemetry, "enable-telemetry", "run a telemetry ingester and its web UI next to the application (needs mod_wsgi 6)")
	b.integer(&o.TelemetryUIPort, "telemetry-ui-port", "NUMBER", "port on 127.0.0.1 of the telemetry web UI, with --enable-telemetry (needs mod_wsgi 6)")
}
