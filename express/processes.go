package express

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/mpm"
	"github.com/modwsgi-go/mod_wsgi-express/quote"
)

// ProcessesOptions size the processes that run the application and
// Apache's own, and say who they run as (--help: Processes).
type ProcessesOptions struct {
	// Processes is --processes: "" when not given (one process, not
	// multiprocess), "auto" for one per CPU, else a number of 1 or more.
	Processes           string
	Threads             int // default 5
	MaxClients          int // 0: derived
	MaximumRequests     int
	User                string
	Group               string
	ServerMPM           []string
	EmbeddedMode        bool
	OrphanInterpreter   bool    // WSGIDestroyInterpreter Off (mod_wsgi 4.9.1+)
	InitialWorkers      float64 // -1: not given
	MinimumSpareWorkers float64 // -1: not given
	MaximumSpareWorkers float64 // -1: not given
	ProcessName         string  // argv[0] of the Apache parent

	// WSGIDaemonProcess buffers; 0 leaves mod_wsgi's own default.
	SendBufferSize     int
	ReceiveBufferSize  int
	HeaderBufferSize   int
	ResponseBufferSize int
	ResponseFlushDelay int // milliseconds, default 5 (mod_wsgi 6.0.2's own)

	SwitchInterval float64 // 0: not given (mod_wsgi 6)
	FreeThreading  bool    // mod_wsgi 6

	// Limits of the application's daemon processes (WSGIDaemonProcess
	// memory-limit, virtual-memory-limit, cpu-priority,
	// supplementary-groups); "" and 0: not given.
	MemoryLimit         string // bytes, or with a K, M or G suffix
	VirtualMemoryLimit  string // the same
	CPUPriority         int    // nice value, -20..19
	SupplementaryGroups string // GROUP[,GROUP...]
}

func defaultProcessesOptions() ProcessesOptions {
	return ProcessesOptions{Threads: 5, InitialWorkers: -1, MinimumSpareWorkers: -1, MaximumSpareWorkers: -1, ResponseFlushDelay: defaultFlushDelay}
}

// ProcessesPlan is who runs the application, in which processes, and how
// Apache's children are sized.
type ProcessesPlan struct {
	// Who the children run as.
	RunningAsRoot bool
	User, Group   string // "" when not root: Apache keeps the current user
	UID, GID      int    // of User/Group, or of the current user
	AccountNote   string // said in the summary when an account was chosen
	// RunUser and RunGroup name the account the children run as, root or
	// not (MOD_WSGI_USER, MOD_WSGI_GROUP).
	RunUser, RunGroup string

	OperatingMode string // daemon, embedded or debug
	Embedded      bool   // the application runs inside Apache's children
	// Count is --processes, or with --processes auto the number chosen
	// from the CPUs (Auto); 0 means one, not multiprocess.
	Count int
	Auto  bool
	CPUs  int // the CPUs --processes auto was worked out for
	// Given is --processes as debug mode leaves it, auto worked out
	// (processes= of the daemon, MOD_WSGI_MULTIPROCESS); 0: not given.
	Given   int
	Threads int
	// MaximumRequests is --maximum-requests.
	MaximumRequests   int
	OrphanInterpreter bool

	MPM     string
	MPMs    []string   // the MPMs this Apache offers (of those --server-mpm names)
	MPMSize mpm.Sizing // the MPM's directives and what they amount to
	// DaemonBacklog is the listen-backlog of the daemon processes'
	// sockets: --daemon-backlog (a Network option), else Apache's capacity.
	DaemonBacklog int

	SendBufferSize, ReceiveBufferSize, HeaderBufferSize, ResponseBufferSize int
	// ResponseFlushDelay is response-flush-delay=, "" for mod_wsgi's default.
	ResponseFlushDelay string

	SwitchInterval string // WSGISwitchInterval and the daemon's switch-interval
	FreeThreading  bool
	ProcessName    string // argv[0] of the Apache parent, "" to leave it

	// Limits of the application's daemon processes; 0 or nil: not given.
	MemoryLimit, VirtualMemoryLimit int64    // bytes
	CPUPriority                     int      // nice value
	SupplementaryGroups             []string // group names
}

// account returns the account the children run as, for access checks.
func (pp ProcessesPlan) account() discover.Account { return discover.Account{UID: pp.UID, GID: pp.GID} }

