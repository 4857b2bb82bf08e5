// Package express decides everything about a server before anything is
// written or run: it turns the options of start-server and setup-server
// into a Plan.
//
//	Options  (options.go: one section per --help heading, each defined in
//	   │      that concern's file; cmd/ fills them from flags, the
//	   │      environment and a config file)
//	   │  Resolve(options, machine): the steps below, in order; each reads
//	   │  the options (never writes them) and the Plan sections of the
//	   │  steps before it, and writes its own section
//	   ▼
//	Plan     (plan.go: one section per concern, then what several share,
//	          assembled once every step ran: the daemon processes
//	          (daemon.go), the MOD_WSGI_* conventions (conventions.go),
//	          handler.json (handler.go) and the summary (summary.go))
//
// templates.Render(plan) makes the files the steps listed (outputs.go),
// serverroot.Write puts them on disk, and the supervisor runs Apache.
//
// The steps (resolve.go, steps), and the file each lives in:
//
//	debug-mode           debugging.go    debug mode's forced shape (one process, one thread, embedded)
//	network              network.go      Listen, ServerName, keep-alive, request limits
//	application          application.go  the entry point, mount point, --python-path, reloading
//	machine              paths.go        Apache, its modules, mod_wsgi and its Python (discover/)
//	account              processes.go    who Apache's children and the application run as
//	server-root          paths.go        the server root and Apache's own files in it
//	python               paths.go        the Python home or virtualenv, checked against the module
//	application-imports  application.go  a module or Paste application importable by that Python
//	environment          environment.go  --setenv, --passenv, locale, egg cache
//	processes            processes.go    daemon or embedded, process and thread counts, the MPM (mpm/)
//	debug-tools          debugging.go    profiler, recorder, coverage, gdb
//	https                https.go        the HTTPS port and certificates
//	proxying             proxying.go     --proxy-mount-point, --proxy-virtual-host
//	virtual-hosts        https.go        the sites: main server or virtual hosts
//	static               static.go       document root, aliases, handlers, error pages
//	access               access.go       access, authentication and authorization scripts
//	features             features.go     compression, server-status, docs, metrics
//	logging              logging.go      error and access logs, rotation
//	includes             includes.go     --include-file, --rewrite-rules, --envvars-script
//	services             services.go     --service-script processes
//	process-name         processes.go    the Apache parent's name
//	telemetry            telemetry.go    --enable-telemetry and mod_wsgi 6's telemetry
//	timeouts             timeouts.go     every *-timeout, restart and CPU limits
//	probes               probes.go       the liveness and readiness URLs
//	reachable            processes.go    every path the application's account must reach
//
// Registries that several steps add to, each in one file: need and want
// (modules.go) for LoadModule lines, addFile and addDir (outputs.go) for
// what the server root holds. Checks the steps share (a file an option
// names, a number's minimum, a host name) are in checks.go. Nothing here
// writes a file or starts a process; the machine is only read, through
// discover.Machine, which tests replace with a fake (internal/fakehost).
package express
