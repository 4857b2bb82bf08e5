// Package doctor checks, one line each, what start-server needs on this
// machine, and says how to fix what is missing. Each check calls the same
// discovery and resolve steps start-server runs, so the report cannot
// disagree with what start-server would do.
package doctor

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/mpm"
	"github.com/modwsgi-go/mod_wsgi-express/quote"
	"github.com/modwsgi-go/mod_wsgi-express/supervisor"
)

// Check statuses. WARN is said but does not stop the server starting.
const (
	StatusOK   = "OK"
	StatusFail = "FAIL"
	StatusWarn = "WARN"
)

// Check is one line of the doctor's report.
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Report is everything doctor found; OK is true only when start-server
// with these options would work. BadInput is true when an option's value
// is wrong on any machine (a FAIL line names the option): the command then
// exits 2, as start-server would, rather than 1.
//
// On Windows, where start-server does not run, the report is on what
// module-config needs (Windows is true) and OK says module-config would
// work.
type Report struct {
	OK       bool    `json:"ok"`
	BadInput bool    `json:"bad_input,omitempty"`
	Windows  bool    `json:"windows,omitempty"`
	Checks   []Check `json:"checks"`
}

func (r *Report) add(name, status, detail, fix string) {
	r.Checks = append(r.Checks, Check{Name: name, Status: status, Detail: detail, Fix: fix})
}

// fail adds a FAIL line from an error, splitting "what is wrong; how to
// fix it" messages into detail and fix.
func (r *Report) fail(name string, err error) {
	msg, opt := err.Error(), ""
	var ue *fault.UsageError
	if errors.As(err, &ue) {
		msg = ue.Msg
		if ue.Option != "" {
			opt = " (--" + ue.Option + ")"
		}
	}
	detail, fix, ok := strings.Cut(msg, "; ")
	if !ok {
		detail, fix = msg, ""
	}
	r.add(name, StatusFail, detail+opt, fix)
}

// failInput is fail for an option value that no machine would accept.
func (r *Report) failInput(name string, err error) {
	r.BadInput = true
	r.fail(name, err)
}

func (r *Report) failed() bool {
	for _, c := range r.Checks {
		if c.Status == StatusFail {
			return true
		}
	}
	return false
}

// doctor is one run: the options, the machine, the report, and what the
// checks found for the checks after them.
type doctor struct {
	o       express.Options
	h       discover.Machine
	r       *Report
	apxs    map[string]string
	httpd   string
	modules string // Apache's modules directory
	module  discover.ModuleInfo
	// moduleOK: the module was found and its libpython can be loaded.
	moduleOK bool
}

// Run checks, one by one, what start-server needs: Apache, its modules
// directory and MPMs, the mod_wsgi module and its Python, the virtualenv,
// mime.types, the port, the server root and the accounts. On the real
// machine it also has Apache load the module from a scratch configuration.
func Run(opts express.Options, h discover.Machine) *Report {
	d := &doctor{o: opts, h: h, r: &Report{}}
	if err := express.CheckText(&d.o); err != nil {
		d.r.failInput("options", err)
		return d.r
	}
	if discover.IsWindows(h) {
		d.windows()
		return d.r
	}
	d.apache()
	d.mpms()
	d.wsgiModule()
	if d.moduleOK {
		d.python()
		d.virtualenv()
	}
	d.mimeTypes()
	d.port()
	d.serverRoot()
	d.account()
	d.r.OK = !d.r.failed()
	if d.r.OK {
		// Every part looks right: check the whole as start-server would.
		d.whole()
		d.r.OK = !d.r.failed()
	}
	return d.r
}

var reServerVersion = regexp.MustCompile(`Server version:\s*(\S+(?: \([^)]*\))?)`)

// apache: apxs and the Apache executable with its version.
func (d *doctor) apache() {
	d.apxs = discover.ApxsVars(d.h)
	if d.apxs != nil {
		d.r.add("apxs", StatusOK, d.apxs["APXS"], "")
	}
	httpd, err := discover.FindHTTPD(d.h, d.o.HTTPDExecutable, d.apxs)
	d.httpd = httpd
	if err != nil {
		d.r.fail("Apache", err)
	} else if out, verr := d.h.Output(httpd, "-v"); verr != nil {
		d.r.add("Apache", StatusWarn, fmt.Sprintf("%s (could not run %s -v: %v)", httpd, filepath.Base(httpd), verr), "")
	} else if m := reServerVersion.FindSubmatch(out); m != nil {
		d.r.add("Apache", StatusOK, fmt.Sprintf("%s (%s)", httpd, m[1]), "")
	} else {
		d.r.add("Apache", StatusOK, httpd, "")
	}
}

