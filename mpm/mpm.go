// Package mpm finds which Apache multi-processing modules are usable and
// sizes the one chosen.
package mpm

import (
	"fmt"
	"strings"
)

// Precedence lists the MPMs mod_wsgi-express knows, in the default order of
// preference.
var Precedence = []string{"event", "worker", "prefork"}

// EmbeddedPrecedence is the order of preference in embedded mode: event
// misbehaves with fewer than three threads per child, so the worker MPM
// comes first there.
var EmbeddedPrecedence = []string{"worker", "prefork", "event"}

// DaemonPrecedence is the order of preference in daemon mode, where
// Apache's children pass requests on to the daemon processes: event first.
// Its listener thread holds idle keep-alive connections without a worker
// thread, so requests on busy connections still find threads when
// thousands of clients sit idle between clicks; the worker MPM gives every
// open connection a thread, and beside 2,000 idle keep-alive connections
// served the bench's page at 0-1% of its rate where event kept 79-95%
// (docs/performance.md, "Real applications"). What it costs: a thread
// wake-up more per request (the listener hands each request to a worker),
// about 5% of hello's requests/s at 20 clients; no difference measured on
// a real page.
var DaemonPrecedence = []string{"event", "worker", "prefork"}

// Order is the default order of preference for a server whose children
// run the application (embedded), pass requests to daemon processes
// (daemon), or, neither, only serve files (Precedence).
func Order(embedded, daemon bool) []string {
	switch {
	case embedded:
		return EmbeddedPrecedence
	case daemon:
		return DaemonPrecedence
	}
	return Precedence
}

// Known reports whether name is an MPM this package can size.
func Known(name string) bool {
	for _, n := range Precedence {
		if n == name {
			return true
		}
	}
	return false
}

// Choose picks the MPM: the first of preferred (or of defaults when none is
// preferred) that is available. The error lists what was found.
func Choose(available, preferred, defaults []string) (string, error) {
	order := preferred
	if len(order) == 0 {
		order = defaults
	}
	for _, want := range order {
		for _, have := range available {
			if want == have {
				return have, nil
			}
		}
	}
	if len(available) == 0 {
		return "", fmt.Errorf("no MPM found: none of mod_mpm_event.so, mod_mpm_worker.so or mod_mpm_prefork.so is in the modules directory and httpd -l lists none compiled in")
	}
	return "", fmt.Errorf("%s not available; found: %s", strings.Join(order, ", "), strings.Join(available, ", "))
}

// Threaded reports whether the MPM runs several request threads per child.
func Threaded(name string) bool { return name != "prefork" }

// Spec is what sizing needs to know.
type Spec struct {
	// Processes and Threads are --processes (at least 1) and --threads.
	Processes, Threads int
	// MaxClients is --max-clients, 0 when not given.
	MaxClients int
	// Fractions of the capacity, 0..1, or negative for the default.
	InitialWorkers, MinimumSpareWorkers, MaximumSpareWorkers float64
	// Embedded: Apache's children run the application, so they are sized
	// exactly to Processes x Threads and never scaled.
	Embedded bool
	// MaximumRequests is --maximum-requests; in embedded mode it becomes
	// the children's connection limit.
	MaximumRequests int
}

// Directive is one Apache directive with its (already safe) value.
type Directive struct{ Name, Value string }

// Sizing is the result: the directives and what they amount to.
type Sizing struct {
	Directives []Directive
	// Capacity is MaxRequestWorkers: connections served at once.
	Capacity int
	// Children and ThreadsPerChild are what Apache starts with.
	Children, ThreadsPerChild int
}

// Relay is the default number of connections Apache's threaded children
// hold at once when they only pass requests on (daemon mode): enough that
// hundreds of keep-alive clients never find every thread of a child busy.
// Such a thread costs about 40 KiB.
const Relay = 512

// MaxRelayThreads is the most threads one child runs when relaying.
const MaxRelayThreads = 256

// MaxClients is Apache's front-end capacity in daemon mode. Given, it is
// raised to at least processes x threads (fewer connections could not keep
// every daemon thread busy); not given, there is headroom of half as many
// again plus ten, at least twenty in all.
func MaxClients(processes, threads, given int) int {
	n := max(1, processes) * threads
	if given > 0 {
		return max(given, n)
	}
	return 10 + max(10, int(1.5*float64(n)))
}

// defaultSpares reports whether none of the --*-workers fractions is given.
func (s Spec) defaultSpares() bool {
	return s.InitialWorkers < 0 && s.MinimumSpareWorkers < 0 && s.MaximumSpareWorkers < 0
}

// relay sizes threaded children that pass requests on to daemon processes:
// all of them started at once and never reaped, so no connection is lost
// to a child stopping for being idle or waits for one to start, at least
// Relay threads in all unless --max-clients says otherwise, and (event) no
// child holding more connections than it has threads, so a keep-alive
// request always finds a thread free: the event MPM closes the connections
// it cannot serve at once.
func relay(name string, s Spec, dirs *[]Directive) Sizing {
	add := func(n string, v any) { *dirs = append(*dirs, Directive{n, fmt.Sprint(v)}) }
	mc := MaxClients(s.Processes, s.Threads, s.MaxClients)
	if s.MaxClients == 0 {
		mc = max(mc, Relay)
	}
	children := (mc + MaxRelayThreads - 1) / MaxRelayThreads
	tpc := (mc + children - 1) / children
	add("ServerLimit", children)
	add("ThreadLimit", tpc)
	add("ThreadsPerChild", tpc)
	add("MaxRequestWorkers", children*tpc)
	add("StartServers", children)
	// Spare threads only to replace a child that died: the warning
	// Apache gives when fewer are idle comes near full capacity.
	add("MinSpareThreads", max(1, tpc/4))
	add("MaxSpareThreads", children*tpc)
	if name == "event" {
		// Apache counts the factor in whole numbers: below 1 a child
		// takes new connections only while it has fewer than
		// ThreadsPerChild; the rest wait in the listen backlog.
		add("AsyncRequestWorkerFactor", "0.5")
	}
	return Sizing{Capacity: children * tpc, Children: children, ThreadsPerChild: tpc}
}

