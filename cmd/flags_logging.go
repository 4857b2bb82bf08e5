package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addLoggingFlags declares the Logging options (express/logging.go).
func addLoggingFlags(b *flagBuilder, o *express.Options) {
	b.in("Logging")
	b.str(&o.LogDirectory, "log-directory", "DIR", "directory for the log files (default: the server root)")
	b.str(&o.LogLevel, "log-level", "NAME", "Apache log level: emerg .. debug, trace1 .. trace8")
	b.choices("log-level", "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
		"trace1", "trace2", "trace3", "trace4", "trace5", "trace6", "trace7", "trace8")
	b.boolean(&o.LogToTerminal, "log-to-terminal", "send the logs to the terminal instead of files")
	b.boolean(&o.AccessLog, "access-log", "write an access log")
	b.boolean(&o.Quiet, "quiet", "on a terminal, show nothing after start-up: without it, start-server shows what the error log gets (an application's tracebacks, reloads, crashes), which keeps everything either way")
	b.str(&o.ErrorLogName, "error-log-name", "FILE-NAME", "name of the error log file")
	b.str(&o.AccessLogName, "access-log-name", "FILE-NAME", "name of the access log file")
	b.str(&o.AccessLogFormat, "access-log-format", "FORMAT", "format of access log records: common, combined, or an Apache LogFormat string (default common)")
	b.str(&o.ErrorLogFormat, "error-log-format", "FORMAT", "format of error log records, as an Apache ErrorLogFormat string")
	b.boolean(&o.StartupLog, "startup-log", "write Apache's start-up errors to a file of their own (httpd -E)")
	b.str(&o.StartupLogName, "startup-log-name", "FILE-NAME", "name of the start-up log file in the log directory")
	b.boolean(&o.RotateLogs, "rotate-logs", "rotate the log files with rotatelogs when they reach --max-log-size (not when logging to the terminal)")
	b.integer(&o.MaxLogSize, "max-log-size", "MB", "size in megabytes at which a log file is rotated")
	b.str(&o.RotatelogsExecutable, "rotatelogs-executable", "FILE", "rotatelogs program (default: next to httpd, on PATH, or /usr/bin/rotatelogs)")
	b.boolean(&o.VerboseDebugging, "verbose-debugging", "have mod_wsgi log its internal workings (WSGIVerboseDebugging)")
	b.hide("verbose-debugging")
}
