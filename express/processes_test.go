package express

import (
	"errors"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

func TestResolveProcesses(t *testing.T) {
	cases := []struct {
		name   string
		drop   []string // MPM modules missing from the machine
		mod    func(*Options)
		mpm    string
		option string // expected UsageError option, "" for success
		msg    string
		check  func(*testing.T, *Plan)
	}{
		{name: "daemon prefers worker", mod: func(o *Options) {}, mpm: "worker", check: func(t *testing.T, p *Plan) {
			if p.Processes.OperatingMode != "daemon" || p.Application.WSGIProcessGroup != p.Application.ProcessGroup {
				t.Errorf("mode %q group %q", p.Processes.OperatingMode, p.Application.WSGIProcessGroup)
			}
		}},
		{name: "daemon without worker", drop: []string{"worker"}, mod: func(o *Options) {}, mpm: "event"},
		{name: "static prefers event", mod: func(o *Options) { o.ApplicationType = "static" }, mpm: "event"},
		{name: "server-mpm order", mod: func(o *Options) { o.ServerMPM = []string{"prefork", "worker"} }, mpm: "prefork"},
		{name: "server-mpm fallback", drop: []string{"prefork"}, mod: func(o *Options) { o.ServerMPM = []string{"prefork", "worker"} }, mpm: "worker"},
		{name: "server-mpm unavailable", drop: []string{"prefork"}, mod: func(o *Options) { o.ServerMPM = []string{"prefork"} },
			option: "server-mpm", msg: "found: event, worker"},
		{name: "server-mpm unknown", mod: func(o *Options) { o.ServerMPM = []string{"winnt"} }, option: "server-mpm", msg: "not one of"},
		{name: "no mpm", drop: []string{"event", "worker", "prefork"}, mod: func(o *Options) {}, option: "server-mpm", msg: "no MPM found"},
		{name: "embedded prefers worker", mod: func(o *Options) { o.EmbeddedMode = true; o.Threads = 2 }, mpm: "worker", check: func(t *testing.T, p *Plan) {
			if p.Processes.OperatingMode != "embedded" || p.Application.WSGIProcessGroup != "%{GLOBAL}" || !p.Application.DisableReloading || !p.Handler.DisableReloading {
				t.Errorf("mode %q group %q reloading off %v", p.Processes.OperatingMode, p.Application.WSGIProcessGroup, p.Application.DisableReloading)
			}
			// The fake host has 2 CPUs: a child (and interpreter) per CPU.
			if p.Processes.MPMSize.Capacity != 4 || p.Processes.MPMSize.Children != 2 || p.Processes.MPMSize.ThreadsPerChild != 2 {
				t.Errorf("sizing %+v", p.Processes.MPMSize)
			}
			if got := summaryValue(p, "Request Capacity"); got != "4 (2 Apache children * 2 threads, a Python interpreter per CPU; --processes to choose)" {
				t.Errorf("Request Capacity %q", got)
			}
		}},
		{name: "embedded event few threads", mod: func(o *Options) { o.EmbeddedMode, o.Threads, o.ServerMPM = true, 2, []string{"event"} },
			option: "server-mpm", msg: "fewer than three threads"},
		{name: "embedded only event few threads", drop: []string{"worker", "prefork"}, mod: func(o *Options) { o.EmbeddedMode, o.Threads = true, 2 },
			option: "threads", msg: "fewer than three threads"},
		{name: "embedded reload-on-changes", mod: func(o *Options) { o.EmbeddedMode, o.ReloadOnChanges = true, true }, option: "reload-on-changes", msg: "--embedded-mode"},
		{name: "embedded event three threads", mod: func(o *Options) { o.EmbeddedMode, o.Threads, o.ServerMPM = true, 3, []string{"event"} }, mpm: "event"},
		{name: "embedded prefork", mod: func(o *Options) {
			o.EmbeddedMode, o.Processes, o.Threads, o.ServerMPM = true, 2, 2, []string{"prefork"}
		}, mpm: "prefork",
			check: func(t *testing.T, p *Plan) {
				if got := summaryValue(p, "Request Capacity"); got != "4 (4 single-threaded prefork children)" {
					t.Errorf("Request Capacity %q", got)
				}
			}},
		{name: "capacity summary", mod: func(o *Options) { o.Processes, o.Threads = 3, 10 }, mpm: "worker", check: func(t *testing.T, p *Plan) {
			if got := summaryValue(p, "Request Capacity"); got != "30 (3 processes * 10 threads)" {
				t.Errorf("Request Capacity %q", got)
			}
			if got := summaryValue(p, "Server Capacity"); got != "512 (worker MPM)" {
				t.Errorf("Server Capacity %q", got)
			}
			if p.Network.DaemonBacklog != 512 {
				t.Errorf("daemon backlog %d, want the capacity, 512", p.Network.DaemonBacklog)
			}
		}},
		{name: "daemon backlog given", mod: func(o *Options) { o.DaemonBacklog, o.MaxClients = 50, 20 }, mpm: "worker", check: func(t *testing.T, p *Plan) {
			if p.Network.DaemonBacklog != 50 || p.Processes.MPMSize.Capacity != 20 {
				t.Errorf("daemon backlog %d, capacity %d: want 50 and 20", p.Network.DaemonBacklog, p.Processes.MPMSize.Capacity)
			}
		}},
		{name: "daemon backlog at least 100", mod: func(o *Options) { o.MaxClients = 20 }, mpm: "worker", check: func(t *testing.T, p *Plan) {
			if p.Network.DaemonBacklog != 100 {
				t.Errorf("daemon backlog %d, want mod_wsgi's 100", p.Network.DaemonBacklog)
			}
		}},
		{name: "fraction too big", mod: func(o *Options) { o.MaximumSpareWorkers = 1.5 }, option: "maximum-spare-workers", msg: "fraction"},
		{name: "fraction negative", mod: func(o *Options) { o.InitialWorkers = -0.5 }, option: "initial-workers", msg: "fraction"},
		{name: "orphan", mod: func(o *Options) { o.OrphanInterpreter = true }, mpm: "worker"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := debianLayout()
			for _, d := range c.drop {
				delete(l.Files, "/usr/lib/apache2/modules/mod_mpm_"+d+".so")
			}
			h := fakeHost(t, l, 0)
			o := DefaultOptions()
			c.mod(&o)
			p, err := Resolve(o, h)
			if c.option != "" {
				var u *fault.UsageError
				if !errors.As(err, &u) || u.Option != c.option || !strings.Contains(u.Msg, c.msg) {
					t.Fatalf("got %v, want a usage error for --%s containing %q", err, c.option, c.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Processes.MPM != c.mpm {
				t.Errorf("MPM %q, want %q", p.Processes.MPM, c.mpm)
			}
			if c.check != nil {
				c.check(t, p)
			}
		})
	}
}

// Embedded mode without --processes runs a Python interpreter per CPU;
// --processes given is exact, and debug mode stays one process.
func TestEmbeddedProcessesPerCPU(t *testing.T) {
	cases := []struct {
		name              string
		cpus              int
		mod               func(*Options)
		children, threads int // Apache children and threads per child
		capacity          string
	}{
		{"worker, 2 CPUs", 2, func(o *Options) {}, 2, 5, "10 (2 Apache children * 5 threads, a Python interpreter per CPU; --processes to choose)"},
		{"worker, 1 CPU", 1, func(o *Options) {}, 1, 5, "5 (1 Apache child * 5 threads, a Python interpreter per CPU; --processes to choose)"},
		{"worker, 8 CPUs", 8, func(o *Options) {}, 8, 5, "40 (8 Apache children * 5 threads, a Python interpreter per CPU; --processes to choose)"},
		{"processes given", 8, func(o *Options) { o.Processes = 1 }, 1, 5, "5 (1 Apache child * 5 threads)"},
		{"event", 4, func(o *Options) { o.ServerMPM = []string{"event"} }, 4, 5, "20 (4 Apache children * 5 threads, a Python interpreter per CPU; --processes to choose)"},
		// prefork: processes x threads single-threaded children, already
		// one per CPU with the default five threads.
		{"prefork, threads cover the CPUs", 2, func(o *Options) { o.ServerMPM = []string{"prefork"} }, 5, 1, "5 (5 single-threaded prefork children, a Python interpreter per CPU; --processes to choose)"},
		{"prefork, fewer threads than CPUs", 8, func(o *Options) { o.ServerMPM, o.Threads = []string{"prefork"}, 3 }, 9, 1, "9 (9 single-threaded prefork children, a Python interpreter per CPU; --processes to choose)"},
		{"debug mode", 8, func(o *Options) { o.DebugMode = true }, 1, 1, "1 (1 process * 1 thread, debug mode)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := fakeHost(t, debianLayout(), 0)
			h.NCPU = c.cpus
			o := DefaultOptions()
			o.EmbeddedMode = true
			c.mod(&o)
			p, err := Resolve(o, h)
			if err != nil {
				t.Fatal(err)
			}
			if p.Processes.MPMSize.Children != c.children || p.Processes.MPMSize.ThreadsPerChild != c.threads {
				t.Errorf("%d children * %d threads, want %d * %d", p.Processes.MPMSize.Children, p.Processes.MPMSize.ThreadsPerChild, c.children, c.threads)
			}
			if got := summaryValue(p, "Request Capacity"); got != c.capacity {
				t.Errorf("Request Capacity %q, want %q", got, c.capacity)
			}
		})
	}
}

func TestOrphanInterpreterNeedsModule491(t *testing.T) {
	h := fakeHost(t, debianLayout(), 0)
	o := DefaultOptions()
	o.OrphanInterpreter = true
	r := &resolver{o: o, h: h, p: &Plan{Paths: PathsPlan{Module: discover.ModuleInfo{Path: "/x/mod_wsgi.so", Version: "4.9.0"}}},
		apache: discover.ApacheModules(h, "/usr/sbin/apache2", "/usr/lib/apache2/modules")}
	if err := r.processes(); err == nil || !strings.Contains(err.Error(), "--orphan-interpreter") || !strings.Contains(err.Error(), "4.9.1") {
		t.Fatalf("got %v", err)
	}
	r.p.Paths.Module.Version = "4.9.1"
	if err := r.processes(); err != nil {
		t.Fatal(err)
	}
}

func summaryValue(p *Plan, name string) string {
	for _, l := range p.Summary {
		if l.Name == name {
			return l.Value
		}
	}
	return ""
}

// --response-flush-delay needs mod_wsgi 6.0.2 unless it is mod_wsgi's own
// default, and reaches the daemon process only when it differs from it.
func TestResponseFlushDelay(t *testing.T) {
	for _, c := range []struct {
		version, want, err string
		delay              int
	}{
		{"4.9.4", "", "", 5},
		{"4.9.4", "", "needs mod_wsgi 6.0.2", 20},
		{"6.0.0", "", "needs mod_wsgi 6.0.2", 0},
		{"6.0.5", "response-flush-delay=20", "", 20},
		{"6.0.5", "response-flush-delay=0", "", 0},
		{"6.0.5", "", "", 5},
		{"6.0.5", "", "negative", -1},
	} {
		o := DefaultOptions()
		o.ResponseFlushDelay = c.delay
		p, err := Resolve(o, fakehost.NewerModule(t, c.version))
		if c.err != "" {
			var u *fault.UsageError
			if !errors.As(err, &u) || u.Option != "response-flush-delay" || !strings.Contains(u.Msg, c.err) {
				t.Errorf("%s, %d: got %v, want --response-flush-delay error with %q", c.version, c.delay, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(p.Daemon.Options, " ")
		if (c.want == "") == strings.Contains(got, "response-flush-delay") || !strings.Contains(got, c.want) {
			t.Errorf("%s, %d: daemon options %s, want %q", c.version, c.delay, got, c.want)
		}
	}
}
