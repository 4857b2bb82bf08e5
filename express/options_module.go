package express

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModuleOptions: fields for this concern's command-line options.
type ModuleOptions struct {
	// PythonExecutable is an interpreter (such as VENV/bin/python) whose
	// virtualenv or installation the application runs in; an alternative
	// to --python-home.
	PythonExecutable string
}

// ModulePlan: values this concern's templates need.
type ModulePlan struct {
	// Python is the environment the application runs in.
	Python PythonEnv
}

// PythonEnv is the Python installation or virtualenv the application runs
// in, and how it was chosen.
type PythonEnv struct {
	Home       string // WSGIPythonHome; "" when the module's Python could not be located
	Version    string // major.minor, "" when unknown
	Virtualenv bool   // Home holds a pyvenv.cfg
	Source     string // --python-home, --python-executable, $VIRTUAL_ENV or "the module's Python"
}

// resolveModule checks this concern's options and fills its part of the plan.
func resolveModule(o *Options, h Host, p *Plan) error { return nil }

// ChoosePython works out the Python environment the application runs in:
// --python-home, --python-executable, $VIRTUAL_ENV, else the module's own
// Python. A virtualenv must be of the Python the module was built for.
func ChoosePython(o *Options, h Host, mi ModuleInfo) (PythonEnv, error) {
	if o.PythonHome != "" && o.PythonExecutable != "" {
		return PythonEnv{}, usagef("python-executable", "give either --python-home or --python-executable, not both")
	}
	env := PythonEnv{}
	opt, label := "", ""
	switch {
	case o.PythonHome != "":
		env.Home, env.Source, opt = absFrom(h, o.PythonHome), "--python-home", "python-home"
		label = "--python-home " + env.Home
		if !dirExists(h, env.Home) {
			return env, usagef(opt, "%s is not a directory holding a Python installation or virtualenv", env.Home)
		}
	case o.PythonExecutable != "":
		exe := absFrom(h, o.PythonExecutable)
		env.Source, opt, label = "--python-executable", "python-executable", "--python-executable "+exe
		if !fileExists(h, exe) {
			return env, usagef(opt, "no Python interpreter at %s; give the path of a virtualenv's bin/python", exe)
		}
		home, err := homeOfExecutable(h, exe)
		if err != nil {
			return env, err
		}
		env.Home = home
	case h.Getenv("VIRTUAL_ENV") != "":
		env.Home, env.Source = absFrom(h, h.Getenv("VIRTUAL_ENV")), "$VIRTUAL_ENV"
		label = "$VIRTUAL_ENV " + env.Home
		if !dirExists(h, env.Home) {
			return env, &UsageError{Msg: fmt.Sprintf("$VIRTUAL_ENV is %s, which is not a directory; deactivate the virtualenv or fix VIRTUAL_ENV", env.Home)}
		}
	default:
		return PythonEnv{Home: mi.PythonHome, Version: mi.PythonVersion, Source: "the module's Python"}, nil
	}
	env.Virtualenv = fileExists(h, filepath.Join(env.Home, "pyvenv.cfg"))
	env.Version = envVersion(h, env.Home, mi.PythonVersion)
	need := mi.PythonVersion
	if need != "" && env.Version != need {
		what := "Python " + env.Version
		if env.Version == "" {
			what = "no Python this tool could recognise (no pyvenv.cfg, no lib/pythonX.Y)"
		}
		that := "that Python"
		if env.Version != "" {
			that = "Python " + env.Version
		}
		fix := fmt.Sprintf("either use a mod_wsgi built for %s (pip install mod_wsgi into that environment, or pass --mod-wsgi-module), or make a virtualenv of Python %s (%s -m venv DIR) and install the application's packages there",
			that, need, firstNonEmpty(mi.PythonExe, "python"+need))
		msg := fmt.Sprintf("%s holds %s, but the mod_wsgi module %s was built for Python %s; %s", label, what, mi.Path, need, fix)
		if opt == "" {
			return env, &UsageError{Msg: msg}
		}
		return env, usagef(opt, "%s", msg)
	}
	return env, nil
}

// CheckLoadable fails when the module links a libpython that is nowhere on
// the loader's path: the mark of a mod_wsgi built for another Python, which
// Apache would refuse at LoadModule.
func CheckLoadable(mi ModuleInfo) error {
	if mi.LibPythonName == "" || mi.LibPython != "" {
		return nil
	}
	return usagef("mod-wsgi-module", "%s links %s, which is not installed on the loader's path, so Apache cannot load it; it was built for Python %s: install that Python's shared library, or use a mod_wsgi built for an installed Python (pip install mod_wsgi in a virtualenv of it, and pass --mod-wsgi-module or activate the virtualenv)",
		mi.Path, mi.LibPythonName, mi.PythonVersion)
}

// envVersion is the Python major.minor of an installation or virtualenv:
// pyvenv.cfg's version, else want when lib/pythonWANT exists, else the
// first lib/pythonX.Y found.
func envVersion(h Host, home, want string) string {
	if fileExists(h, filepath.Join(home, "pyvenv.cfg")) {
		if v := venvVersion(h, home); v != "" {
			return v
		}
	}
	if want != "" {
		for _, lib := range []string{"lib", "lib64"} {
			if dirExists(h, filepath.Join(home, lib, "python"+want)) {
				return want
			}
		}
	}
	return venvVersion(h, home)
}

