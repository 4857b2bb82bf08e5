package integration

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// getPIDs requests path n times over fresh connections (no keep-alive, so
// every request is accepted anew by whichever Apache child takes it),
// workers at a time, and returns the bodies' pid= and multiprocess= values
// with how many requests saw each.
func getPIDs(t *testing.T, s *testenv.Server, path string, n, workers int) (pids, multiprocess map[string]int) {
	t.Helper()
	c := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var mu sync.Mutex
	pids, multiprocess = map[string]int{}, map[string]int{}
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				resp, err := c.Get(s.URL + path)
				if err != nil {
					t.Error(err)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
					continue
				}
				mu.Lock()
				pids[field(string(b), "pid")]++
				multiprocess[field(string(b), "multiprocess")]++
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	return pids, multiprocess
}

// Embedded mode without --processes runs one Apache child, as the Python
// tool does: every request, however many come at once and on however many
// connections, is answered by the same process, and the application is
// told it is not multiprocess. The summary says how to get a child per CPU.
func TestEmbeddedModeOneProcessByDefault(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), groupApp)
	s := testenv.Start(t, dir, "app.wsgi", "--embedded-mode", "--server-status")
	want := "Request Capacity : 5 (1 Apache child * 5 threads, one Python interpreter; --processes auto for one per CPU)"
	if out := s.Output(); !strings.Contains(out, want) || !strings.Contains(out, "(worker MPM)") {
		t.Errorf("summary lacks %q and the worker MPM:\n%s", want, out)
	}
	checkShape(t, s, 1, 5+apacheChildExtraThreads, 0, 0)
	pids, mp := getPIDs(t, s, "/", 100, 8)
	if len(pids) != 1 || mp["False"] != 100 {
		t.Errorf("100 requests over fresh connections, 8 at a time: pids %v, wsgi.multiprocess %v; want one pid and False for all", pids, mp)
	}
	if msg := testenv.Eventually(10*time.Second, func() string {
		if got := statusWorkers(t, s); got != 5 {
			return fmt.Sprintf("/server-status reports %d workers (busy + idle), want 5", got)
		}
		return ""
	}); msg != "" {
		t.Error(msg)
	}
	conf, _ := os.ReadFile(filepath.Join(s.Root, "httpd.conf"))
	if !strings.Contains(string(conf), "\nServerLimit 1\n") {
		t.Errorf("httpd.conf lacks ServerLimit 1 (mod_wsgi's wsgi.multiprocess is ServerLimit != 1)")
	}
	s.Stop(syscall.SIGTERM)
}

// --processes auto runs a Python interpreter per CPU: in embedded mode an
// Apache child per CPU, in daemon mode a daemon process per CPU; either
// way the application is told it is multiprocess (in embedded mode when
// there is more than one CPU: mod_wsgi asks Apache for its ServerLimit),
// and only those processes answer.
func TestProcessesAuto(t *testing.T) {
	testenv.Integration(t)
	cpus := discover.RealMachine{}.CPUs()
	children := map[bool]string{true: "child", false: "children"}[cpus == 1]
	cases := []struct {
		name, summary string
		args          []string
		embedded      bool
		multiprocess  string
	}{
		{"embedded", fmt.Sprintf("Request Capacity : %d (%d Apache %s * 5 threads, a Python interpreter per CPU: --processes auto)", cpus*5, cpus, children),
			[]string{"--embedded-mode", "--processes", "auto"}, true, map[bool]string{true: "True", false: "False"}[cpus > 1]},
		{"daemon", fmt.Sprintf("Request Capacity : %d (%d %s * 5 threads, a daemon process per CPU: --processes auto)", cpus*5, cpus, map[bool]string{true: "process", false: "processes"}[cpus == 1]),
			[]string{"--processes", "auto"}, false, "True"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := testenv.Dir(t)
			testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), groupApp)
			s := testenv.Start(t, dir, append([]string{"app.wsgi"}, c.args...)...)
			if out := s.Output(); !strings.Contains(out, c.summary) {
				t.Errorf("summary lacks %q:\n%s", c.summary, out)
			}
			var servers []testenv.Proc
			if c.embedded {
				checkShape(t, s, cpus, 5+apacheChildExtraThreads, 0, 0)
				servers, _ = testenv.ApacheProcesses(s.Cmd.Process.Pid)
			} else {
				if msg := testenv.Eventually(10*time.Second, func() string {
					_, servers = testenv.ApacheProcesses(s.Cmd.Process.Pid)
					if len(servers) != cpus {
						return fmt.Sprintf("%d daemon processes, want %d: %v", len(servers), cpus, servers)
					}
					return ""
				}); msg != "" {
					t.Error(msg)
				}
				conf, _ := os.ReadFile(filepath.Join(s.Root, "httpd.conf"))
				if want := fmt.Sprintf("processes=%d \\\n", cpus); !strings.Contains(string(conf), want) {
					t.Errorf("WSGIDaemonProcess lacks %q", want)
				}
			}
			pids, mp := getPIDs(t, s, "/", 100, 8)
			if mp[c.multiprocess] != 100 {
				t.Errorf("wsgi.multiprocess %v over 100 requests, want %s for all", mp, c.multiprocess)
			}
			if len(pids) > cpus {
				t.Errorf("%d processes answered, want at most %d (one per CPU): %v", len(pids), cpus, pids)
			}
			for pid := range pids {
				if !slices.ContainsFunc(servers, func(p testenv.Proc) bool { return strconv.Itoa(p.PID) == pid }) {
					t.Errorf("pid %s answered, not one of the %d processes expected: %v", pid, cpus, servers)
				}
			}
			s.Stop(syscall.SIGTERM)
		})
	}
}

