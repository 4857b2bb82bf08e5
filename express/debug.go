package express

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DebugOptions are the development tools; each of them implies debug mode.
type DebugOptions struct {
	DebugMode         bool
	EnableDebugger    bool
	DebuggerStartup   bool
	EnableProfiler    bool
	ProfilerDirectory string
	EnableRecorder    bool
	RecorderDirectory string
	EnableCoverage    bool
	CoverageDirectory string
	EnableGDB         bool
	GDBExecutable     string // default gdb
}

// DebugPlan: values debug mode and the development tools need.
type DebugPlan struct {
	DebugMode bool // one Apache process, one thread, in the foreground
	// Output directories of the tools ("" when the tool is off). Created
	// by Write, owned by the account the application runs as.
	ProfilerDirectory string
	RecorderDirectory string
	CoverageDirectory string
	GDB               string // gdb to run Apache under ("" when off)
	GDBCommands       string // gdb command file in the server root
}

// DebugHandler is the part of handler.json the Python runtime's
// development tools read.
type DebugHandler struct {
	DebugMode         bool   `json:"debug_mode"`
	EnableDebugger    bool   `json:"enable_debugger"`
	DebuggerStartup   bool   `json:"debugger_startup"`
	ProfilerDirectory string `json:"profiler_directory"`
	RecorderDirectory string `json:"recorder_directory"`
	CoverageDirectory string `json:"coverage_directory"`
}

// CoverageHint is how to make coverage importable by mod_wsgi's Python.
const CoverageHint = "apt-get install python3-coverage or pip install coverage"

// resolveDebug handles --debug-mode and the tools that imply it. Debug mode
// runs the application inside a single Apache process (embedded, since
// mod_wsgi's daemons do not run under httpd -X) with a single request
// thread; process options are ignored and reloading is off.
func resolveDebug(o *Options, h Host, p *Plan) error {
	if o.DebuggerStartup && !o.EnableDebugger {
		return usagef("debugger-startup", "only works with --enable-debugger; add --enable-debugger or drop --debugger-startup")
	}
	if o.EnableDebugger || o.EnableProfiler || o.EnableRecorder || o.EnableCoverage || o.EnableGDB {
		o.DebugMode = true
	}
	if !o.DebugMode {
		return nil
	}
	p.DebugMode = true
	p.Handler.DebugMode = true
	p.Handler.ReloadOnChanges = false
	p.Handler.DisableReloading = true
	o.ReloadOnChanges, o.DisableReloading = false, true
	o.EmbeddedMode = true
	o.Processes, o.Threads, o.MaxClients = 0, 1, 1
	o.InitialWorkers, o.MinimumSpareWorkers, o.MaximumSpareWorkers = -1, -1, -1
	preferPrefork(h, p)

	dir := func(opt, given, def string) (string, error) {
		d := filepath.Join(p.ServerRoot, def)
		if given != "" {
			d = absFrom(h, given)
		}
		if fi, err := h.Stat(d); err == nil && !fi.IsDir() {
			return "", usagef(opt, "%s exists and is not a directory", d)
		}
		if err := checkGivenDir(h, p, opt, d); err != nil {
			return "", err
		}
		return d, nil
	}
	var err error
	if o.EnableProfiler {
		if p.ProfilerDirectory, err = dir("profiler-directory", o.ProfilerDirectory, "pstats"); err != nil {
			return err
		}
	}
	if o.EnableRecorder {
		if p.RecorderDirectory, err = dir("recorder-directory", o.RecorderDirectory, "archive"); err != nil {
			return err
		}
	}
	if o.EnableCoverage {
		if p.CoverageDirectory, err = dir("coverage-directory", o.CoverageDirectory, "htmlcov"); err != nil {
			return err
		}
		py := appPython(h, p)
		if py == "" {
			return usagef("enable-coverage", "no Python interpreter found for the mod_wsgi module %s to check for coverage; %s", p.Module.Path, CoverageHint)
		}
		if _, err := h.Output(py, "-c", "import coverage"); err != nil {
			return usagef("enable-coverage", "the coverage package is not importable by %s, the Python mod_wsgi runs; %s", py, CoverageHint)
		}
	}
	if o.EnableGDB {
		g := firstNonEmpty(o.GDBExecutable, "gdb")
		if strings.Contains(g, "/") {
			g = absFrom(h, g)
			if !fileExists(h, g) {
				return usagef("gdb-executable", "no program at %s", g)
			}
		} else if found, err := h.LookPath(g); err == nil {
			g = found
		} else {
			return usagef("enable-gdb", "%s is not on PATH; install gdb (apt-get install gdb) or give its path with --gdb-executable", g)
		}
		p.GDB = g
		p.GDBCommands = filepath.Join(p.ServerRoot, "gdb.cmds")
	}
	p.Handler.EnableDebugger = o.EnableDebugger
	p.Handler.DebuggerStartup = o.DebuggerStartup
	p.Handler.ProfilerDirectory = p.ProfilerDirectory
	p.Handler.RecorderDirectory = p.RecorderDirectory
	p.Handler.CoverageDirectory = p.CoverageDirectory
	return nil
}

