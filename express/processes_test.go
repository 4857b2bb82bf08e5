package express

import (
	"errors"
	"fmt"
	"os/user"
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
		{name: "daemon prefers event", mod: func(o *Options) {}, mpm: "event", check: func(t *testing.T, p *Plan) {
			if p.Processes.OperatingMode != "daemon" || p.Application.WSGIProcessGroup != p.Application.ProcessGroup {
				t.Errorf("mode %q group %q", p.Processes.OperatingMode, p.Application.WSGIProcessGroup)
			}
		}},
		{name: "daemon without event", drop: []string{"event"}, mod: func(o *Options) {}, mpm: "worker"},
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
			// The Python tool's sizing: one child, whatever the CPUs.
			if p.Processes.MPMSize.Capacity != 2 || p.Processes.MPMSize.Children != 1 || p.Processes.MPMSize.ThreadsPerChild != 2 {
				t.Errorf("sizing %+v", p.Processes.MPMSize)
			}
			if got := summaryValue(p, "Request Capacity"); got != "2 (1 Apache child * 2 threads, one Python interpreter; --processes auto for one per CPU)" {
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
			o.EmbeddedMode, o.Processes, o.Threads, o.ServerMPM = true, "2", 2, []string{"prefork"}
		}, mpm: "prefork",
			check: func(t *testing.T, p *Plan) {
				if got := summaryValue(p, "Request Capacity"); got != "4 (4 single-threaded prefork children)" {
					t.Errorf("Request Capacity %q", got)
				}
			}},
		{name: "capacity summary", mod: func(o *Options) { o.Processes, o.Threads = "3", 10 }, mpm: "event", check: func(t *testing.T, p *Plan) {
			if got := summaryValue(p, "Request Capacity"); got != "30 (3 processes * 10 threads)" {
				t.Errorf("Request Capacity %q", got)
			}
			if got := summaryValue(p, "Server Capacity"); got != "512 (event MPM)" {
				t.Errorf("Server Capacity %q", got)
			}
			if p.Processes.DaemonBacklog != 512 {
				t.Errorf("daemon backlog %d, want the capacity, 512", p.Processes.DaemonBacklog)
			}
		}},
		{name: "daemon backlog given", mod: func(o *Options) { o.DaemonBacklog, o.MaxClients = 50, 20 }, mpm: "event", check: func(t *testing.T, p *Plan) {
			if p.Processes.DaemonBacklog != 50 || p.Processes.MPMSize.Capacity != 20 {
				t.Errorf("daemon backlog %d, capacity %d: want 50 and 20", p.Processes.DaemonBacklog, p.Processes.MPMSize.Capacity)
			}
		}},
		{name: "daemon backlog at least 100", mod: func(o *Options) { o.MaxClients = 20 }, mpm: "event", check: func(t *testing.T, p *Plan) {
			if p.Processes.DaemonBacklog != 100 {
				t.Errorf("daemon backlog %d, want mod_wsgi's 100", p.Processes.DaemonBacklog)
			}
		}},
		{name: "fraction too big", mod: func(o *Options) { o.MaximumSpareWorkers = 1.5 }, option: "maximum-spare-workers", msg: "fraction"},
		{name: "fraction negative", mod: func(o *Options) { o.InitialWorkers = -0.5 }, option: "initial-workers", msg: "fraction"},
		{name: "orphan", mod: func(o *Options) { o.OrphanInterpreter = true }, mpm: "event"},
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