// werkzeugConsoleApp is Werkzeug's interactive debugger console (Debian's
// python3-werkzeug) around a plain application: its secret and the
// console's variables live in the memory of one process.
const werkzeugConsoleApp = `from werkzeug.debug import DebuggedApplication
def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'plain app\n']
application = DebuggedApplication(app, evalex=True, pin_security=False, console_path='/console')
`

// A real application that keeps state in its process: Werkzeug's debugger
// console. In embedded mode without --processes a variable set in the
// console is there for every later command, as under the Python tool,
// while other requests keep Apache busy. (With --processes auto on two
// CPUs the same test loses the state within a few dozen commands: the
// load spreads the commands over both children.)
func TestEmbeddedModeWerkzeugConsoleKeepsState(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), werkzeugConsoleApp)
	s := testenv.Start(t, dir, "app.wsgi", "--embedded-mode")
	c := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path string) string {
		t.Helper()
		resp, err := c.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d\n%s\n--- error_log ---\n%s", path, resp.StatusCode, b, s.ErrorLog())
		}
		return string(b)
	}
	m := regexp.MustCompile(`SECRET = "([^"]+)"`).FindStringSubmatch(get("/console"))
	if m == nil {
		t.Fatalf("no SECRET in the console page")
	}
	command := func(cmd string) string {
		return get("/console?__debugger__=yes&frm=0&s=" + url.QueryEscape(m[1]) + "&cmd=" + url.QueryEscape(cmd))
	}
	command("counter = 0")
	// Other requests keep Apache busy meanwhile, each on a connection of
	// its own: with several children (--processes auto) the commands
	// would be spread over them, and most would find no console (or
	// another secret) in the child that takes them.
	stop := make(chan struct{})
	var load sync.WaitGroup
	for w := 0; w < 6; w++ {
		load.Add(1)
		go func() {
			defer load.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if resp, err := c.Get(s.URL + "/"); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	func() {
		defer func() { close(stop); load.Wait() }()
		for i := 1; i <= 60; i++ {
			out := command("counter += 1; print('counter is %d' % counter)")
			if want := fmt.Sprintf("counter is %d", i); !strings.Contains(out, want) {
				t.Errorf("command %d: the console's state is lost (want %q):\n%s", i, want, out)
				return
			}
		}
	}()
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
	cases := []refusedCase{
		{[]string{"--embedded-mode", "--server-mpm", "event", "--threads", "2"}, []string{"--server-mpm", "three threads"}},
		{[]string{"--initial-workers", "1.5"}, []string{"--initial-workers"}},
		{[]string{"--minimum-spare-workers", "-0.1"}, []string{"--minimum-spare-workers"}},
		{[]string{"--maximum-spare-workers", "2"}, []string{"--maximum-spare-workers"}},
		{[]string{"--server-mpm", "winnt"}, []string{"--server-mpm", "event, worker or prefork"}},
		{[]string{"--processes", "many"}, []string{"--processes", `"many"`, "auto"}},
		{[]string{"--processes", "0"}, []string{"--processes", "1 or more", "auto"}},
		{[]string{"--processes", "-1"}, []string{"--processes", "1 or more", "auto"}},
		{[]string{"--embedded-mode", "--processes", "many"}, []string{"--processes", "auto"}},
		{[]string{"--modules-directory", mods, "--server-mpm", "prefork"}, []string{"--server-mpm", "found: event, worker", mods}},
	}
	wantRefused(t, dir, []string{"app.wsgi"}, cases)

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

// MOD_WSGI_EXPRESS_PROCESSES and the config file take auto as the flag
// does, and a bad value there is refused the same way: exit status 2,
// naming --processes.
func TestProcessesAutoFromEnvironmentAndConfig(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), groupApp)
	testenv.WriteFile(t, filepath.Join(dir, "auto.yaml"), "embedded-mode: true\nprocesses: auto\n")
	testenv.WriteFile(t, filepath.Join(dir, "bad.toml"), "processes = 0\n")
	cpus := discover.RealMachine{}.CPUs()
	run := func(env []string, args ...string) (string, int) {
		t.Helper()
		cmd := testenv.Command(t, dir, append([]string{"setup-server", "app.wsgi", "--server-root", filepath.Join(dir, "root")}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		os.RemoveAll(filepath.Join(dir, "root"))
		return string(out), code
	}
	auto := fmt.Sprintf("(%d Apache %s * 5 threads, a Python interpreter per CPU: --processes auto)", cpus, map[bool]string{true: "child", false: "children"}[cpus == 1])
	for _, c := range []struct {
		name string
		env  []string
		args []string
	}{
		{"environment", []string{"MOD_WSGI_EXPRESS_PROCESSES=auto"}, []string{"--embedded-mode"}},
		{"config file", nil, []string{"--config", "auto.yaml"}},
	} {
		if out, code := run(c.env, c.args...); code != 0 || !strings.Contains(out, auto) {
			t.Errorf("%s: exit %d, want 0 and %q:\n%s", c.name, code, auto, out)
		}
	}
	for _, c := range []struct {
		name string
		env  []string
		args []string
	}{
		{"environment", []string{"MOD_WSGI_EXPRESS_PROCESSES=many"}, nil},
		{"config file", nil, []string{"--config", "bad.toml"}},
	} {
		if out, code := run(c.env, c.args...); code != 2 || !strings.Contains(out, "--processes") {
			t.Errorf("%s: exit %d, want 2 naming --processes:\n%s", c.name, code, out)
		}
	}
}
