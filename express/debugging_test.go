package express

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
)

func resolveWith(t *testing.T, l layout, mod func(*Options)) (*Plan, error) {
	t.Helper()
	h := fakeHost(t, l, 0)
	o := DefaultOptions()
	o.Version = "test"
	o.EntryPoint = "hello.wsgi"
	mod(&o)
	return Resolve(o, h)
}

func wantUsage(t *testing.T, err error, option string, words ...string) {
	t.Helper()
	var u *fault.UsageError
	if !errors.As(err, &u) || u.Option != option {
		t.Fatalf("error %v, want a usage error for --%s", err, option)
	}
	for _, w := range words {
		if !strings.Contains(u.Error(), w) {
			t.Errorf("%q lacks %q", u.Error(), w)
		}
	}
}

func TestDebuggerStartupNeedsEnableDebugger(t *testing.T) {
	_, err := resolveWith(t, debianLayout(), func(o *Options) { o.DebuggerStartup = true })
	wantUsage(t, err, "debugger-startup", "--enable-debugger")
}

func TestToolsImplyDebugMode(t *testing.T) {
	for name, mod := range map[string]func(*Options){
		"debug-mode":      func(o *Options) { o.DebugMode = true },
		"enable-debugger": func(o *Options) { o.EnableDebugger = true },
		"enable-profiler": func(o *Options) { o.EnableProfiler = true },
		"enable-recorder": func(o *Options) { o.EnableRecorder = true },
	} {
		t.Run(name, func(t *testing.T) {
			p, err := resolveWith(t, debianLayout(), func(o *Options) {
				mod(o)
				o.Processes, o.Threads, o.ReloadOnChanges = "4", 9, true
			})
			if err != nil {
				t.Fatal(err)
			}
			if !p.Debug.Mode || p.Processes.OperatingMode != "debug" || !p.Processes.Embedded || p.Application.WSGIProcessGroup != "%{GLOBAL}" {
				t.Errorf("debug %v, mode %q, embedded %v, group %q", p.Debug.Mode, p.Processes.OperatingMode, p.Processes.Embedded, p.Application.WSGIProcessGroup)
			}
			if p.Processes.MPM != "prefork" || p.Processes.Threads != 1 || p.Processes.Given != 0 || p.Processes.MPMSize.Capacity != 1 {
				t.Errorf("MPM %s, threads %d, processes %d, max clients %d: want one prefork process, one thread", p.Processes.MPM, p.Processes.Threads, p.Processes.Given, p.Processes.MPMSize.Capacity)
			}
			if p.Handler.ReloadOnChanges || !p.Handler.DisableReloading || !p.Handler.DebugMode {
				t.Errorf("reloading not off in debug mode: %+v", p.Handler)
			}
		})
	}
}

func TestToolDirectories(t *testing.T) {
	p, err := resolveWith(t, debianLayout(), func(o *Options) {
		o.EnableProfiler, o.EnableRecorder = true, true
		o.RecorderDirectory = "rec"
		o.ProfilerDirectory = "" // default
		o.CoverageDirectory = "ignored-without-enable-coverage"
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Debug.ProfilerDirectory != filepath.Join(p.Paths.ServerRoot, "pstats") || p.Debug.RecorderDirectory != "/srv/app/rec" || p.Debug.CoverageDirectory != "" {
		t.Errorf("directories: profiler %q recorder %q coverage %q", p.Debug.ProfilerDirectory, p.Debug.RecorderDirectory, p.Debug.CoverageDirectory)
	}
	var hc map[string]any
	b, _ := json.Marshal(p.Handler)
	json.Unmarshal(b, &hc)
	if hc["profiler_directory"] != p.Debug.ProfilerDirectory || hc["recorder_directory"] != "/srv/app/rec" || hc["debug_mode"] != true {
		t.Errorf("handler.json: %s", b)
	}
}

func TestCoverageMustBeImportable(t *testing.T) {
	// The fake host runs no program, so coverage is never importable.
	_, err := resolveWith(t, debianLayout(), func(o *Options) { o.EnableCoverage = true })
	wantUsage(t, err, "enable-coverage", CoverageHint, "/usr/bin/python3.11")
}

func TestGDB(t *testing.T) {
	_, err := resolveWith(t, debianLayout(), func(o *Options) { o.EnableGDB, o.GDBExecutable = true, "gdb" })
	wantUsage(t, err, "enable-gdb", "gdb", "--gdb-executable")

	l := debianLayout()
	l.Files["/usr/bin/gdb"] = ""
	p, err := resolveWith(t, l, func(o *Options) { o.EnableGDB = true })
	if err != nil {
		t.Fatal(err)
	}
	if p.Debug.GDB != "/usr/bin/gdb" || !p.Debug.Mode {
		t.Errorf("gdb %q, debug %v", p.Debug.GDB, p.Debug.Mode)
	}
}
