package discover

import (
	"cmp"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/quote"
)

// PythonEnv is the Python installation or virtualenv the application runs
// in, and how it was chosen.
type PythonEnv struct {
	Home       string // WSGIPythonHome; "" when the module's Python could not be located
	Version    string // major.minor, "" when unknown
	Virtualenv bool   // Home holds a pyvenv.cfg
	Source     string // --python-home, --python-executable, $VIRTUAL_ENV or "the module's Python"
}

// ModulesPython is PythonEnv.Source when no environment was asked for.
const ModulesPython = "the module's Python"

// ChoosePython works out the Python environment the application runs in:
// --python-home, --python-executable, $VIRTUAL_ENV, else the module's own
// Python. A virtualenv must be of the Python the module was built for.
func ChoosePython(h Machine, g Given, mi ModuleInfo) (PythonEnv, error) {
	if g.PythonHome != "" && g.PythonExecutable != "" {
		return PythonEnv{}, fault.Usagef("python-executable", "give either --python-home or --python-executable, not both")
	}
	env := PythonEnv{}
	opt, label := "", ""
	switch {
	case g.PythonHome != "":
		env.Home, env.Source, opt = Abs(h, g.PythonHome), "--python-home", "python-home"
		label = "--python-home " + env.Home
		if !IsDir(h, env.Home) {
			return env, fault.Usagef(opt, "%s is not a directory holding a Python installation or virtualenv", env.Home)
		}
	case g.PythonExecutable != "":
		exe := Abs(h, g.PythonExecutable)
		env.Source, opt, label = "--python-executable", "python-executable", "--python-executable "+exe
		if !IsFile(h, exe) {
			return env, fault.Usagef(opt, "no Python interpreter at %s; give the path of a virtualenv's bin/python", exe)
		}
		var home string
		var err error
		if IsWindows(h) {
			home, err = homeOfExecutableWindows(h, exe)
		} else {
			home, err = homeOfExecutable(h, exe)
		}
		if err != nil {
			return env, err
		}
		env.Home = home
	case h.Getenv("VIRTUAL_ENV") != "":
		env.Home, env.Source = Abs(h, h.Getenv("VIRTUAL_ENV")), "$VIRTUAL_ENV"
		label = "$VIRTUAL_ENV " + env.Home
		if !IsDir(h, env.Home) {
			return env, &fault.UsageError{Msg: fmt.Sprintf("$VIRTUAL_ENV is %s, which is not a directory; deactivate the virtualenv or fix VIRTUAL_ENV", env.Home)}
		}
	default:
		return PythonEnv{Home: mi.PythonHome, Version: mi.PythonVersion, Source: ModulesPython}, nil
	}
	env.Virtualenv = IsFile(h, hostJoin(h, env.Home, "pyvenv.cfg"))
	if IsWindows(h) {
		env.Version = windowsEnvVersion(h, env.Home, mi.PythonVersion)
	} else {
		env.Version = envVersion(h, env.Home, mi.PythonVersion)
	}
	if need := mi.PythonVersion; need != "" && env.Version != need {
		msg := fmt.Sprintf("%s holds %s, but the mod_wsgi module %s was built for Python %s; %s", label, describeVersion(env.Version), mi.Path, need, versionFix(env.Version, need, mi))
		if opt == "" {
			return env, &fault.UsageError{Msg: msg}
		}
		return env, fault.Usagef(opt, "%s", msg)
	}
	return env, nil
}

// describeVersion says which Python an environment holds.
func describeVersion(v string) string {
	if v == "" {
		return "no Python this tool could recognise (no pyvenv.cfg, no lib/pythonX.Y)"
	}
	return "Python " + v
}

// versionFix is the way out of an environment of Python have for a module
// built for Python need.
func versionFix(have, need string, mi ModuleInfo) string {
	that := "that Python"
	if have != "" {
		that = "Python " + have
	}
	return fmt.Sprintf("either use a mod_wsgi built for %s (pip install mod_wsgi into that environment, or pass --mod-wsgi-module), or make a virtualenv of Python %s (%s -m venv DIR) and install the application's packages there",
		that, need, cmp.Or(mi.PythonExe, "python"+need))
}

// CheckLoadable fails when the module links a libpython that is nowhere on
// the loader's path: the mark of a mod_wsgi built for another Python, which
// Apache would refuse at LoadModule.
func CheckLoadable(mi ModuleInfo) error {
	if mi.LibPythonName == "" || mi.LibPython != "" {
		return nil
	}
	if mi.PE {
		return checkLoadableWindows(mi)
	}
	return fault.Usagef("mod-wsgi-module", "%s links %s, which is not installed on the loader's path, so Apache cannot load it; it was built for Python %s: install that Python's shared library, or use a mod_wsgi built for an installed Python (pip install mod_wsgi in a virtualenv of it, and pass --mod-wsgi-module or activate the virtualenv)",
		mi.Path, mi.LibPythonName, mi.PythonVersion)
}

