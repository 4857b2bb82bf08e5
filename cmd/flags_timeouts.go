package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addTimeoutsFlags declares the Timeouts options (express/timeouts.go).
func addTimeoutsFlags(b *flagBuilder, o *express.Options) {
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
	b.integer(&o.GracefulStopTimeout, "graceful-stop-timeout", "SECONDS", "on SIGTERM, stop taking new connections and give the requests in flight up to this long to finish, then exit (status 0); requests still running then are cut. A second SIGTERM, or SIGINT, stops at once; 0 makes SIGTERM stop at once too")
	b.strs(&o.IgnoreActivity, "ignore-activity", "URL-PATH", "requests under this path (a health check, say) do not keep a daemon process from --inactivity-timeout (repeatable)")
}