// mpms: the modules directory and each MPM, marking the one start-server
// would choose.
func (d *doctor) mpms() {
	dir, err := discover.FindModulesDir(d.h, d.o.ModulesDirectory, d.apxs, d.httpd)
	if err != nil {
		d.r.fail("modules directory", err)
		return
	}
	d.modules = dir
	d.r.add("modules directory", StatusOK, dir, "")
	mods := discover.ApacheModules(d.h, d.httpd, dir)
	avail, builtin := mods.MPMs(mpm.Precedence)
	chosen, cerr := mpm.ChooseFor(avail, d.o.ServerMPM, d.o.EmbeddedMode)
	for _, name := range mpm.Precedence {
		label := "MPM " + name
		path, file := mods.File("mpm_" + name)
		switch {
		case name == builtin:
			d.r.add(label, StatusOK, "compiled into "+d.httpd+usedNote(name, chosen), "")
		case file:
			d.r.add(label, StatusOK, path+usedNote(name, chosen), "")
		default:
			d.r.add(label, StatusWarn, "not available", "")
		}
	}
	if cerr != nil {
		d.r.add("MPM", StatusFail, cerr.Error(), "install Apache's MPM modules (mod_mpm_event.so) or choose an available one with --server-mpm")
	}
}

func usedNote(name, chosen string) string {
	if name == chosen {
		return " (will be used)"
	}
	return ""
}

// wsgiModule: the mod_wsgi module, its version and the libpython it links.
func (d *doctor) wsgiModule() {
	mi, err := discover.FindModule(d.h, d.o.Given(), d.modules)
	if err != nil {
		d.r.fail("mod_wsgi module", err)
		return
	}
	d.module, d.moduleOK = mi, true
	detail := mi.Path
	if mi.Version != "" {
		detail += ", mod_wsgi " + mi.Version
	}
	switch {
	case mi.PE && mi.LibPythonName != "" && mi.LibPython == "":
		d.moduleOK = false
		d.r.fail("mod_wsgi module", discover.CheckLoadable(mi))
	case mi.LibPythonName != "" && mi.LibPython == "":
		d.moduleOK = false
		d.r.add("mod_wsgi module", StatusFail, fmt.Sprintf("%s, links %s, which is not on the loader's path", detail, mi.LibPythonName),
			fmt.Sprintf("install Python %s's shared library, or use a mod_wsgi built for an installed Python (--mod-wsgi-module, or pip install mod_wsgi in a virtualenv)", mi.PythonVersion))
	case mi.LibPython != "":
		d.r.add("mod_wsgi module", StatusOK, fmt.Sprintf("%s, links %s (Python %s) from %s", detail, mi.LibPythonName, mi.PythonVersion, mi.Source), "")
	case mi.PythonVersion != "":
		d.r.add("mod_wsgi module", StatusOK, fmt.Sprintf("%s, Python %s linked in, from %s", detail, mi.PythonVersion, mi.Source), "")
	default:
		d.r.add("mod_wsgi module", StatusWarn, detail+", the Python it was built for is unknown", "")
	}
}

// python: the Python the module was built for, and its standard library.
func (d *doctor) python() {
	mi := d.module
	switch {
	case mi.PythonVersion == "":
	case mi.PE && mi.PythonHome == "":
		d.r.add("Python", StatusFail, fmt.Sprintf("Python %s's %s is at %s, but its standard library (Lib\\os.py beside it) is not", mi.PythonVersion, mi.LibPythonName, mi.LibPython),
			fmt.Sprintf("repair or reinstall Python %s, or pass --python-home with its directory", mi.PythonVersion))
	case mi.PythonHome == "" && mi.LibPythonName == "":
		// Python linked in: it may find its library by its built-in prefix.
		d.r.add("Python", StatusWarn, fmt.Sprintf("Python %s is linked into the module, and its standard library was not found under /usr or /usr/local", mi.PythonVersion),
			fmt.Sprintf("if the application does not start, pass --python-home with Python %s's prefix", mi.PythonVersion))
	case mi.PythonHome == "":
		d.r.add("Python", StatusFail, fmt.Sprintf("Python %s, which the module needs, has no standard library here (no lib/python%s/os.py under the libpython's prefix, /usr or /usr/local)", mi.PythonVersion, mi.PythonVersion),
			fmt.Sprintf("install Python %s, or pass --python-home with its prefix", mi.PythonVersion))
	default:
		version := mi.PythonVersion
		if mi.PythonExe != "" {
			if out, err := d.h.Output(mi.PythonExe, "-c", "import platform; print(platform.python_version())"); err == nil && strings.HasPrefix(string(out), version+".") {
				version = strings.TrimSpace(string(out))
			}
		}
		d.r.add("Python", StatusOK, fmt.Sprintf("Python %s, home %s%s", version, mi.PythonHome, parens(mi.PythonExe)), "")
	}
}

// virtualenv: the environment the application would run in.
func (d *doctor) virtualenv() {
	env, err := discover.ChoosePython(d.h, d.o.Given(), d.module)
	switch {
	case err != nil:
		d.r.fail("virtualenv", err)
	case env.Source == discover.ModulesPython:
		d.r.add("virtualenv", StatusOK, "none: the application runs in the module's Python (activate a virtualenv of Python "+d.module.PythonVersion+", or pass --python-home, to use one)", "")
	default:
		kind := "installation"
		if env.Virtualenv {
			kind = "virtualenv"
		}
		d.r.add("virtualenv", StatusOK, fmt.Sprintf("%s (Python %s %s, from %s)", env.Home, env.Version, kind, env.Source), "")
	}
}

