package express

import (
	"fmt"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/quote"
)

// DaemonProcess is the WSGIDaemonProcess of the application: its process
// group and its options, already quoted. This is the one place that puts
// together what the sections ask of the daemon processes.
type DaemonProcess struct {
	Group   string
	Options []string
}

// daemonProcess assembles the application's daemon options from the
// sections, in the order upstream writes them.
func daemonProcess(p *Plan) DaemonProcess {
	d := []string{
		quote.ApacheOption("display-name", p.Application.DisplayName),
		quote.ApacheOption("home", p.Application.WorkingDirectory),
		fmt.Sprintf("threads=%d", p.Processes.Threads),
	}
	if p.Processes.Given > 0 {
		d = append(d, fmt.Sprintf("processes=%d", p.Processes.Given))
	}
	d = append(d, pythonOptions(p)...)
	t := p.Timeouts
	d = append(d,
		fmt.Sprintf("maximum-requests=%d", p.Processes.MaximumRequests),
		fmt.Sprintf("listen-backlog=%d", p.Processes.DaemonBacklog),
		fmt.Sprintf("queue-timeout=%d", t.Queue),
		fmt.Sprintf("socket-timeout=%d", t.Socket),
		fmt.Sprintf("connect-timeout=%d", t.Connect),
		fmt.Sprintf("request-timeout=%d", t.Request),
		fmt.Sprintf("inactivity-timeout=%d", t.Inactivity),
		fmt.Sprintf("startup-timeout=%d", t.Startup),
		fmt.Sprintf("deadlock-timeout=%d", t.Deadlock),
		fmt.Sprintf("graceful-timeout=%d", t.Graceful),
		fmt.Sprintf("shutdown-timeout=%d", t.Shutdown),
	)
	if p.Features.Metrics && !p.Processes.Embedded {
		d = append(d, "server-metrics=On")
	}
	if p.Processes.SwitchInterval != "" {
		d = append(d, "switch-interval="+p.Processes.SwitchInterval)
	}
	if t.Interrupt > 0 {
		d = append(d, fmt.Sprintf("interrupt-timeout=%d", t.Interrupt))
	}
	// Given only: 0 leaves mod_wsgi's own default.
	for _, o := range []struct {
		name string
		v    int
	}{
		{"send-buffer-size", p.Processes.SendBufferSize},
		{"receive-buffer-size", p.Processes.ReceiveBufferSize},
		{"header-buffer-size", p.Processes.HeaderBufferSize},
		{"response-buffer-size", p.Processes.ResponseBufferSize},
		{"response-socket-timeout", t.ResponseSocket},
		{"restart-interval", t.RestartInterval},
		{"cpu-time-limit", t.CPUTimeLimit},
		{"eviction-timeout", t.Eviction},
	} {
		if o.v > 0 {
			d = append(d, fmt.Sprintf("%s=%d", o.name, o.v))
		}
	}
	if p.Processes.ResponseFlushDelay != "" {
		d = append(d, "response-flush-delay="+p.Processes.ResponseFlushDelay)
	}
	d = append(d, daemonLimits(p.Processes)...)
	d = append(d, quote.ApacheOption("python-eggs", p.Environment.PythonEggs))
	return DaemonProcess{Group: p.Application.ProcessGroup, Options: d}
}

// daemonLimits are the resource limits of the application's daemon
// processes, each only when given (processes.go checks them).
func daemonLimits(pp ProcessesPlan) []string {
	var d []string
	if pp.MemoryLimit > 0 {
		d = append(d, fmt.Sprintf("memory-limit=%d", pp.MemoryLimit))
	}
	if pp.VirtualMemoryLimit > 0 {
		d = append(d, fmt.Sprintf("virtual-memory-limit=%d", pp.VirtualMemoryLimit))
	}
	if pp.CPUPriority != 0 {
		d = append(d, fmt.Sprintf("cpu-priority=%d", pp.CPUPriority))
	}
	if len(pp.SupplementaryGroups) > 0 {
		d = append(d, quote.ApacheOption("supplementary-groups", strings.Join(pp.SupplementaryGroups, ",")))
	}
	return d
}

// serviceOptions are the WSGIDaemonProcess options of a --service-script:
// no request threads, the service's own account when root.
func serviceOptions(p *Plan, s Service) []string {
	d := []string{"display-name=%{GROUP}"}
	if p.Processes.RunningAsRoot {
		d = append(d, quote.ApacheOption("user", s.User), quote.ApacheOption("group", s.Group))
	}
	d = append(d, quote.ApacheOption("home", p.Application.WorkingDirectory), "threads=0")
	d = append(d, pythonOptions(p)...)
	// The application's --python-path, as mod_wsgi's own list (the
	// services step refuses an entry holding the separator), so that a
	// service imports what the application does, as in the Python tool.
	if len(p.Application.PythonPaths) > 0 {
		d = append(d, quote.ApacheOption("python-path", strings.Join(p.Application.PythonPaths, ":")))
	}
	if p.Features.Metrics {
		d = append(d, "server-metrics=On")
	}
	return append(d, quote.ApacheOption("python-eggs", p.Environment.PythonEggs))
}

// pythonOptions point a daemon process at the application's Python and
// locale.
func pythonOptions(p *Plan) []string {
	var d []string
	if home := p.Paths.Python.Home; home != "" {
		d = append(d, quote.ApacheOption("python-home", home))
	}
	if loc := p.Environment.Locale; loc != "" {
		d = append(d, quote.ApacheOption("lang", loc), quote.ApacheOption("locale", loc))
	}
	return d
}