// embedded reports whether the application runs inside Apache's own
// children: --embedded-mode, or debug mode, whose one process has no
// daemons.
func (r *resolver) embedded() bool { return r.o.EmbeddedMode || r.p.Debug.Mode }

// runAsCandidates are tried in order when root gives no --user: the
// accounts distributions create for web servers, then the generic ones.
var runAsCandidates = []string{"www-data", "apache", "_www", "daemon", "nobody"}

// account decides who Apache's children and the application run as.
func (r *resolver) account() error {
	o, pp, h := &r.o, &r.p.Processes, r.h
	uid := h.Getuid()
	pp.RunningAsRoot = uid == 0
	if !pp.RunningAsRoot {
		pp.UID = uid
		if u, err := h.LookupUserID(strconv.Itoa(uid)); err == nil {
			pp.GID, _ = strconv.Atoi(u.Gid)
			if o.User != "" && o.User != u.Username {
				return usagef("user", "only root can run the server as another account (%s); drop --user or start as root", o.User)
			}
			pp.RunUser, pp.RunGroup = u.Username, u.Gid
			if g, err := h.LookupGroupID(u.Gid); err == nil {
				pp.RunGroup = g.Name
			}
		}
		return nil
	}
	name := o.User
	if name == "" {
		for _, c := range runAsCandidates {
			if _, err := h.LookupUser(c); err == nil {
				name = c
				break
			}
		}
		if name == "" {
			return usagef("user", "running as root, and none of the accounts %s exists for Apache's children; create one or pass --user and --group", strings.Join(runAsCandidates, ", "))
		}
		pp.AccountNote = fmt.Sprintf("running as root: Apache's children and the application run as %s (choose with --user/--group)", name)
	}
	u, err := h.LookupUser(name)
	if err != nil {
		return usagef("user", "no account named %s; pass an existing account", shortQuote(name))
	}
	if u.Uid == "0" {
		return usagef("user", "Apache will not run its children as root; pass an unprivileged account such as www-data")
	}
	pp.User = u.Username
	pp.UID, _ = strconv.Atoi(u.Uid)
	group := o.Group
	if group == "" {
		g, err := h.LookupGroupID(u.Gid)
		if err != nil {
			return usagef("group", "the primary group %s of %s has no name; pass --group", u.Gid, name)
		}
		group = g.Name
	}
	g, err := h.LookupGroup(group)
	if err != nil {
		return usagef("group", "no group named %s; pass an existing group", shortQuote(group))
	}
	if g.Gid == "0" && o.Group == "" {
		return usagef("group", "%s's primary group is root; pass --group with an unprivileged group", name)
	}
	pp.Group = g.Name
	pp.GID, _ = strconv.Atoi(g.Gid)
	pp.RunUser, pp.RunGroup = pp.User, pp.Group
	return nil
}

// processes decides how requests spread over processes and threads: the
// daemon process group (or embedded mode, where Apache's own children run
// the application), the MPM and the sizing of Apache's children. Debug mode
// runs one process with one thread (debugShape).
func (r *resolver) processes() error {
	o, pp := &r.o, &r.p.Processes
	shape, err := requestedShape(o)
	if err != nil {
		return err
	}
	if err := shape.check(); err != nil {
		return err
	}
	if r.p.Debug.Mode {
		shape = debugShape
	}
	pp.Embedded = shape.Embedded
	pp.Threads = shape.Threads
	pp.Given = shape.Processes
	pp.MaximumRequests = o.MaximumRequests
	if err := atLeast("maximum-requests", o.MaximumRequests, 0); err != nil {
		return err
	}
	switch {
	case r.p.Debug.Mode:
		pp.OperatingMode = "debug"
	case pp.Embedded:
		pp.OperatingMode = "embedded"
	default:
		pp.OperatingMode = "daemon"
	}
	if err := r.chooseMPM(shape); err != nil {
		return err
	}
	if o.OrphanInterpreter {
		if err := r.requireModule("orphan-interpreter", "4.9.1"); err != nil {
			return err
		}
		pp.OrphanInterpreter = true
	}
	pp.Count = shape.Processes
	if shape.Auto {
		pp.Auto, pp.CPUs = true, r.h.CPUs()
		pp.Count = autoProcesses(shape.Embedded, pp.MPM, shape.Threads, pp.CPUs)
		pp.Given = pp.Count
	}
	pp.MPMSize = mpm.Size(pp.MPM, mpm.Spec{
		Processes:           pp.Count,
		Threads:             shape.Threads,
		MaxClients:          shape.MaxClients,
		InitialWorkers:      shape.InitialWorkers,
		MinimumSpareWorkers: shape.MinimumSpareWorkers,
		MaximumSpareWorkers: shape.MaximumSpareWorkers,
		Embedded:            shape.Embedded,
		MaximumRequests:     o.MaximumRequests,
	})
	pp.DaemonBacklog = daemonBacklog(o.DaemonBacklog, pp.MPMSize.Capacity)
	if err := r.daemonBuffers(); err != nil {
		return err
	}
	if err := r.daemonLimits(); err != nil {
		return err
	}
	return r.interpreterOptions()
}