func parens(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func (d *doctor) mimeTypes() {
	if mt, err := discover.FindMimeTypes(d.h, d.o.MimeTypes, d.apxs); err != nil {
		d.r.fail("mime.types", err)
	} else {
		d.r.add("mime.types", StatusOK, mt, "")
	}
}

// port: free, and open to this account.
func (d *doctor) port() {
	o := d.o
	p, err := express.ResolveSteps(o, d.h, "network")
	if err != nil {
		d.r.failInput("port", err)
		return
	}
	where := cmp.Or(o.Host, "all interfaces")
	switch {
	case supervisor.CheckPort(p, d.h) != nil:
		d.r.add("port", StatusFail, fmt.Sprintf("port %d on %s is in use", o.Port, where), "stop whatever listens there, or choose another port with --port")
	case d.h.Getuid() != 0 && o.Port < 1024:
		d.r.add("port", StatusFail, fmt.Sprintf("port %d needs root", o.Port), "start as root, or choose a port from 1024 up with --port")
	default:
		d.r.add("port", StatusOK, fmt.Sprintf("%d on %s is free", o.Port, where), "")
	}
}

// serverRoot: a directory start-server may create or take over.
func (d *doctor) serverRoot() {
	p, err := express.ResolveSteps(d.o, d.h, "server-root")
	if err != nil {
		d.r.fail("server root", err)
		return
	}
	root := p.Paths.ServerRoot
	if discover.IsDir(d.h, root) {
		d.r.add("server root", StatusOK, root+" (exists and is ours)", "")
	} else if discover.NearestDir(d.h, filepath.Dir(root)) == "" {
		d.r.add("server root", StatusFail, root+" cannot be created", "give a directory under an existing one with --server-root")
	} else {
		d.r.add("server root", StatusOK, root+" (will be created)", "")
	}
}

// account: who Apache's children and the application would run as.
func (d *doctor) account() {
	p, err := express.ResolveSteps(d.o, d.h, "account")
	if err != nil {
		d.r.fail("account", err)
		return
	}
	pp := p.Processes
	if pp.RunningAsRoot {
		d.r.add("account", StatusOK, fmt.Sprintf("running as root; Apache's children and the application run as %s:%s (uid %d, gid %d)", pp.User, pp.Group, pp.UID, pp.GID), "")
		return
	}
	name := strconv.Itoa(pp.UID)
	if u, err := d.h.LookupUserID(name); err == nil {
		name = u.Username + " (uid " + name + ")"
	}
	d.r.add("account", StatusOK, "running as "+name+"; Apache and the application run as this account", "")
}

// whole resolves everything as start-server would and, on the real
// machine, has Apache load the module.
func (d *doctor) whole() {
	if _, err := express.Resolve(d.o, d.h); err != nil {
		d.r.fail("configuration", err)
		return
	}
	if _, real := d.h.(discover.RealMachine); !real || !d.moduleOK || d.httpd == "" || d.modules == "" {
		return
	}
	if err := d.loadTest(); err != nil {
		d.r.add("module loads", StatusFail, err.Error(), "use a mod_wsgi built for this Apache and an installed Python (--mod-wsgi-module)")
	} else {
		d.r.add("module loads", StatusOK, "Apache accepts LoadModule wsgi_module "+d.module.Path, "")
	}
}

// loadTest has Apache check a scratch configuration that loads an MPM and
// the module the way module-config says to, which fails when the module
// does not fit this Apache or its libpython cannot be loaded.
func (d *doctor) loadTest() error {
	dir, err := os.MkdirTemp("", "mod_wsgi-doctor-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env, _ := discover.ChoosePython(d.h, d.o.Given(), d.module)
	var b strings.Builder
	q := quote.Apache
	fmt.Fprintf(&b, "ServerRoot %s\nPidFile %s\nErrorLog %s\nServerName localhost\nListen 127.0.0.1:1\n",
		q(dir), q(filepath.Join(dir, "httpd.pid")), q(filepath.Join(dir, "error_log")))
	mods := discover.ApacheModules(d.h, d.httpd, d.modules)
	for _, m := range mpm.Precedence {
		if path, ok := mods.File("mpm_" + m); ok {
			fmt.Fprintf(&b, "LoadModule mpm_%s_module %s\n", m, q(path))
			break
		}
	}
	for _, l := range discover.ModuleLines(d.module, d.module.Path, env) {
		b.WriteString(l + "\n")
	}
	conf := filepath.Join(dir, "httpd.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		return err
	}
	out, err := exec.Command(d.httpd, "-t", "-f", conf).CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return fmt.Errorf("%s -t rejects the module: %s", filepath.Base(d.httpd), lines[len(lines)-1])
	}
	return nil
}