// homeOfExecutable finds the environment an interpreter belongs to without
// following its symbolic link (a virtualenv's bin/python points at the
// base interpreter): PREFIX/bin/python, confirmed by a pyvenv.cfg or a
// lib/pythonX.Y directory; failing that, the interpreter is asked.
func homeOfExecutable(h Host, exe string) (string, error) {
	if bin := filepath.Dir(exe); filepath.Base(bin) == "bin" {
		prefix := filepath.Dir(bin)
		if fileExists(h, filepath.Join(prefix, "pyvenv.cfg")) || venvVersion(h, prefix) != "" {
			return prefix, nil
		}
	}
	out, err := h.Output(exe, "-c", "import sys; sys.stdout.write(sys.prefix)")
	if err == nil {
		if prefix := strings.TrimSpace(string(out)); filepath.IsAbs(prefix) && dirExists(h, prefix) {
			return prefix, nil
		}
	}
	return "", usagef("python-executable", "cannot tell which installation or virtualenv %s belongs to; pass --python-home DIR instead", exe)
}

// ModuleLines are the Apache directives that load a mod_wsgi module and
// point it at its Python: what module-config and install-module print.
func ModuleLines(mi ModuleInfo, modulePath string, env PythonEnv) []string {
	var lines []string
	if mi.NeedsLoadFile && mi.LibPython != "" {
		lines = append(lines, "LoadFile "+ApacheQuote(mi.LibPython))
	}
	lines = append(lines, "LoadModule wsgi_module "+ApacheQuote(modulePath))
	if env.Home != "" {
		lines = append(lines, "WSGIPythonHome "+ApacheQuote(env.Home))
	}
	return lines
}

// ModuleSetup is what the module commands need: the module and the Python
// environment it will run.
type ModuleSetup struct {
	Module ModuleInfo
	Python PythonEnv
}

// DiscoverModuleSetup finds the mod_wsgi module as start-server would and
// the Python environment it would run, needing Apache itself only when the
// module must be looked for in Apache's modules directory.
func DiscoverModuleSetup(o *Options, h Host) (*ModuleSetup, error) {
	if err := checkAllText(o); err != nil {
		return nil, err
	}
	apxs := apxsVars(h)
	modulesDir := ""
	if o.ModulesDirectory != "" || (o.ModWSGIModule == "" && h.Getenv("MOD_WSGI_MODULE") == "") {
		httpd, _ := findHTTPD(o, h, apxs)
		md, err := findModulesDir(o, h, apxs, httpd)
		if err != nil && o.ModulesDirectory != "" {
			return nil, err
		}
		modulesDir = md
	}
	mi, err := findModule(o, h, modulesDir)
	if err != nil {
		return nil, err
	}
	env, err := ChoosePython(o, h, mi)
	if err != nil {
		return nil, err
	}
	return &ModuleSetup{Module: mi, Python: env}, nil
}

// DefaultInstallDir is where install-module copies the module when no
// --modules-directory is given: apxs LIBEXECDIR, else Apache's modules
// directory as found by discovery.
func DefaultInstallDir(h Host) (string, error) {
	apxs := apxsVars(h)
	if apxs != nil {
		if d := firstNonEmpty(apxs["exp_libexecdir"], apxs["libexecdir"]); d != "" {
			return d, nil
		}
	}
	o := &Options{}
	httpd, _ := findHTTPD(o, h, apxs)
	return findModulesDir(o, h, apxs, httpd)
}

// InstallModule copies the module file into dir under its own name and
// returns the copy's path. Copying a file onto itself does nothing.
func InstallModule(mi ModuleInfo, dir string) (string, error) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return "", usagef("modules-directory", "%s is not a directory; give Apache's modules directory", dir)
	}
	target := filepath.Join(dir, filepath.Base(mi.Path))
	if a, err := os.Stat(mi.Path); err == nil {
		if b, err := os.Stat(target); err == nil && os.SameFile(a, b) {
			return target, nil
		}
	}
	data, err := os.ReadFile(mi.Path)
	if err != nil {
		return "", &RuntimeError{Msg: fmt.Sprintf("reading %s: %v", mi.Path, err)}
	}
	tmp, err := os.CreateTemp(dir, ".mod_wsgi-install-*")
	if err != nil {
		return "", &RuntimeError{Msg: fmt.Sprintf("cannot write into %s: %v", dir, err)}
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", &RuntimeError{Msg: fmt.Sprintf("writing %s: %v", tmp.Name(), err)}
	}
	if err := tmp.Close(); err != nil {
		return "", &RuntimeError{Msg: fmt.Sprintf("writing %s: %v", tmp.Name(), err)}
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", &RuntimeError{Msg: err.Error()}
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return "", &RuntimeError{Msg: fmt.Sprintf("installing %s: %v", target, err)}
	}
	return target, nil
}