// shape is the process model: what the options ask for, or what debug
// mode forces. Later steps read the Plan, never the options, for these.
type shape struct {
	Embedded                                                 bool
	Processes, Threads, MaxClients                           int
	InitialWorkers, MinimumSpareWorkers, MaximumSpareWorkers float64
	// Auto is --processes auto: Processes is then worked out from the
	// CPUs once the MPM is known.
	Auto bool
}

func requestedShape(o *Options) (shape, error) {
	n, auto, err := processCount(o.Processes)
	if err != nil {
		return shape{}, err
	}
	return shape{
		Embedded:            o.EmbeddedMode,
		Processes:           n,
		Threads:             o.Threads,
		MaxClients:          o.MaxClients,
		InitialWorkers:      o.InitialWorkers,
		MinimumSpareWorkers: o.MinimumSpareWorkers,
		MaximumSpareWorkers: o.MaximumSpareWorkers,
		Auto:                auto,
	}, nil
}

// processCount reads --processes: "" when not given (0), auto, or a
// whole number of 1 or more.
func processCount(v string) (n int, auto bool, err error) {
	s := strings.TrimSpace(v)
	switch {
	case s == "":
		return 0, false, nil
	case strings.EqualFold(s, "auto"):
		return 0, true, nil
	}
	n, err = strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, false, usagef("processes", "%s is not a number of processes; give a whole number, 1 or more, or auto for one per CPU", shortQuote(v))
	}
	return n, false, nil
}

// check refuses numbers that size nothing.
func (s shape) check() error {
	for _, c := range []struct {
		name   string
		v, min int
	}{{"threads", s.Threads, 1}, {"max-clients", s.MaxClients, 0}} {
		if err := atLeast(c.name, c.v, c.min); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"initial-workers", s.InitialWorkers}, {"minimum-spare-workers", s.MinimumSpareWorkers}, {"maximum-spare-workers", s.MaximumSpareWorkers}} {
		if f.v != -1 && (f.v < 0 || f.v > 1) {
			return usagef(f.name, "%v is not a fraction; use a value from 0 to 1", f.v)
		}
	}
	return nil
}

// chooseMPM picks the MPM from those Apache offers: --server-mpm in the
// order given, else mpm.Order's: event first in daemon mode (idle
// keep-alive connections hold no thread) and for static files, worker
// first in embedded mode (event misbehaves with fewer than three threads
// per child); debug
// mode prefers prefork, whose one process serves requests on the thread
// that loaded the application. s is the shape the processes run with
// (debug mode's when it is on), never the options' own.
func (r *resolver) chooseMPM(s shape) error {
	o, pp := &r.o, &r.p.Processes
	for _, m := range o.ServerMPM {
		if !mpm.Known(m) {
			return usagef("server-mpm", "%s is not one of event, worker or prefork", shortQuote(m))
		}
	}
	// The order is the shape's (embedded in debug mode, whose one process
	// runs the application); debug mode then takes prefork when Apache
	// has it.
	avail, builtin := r.apache.MPMs(mpm.Precedence)
	for _, m := range avail {
		if len(o.ServerMPM) == 0 || slices.Contains(o.ServerMPM, m) {
			pp.MPMs = append(pp.MPMs, m)
		}
	}
	// Without an application (--application-type static) Apache serves
	// files itself, and event's asynchronous keep-alive suits it.
	chosen, err := mpm.Choose(avail, o.ServerMPM, mpm.Order(s.Embedded, !s.Embedded && !r.p.Application.Static))
	if err != nil {
		where := "in " + r.apache.Dir
		if builtin != "" {
			where = "compiled into " + r.apache.HTTPD
		}
		return usagef("server-mpm", "%v (%s); choose one of those with --server-mpm", err, where)
	}
	if s.Embedded && !r.p.Debug.Mode && chosen == "event" && s.Threads < 3 {
		opt := "threads"
		if len(o.ServerMPM) > 0 {
			opt = "server-mpm"
		}
		return usagef(opt, "the event MPM misbehaves with fewer than three threads per process, and --embedded-mode runs --threads %d per Apache child; use --threads 3 or more, or --server-mpm worker", s.Threads)
	}
	if _, ok := r.apache.File("mpm_prefork"); ok && r.p.Debug.Mode {
		chosen = "prefork"
	}
	pp.MPM = chosen
	if builtin == "" {
		path, _ := r.apache.File("mpm_" + chosen)
		r.p.Modules.MPM = LoadModule{"mpm_" + chosen + "_module", path}
	}
	return nil
}

