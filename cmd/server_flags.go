package cmd

import (
	"github.com/spf13/pflag"

	"github.com/modwsgi-go/mod_wsgi-express/express"
)

// addServerFlags declares every start-server and setup-server option, with
// upstream's names and defaults, bound to o.
func addServerFlags(fs *pflag.FlagSet, o *express.Options) {
	b := &flagBuilder{fs: fs}

	b.in("Application")
	b.str(&o.ApplicationType, "application-type", "TYPE", "what the entry point is: script (a WSGI file), module (package.module[:callable]), paste (a Paste Deploy .ini) or static (a directory of files)")
	b.str(&o.EntryPoint, "entry-point", "FILE|MODULE", "the application's entry point; same as the positional argument, and wins over it")
	b.str(&o.CallableObject, "callable-object", "NAME", "name of the WSGI callable in the entry point")
	b.str(&o.MountPoint, "mount-point", "URL-PATH", "URL path the application is mounted at")
	b.str(&o.WorkingDirectory, "working-directory", "DIR", "current directory of the application, searched first for imports (default: the current directory)")
	b.strs(&o.PythonPaths, "python-path", "DIR", "add a directory to the Python module search path (repeatable)")
	b.str(&o.ApplicationGroup, "application-group", "NAME", "mod_wsgi application group (interpreter); default %{GLOBAL}, the main interpreter")
	b.str(&o.ProcessGroup, "process-group", "NAME", "name of the daemon process group (default HOST:PORT)")
	b.boolean(&o.DisableReloading, "disable-reloading", "never restart the daemon processes when the entry point changes")
	b.boolean(&o.ReloadOnChanges, "reload-on-changes", "restart the daemon processes when any loaded Python file changes")

	b.in("Network")
	b.str(&o.Host, "host", "IP-ADDRESS", "interface to listen on (default: all)")
	b.integer(&o.Port, "port", "NUMBER", "port to listen on")
	b.int64(&o.LimitRequestBody, "limit-request-body", "BYTES", "largest request body accepted")
	b.integer(&o.KeepAliveTimeout, "keep-alive-timeout", "SECONDS", "how long an idle keep-alive connection stays open; 0 turns keep-alive off")
	b.integer(&o.ServerBacklog, "server-backlog", "NUMBER", "listen backlog of Apache's socket")
	b.integer(&o.DaemonBacklog, "daemon-backlog", "NUMBER", "listen backlog of the daemon processes' sockets")

	b.in("Processes")
	b.integer(&o.Processes, "processes", "NUMBER", "number of daemon processes (default: one, and the app is told it is not multiprocess), or of Apache children in embedded mode (default: one per CPU, so the GIL does not hold the app to one CPU)")
	b.integer(&o.Threads, "threads", "NUMBER", "request threads in each daemon process (embedded mode: in each Apache child)")
	b.integer(&o.MaxClients, "max-clients", "NUMBER", "simultaneous client connections Apache accepts, at least processes x threads (default: 10 + 1.5 x processes x threads, at least 20; embedded mode: exactly processes x threads)")
	b.integer(&o.MaximumRequests, "maximum-requests", "NUMBER", "restart a daemon process after this many requests (embedded mode: an Apache child after this many connections; 0: never)")
	b.fraction(&o.InitialWorkers, "initial-workers", "FRACTION", "Apache workers started at first, as a fraction 0..1 of --max-clients")
	b.fraction(&o.MinimumSpareWorkers, "minimum-spare-workers", "FRACTION", "fewest idle Apache workers, as a fraction 0..1 of --max-clients")
	b.fraction(&o.MaximumSpareWorkers, "maximum-spare-workers", "FRACTION", "most idle Apache workers, as a fraction 0..1 of --max-clients")
	b.strs(&o.ServerMPM, "server-mpm", "NAME", "preferred Apache MPM: event, worker or prefork (repeatable, in order of preference)")
	b.str(&o.User, "user", "USERNAME", "account the application runs as when started by root (default: www-data or another unprivileged account)")
	b.str(&o.Group, "group", "GROUP", "group the application runs as when started by root (default: the account's group)")

	b.in("Timeouts")
	b.integer(&o.RequestTimeout, "request-timeout", "SECONDS", "restart a daemon process whose requests run too long: with one thread, after this many seconds; with more, mod_wsgi 4 averages over all the process's threads (one stuck request among 5 threads takes about 5 times as long) and mod_wsgi 6 waits this times 1 + ln(threads)")
	b.integer(&o.SocketTimeout, "socket-timeout", "SECONDS", "timeout of a read or write on a socket")
	b.integer(&o.QueueTimeout, "queue-timeout", "SECONDS", "give up on a request not taken by a daemon process within this time")
	b.integer(&o.ConnectTimeout, "connect-timeout", "SECONDS", "give up connecting to a daemon process after this time")
	b.integer(&o.StartupTimeout, "startup-timeout", "SECONDS", "restart a daemon process whose application has kept failing to load for this many seconds (a slow load that succeeds is not cut short)")
	b.integer(&o.ShutdownTimeout, "shutdown-timeout", "SECONDS", "kill a daemon process that takes longer to shut down")
	b.integer(&o.GracefulTimeout, "graceful-timeout", "SECONDS", "time given to running requests when a daemon process restarts")
	b.integer(&o.InactivityTimeout, "inactivity-timeout", "SECONDS", "restart an idle daemon process after this time (0: never)")
	b.integer(&o.DeadlockTimeout, "deadlock-timeout", "SECONDS", "restart a daemon process whose Python GIL is stuck this long")

	b.in("Logging")
	b.str(&o.LogDirectory, "log-directory", "DIR", "directory for the log files (default: the server root)")
	b.str(&o.LogLevel, "log-level", "NAME", "Apache log level: emerg .. debug, trace1 .. trace8")
	b.boolean(&o.LogToTerminal, "log-to-terminal", "send the logs to the terminal instead of files")
	b.boolean(&o.AccessLog, "access-log", "write an access log")
	b.str(&o.ErrorLogName, "error-log-name", "FILE-NAME", "name of the error log file")
	b.str(&o.AccessLogName, "access-log-name", "FILE-NAME", "name of the access log file")

	b.in("Static files")
	b.str(&o.DocumentRoot, "document-root", "DIR", "directory of static files, served before the application")
	b.pairs(&o.URLAliases, "url-alias", "URL-PATH FILE|DIR", "serve a file or directory at a URL path (repeatable)")

	b.in("Environment")
	b.str(&o.Locale, "locale", "NAME", "locale of the processes (default: the current one, else en_US.UTF-8 or C.UTF-8 if installed)")
	b.str(&o.Lang, "lang", "NAME", "same as --locale")
	b.hide("lang")
	b.pairs(&o.SetEnv, "setenv", "NAME VALUE", "add a variable to every request's WSGI environ (repeatable)")
	b.strs(&o.PassEnv, "passenv", "NAME", "pass a variable from the server's environment into the WSGI environ (repeatable)")

	b.in("Paths")
	b.str(&o.ServerRoot, "server-root", "DIR", "directory for the generated configuration, scripts and logs (default: $TMPDIR/mod_wsgi-HOST:PORT:UID; /var/tmp on macOS)")
	b.str(&o.PidFile, "pid-file", "FILE", "where Apache writes its process ID (default: in the server root)")
	addDiscoveryFlags(b, o)
	b.str(&o.MimeTypes, "mime-types", "FILE", "mime.types file (default: Apache's or /etc/mime.types)")
	b.str(&o.ShellExecutable, "shell-executable", "FILE", "shell that runs the generated apachectl (default: bash on PATH, else sh)")
	b.boolean(&o.SetupOnly, "setup-only", "write the server root and stop, without starting Apache")

	b.in("Processes")
	b.boolean(&o.EmbeddedMode, "embedded-mode", "run the application inside Apache's own children instead of daemon processes; --processes and --threads then size those children exactly")
	b.boolean(&o.OrphanInterpreter, "orphan-interpreter", "do not destroy the Python interpreters when a process shuts down (faster, surer exit; atexit callbacks do not run)")

	addHTTPSFlags(b, o)
	addSiteFlags(b, o)
	addTuningFlags(b, o)
	addModuleFlags(b, o)
	addDebugFlags(b, o)
}
