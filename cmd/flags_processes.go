package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addProcessesFlags declares the Processes options (express/processes.go).
func addProcessesFlags(b *flagBuilder, o *express.Options) {
	b.in("Processes")
	b.countOrAuto(&o.Processes, "processes", "NUMBER|auto", "number of daemon processes, or of Apache children in embedded mode (prefork: processes x threads single-threaded children); default one, and the app is told it is not multiprocess (wsgi.multiprocess False); auto: one per CPU, so Python's GIL does not hold a CPU-bound app to one CPU")
	b.integer(&o.Threads, "threads", "NUMBER", "request threads in each daemon process (embedded mode: in each Apache child)")
	b.integer(&o.MaxClients, "max-clients", "NUMBER", "simultaneous client connections Apache accepts, at least processes x threads (default: 10 + 1.5 x processes x threads and, with the event or worker MPM in daemon mode, at least 512, all threads started at once; prefork: at least 20; embedded mode: exactly processes x threads)")
	b.integer(&o.MaximumRequests, "maximum-requests", "NUMBER", "restart a daemon process after this many requests (embedded mode: an Apache child after this many connections; 0: never)")
	b.fraction(&o.InitialWorkers, "initial-workers", "FRACTION", "Apache workers started at first, as a fraction 0..1 of --max-clients")
	b.fraction(&o.MinimumSpareWorkers, "minimum-spare-workers", "FRACTION", "fewest idle Apache workers, as a fraction 0..1 of --max-clients")
	b.fraction(&o.MaximumSpareWorkers, "maximum-spare-workers", "FRACTION", "most idle Apache workers, as a fraction 0..1 of --max-clients")
	b.strs(&o.ServerMPM, "server-mpm", "NAME", "preferred Apache MPM: event, worker or prefork (repeatable, in order of preference)")
	b.choices("server-mpm", "event", "worker", "prefork")
	b.str(&o.User, "user", "USERNAME", "account the application runs as when started by root (default: www-data or another unprivileged account)")
	b.str(&o.Group, "group", "GROUP", "group the application runs as when started by root (default: the account's group)")
	b.boolean(&o.EmbeddedMode, "embedded-mode", "run the application inside Apache's own children instead of daemon processes; --processes and --threads then size those children exactly")
	b.boolean(&o.OrphanInterpreter, "orphan-interpreter", "do not destroy the Python interpreters when a process shuts down (faster, surer exit; atexit callbacks do not run)")
	b.str(&o.ProcessName, "process-name", "NAME", "name of the Apache parent process, as process managers and ps see it")
	b.integer(&o.SendBufferSize, "send-buffer-size", "BYTES", "socket buffer for sending requests to the daemon processes (0: the system's)")
	b.integer(&o.ReceiveBufferSize, "receive-buffer-size", "BYTES", "socket buffer for reading responses from the daemon processes (0: the system's)")
	b.integer(&o.HeaderBufferSize, "header-buffer-size", "BYTES", "largest response header block read from a daemon process (0: mod_wsgi's 32768)")
	b.integer(&o.ResponseBufferSize, "response-buffer-size", "BYTES", "response data from a daemon process passed down Apache's output filters without a flush, a coarse bound for a filter that buffers (0: mod_wsgi's 8 MB; before mod_wsgi 6.0.2, the size of the read buffer, 0: 65536)")
	b.integer(&o.ResponseFlushDelay, "response-flush-delay", "MILLISECONDS", "how long to wait for more response data from a daemon process before flushing what has arrived to the client; 0 flushes on every stall (needs mod_wsgi 6.0.2 for a value other than 5)")
	b.str(&o.MemoryLimit, "memory-limit", "BYTES", "most data memory each daemon process may use (setrlimit RLIMIT_DATA, which Linux applies to the heap and all private writable memory, thread stacks included): past it an allocation fails and Python raises MemoryError, and the process goes on; K, M or G for powers of 1024, such as 200M (daemon mode only)")
	b.str(&o.VirtualMemoryLimit, "virtual-memory-limit", "BYTES", "most address space each daemon process may map (setrlimit RLIMIT_AS): counts every mapping, shared libraries, thread stacks (8M each) and malloc's reserved 64M arenas too, so it must sit well above the memory used; K, M or G as for --memory-limit (daemon mode only)")
	b.integer(&o.CPUPriority, "cpu-priority", "N", "nice value of the daemon processes and their threads, -20 (most favoured; needs root) to 19 (least) (daemon mode only)")
	b.str(&o.SupplementaryGroups, "supplementary-groups", "GROUP[,GROUP...]", "extra groups of the daemon processes, besides the account's group; only when started as root, which mod_wsgi needs to set them (daemon mode only)")
	b.float(&o.SwitchInterval, "switch-interval", "SECONDS", "Python's thread switch interval, sys.setswitchinterval (needs mod_wsgi 6)")
	b.boolean(&o.FreeThreading, "free-threading", "run Python without the GIL; needs a free-threaded Python build (needs mod_wsgi 6)")
}