// autoProcesses is the number of processes --processes auto runs: a
// Python interpreter per CPU. In daemon mode that is a daemon process per
// CPU. In embedded mode each Apache child's threads share one interpreter
// lock (the GIL), so one child runs Python on one CPU at a time: worker
// and event get one child per CPU. A prefork child runs one request, and
// embedded mode runs processes x threads of them, so prefork needs only
// enough processes to reach a child per CPU.
func autoProcesses(embedded bool, mpmName string, threads, cpus int) int {
	cpus, threads = max(1, cpus), max(1, threads)
	if !embedded || mpm.Threaded(mpmName) {
		return cpus
	}
	return (cpus + threads - 1) / threads
}

// daemonBacklog is the listen backlog of the daemon processes' socket:
// --daemon-backlog, else room for every connection Apache's children may
// pass on at once (at least mod_wsgi's 100). With a full backlog mod_wsgi
// retries the connection every 0.125 s then every second: requests queued
// that way overtake each other and wait seconds.
func daemonBacklog(given, capacity int) int {
	if given > 0 {
		return given
	}
	return max(100, capacity)
}

// daemonBuffers checks the buffer sizes of the daemon processes.
func (r *resolver) daemonBuffers() error {
	o, pp := &r.o, &r.p.Processes
	for _, c := range []struct {
		name string
		v    int
		min  int // smallest non-zero value mod_wsgi accepts
	}{
		{"send-buffer-size", o.SendBufferSize, 512},
		{"receive-buffer-size", o.ReceiveBufferSize, 512},
		{"header-buffer-size", o.HeaderBufferSize, 8192},
		{"response-buffer-size", o.ResponseBufferSize, 65536},
	} {
		if err := daemonNumber(c.name, c.v, c.min); err != nil {
			return err
		}
	}
	pp.SendBufferSize = o.SendBufferSize
	pp.ReceiveBufferSize = o.ReceiveBufferSize
	pp.HeaderBufferSize = o.HeaderBufferSize
	pp.ResponseBufferSize = o.ResponseBufferSize
	if o.ResponseFlushDelay != defaultFlushDelay {
		if o.ResponseFlushDelay < 0 {
			return usagef("response-flush-delay", "%d is negative; give milliseconds, 0 or more", o.ResponseFlushDelay)
		}
		if err := r.requireModule("response-flush-delay", "6.0.2"); err != nil {
			return err
		}
		pp.ResponseFlushDelay = strconv.Itoa(o.ResponseFlushDelay)
	}
	return nil
}

// defaultFlushDelay is mod_wsgi's own response-flush-delay, in ms.
const defaultFlushDelay = 5

// daemonNumber checks a WSGIDaemonProcess number: 0 for mod_wsgi's
// default, else at least min.
func daemonNumber(name string, v, min int) error {
	if v < 0 {
		return usagef(name, "%d is negative; use 0 for mod_wsgi's default", v)
	}
	if v != 0 && v < min {
		return usagef(name, "%d is too small; mod_wsgi needs %d or more, or 0 for its default", v, min)
	}
	return nil
}