// preferPrefork switches to the prefork MPM when it can be loaded: its one
// process serves requests on the thread that loaded the application, which
// is what debuggers, profilers and coverage see best. Other MPMs are sized
// to one request thread by the caller.
func preferPrefork(h Host, p *Plan) {
	if p.MPM == "prefork" {
		return
	}
	so := filepath.Join(p.ModulesDir, "mod_mpm_prefork.so")
	for i, m := range p.LoadModules {
		if m.Name == "mpm_"+p.MPM+"_module" && fileExists(h, so) {
			p.LoadModules[i] = LoadModule{"mpm_prefork_module", so}
			p.MPM = "prefork"
			return
		}
	}
}

// appPython is an interpreter of the Python the application runs with:
// the virtualenv's when one is used, else the module's own.
func appPython(h Host, p *Plan) string {
	if p.PythonHome != "" && p.PythonHome != p.Module.PythonHome {
		for _, n := range []string{"python3", "python"} {
			if exe := filepath.Join(p.PythonHome, "bin", n); fileExists(h, exe) {
				return exe
			}
		}
	}
	return p.Module.PythonExe
}

// gdbCommands is the gdb command file that starts Apache in debug mode.
func gdbCommands(p *Plan) []byte {
	return []byte(fmt.Sprintf(`# Generated by mod_wsgi-express (--enable-gdb): gdb runs Apache in debug
# mode. Ctrl-C interrupts Apache and gives the (gdb) prompt: bt shows where
# it was, c goes on, quit stops Apache and gdb.
set pagination off
set confirm off
run -f %s -k start %s
`, gdbQuote(p.ConfigFile), strings.Join(debugHTTPDArgs, " ")))
}

// debugHTTPDArgs put Apache in its one-process debugging mode, in the
// foreground (-X implies ONE_PROCESS and keeps the terminal).
var debugHTTPDArgs = []string{"-X"}

// gdbQuote quotes an argument for gdb's run command, which passes the line
// to a shell.
func gdbQuote(s string) string { return ShellQuote(s) }

// makeDebugDirs creates the tools' output directories, writable by the
// account the application runs as and by nobody else.
func makeDebugDirs(p *Plan) error {
	for _, d := range []string{p.ProfilerDirectory, p.RecorderDirectory, p.CoverageDirectory} {
		if d == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", filepath.Dir(d), err)
		}
		if err := os.Mkdir(d, 0o700); err != nil && !os.IsExist(err) {
			return fmt.Errorf("creating %s: %w", d, err)
		}
		if p.RunningAsRoot {
			if err := os.Chown(d, p.UID, p.GID); err != nil {
				return fmt.Errorf("setting owner of %s: %w", d, err)
			}
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return fmt.Errorf("setting mode of %s: %w", d, err)
		}
	}
	return nil
}

// debugSummary is what the summary says about the development tools.
func debugSummary(p *Plan) []SummaryLine {
	var out []SummaryLine
	if p.Handler.EnableDebugger {
		what := "pdb post mortem on the terminal"
		if p.Handler.DebuggerStartup {
			what += ", and at server start"
		}
		out = append(out, SummaryLine{"Debugger", what})
	}
	if p.ProfilerDirectory != "" {
		out = append(out, SummaryLine{"Profiler Output", p.ProfilerDirectory})
	}
	if p.RecorderDirectory != "" {
		out = append(out, SummaryLine{"Recorder Output", p.RecorderDirectory})
	}
	if p.CoverageDirectory != "" {
		out = append(out, SummaryLine{"Coverage Output", filepath.Join(p.CoverageDirectory, "index.html")})
	}
	if p.GDB != "" {
		out = append(out, SummaryLine{"Debugger (gdb)", p.GDB})
	}
	return out
}