// Without --processes, one process as the Python tool runs, in either
// mode; --processes auto runs a Python interpreter per CPU; a number is
// exact, and debug mode stays one process.
func TestProcessesDefaultAndAuto(t *testing.T) {
	cases := []struct {
		name              string
		cpus              int
		mod               func(*Options)
		children, threads int // Apache children and threads per child (embedded)
		given             int // processes= of the daemon, 0 for none
		capacity          string
	}{
		{"embedded default, 8 CPUs", 8, func(o *Options) { o.EmbeddedMode = true }, 1, 5, 0, "5 (1 Apache child * 5 threads, one Python interpreter; --processes auto for one per CPU)"},
		{"embedded prefork default", 8, func(o *Options) { o.EmbeddedMode, o.ServerMPM = true, []string{"prefork"} }, 5, 1, 0, "5 (5 single-threaded prefork children)"},
		{"embedded auto, 2 CPUs", 2, func(o *Options) { o.EmbeddedMode, o.Processes = true, "auto" }, 2, 5, 2, "10 (2 Apache children * 5 threads, a Python interpreter per CPU: --processes auto)"},
		{"embedded auto, 1 CPU", 1, func(o *Options) { o.EmbeddedMode, o.Processes = true, "auto" }, 1, 5, 1, "5 (1 Apache child * 5 threads, a Python interpreter per CPU: --processes auto)"},
		{"embedded AUTO, 8 CPUs", 8, func(o *Options) { o.EmbeddedMode, o.Processes = true, " AUTO" }, 8, 5, 8, "40 (8 Apache children * 5 threads, a Python interpreter per CPU: --processes auto)"},
		{"embedded given", 8, func(o *Options) { o.EmbeddedMode, o.Processes = true, "1" }, 1, 5, 1, "5 (1 Apache child * 5 threads)"},
		{"embedded event auto", 4, func(o *Options) { o.EmbeddedMode, o.Processes, o.ServerMPM = true, "auto", []string{"event"} }, 4, 5, 4, "20 (4 Apache children * 5 threads, a Python interpreter per CPU: --processes auto)"},
		// prefork: processes x threads single-threaded children, already
		// one per CPU with the default five threads.
		{"embedded prefork auto, threads cover the CPUs", 2, func(o *Options) { o.EmbeddedMode, o.Processes, o.ServerMPM = true, "auto", []string{"prefork"} }, 5, 1, 1,
			"5 (5 single-threaded prefork children, a Python interpreter per CPU: --processes auto)"},
		{"embedded prefork auto, fewer threads than CPUs", 8, func(o *Options) {
			o.EmbeddedMode, o.Processes, o.ServerMPM, o.Threads = true, "auto", []string{"prefork"}, 3
		}, 9, 1, 3, "9 (9 single-threaded prefork children, a Python interpreter per CPU: --processes auto)"},
		{"debug mode", 8, func(o *Options) { o.DebugMode, o.Processes = true, "auto" }, 1, 1, 0, "1 (1 process * 1 thread, debug mode)"},
		{"daemon default", 8, func(o *Options) {}, 0, 0, 0, "5 (1 process * 5 threads)"},
		{"daemon auto, 4 CPUs", 4, func(o *Options) { o.Processes = "auto" }, 0, 0, 4, "20 (4 processes * 5 threads, a daemon process per CPU: --processes auto)"},
		{"daemon auto, 1 CPU", 1, func(o *Options) { o.Processes = "auto" }, 0, 0, 1, "5 (1 process * 5 threads, a daemon process per CPU: --processes auto)"},
		{"daemon given", 8, func(o *Options) { o.Processes = "3" }, 0, 0, 3, "15 (3 processes * 5 threads)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := fakeHost(t, debianLayout(), 0)
			h.NCPU = c.cpus
			o := DefaultOptions()
			c.mod(&o)
			p, err := Resolve(o, h)
			if err != nil {
				t.Fatal(err)
			}
			if p.Processes.Embedded && (p.Processes.MPMSize.Children != c.children || p.Processes.MPMSize.ThreadsPerChild != c.threads) {
				t.Errorf("%d children * %d threads, want %d * %d", p.Processes.MPMSize.Children, p.Processes.MPMSize.ThreadsPerChild, c.children, c.threads)
			}
			if p.Processes.Given != c.given {
				t.Errorf("processes given %d, want %d", p.Processes.Given, c.given)
			}
			// processes= only when given: it is what makes mod_wsgi tell
			// the application it is multiprocess.
			opts := strings.Join(p.Daemon.Options, " ")
			if want := fmt.Sprintf("processes=%d", c.given); !p.Processes.Embedded && (c.given > 0) != strings.Contains(opts, want) {
				t.Errorf("daemon options %s: want %q: %v", opts, want, c.given > 0)
			}
			if got := summaryValue(p, "Request Capacity"); got != c.capacity {
				t.Errorf("Request Capacity %q, want %q", got, c.capacity)
			}
		})
	}
}

