package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// groupApp reports the mod_wsgi process group it runs in, its pid and
// wsgi.multiprocess.
const groupApp = `import os
def application(environ, start_response):
    body = ('group=%s\npid=%d\nmultiprocess=%s\n' % (environ['mod_wsgi.process_group'], os.getpid(), environ['wsgi.multiprocess'])).encode()
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [body]
`

const apacheModules = "/usr/lib/apache2/modules"

// availableMPMs are the MPMs this machine's Apache can load.
func availableMPMs(t *testing.T) []string {
	var out []string
	for _, m := range []string{"event", "worker", "prefork"} {
		if _, err := os.Stat(filepath.Join(apacheModules, "mod_mpm_"+m+".so")); err == nil {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		t.Fatal("no loadable MPM in " + apacheModules)
	}
	return out
}

// Thread counts seen in /proc besides the request threads: an Apache
// child of a threaded MPM has its main thread and the listener.
const apacheChildExtraThreads = 2

// daemonExtraThreads: a mod_wsgi daemon process has its main thread, the
// monitor thread (timeouts) and the deadlock watcher (--deadlock-timeout);
// mod_wsgi 6 adds a signal dispatcher thread (for
// mod_wsgi.subscribe_signals).
func daemonExtraThreads(t *testing.T) int {
	if testenv.ModuleMajor(t) >= 6 {
		return 4
	}
	return 3
}

// checkShape waits until the server's processes settle into the expected
// shape and reports the difference if they do not. The counts come from
// /proc; the embedded-mode test also asks mod_status.
func checkShape(t *testing.T, s *testenv.Server, children, childThreads, daemons, daemonThreads int) {
	t.Helper()
	msg := testenv.Eventually(10*time.Second, func() string {
		c, d := testenv.ApacheProcesses(s.Cmd.Process.Pid)
		var bad []string
		if len(c) != children {
			bad = append(bad, fmt.Sprintf("%d Apache children, want %d", len(c), children))
		}
		for _, p := range c {
			if p.Threads != childThreads {
				bad = append(bad, fmt.Sprintf("Apache child %d has %d threads, want %d", p.PID, p.Threads, childThreads))
			}
		}
		if len(d) != daemons {
			bad = append(bad, fmt.Sprintf("%d daemon processes, want %d", len(d), daemons))
		}
		for _, p := range d {
			if p.Threads != daemonThreads {
				bad = append(bad, fmt.Sprintf("daemon process %d (%s) has %d threads, want %d", p.PID, p.Cmdline, p.Threads, daemonThreads))
			}
		}
		return strings.Join(bad, "; ")
	})
	if msg != "" {
		t.Errorf("process shape: %s\n%v", msg, testenv.Processes(0, s.Root))
	}
}

func TestDaemonModeProcessesPerMPM(t *testing.T) {
	testenv.Integration(t)
	for _, m := range availableMPMs(t) {
		t.Run(m, func(t *testing.T) {
			dir := testenv.Dir(t)
			testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), groupApp)
			s := testenv.Start(t, dir, "app.wsgi", "--server-mpm", m, "--processes", "2", "--threads", "3")
			// Defaults: threaded MPMs relay through 512 threads, two
			// children of 256 started at once; prefork keeps upstream's front
			// end of 20 (10 + max(10, 1.5 x 6)) and starts one child. Checked
			// before any request: a busy worker seen by Apache's spare-worker
			// maintenance may rightly add a prefork child.
			capacity := "512"
			if m == "prefork" {
				capacity = "20"
				checkShape(t, s, 1, 1, 2, 3+daemonExtraThreads(t))
			} else {
				checkShape(t, s, 2, 256+apacheChildExtraThreads, 2, 3+daemonExtraThreads(t))
			}
			body := s.MustGet("/")
			if got, want := field(body, "group"), fmt.Sprintf("127.0.0.1:%d", s.Port); got != want {
				t.Errorf("mod_wsgi.process_group = %q, want the daemon group %q", got, want)
			}
			out := s.Output()
			for _, want := range []string{"Operating Mode   : daemon", "Request Capacity : 6 (2 processes * 3 threads)", "Server Capacity  : " + capacity + " (" + m + " MPM)"} {
				if !strings.Contains(out, want) {
					t.Errorf("summary lacks %q:\n%s", want, out)
				}
			}
			s.Stop(syscall.SIGTERM)
		})
	}
}