// daemonLimits checks the resource limits of the application's daemon
// processes. mod_wsgi applies them in each daemon process as it starts:
// memory-limit with setrlimit(RLIMIT_DATA), which Linux (4.7 and later)
// counts against the heap and every private writable mapping, so Python
// gets MemoryError for an allocation past it; virtual-memory-limit with
// setrlimit(RLIMIT_AS), every mapping of the process, thread stacks and
// malloc's reserved arenas included; cpu-priority with setpriority, before
// the request threads start, so they share it; supplementary-groups with
// setgroups when it switches from root to the account (never otherwise).
// Debug mode ignores them, as it does the other process options.
func (r *resolver) daemonLimits() error {
	o, pp := &r.o, &r.p.Processes
	mem, err := byteSize("memory-limit", o.MemoryLimit)
	if err != nil {
		return err
	}
	vmem, err := byteSize("virtual-memory-limit", o.VirtualMemoryLimit)
	if err != nil {
		return err
	}
	if o.CPUPriority < -20 || o.CPUPriority > 19 {
		return usagef("cpu-priority", "%d is not a nice value; give one from -20 (most favoured) to 19 (least)", o.CPUPriority)
	}
	if o.CPUPriority < 0 && !pp.RunningAsRoot {
		return usagef("cpu-priority", "%d raises the priority, which only root may do; give 0 to 19, or start as root", o.CPUPriority)
	}
	groups, err := r.supplementaryGroups()
	if err != nil {
		return err
	}
	if o.EmbeddedMode {
		for _, g := range []struct {
			name  string
			given bool
		}{{"memory-limit", mem > 0}, {"virtual-memory-limit", vmem > 0}, {"cpu-priority", o.CPUPriority != 0}, {"supplementary-groups", len(groups) > 0}} {
			if g.given {
				return usagef(g.name, "applies to the daemon processes, and --embedded-mode runs none (the application runs in Apache's children); drop one of the two")
			}
		}
	}
	if r.p.Debug.Mode {
		return nil
	}
	pp.MemoryLimit = mem
	pp.VirtualMemoryLimit = vmem
	pp.CPUPriority = o.CPUPriority
	pp.SupplementaryGroups = groups
	return nil
}

// minimumLimit is the smallest --memory-limit or --virtual-memory-limit:
// below it no Python daemon process could start (a plain number is bytes,
// so 200 for 200M would otherwise leave mod_wsgi restarting processes that
// die at once).
const minimumLimit = 64 << 20

// byteSize reads a size in bytes, with an optional K, M or G suffix (powers
// of 1024); "" is 0, not given.
func byteSize(option, v string) (int64, error) {
	s := strings.TrimSpace(v)
	if s == "" {
		return 0, nil
	}
	mult := int64(1)
	switch s[len(s)-1] {
	case 'k', 'K':
		mult = 1 << 10
	case 'm', 'M':
		mult = 1 << 20
	case 'g', 'G':
		mult = 1 << 30
	}
	if mult > 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strings.HasPrefix(s, "+") {
		return 0, usagef(option, "%s is not a size; give a whole number of bytes, or of K, M or G (powers of 1024), such as 200M", shortQuote(v))
	}
	if n > math.MaxInt64/mult {
		return 0, usagef(option, "%s is too large", shortQuote(v))
	}
	if n*mult < minimumLimit {
		return 0, usagef(option, "%s is too small for a Python process; give at least %dM (a plain number is bytes)", shortQuote(v), minimumLimit>>20)
	}
	return n * mult, nil
}

// supplementaryGroups checks --supplementary-groups: a comma-separated
// list of existing groups, for a server started as root (mod_wsgi sets a
// daemon process's groups only when it switches account).
func (r *resolver) supplementaryGroups() ([]string, error) {
	list := r.o.SupplementaryGroups
	if strings.TrimSpace(list) == "" {
		if list != "" {
			return nil, usagef("supplementary-groups", "needs a group name, or several separated by commas")
		}
		return nil, nil
	}
	if !r.p.Processes.RunningAsRoot {
		return nil, usagef("supplementary-groups", "only applies when the server is started as root: mod_wsgi gives the daemon processes these groups as it switches to --user, and a server started by another account keeps that account's groups; start as root or drop the option")
	}
	var out []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, usagef("supplementary-groups", "%s has an empty group name; separate names with single commas", shortQuote(list))
		}
		g, err := r.h.LookupGroup(name)
		if err != nil {
			return nil, usagef("supplementary-groups", "no group named %s; create it (groupadd %s) or give an existing group", shortQuote(name), quote.ShellWord(name))
		}
		if !slices.Contains(out, g.Name) {
			out = append(out, g.Name)
		}
	}
	return out, nil
}