// Interpreter is an interpreter of the Python the application runs with:
// the environment's when one is used (home differs from the module's
// Python), else the module's own.
func Interpreter(h Machine, home string, mi ModuleInfo) string {
	if home != "" && home != mi.PythonHome {
		for _, n := range []string{"python3", "python"} {
			if exe := filepath.Join(home, "bin", n); IsFile(h, exe) {
				return exe
			}
		}
	}
	return mi.PythonExe
}

// envVersion is the Python major.minor of an installation or virtualenv:
// pyvenv.cfg's version, else want when lib/pythonWANT exists, else the
// first lib/pythonX.Y found.
func envVersion(h Machine, home, want string) string {
	if IsFile(h, filepath.Join(home, "pyvenv.cfg")) {
		if v := venvVersion(h, home); v != "" {
			return v
		}
	}
	if want != "" {
		for _, lib := range []string{"lib", "lib64"} {
			if IsDir(h, filepath.Join(home, lib, "python"+want)) {
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
func homeOfExecutable(h Machine, exe string) (string, error) {
	if bin := filepath.Dir(exe); filepath.Base(bin) == "bin" {
		prefix := filepath.Dir(bin)
		if IsFile(h, filepath.Join(prefix, "pyvenv.cfg")) || venvVersion(h, prefix) != "" {
			return prefix, nil
		}
	}
	out, err := h.Output(exe, "-c", "import sys; sys.stdout.write(sys.prefix)")
	if err == nil {
		if prefix := strings.TrimSpace(string(out)); filepath.IsAbs(prefix) && IsDir(h, prefix) {
			return prefix, nil
		}
	}
	return "", fault.Usagef("python-executable", "cannot tell which installation or virtualenv %s belongs to; pass --python-home DIR instead", exe)
}

var (
	reVenvCfgVersion = regexp.MustCompile(`(?m)^(?:version|version_info)\s*=\s*(\d+)\.(\d+)`)
	reLibPythonDir   = regexp.MustCompile(`^python(\d+)\.(\d+)$`)
)

// venvVersion reads a virtualenv's Python major.minor from pyvenv.cfg or
// its lib directory.
func venvVersion(h Machine, venv string) string {
	if cfg, err := h.ReadFile(filepath.Join(venv, "pyvenv.cfg")); err == nil {
		if m := reVenvCfgVersion.FindSubmatch(cfg); m != nil {
			return string(m[1]) + "." + string(m[2])
		}
	}
	libs, _ := h.ReadDir(filepath.Join(venv, "lib"))
	for _, l := range libs {
		if m := reLibPythonDir.FindStringSubmatch(l.Name()); m != nil {
			return m[1] + "." + m[2]
		}
	}
	return ""
}

// ModuleSetup is what the module commands need: the module and the Python
// environment it will run.
type ModuleSetup struct {
	Module ModuleInfo
	Python PythonEnv
}

// FindModuleSetup finds the mod_wsgi module as start-server would and the
// Python environment it would run, needing Apache itself only when the
// module must be looked for in Apache's modules directory.
func FindModuleSetup(h Machine, g Given) (*ModuleSetup, error) {
	modulesDir := ""
	if g.ModulesDir != "" || (g.Module == "" && h.Getenv("MOD_WSGI_MODULE") == "") {
		apxs := ApxsVars(h)
		httpd, _ := FindHTTPD(h, g.HTTPD, apxs)
		md, err := FindModulesDir(h, g.ModulesDir, apxs, httpd)
		if err != nil && g.ModulesDir != "" {
			return nil, err
		}
		modulesDir = md
	}
	mi, err := FindModule(h, g, modulesDir)
	if err != nil {
		return nil, err
	}
	env, err := ChoosePython(h, g, mi)
	if err != nil {
		return nil, err
	}
	return &ModuleSetup{Module: mi, Python: env}, nil
}

// DefaultInstallDir is where install-module copies the module when no
// --modules-directory is given: apxs LIBEXECDIR, else Apache's modules
// directory as found by discovery.
func DefaultInstallDir(h Machine) (string, error) {
	apxs := ApxsVars(h)
	if d := cmp.Or(apxs["exp_libexecdir"], apxs["libexecdir"]); d != "" {
		return d, nil
	}
	httpd, _ := FindHTTPD(h, "", apxs)
	return FindModulesDir(h, "", apxs, httpd)
}

// ModuleLines are the Apache directives that load a mod_wsgi module and
// point it at its Python: what module-config and install-module print.
//
// For a Windows module the paths are written with forward slashes, as
// mod_wsgi's module-config writes them and Apache for Windows reads them.
func ModuleLines(mi ModuleInfo, modulePath string, env PythonEnv) []string {
	q := quote.Apache
	if mi.PE {
		q = func(p string) string { return quote.Apache(winSlash(p)) }
	}
	var lines []string
	if mi.NeedsLoadFile && mi.LibPython != "" {
		lines = append(lines, "LoadFile "+q(mi.LibPython))
	}
	lines = append(lines, "LoadModule wsgi_module "+q(modulePath))
	if env.Home != "" {
		lines = append(lines, "WSGIPythonHome "+q(env.Home))
	}
	return lines
}