func TestEmbeddedModeProcessesPerMPM(t *testing.T) {
	testenv.Integration(t)
	for _, m := range availableMPMs(t) {
		t.Run(m, func(t *testing.T) {
			dir := testenv.Dir(t)
			testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), groupApp)
			s := testenv.Start(t, dir, "app.wsgi", "--embedded-mode", "--server-mpm", m, "--processes", "2", "--threads", "3", "--maximum-requests", "1000", "--server-status")
			body := s.MustGet("/")
			if got := field(body, "group"); got != "" {
				t.Errorf("mod_wsgi.process_group = %q, want \"\" (embedded)", got)
			}
			conf, _ := os.ReadFile(filepath.Join(s.Root, "httpd.conf"))
			for _, want := range []string{"MaxConnectionsPerChild 1000", "WSGIScriptReloading Off"} {
				if !strings.Contains(string(conf), want) {
					t.Errorf("httpd.conf lacks %q", want)
				}
			}
			if strings.Contains(string(conf), "WSGIDaemonProcess") {
				t.Error("embedded mode rendered WSGIDaemonProcess")
			}
			out := s.Output()
			if !strings.Contains(out, "Operating Mode   : embedded") {
				t.Errorf("summary lacks the embedded operating mode:\n%s", out)
			}
			if m == "prefork" {
				// No threads: one single-threaded child per request thread.
				checkShape(t, s, 6, 1, 0, 0)
				if !strings.Contains(out, "Request Capacity : 6 (6 single-threaded prefork children)") {
					t.Errorf("summary:\n%s", out)
				}
			} else {
				checkShape(t, s, 2, 3+apacheChildExtraThreads, 0, 0)
				if !strings.Contains(out, "Request Capacity : 6 (2 Apache children * 3 threads)") {
					t.Errorf("summary:\n%s", out)
				}
			}
			// Apache's own count agrees: mod_status sees exactly the six
			// request workers, busy or idle, and no more.
			if msg := testenv.Eventually(10*time.Second, func() string {
				if got := statusWorkers(t, s); got != 6 {
					return fmt.Sprintf("/server-status reports %d workers (busy + idle), want 6", got)
				}
				return ""
			}); msg != "" {
				t.Error(msg)
			}
			s.Stop(syscall.SIGTERM)
		})
	}
}

// The default MPM in embedded mode is worker, not event.
func TestEmbeddedModePrefersWorker(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), groupApp)
	root := filepath.Join(dir, "root")
	out, code := testenv.Run(t, dir, "setup-server", "app.wsgi", "--server-root", root, "--embedded-mode", "--threads", "2")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "(worker MPM)") {
		t.Errorf("summary does not name the worker MPM:\n%s", out)
	}
	testenv.ConfigTest(t, root)
}

// Embedded mode without --processes runs one worker child per CPU, each
// with its own Python interpreter, so the GIL does not hold the application
// to one CPU; the summary says why and how to choose.
func TestEmbeddedModeChildPerCPU(t *testing.T) {
	testenv.Integration(t)
	cpus := discover.RealHost{}.CPUs()
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), groupApp)
	s := testenv.Start(t, dir, "app.wsgi", "--embedded-mode", "--server-status")
	want := fmt.Sprintf("Request Capacity : %d (%d Apache %s * 5 threads, a Python interpreter per CPU; --processes to choose)",
		cpus*5, cpus, map[bool]string{true: "child", false: "children"}[cpus == 1])
	if out := s.Output(); !strings.Contains(out, want) || !strings.Contains(out, "(worker MPM)") {
		t.Errorf("summary lacks %q and the worker MPM:\n%s", want, out)
	}
	checkShape(t, s, cpus, 5+apacheChildExtraThreads, 0, 0)
	if got, want := field(s.MustGet("/"), "multiprocess"), fmt.Sprint(map[bool]string{true: "True", false: "False"}[cpus > 1]); got != want {
		t.Errorf("wsgi.multiprocess = %s with %d children, want %s", got, cpus, want)
	}
	if msg := testenv.Eventually(10*time.Second, func() string {
		if got := statusWorkers(t, s); got != cpus*5 {
			return fmt.Sprintf("/server-status reports %d workers (busy + idle), want %d", got, cpus*5)
		}
		return ""
	}); msg != "" {
		t.Error(msg)
	}
	s.Stop(syscall.SIGTERM)
}