// interpreterOptions are the Python interpreter settings of mod_wsgi 6:
// the thread switch interval and running without the GIL.
func (r *resolver) interpreterOptions() error {
	o, pp, mi := &r.o, &r.p.Processes, r.p.Paths.Module
	if o.SwitchInterval != 0 {
		if err := r.requireModule("switch-interval", newerModule); err != nil {
			return err
		}
		if o.SwitchInterval < 0 {
			return usagef("switch-interval", "%v is not a positive number of seconds", o.SwitchInterval)
		}
		pp.SwitchInterval = strconv.FormatFloat(o.SwitchInterval, 'f', -1, 64)
	}
	if o.FreeThreading {
		if err := r.requireModule("free-threading", newerModule); err != nil {
			return err
		}
		if mi.LibPython != "" && !strings.Contains(filepath.Base(mi.LibPython), mi.PythonVersion+"t") {
			return usagef("free-threading", "needs a free-threaded Python build (PEP 703, libpython%st), but %s uses %s", mi.PythonVersion, mi.Path, mi.LibPython)
		}
		pp.FreeThreading = true
	}
	return nil
}

// newerModule is the mod_wsgi version that introduced the options that
// older modules reject (release notes of mod_wsgi 6.0.0).
const newerModule = "6.0.0"

// processName names the Apache parent, as upstream does: --process-name,
// or by default "apache2 (mod_wsgi-express)". mod_wsgi writes the
// display-name of each daemon process over the parent's argv[0] and cuts
// it to that length, so the name is padded to the longest display name:
// without it a daemon shows as "(wsgi:localhost:8" instead of
// "(wsgi:localhost:8000:0)". Naming takes the shell's exec -a.
func (r *resolver) processName() error {
	o, ps := &r.o, r.p.Paths
	explicit := o.ProcessName != ""
	name := o.ProcessName
	if explicit && strings.TrimSpace(name) == "" {
		return usagef("process-name", "needs a name")
	}
	if !explicit {
		name = filepath.Base(ps.HTTPD) + " (mod_wsgi-express)"
	}
	if !ps.ShellNames {
		switch {
		case !explicit:
			return nil
		case o.ShellExecutable != "":
			return usagef("process-name", "the shell %s cannot name a process (it has no exec -a); pass --shell-executable with bash, or drop --process-name", ps.Shell)
		default:
			return usagef("process-name", "naming the Apache process needs bash (exec -a), and none is on PATH; install bash or drop --process-name")
		}
	}
	width := len(r.p.Application.DisplayName)
	for _, svc := range r.p.Services.List {
		width = max(width, len("(wsgi:service:"+svc.Name+")"))
	}
	if len(name) < width {
		name += strings.Repeat(" ", width-len(name))
	}
	r.p.Processes.ProcessName = name
	return nil
}

// requestCapacity is how many requests the application can handle at once,
// and in which processes.
func requestCapacity(p *Plan) string {
	pp := p.Processes
	procs := max(1, pp.Count)
	n := procs * pp.Threads
	why := ""
	switch {
	case pp.Auto && pp.Embedded:
		why = ", a Python interpreter per CPU: --processes auto"
	case pp.Auto:
		why = ", a daemon process per CPU: --processes auto"
	case pp.Embedded && pp.Given == 0 && mpm.Threaded(pp.MPM):
		why = ", one Python interpreter; --processes auto for one per CPU"
	}
	switch {
	case p.Debug.Mode:
		return "1 (1 process * 1 thread, debug mode)"
	case pp.Embedded && !mpm.Threaded(pp.MPM):
		return fmt.Sprintf("%d (%d single-threaded prefork %s%s)", n, n, plural(n, "child", "children"), why)
	case pp.Embedded:
		return fmt.Sprintf("%d (%d Apache %s * %d %s%s)", n, procs, plural(procs, "child", "children"), pp.Threads, plural(pp.Threads, "thread", "threads"), why)
	}
	return fmt.Sprintf("%d (%d %s * %d %s%s)", n, procs, plural(procs, "process", "processes"), pp.Threads, plural(pp.Threads, "thread", "threads"), why)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
