package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addTuningFlags declares the logging extras, the request read timeouts,
// the daemon tuning options and the options that need mod_wsgi 6.
func addTuningFlags(b *flagBuilder, o *express.Options) {
	b.in("Logging")
	b.str(&o.AccessLogFormat, "access-log-format", "FORMAT", "format of access log records: common, combined, or an Apache LogFormat string (default common)")
	b.str(&o.ErrorLogFormat, "error-log-format", "FORMAT", "format of error log records, as an Apache ErrorLogFormat string")
	b.boolean(&o.StartupLog, "startup-log", "write Apache's start-up errors to a file of their own (httpd -E)")
	b.str(&o.StartupLogName, "startup-log-name", "FILE-NAME", "name of the start-up log file in the log directory")
	b.boolean(&o.RotateLogs, "rotate-logs", "rotate the log files with rotatelogs when they reach --max-log-size (not when logging to the terminal)")
	b.integer(&o.MaxLogSize, "max-log-size", "MB", "size in megabytes at which a log file is rotated")
	b.str(&o.RotatelogsExecutable, "rotatelogs-executable", "FILE", "rotatelogs program (default: next to httpd, on PATH, or /usr/bin/rotatelogs)")
	b.boolean(&o.VerboseDebugging, "verbose-debugging", "have mod_wsgi log its internal workings (WSGIVerboseDebugging)")
	b.hide("verbose-debugging")

	b.in("Timeouts")
	b.integer(&o.HeaderTimeout, "header-timeout", "SECONDS", "time allowed to receive a request's line and headers; 0 for no limit")
	b.integer(&o.HeaderMaxTimeout, "header-max-timeout", "SECONDS", "hard limit for the request headers when a client keeps sending at --header-min-rate; 0 for none")
	b.integer(&o.HeaderMinRate, "header-min-rate", "BYTES", "each time a client sends this many header bytes, allow it one more second")
	b.integer(&o.BodyTimeout, "body-timeout", "SECONDS", "time allowed to receive a request body; 0 for no limit")
	b.integer(&o.BodyMaxTimeout, "body-max-timeout", "SECONDS", "hard limit for the request body when a client keeps sending at --body-min-rate; 0 for none")
	b.integer(&o.BodyMinRate, "body-min-rate", "BYTES", "each time a client sends this many body bytes, allow it one more second")
	b.integer(&o.ResponseSocketTimeout, "response-socket-timeout", "SECONDS", "give up writing a response to a client that stops reading after this time (0: --socket-timeout)")
	b.integer(&o.RestartInterval, "restart-interval", "SECONDS", "restart each daemon process after it has run this long (0: never)")
	b.integer(&o.CPUTimeLimit, "cpu-time-limit", "SECONDS", "restart a daemon process once it has used this much CPU time (0: no limit)")
	b.integer(&o.EvictionTimeout, "eviction-timeout", "SECONDS", "time running requests get when the application is evicted by a graceful restart signal (0: --graceful-timeout)")
	b.integer(&o.InterruptTimeout, "interrupt-timeout", "SECONDS", "on --request-timeout, first try to stop just the stuck request, waiting this long (needs mod_wsgi 6)")
	b.strs(&o.IgnoreActivity, "ignore-activity", "URL-PATH", "requests under this path (a health check, say) do not keep a daemon process from --inactivity-timeout (repeatable)")

	b.in("Processes")
	b.integer(&o.SendBufferSize, "send-buffer-size", "BYTES", "socket buffer for sending requests to the daemon processes (0: the system's)")
	b.integer(&o.ReceiveBufferSize, "receive-buffer-size", "BYTES", "socket buffer for reading responses from the daemon processes (0: the system's)")
	b.integer(&o.HeaderBufferSize, "header-buffer-size", "BYTES", "largest response header block read from a daemon process (0: mod_wsgi's 32768)")
	b.integer(&o.ResponseBufferSize, "response-buffer-size", "BYTES", "response data buffered from a daemon process before writing to the client (0: mod_wsgi's 65536)")
	b.float(&o.SwitchInterval, "switch-interval", "SECONDS", "Python's thread switch interval, sys.setswitchinterval (needs mod_wsgi 6)")
	b.boolean(&o.FreeThreading, "free-threading", "run Python without the GIL; needs a free-threaded Python build (needs mod_wsgi 6)")

	b.in("Environment")
	b.str(&o.PythonEggs, "python-eggs", "DIR", "directory Python eggs are unpacked into, PYTHON_EGG_CACHE (default: python-eggs in the server root)")
	b.strs(&o.PythonWarnings, "python-warnings", "FILTER", "Python warnings filter, as for python -W: action:message:category:module:lineno (repeatable)")

	b.in("Other")
	b.str(&o.TelemetryService, "telemetry-service", "TARGET", "send telemetry to an ingester on a local socket, unix:/path (needs mod_wsgi 6)")
	b.float(&o.TelemetryInterval, "telemetry-interval", "SECONDS", "how often telemetry is sampled, with --telemetry-service (needs mod_wsgi 6)")
	b.strs(&o.TelemetryOptions, "telemetry-options", "ARGS", "what telemetry captures, such as +CaptureUserAgent; one WSGITelemetryOptions line each (repeatable; needs mod_wsgi 6)")
	b.fraction(&o.SlowRequests, "slow-requests", "SECONDS", "report requests still running after this many seconds, through --telemetry-service (needs mod_wsgi 6)")
	b.boolean(&o.EnableTelemetry, "enable-telemetry", "run a telemetry ingester and its web UI next to the application (needs mod_wsgi 6)")
	b.integer(&o.TelemetryUIPort, "telemetry-ui-port", "NUMBER", "port on 127.0.0.1 of the telemetry web UI, with --enable-telemetry (needs mod_wsgi 6)")
}
