package express

import (
	"fmt"

	"github.com/modwsgi-go/mod_wsgi-express/mpm"
)

// chooseMPM picks the MPM from those available: --server-mpm in the order
// given, else event, worker, prefork (worker first in embedded mode, where
// event misbehaves with fewer than three threads per child).
func chooseMPM(o *Options, p *Plan, avail []string, builtin string) error {
	for _, m := range o.ServerMPM {
		if !mpm.Known(m) {
			return usagef("server-mpm", "%s is not one of event, worker or prefork", shortQuote(m))
		}
	}
	defaults := mpm.Precedence
	if o.EmbeddedMode {
		defaults = mpm.EmbeddedPrecedence
	}
	var err error
	if p.MPM, err = mpm.Choose(avail, o.ServerMPM, defaults); err != nil {
		where := "in " + p.ModulesDir
		if builtin != "" {
			where = "compiled into " + p.HTTPD
		}
		return usagef("server-mpm", "%v (%s); choose one of those with --server-mpm", err, where)
	}
	if o.EmbeddedMode && p.MPM == "event" && o.Threads < 3 {
		opt := "threads"
		if len(o.ServerMPM) > 0 {
			opt = "server-mpm"
		}
		return usagef(opt, "the event MPM misbehaves with fewer than three threads per process, and --embedded-mode runs --threads %d per Apache child; use --threads 3 or more, or --server-mpm worker", o.Threads)
	}
	return nil
}

// embeddedProcesses is the number of processes embedded mode runs when
// --processes is not given: enough Apache children that every CPU has a
// Python interpreter of its own. Each child's threads share one
// interpreter lock (the GIL), so one child runs Python on one CPU at a
// time: worker and event get one child per CPU. A prefork child runs one
// request, and embedded mode runs processes x threads of them, so prefork
// needs only enough processes to reach a child per CPU.
func embeddedProcesses(mpmName string, threads, cpus int) int {
	cpus, threads = max(1, cpus), max(1, threads)
	if mpm.Threaded(mpmName) {
		return cpus
	}
	return (cpus + threads - 1) / threads
}

// requestCapacity is how many requests the application can handle at once,
// and in which processes.
func requestCapacity(o *Options, p *Plan) string {
	procs := max(1, p.Processes)
	n := procs * o.Threads
	why := ""
	if p.ProcessesFromCPUs {
		why = ", a Python interpreter per CPU; --processes to choose"
	}
	switch {
	case p.DebugMode:
		return "1 (1 process * 1 thread, debug mode)"
	case p.EmbeddedMode && !mpm.Threaded(p.MPM):
		return fmt.Sprintf("%d (%d single-threaded prefork %s%s)", n, n, plural(n, "child", "children"), why)
	case p.EmbeddedMode:
		return fmt.Sprintf("%d (%d Apache %s * %d %s%s)", n, procs, plural(procs, "child", "children"), o.Threads, plural(o.Threads, "thread", "threads"), why)
	}
	return fmt.Sprintf("%d (%d %s * %d %s)", n, procs, plural(procs, "process", "processes"), o.Threads, plural(o.Threads, "thread", "threads"))
}