// A --processes that is neither auto nor a whole number of 1 or more is a
// usage error naming the option, in either mode.
func TestProcessesBadValues(t *testing.T) {
	for _, v := range []string{"many", "0", "-1", "1.5", "2x", "autos", "+"} {
		for _, embedded := range []bool{false, true} {
			o := DefaultOptions()
			o.Processes, o.EmbeddedMode = v, embedded
			_, err := Resolve(o, fakeHost(t, debianLayout(), 0))
			var u *fault.UsageError
			if !errors.As(err, &u) || u.Option != "processes" || !strings.Contains(u.Msg, "auto") {
				t.Errorf("--processes %q (embedded %v): got %v, want a usage error for --processes offering auto", v, embedded, err)
			}
		}
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

// The daemon limits: each rendered into WSGIDaemonProcess only when given,
// checked, and refused in embedded mode, which has no daemon process.
func TestDaemonLimits(t *testing.T) {
	cases := []struct {
		name   string
		uid    int
		mod    func(*Options)
		want   []string // daemon options
		option string   // expected UsageError option, "" for success
		msg    string
	}{
		{name: "none given", mod: func(o *Options) {}},
		{name: "memory-limit M", mod: func(o *Options) { o.MemoryLimit = "200M" }, want: []string{"memory-limit=209715200"}},
		{name: "memory-limit bytes", mod: func(o *Options) { o.MemoryLimit = "104857600" }, want: []string{"memory-limit=104857600"}},
		{name: "memory-limit lower-case g", mod: func(o *Options) { o.MemoryLimit = "2g" }, want: []string{"memory-limit=2147483648"}},
		{name: "memory-limit K", mod: func(o *Options) { o.MemoryLimit = "102400K" }, want: []string{"memory-limit=104857600"}},
		{name: "virtual-memory-limit", mod: func(o *Options) { o.VirtualMemoryLimit = "1G" }, want: []string{"virtual-memory-limit=1073741824"}},
		{name: "cpu-priority", mod: func(o *Options) { o.CPUPriority = 10 }, want: []string{"cpu-priority=10"}},
		{name: "cpu-priority negative as root", mod: func(o *Options) { o.CPUPriority = -20 }, want: []string{"cpu-priority=-20"}},
		{name: "cpu-priority 19", uid: 1000, mod: func(o *Options) { o.CPUPriority = 19 }, want: []string{"cpu-priority=19"}},
		{name: "supplementary-groups", mod: func(o *Options) { o.SupplementaryGroups = "adm, www-data,adm" }, want: []string{`supplementary-groups="adm,www-data"`}},
		{name: "all four", mod: func(o *Options) {
			o.MemoryLimit, o.VirtualMemoryLimit, o.CPUPriority, o.SupplementaryGroups = "300M", "2G", 5, "adm"
		}, want: []string{"memory-limit=314572800", "virtual-memory-limit=2147483648", "cpu-priority=5", `supplementary-groups="adm"`}},
		{name: "memory-limit word", mod: func(o *Options) { o.MemoryLimit = "lots" }, option: "memory-limit", msg: "200M"},
		{name: "memory-limit unit", mod: func(o *Options) { o.MemoryLimit = "200MB" }, option: "memory-limit", msg: "not a size"},
		{name: "memory-limit negative", mod: func(o *Options) { o.MemoryLimit = "-200M" }, option: "memory-limit", msg: "not a size"},
		{name: "memory-limit zero", mod: func(o *Options) { o.MemoryLimit = "0" }, option: "memory-limit", msg: "not a size"},
		{name: "memory-limit fraction", mod: func(o *Options) { o.MemoryLimit = "1.5G" }, option: "memory-limit", msg: "not a size"},
		{name: "memory-limit suffix only", mod: func(o *Options) { o.MemoryLimit = "M" }, option: "memory-limit", msg: "not a size"},
		{name: "memory-limit without suffix", mod: func(o *Options) { o.MemoryLimit = "200" }, option: "memory-limit", msg: "too small"},
		{name: "memory-limit overflow", mod: func(o *Options) { o.MemoryLimit = "9999999999999G" }, option: "memory-limit", msg: "too large"},
		{name: "virtual-memory-limit bad", mod: func(o *Options) { o.VirtualMemoryLimit = "1T" }, option: "virtual-memory-limit", msg: "not a size"},
		{name: "cpu-priority too high", mod: func(o *Options) { o.CPUPriority = 20 }, option: "cpu-priority", msg: "-20"},
		{name: "cpu-priority too low", mod: func(o *Options) { o.CPUPriority = -21 }, option: "cpu-priority", msg: "19"},
		{name: "cpu-priority negative not root", uid: 1000, mod: func(o *Options) { o.CPUPriority = -5 }, option: "cpu-priority", msg: "root"},
		{name: "supplementary-groups unknown", mod: func(o *Options) { o.SupplementaryGroups = "adm,nosuchgroup" }, option: "supplementary-groups", msg: `no group named "nosuchgroup"`},
		{name: "supplementary-groups empty item", mod: func(o *Options) { o.SupplementaryGroups = "adm,,www-data" }, option: "supplementary-groups", msg: "empty"},
		{name: "supplementary-groups blank", mod: func(o *Options) { o.SupplementaryGroups = " " }, option: "supplementary-groups", msg: "needs a group"},
		{name: "supplementary-groups not root", uid: 1000, mod: func(o *Options) { o.SupplementaryGroups = "adm" }, option: "supplementary-groups", msg: "started as root"},
		{name: "embedded memory-limit", mod: func(o *Options) { o.EmbeddedMode, o.MemoryLimit = true, "200M" }, option: "memory-limit", msg: "--embedded-mode"},
		{name: "embedded virtual-memory-limit", mod: func(o *Options) { o.EmbeddedMode, o.VirtualMemoryLimit = true, "1G" }, option: "virtual-memory-limit", msg: "--embedded-mode"},
		{name: "embedded cpu-priority", mod: func(o *Options) { o.EmbeddedMode, o.CPUPriority = true, 10 }, option: "cpu-priority", msg: "--embedded-mode"},
		{name: "embedded supplementary-groups", mod: func(o *Options) { o.EmbeddedMode, o.SupplementaryGroups = true, "adm" }, option: "supplementary-groups", msg: "--embedded-mode"},
		{name: "debug mode ignores them", mod: func(o *Options) { o.DebugMode, o.MemoryLimit, o.CPUPriority = true, "200M", 10 }},
	}
	limits := []string{"memory-limit=", "virtual-memory-limit=", "cpu-priority=", "supplementary-groups="}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := fakeHost(t, debianLayout(), c.uid)
			h.Users["adm"] = &user.User{Uid: "4", Gid: "4", Username: "adm"}
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
			var got []string
			for _, d := range p.Daemon.Options {
				for _, l := range limits {
					if strings.HasPrefix(d, l) {
						got = append(got, d)
					}
				}
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("daemon limits %q, want %q", got, c.want)
			}
		})
	}
}
