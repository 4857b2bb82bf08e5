package express

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/mpm"
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

// DoctorReport is everything doctor found; OK is true only when
// start-server with these options would work. BadInput is true when an
// option's value is wrong on any machine (a FAIL line names the option):
// the command then exits 2, as start-server would, rather than 1.
type DoctorReport struct {
	OK       bool    `json:"ok"`
	BadInput bool    `json:"bad_input,omitempty"`
	Checks   []Check `json:"checks"`
}

func (r *DoctorReport) add(name, status, detail, fix string) {
	r.Checks = append(r.Checks, Check{Name: name, Status: status, Detail: detail, Fix: fix})
}

// fail adds a FAIL line from an error, splitting "what is wrong; how to
// fix it" messages into detail and fix.
func (r *DoctorReport) fail(name string, err error) {
	msg, opt := err.Error(), ""
	var ue *UsageError
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
func (r *DoctorReport) failInput(name string, err error) {
	r.BadInput = true
	r.fail(name, err)
}

var reServerVersion = regexp.MustCompile(`Server version:\s*(\S+(?: \([^)]*\))?)`)

// Doctor checks, one by one, what start-server needs: Apache, its modules
// directory and MPMs, the mod_wsgi module and its Python, the virtualenv,
// mime.types, the port, the server root and the accounts. On the real
// machine it also has Apache load the module from a scratch configuration.
func Doctor(opts Options, h Host) *DoctorReport {
	r := &DoctorReport{}
	o := opts
	if err := checkAllText(&o); err != nil {
		r.failInput("options", err)
		return r
	}
	apxs := apxsVars(h)
	if apxs != nil {
		r.add("apxs", StatusOK, apxs["APXS"], "")
	}

	httpd, err := findHTTPD(&o, h, apxs)
	if err != nil {
		r.fail("Apache", err)
	} else if out, verr := h.Output(httpd, "-v"); verr != nil {
		r.add("Apache", StatusWarn, fmt.Sprintf("%s (could not run %s -v: %v)", httpd, filepath.Base(httpd), verr), "")
	} else if m := reServerVersion.FindSubmatch(out); m != nil {
		r.add("Apache", StatusOK, fmt.Sprintf("%s (%s)", httpd, m[1]), "")
	} else {
		r.add("Apache", StatusOK, httpd, "")
	}

	modulesDir, err := findModulesDir(&o, h, apxs, httpd)
	if err != nil {
		r.fail("modules directory", err)
	} else {
		r.add("modules directory", StatusOK, modulesDir, "")
		files := moduleNamesIn(h, modulesDir)
		builtin := ""
		if !files["mod_mpm_event.so"] && !files["mod_mpm_worker.so"] && !files["mod_mpm_prefork.so"] && httpd != "" {
			builtin = builtinMPM(h, httpd)
		}
		avail := mpm.Available(files, builtin)
		defaults := mpm.Precedence
		if o.EmbeddedMode {
			defaults = mpm.EmbeddedPrecedence
		}
		chosen, cerr := mpm.Choose(avail, o.ServerMPM, defaults)
		for _, name := range mpm.Precedence {
			label := "MPM " + name
			switch {
			case name == builtin:
				r.add(label, StatusOK, "compiled into "+httpd+usedNote(name, chosen), "")
			case files["mod_mpm_"+name+".so"]:
				r.add(label, StatusOK, filepath.Join(modulesDir, "mod_mpm_"+name+".so")+usedNote(name, chosen), "")
			default:
				r.add(label, StatusWarn, "not available", "")
			}
		}
		if cerr != nil {
			r.add("MPM", StatusFail, cerr.Error(), "install Apache's MPM modules (mod_mpm_event.so) or choose an available one with --server-mpm")
		}
	}

	mi, err := findModule(&o, h, modulesDir)
	moduleOK := err == nil
	if err != nil {
		r.fail("mod_wsgi module", err)
	} else {
		detail := mi.Path
		if mi.Version != "" {
			detail += ", mod_wsgi " + mi.Version
		}
		switch {
		case mi.LibPythonName != "" && mi.LibPython == "":
			moduleOK = false
			r.add("mod_wsgi module", StatusFail, fmt.Sprintf("%s, links %s, which is not on the loader's path", detail, mi.LibPythonName),
				fmt.Sprintf("install Python %s's shared library, or use a mod_wsgi built for an installed Python (--mod-wsgi-module, or pip install mod_wsgi in a virtualenv)", mi.PythonVersion))
		case mi.LibPython != "":
			r.add("mod_wsgi module", StatusOK, fmt.Sprintf("%s, links %s (Python %s) from %s", detail, mi.LibPythonName, mi.PythonVersion, mi.Source), "")
		case mi.PythonVersion != "":
			r.add("mod_wsgi module", StatusOK, fmt.Sprintf("%s, Python %s linked in, from %s", detail, mi.PythonVersion, mi.Source), "")
		default:
			r.add("mod_wsgi module", StatusWarn, detail+", the Python it was built for is unknown", "")
		}
	}

	if moduleOK {
		switch {
		case mi.PythonVersion == "":
		case mi.PythonHome == "" && mi.LibPythonName == "":
			// Python linked in: it may find its library by its built-in prefix.
			r.add("Python", StatusWarn, fmt.Sprintf("Python %s is linked into the module, and its standard library was not found under /usr or /usr/local", mi.PythonVersion),
				fmt.Sprintf("if the application does not start, pass --python-home with Python %s's prefix", mi.PythonVersion))
		case mi.PythonHome == "":
			r.add("Python", StatusFail, fmt.Sprintf("Python %s, which the module needs, has no standard library here (no lib/python%s/os.py under the libpython's prefix, /usr or /usr/local)", mi.PythonVersion, mi.PythonVersion),
				fmt.Sprintf("install Python %s, or pass --python-home with its prefix", mi.PythonVersion))
		default:
			version := mi.PythonVersion
			if mi.PythonExe != "" {
				if out, err := h.Output(mi.PythonExe, "-c", "import platform; print(platform.python_version())"); err == nil && strings.HasPrefix(string(out), version+".") {
					version = strings.TrimSpace(string(out))
				}
			}
			r.add("Python", StatusOK, fmt.Sprintf("Python %s, home %s%s", version, mi.PythonHome, parens(mi.PythonExe)), "")
		}
		env, err := ChoosePython(&o, h, mi)
		switch {
		case err != nil:
			r.fail("virtualenv", err)
		case env.Source == "the module's Python":
			r.add("virtualenv", StatusOK, "none: the application runs in the module's Python (activate a virtualenv of Python "+mi.PythonVersion+", or pass --python-home, to use one)", "")
		default:
			kind := "installation"
			if env.Virtualenv {
				kind = "virtualenv"
			}
			r.add("virtualenv", StatusOK, fmt.Sprintf("%s (Python %s %s, from %s)", env.Home, env.Version, kind, env.Source), "")
		}
	}

	if mt, err := findMimeTypes(&o, h, apxs); err != nil {
		r.fail("mime.types", err)
	} else {
		r.add("mime.types", StatusOK, mt, "")
	}

	p := &Plan{}
	if err := resolveNetwork(&o, h, p); err != nil {
		r.failInput("port", err)
	} else {
		p.O = o
		if err := CheckPort(p, h); err != nil {
			r.add("port", StatusFail, fmt.Sprintf("port %d on %s is in use", o.Port, firstNonEmpty(o.Host, "all interfaces")),
				"stop whatever listens there, or choose another port with --port")
		} else if h.Getuid() != 0 && o.Port < 1024 {
			r.add("port", StatusFail, fmt.Sprintf("port %d needs root", o.Port), "start as root, or choose a port from 1024 up with --port")
		} else {
			r.add("port", StatusOK, fmt.Sprintf("%d on %s is free", o.Port, firstNonEmpty(o.Host, "all interfaces")), "")
		}
	}

	if err := resolveServerRoot(&o, h, p); err != nil {
		r.fail("server root", err)
	} else if fi, err := h.Stat(p.ServerRoot); err == nil && fi.IsDir() {
		r.add("server root", StatusOK, p.ServerRoot+" (exists and is ours)", "")
	} else if parent := nearestDir(h, filepath.Dir(p.ServerRoot)); parent == "" {
		r.add("server root", StatusFail, p.ServerRoot+" cannot be created", "give a directory under an existing one with --server-root")
	} else {
		r.add("server root", StatusOK, p.ServerRoot+" (will be created)", "")
	}

	if err := resolveAccount(&o, h, p); err != nil {
		r.fail("account", err)
	} else if p.RunningAsRoot {
		r.add("account", StatusOK, fmt.Sprintf("running as root; Apache's children and the application run as %s:%s (uid %d, gid %d)", p.User, p.Group, p.UID, p.GID), "")
	} else {
		name := strconv.Itoa(p.UID)
		if u, err := h.LookupUserID(name); err == nil {
			name = u.Username + " (uid " + name + ")"
		}
		r.add("account", StatusOK, "running as "+name+"; Apache and the application run as this account", "")
	}

	r.OK = !r.failed()
	if r.OK {
		// Every part looks right: check the whole as start-server would.
		if _, err := Resolve(o, h); err != nil {
			r.fail("configuration", err)
		} else if _, real := h.(RealHost); real && moduleOK && httpd != "" && modulesDir != "" {
			if err := loadTest(httpd, modulesDir, mi, &o, h); err != nil {
				r.add("module loads", StatusFail, err.Error(), "use a mod_wsgi built for this Apache and an installed Python (--mod-wsgi-module)")
			} else {
				r.add("module loads", StatusOK, "Apache accepts LoadModule wsgi_module "+mi.Path, "")
			}
		}
		r.OK = !r.failed()
	}
	return r
}

func (r *DoctorReport) failed() bool {
	for _, c := range r.Checks {
		if c.Status == StatusFail {
			return true
		}
	}
	return false
}

func usedNote(name, chosen string) string {
	if name == chosen {
		return " (will be used)"
	}
	return ""
}

func parens(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// nearestDir is the closest existing directory at or above d.
func nearestDir(h Host, d string) string {
	for {
		if dirExists(h, d) {
			return d
		}
		if d == "/" || d == "." {
			return ""
		}
		d = filepath.Dir(d)
	}
}

// loadTest has Apache check a scratch configuration that loads an MPM and
// the module the way module-config says to, which fails when the module
// does not fit this Apache or its libpython cannot be loaded.
func loadTest(httpd, modulesDir string, mi ModuleInfo, o *Options, h Host) error {
	dir, err := os.MkdirTemp("", "mod_wsgi-doctor-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env, _ := ChoosePython(o, h, mi)
	var b strings.Builder
	fmt.Fprintf(&b, "ServerRoot %s\nPidFile %s\nErrorLog %s\nServerName localhost\nListen 127.0.0.1:1\n",
		ApacheQuote(dir), ApacheQuote(filepath.Join(dir, "httpd.pid")), ApacheQuote(filepath.Join(dir, "error_log")))
	files := moduleNamesIn(h, modulesDir)
	for _, m := range mpm.Precedence {
		if files["mod_mpm_"+m+".so"] {
			fmt.Fprintf(&b, "LoadModule mpm_%s_module %s\n", m, ApacheQuote(filepath.Join(modulesDir, "mod_mpm_"+m+".so")))
			break
		}
	}
	for _, l := range ModuleLines(mi, mi.Path, env) {
		b.WriteString(l + "\n")
	}
	conf := filepath.Join(dir, "httpd.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		return err
	}
	out, err := exec.Command(httpd, "-t", "-f", conf).CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return fmt.Errorf("%s -t rejects the module: %s", filepath.Base(httpd), lines[len(lines)-1])
	}
	return nil
}