func TestProcessOptionErrors(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), groupApp)

	// A modules directory like Apache's but without prefork.
	mods := filepath.Join(dir, "modules")
	os.Mkdir(mods, 0o755)
	ents, err := os.ReadDir(apacheModules)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "mod_mpm_prefork.so" {
			os.Symlink(filepath.Join(apacheModules, e.Name()), filepath.Join(mods, e.Name()))
		}
	}
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"--embedded-mode", "--server-mpm", "event", "--threads", "2"}, []string{"--server-mpm", "three threads"}},
		{[]string{"--initial-workers", "1.5"}, []string{"--initial-workers"}},
		{[]string{"--minimum-spare-workers", "-0.1"}, []string{"--minimum-spare-workers"}},
		{[]string{"--maximum-spare-workers", "2"}, []string{"--maximum-spare-workers"}},
		{[]string{"--server-mpm", "winnt"}, []string{"--server-mpm", "event, worker or prefork"}},
		{[]string{"--modules-directory", mods, "--server-mpm", "prefork"}, []string{"--server-mpm", "found: event, worker", mods}},
	}
	for _, c := range cases {
		root := filepath.Join(dir, "root")
		args := append([]string{"setup-server", "app.wsgi", "--server-root", root}, c.args...)
		out, code := testenv.Run(t, dir, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", c.args, code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: message lacks %q: %s", c.args, w, out)
			}
		}
		if _, err := os.Stat(root); err == nil {
			t.Errorf("%v: server root written despite the error", c.args)
			os.RemoveAll(root)
		}
	}

	// The same directory without prefork still serves with the default.
	root := filepath.Join(dir, "root")
	out, code := testenv.Run(t, dir, "setup-server", "app.wsgi", "--server-root", root, "--modules-directory", mods, "--server-mpm", "prefork", "--server-mpm", "worker")
	if code != 0 || !strings.Contains(out, "(worker MPM)") {
		t.Fatalf("exit %d, want worker chosen after prefork:\n%s", code, out)
	}
	testenv.ConfigTest(t, root)
}

// bgThreadApp starts a non-daemon background thread that never ends: the
// case --orphan-interpreter exists for (mod_wsgi 4.9.1 release notes).
// Destroying the interpreter waits for such threads, so an embedded Apache
// child hangs at shutdown until Apache kills it.
const bgThreadApp = `import threading, time
def _loop():
    while True:
        time.sleep(0.1)
threading.Thread(target=_loop).start()
def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'ok\n']
`

// forcedStop reports the lines in which Apache says it had to signal or
// kill a process that outlived the shutdown.
func forcedStop(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "still did not exit") {
			out = append(out, l)
		}
	}
	return out
}

// --orphan-interpreter: WSGIDestroyInterpreter Off, and the server stops
// without Apache having to kill anything, even with an application thread
// that never ends. The control case shows the same application without the
// option does make Apache kill its child.
func TestOrphanInterpreterStopsCleanly(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		forced bool
	}{
		{"daemon", []string{"--orphan-interpreter"}, false},
		{"embedded", []string{"--orphan-interpreter", "--embedded-mode"}, false},
		{"embedded without the option (control)", []string{"--embedded-mode"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := testenv.Dir(t)
			testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), bgThreadApp)
			args := append([]string{"app.wsgi", "--shutdown-timeout", "2", "--processes", "2"}, c.args...)
			s := testenv.Start(t, dir, args...)
			s.MustGet("/")
			conf, _ := os.ReadFile(filepath.Join(s.Root, "httpd.conf"))
			if orphan := strings.Contains(string(conf), "\nWSGIDestroyInterpreter Off\n"); orphan == c.forced {
				t.Errorf("WSGIDestroyInterpreter Off in httpd.conf: %v", orphan)
			}
			// SIGINT: Apache's own stop, whose forced kills the error log
			// shows (SIGTERM would drain, and start-server would stop the
			// hung child itself at --graceful-stop-timeout).
			s.Stop(syscall.SIGINT) // fails if any process is left
			forced := forcedStop(s.ErrorLog())
			if c.forced && len(forced) == 0 {
				t.Errorf("control: Apache did not have to kill the hung child:\n%s", s.ErrorLog())
			}
			if !c.forced && len(forced) > 0 {
				t.Errorf("Apache had to force processes to stop:\n%s", strings.Join(forced, "\n"))
			}
		})
	}
}

// Apache's threads run Python in embedded mode, so they keep the system's
// stack size: with the 256 KiB used for daemon mode's front end, this
// application kills the Apache child.
func TestEmbeddedModeDeepRecursion(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), `import json, sys
sys.setrecursionlimit(20000)
def application(environ, start_response):
    x = []
    for i in range(5000):
        x = [x]
    body = ('%d\n' % len(json.dumps(x))).encode()
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [body]
`)
	s := testenv.Start(t, dir, "app.wsgi", "--embedded-mode")
	if body := s.MustGet("/"); strings.TrimSpace(body) != "10002" {
		t.Errorf("body %q", body)
	}
	s.Stop(syscall.SIGTERM)
}

// statusWorkers reads BusyWorkers + IdleWorkers from /server-status?auto.
func statusWorkers(t *testing.T, s *testenv.Server) int {
	t.Helper()
	total := 0
	for _, line := range strings.Split(s.MustGet("/server-status?auto"), "\n") {
		for _, key := range []string{"BusyWorkers: ", "IdleWorkers: "} {
			if strings.HasPrefix(line, key) {
				n, _ := strconv.Atoi(strings.TrimPrefix(line, key))
				total += n
			}
		}
	}
	return total
}