func frac(v, def float64) float64 {
	if v < 0 {
		return def
	}
	return v
}

// Size returns the directives sizing Apache's children for the MPM.
func Size(name string, s Spec) Sizing {
	procs := max(1, s.Processes)
	threads := max(1, s.Threads)
	var dirs []Directive
	add := func(n string, v int) { dirs = append(dirs, Directive{n, fmt.Sprint(v)}) }
	var out Sizing

	switch {
	case s.Embedded && !Threaded(name):
		// One request per child: as many children as request threads
		// asked for, all started at once and never scaled.
		n := procs * threads
		add("ServerLimit", n)
		add("MaxRequestWorkers", n)
		add("StartServers", n)
		add("MinSpareServers", n)
		add("MaxSpareServers", n+1)
		out = Sizing{Capacity: n, Children: n, ThreadsPerChild: 1}
	case s.Embedded:
		n := procs * threads
		add("ServerLimit", procs)
		add("ThreadLimit", threads)
		add("ThreadsPerChild", threads)
		add("MaxRequestWorkers", n)
		add("StartServers", procs)
		// Spare-thread bounds no child count can cross: none is added or
		// stopped for being idle.
		add("MinSpareThreads", n)
		add("MaxSpareThreads", n+threads)
		out = Sizing{Capacity: n, Children: procs, ThreadsPerChild: threads}
	case !Threaded(name):
		mc := MaxClients(procs, s.Threads, s.MaxClients)
		initial := frac(s.InitialWorkers, 0.05)
		minSpare := max(1, int(frac(s.MinimumSpareWorkers, initial)*float64(mc)))
		start := max(1, int(initial*float64(mc)))
		add("ServerLimit", mc)
		add("MaxRequestWorkers", mc)
		add("StartServers", start)
		add("MinSpareServers", minSpare)
		// Apache raises MaxSpareServers to MinSpareServers+1 itself;
		// saying so keeps the file honest.
		add("MaxSpareServers", max(minSpare+1, int(frac(s.MaximumSpareWorkers, 0.1)*float64(mc))))
		out = Sizing{Capacity: mc, Children: start, ThreadsPerChild: 1}
	case s.defaultSpares():
		out = relay(name, s, &dirs)
	default: // event and worker, with the --*-workers fractions given
		mc := MaxClients(procs, s.Threads, s.MaxClients)
		tpc := 10
		if mc > 20 {
			tpc = mc / (mc/20 + 1)
		}
		limit := (mc + tpc - 1) / tpc
		initial := frac(s.InitialWorkers, 0.2)
		start := max(1, int(initial*float64(limit)))
		minSpare := max(tpc, int(frac(s.MinimumSpareWorkers, initial)*float64(limit))*tpc)
		maxSpare := max(tpc, int(frac(s.MaximumSpareWorkers, 0.6)*float64(limit))*tpc)
		// Apache raises MaxSpareThreads to MinSpareThreads+ThreadsPerChild.
		maxSpare = max(maxSpare, minSpare+tpc)
		add("ServerLimit", limit)
		add("ThreadLimit", tpc)
		add("ThreadsPerChild", tpc)
		add("MaxRequestWorkers", limit*tpc)
		add("StartServers", start)
		add("MinSpareThreads", minSpare)
		add("MaxSpareThreads", maxSpare)
		out = Sizing{Capacity: limit * tpc, Children: start, ThreadsPerChild: tpc}
	}

	// A child's connection limit: --maximum-requests when the children run
	// the application, otherwise never (the daemon processes restart).
	if s.Embedded {
		add("MaxConnectionsPerChild", s.MaximumRequests)
	} else {
		add("MaxConnectionsPerChild", 0)
	}
	// Requests per keep-alive connection: unlimited for event, whose idle
	// connections do not hold a worker; a bound elsewhere so one client
	// cannot keep a thread for itself. Tighter when the thread runs Python:
	// there are only processes x threads of them, and clients beyond that
	// wait in the listen backlog for a connection to close (with 20, 200
	// clients of 2 x 5 threads wait well under a second).
	switch {
	case name == "event":
		add("MaxKeepAliveRequests", 0)
	case s.Embedded:
		add("MaxKeepAliveRequests", 20)
	default:
		add("MaxKeepAliveRequests", 500)
	}
	if Threaded(name) && !s.Embedded {
		// Apache's threads only pass requests on; a small stack saves
		// memory. Threads that run Python (embedded mode) keep the
		// system's default: deep C recursion in Python code needs it.
		add("ThreadStackSize", 262144)
	}
	out.Directives = dirs
	return out
}

// ChooseFor picks the MPM for a server that runs a WSGI application: the
// first of preferred that is available, else the default order
// (EmbeddedPrecedence when the application runs inside Apache's
// children, DaemonPrecedence otherwise).
func ChooseFor(available, preferred []string, embedded bool) (string, error) {
	return Choose(available, preferred, Order(embedded, !embedded))
}
