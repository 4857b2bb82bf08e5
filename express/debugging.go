package express

import (
	"cmp"
	"path/filepath"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
)

// DebuggingOptions are the development tools; each of them implies debug
// mode (--help: Debugging).
type DebuggingOptions struct {
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

func defaultDebuggingOptions() DebuggingOptions { return DebuggingOptions{GDBExecutable: "gdb"} }

// DebugPlan is debug mode and the development tools.
type DebugPlan struct {
	// Mode: one Apache process with one request thread in the foreground,
	// running the application itself (embedded, since mod_wsgi's daemons
	// do not run under httpd -X); reloading is off.
	Mode            bool
	Debugger        bool // pdb post mortem
	DebuggerStartup bool // pdb at start
	// Output directories of the tools ("" when the tool is off). Created
	// by Write, owned by the account the application runs as.
	ProfilerDirectory string
	RecorderDirectory string
	CoverageDirectory string
	GDB               string // gdb to run Apache under ("" when off)
	GDBCommands       string // gdb command file in the server root
}

// debugShape is the process model of debug mode: one embedded process with
// one request thread (the processes step reads it instead of the
// options).
var debugShape = shape{Embedded: true, Threads: 1, MaxClients: 1, InitialWorkers: -1, MinimumSpareWorkers: -1, MaximumSpareWorkers: -1}

// CoverageHint is how to make coverage importable by mod_wsgi's Python.
const CoverageHint = "apt-get install python3-coverage or pip install coverage"

// debugMode decides, first of all, whether the server runs in debug mode:
// --debug-mode, or a tool that implies it. Later steps read Debug.Mode.
func (r *resolver) debugMode() error {
	o, d := &r.o, &r.p.Debug
	if o.DebuggerStartup && !o.EnableDebugger {
		return usagef("debugger-startup", "only works with --enable-debugger; add --enable-debugger or drop --debugger-startup")
	}
	d.Mode = o.DebugMode || o.EnableDebugger || o.EnableProfiler || o.EnableRecorder || o.EnableCoverage || o.EnableGDB
	d.Debugger, d.DebuggerStartup = o.EnableDebugger && d.Mode, o.DebuggerStartup && d.Mode
	return nil
}

// debugTools checks the tools' output directories, coverage and gdb.
func (r *resolver) debugTools() error {
	o, d := &r.o, &r.p.Debug
	if !d.Mode {
		return nil
	}
	var err error
	if o.EnableProfiler {
		if d.ProfilerDirectory, err = r.toolDir("profiler-directory", o.ProfilerDirectory, "pstats"); err != nil {
			return err
		}
	}
	if o.EnableRecorder {
		if d.RecorderDirectory, err = r.toolDir("recorder-directory", o.RecorderDirectory, "archive"); err != nil {
			return err
		}
	}
	if o.EnableCoverage {
		if d.CoverageDirectory, err = r.toolDir("coverage-directory", o.CoverageDirectory, "htmlcov"); err != nil {
			return err
		}
		if err := r.checkCoverage(); err != nil {
			return err
		}
	}
	if o.EnableGDB {
		if d.GDB, err = r.findGDB(); err != nil {
			return err
		}
		d.GDBCommands = filepath.Join(r.p.Paths.ServerRoot, "gdb.cmds")
		r.addFile(OutputFile{Name: filepath.Base(d.GDBCommands), Template: "gdb-commands", Mode: 0o600})
	}
	// The tools' output, writable by the application's account alone.
	for _, dir := range []string{d.ProfilerDirectory, d.RecorderDirectory, d.CoverageDirectory} {
		if dir != "" {
			r.addDir(OutputDir{Path: dir, Mode: 0o700, Owner: DirApplication, Parents: true})
		}
	}
	return nil
}

// toolDir is a tool's output directory: given, or def in the server root.
func (r *resolver) toolDir(opt, given, def string) (string, error) {
	d := filepath.Join(r.p.Paths.ServerRoot, def)
	if given != "" {
		d = r.abs(given)
	}
	if fi, err := r.h.Stat(d); err == nil && !fi.IsDir() {
		return "", usagef(opt, "%s exists and is not a directory", d)
	}
	if err := r.checkGivenDir(opt, d); err != nil {
		return "", err
	}
	return d, nil
}

// checkCoverage asks the application's Python whether it can import
// coverage.
func (r *resolver) checkCoverage() error {
	py := r.interpreter()
	if py == "" {
		return usagef("enable-coverage", "no Python interpreter found for the mod_wsgi module %s to check for coverage; %s", r.p.Paths.Module.Path, CoverageHint)
	}
	if _, err := r.h.Output(py, "-c", "import coverage"); err != nil {
		return usagef("enable-coverage", "the coverage package is not importable by %s, the Python mod_wsgi runs; %s", py, CoverageHint)
	}
	return nil
}

// findGDB is --gdb-executable as a path, or found on PATH.
func (r *resolver) findGDB() (string, error) {
	g := cmp.Or(r.o.GDBExecutable, "gdb")
	if strings.Contains(g, "/") {
		g = r.abs(g)
		if !discover.IsFile(r.h, g) {
			return "", usagef("gdb-executable", "no program at %s", g)
		}
		return g, nil
	}
	found, err := r.h.LookPath(g)
	if err != nil {
		return "", usagef("enable-gdb", "%s is not on PATH; install gdb (apt-get install gdb) or give its path with --gdb-executable", g)
	}
	return found, nil
}

// debugSummary is what the summary says about the development tools.
func debugSummary(p *Plan) []SummaryLine {
	d := p.Debug
	var out []SummaryLine
	if d.Debugger {
		what := "pdb post mortem on the terminal"
		if d.DebuggerStartup {
			what += ", and at server start"
		}
		out = append(out, SummaryLine{"Debugger", what})
	}
	if d.ProfilerDirectory != "" {
		out = append(out, SummaryLine{"Profiler Output", d.ProfilerDirectory})
	}
	if d.RecorderDirectory != "" {
		out = append(out, SummaryLine{"Recorder Output", d.RecorderDirectory})
	}
	if d.CoverageDirectory != "" {
		out = append(out, SummaryLine{"Coverage Output", filepath.Join(d.CoverageDirectory, "index.html")})
	}
	if d.GDB != "" {
		out = append(out, SummaryLine{"Debugger (gdb)", d.GDB})
	}
	return out
}
