//go:build !windows

package integration

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// Issue 9: startup failures explained, server root safety, no leftovers,
// load, and application errors. docs/security.md lists what each proves.

// runFor runs the binary without a terminal and returns its output and
// exit status; it is killed (and the test fails) if it runs past limit.
func runFor(t *testing.T, limit time.Duration, dir string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.Binary(t), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%v still running after %v:\n%s", args, limit, out)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func assertNothingRuns(t *testing.T, root string, port int) {
	t.Helper()
	testenv.AssertNoProcesses(t, 0, root)
	if testenv.Listening(port) {
		t.Errorf("something still listens on port %d", port)
	}
}

func TestPortInUseDetectedBeforeLaunch(t *testing.T) {
	testenv.Integration(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	dir := testenv.Dir(t)
	root := filepath.Join(dir, "root")
	out, code := runFor(t, time.Minute, dir, "start-server", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--server-root", root)
	if code != 1 {
		t.Errorf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{fmt.Sprintf("port %d is already in use", port), "--port"} {
		if !strings.Contains(out, want) {
			t.Errorf("message lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Apache failed") || strings.Contains(out, "Server is ready") {
		t.Errorf("Apache was launched:\n%s", out)
	}
	testenv.AssertNoProcesses(t, 0, root)
	if _, err := os.Stat(root); err == nil {
		t.Error("the server root was written although the port was taken")
	}
}

// A second start-server for a server root or a port in use by a running
// server fails before writing: the running server's files stay as they
// were, so its next daemon restart does not switch it to the other app.
func TestSecondStartLeavesRunningServerAlone(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "one.wsgi"), namedApp("one"))
	testenv.WriteFile(t, filepath.Join(dir, "two.wsgi"), namedApp("two"))
	s := testenv.Start(t, dir, "one.wsgi")
	before := snapshot(t, s.Root)

	other := testenv.FreePort(t)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"same server root", []string{"--port", strconv.Itoa(other), "--server-root", s.Root}, "already running"},
		{"same port and server root", []string{"--port", strconv.Itoa(s.Port), "--server-root", s.Root}, "already running"},
		{"same port", []string{"--port", strconv.Itoa(s.Port), "--server-root", filepath.Join(dir, "root2")}, fmt.Sprintf("port %d is already in use", s.Port)},
	} {
		out, code := runFor(t, time.Minute, dir, append([]string{"start-server", "two.wsgi", "--host", "127.0.0.1"}, c.args...)...)
		if code != 1 || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, want 1 and %q:\n%s", c.name, code, c.want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "root2")); err == nil {
		t.Error("a server root was written although the port was taken")
	}
	if after := snapshot(t, s.Root); after != before {
		t.Errorf("the running server's files changed:\nbefore %s\nafter  %s", before, after)
	}
	// A daemon restart still loads the first application.
	pid := field(s.MustGet("/pid"), "pid")
	s.Cmd.Process.Signal(syscall.SIGUSR1)
	if msg := testenv.Eventually(15*time.Second, func() string {
		code, body := s.Get("/pid")
		if code != 200 || field(body, "pid") == pid {
			return fmt.Sprintf("no new daemon after SIGUSR1: %d %q", code, body)
		}
		if !strings.Contains(body, "app=one") {
			return fmt.Sprintf("after SIGUSR1 the server answers %q, want the first app", body)
		}
		return ""
	}); msg != "" {
		t.Error(msg)
	}
	s.Stop(syscall.SIGTERM)
}

// namedApp answers with its name and its process id.
func namedApp(name string) string {
	return "import os\n" +
		"def application(environ, start_response):\n" +
		"    start_response('200 OK', [('Content-Type', 'text/plain')])\n" +
		"    return [('app=" + name + "\\npid=%d\\n' % os.getpid()).encode()]\n"
}

// snapshot is every generated file of a server root with its contents'
// hash, in one string.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	for _, name := range []string{"httpd.conf", "handler.json", "handler.wsgi", "apachectl", "envvars"} {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s:%x ", name, sha256.Sum256(data))
	}
	return b.String()
}

// A module that will not load: Apache fails while reading its
// configuration; the command shows Apache's message and a reason, exits 1,
// and leaves nothing.
func TestStartupFailureExplained(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	mod, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "internal", "fakehost", "testdata", "elf", "mod_wsgi-py311.so"))
	if err != nil {
		t.Fatal(err)
	}
	// A stand-in that looks like mod_wsgi but references a symbol no
	// library defines.
	bad := filepath.Join(dir, "mod_wsgi-broken.so")
	if err := os.WriteFile(bad, mod, 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	root := filepath.Join(dir, "root")
	port := testenv.FreePort(t)
	out, code := runFor(t, time.Minute, dir, "start-server", "app.wsgi", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--server-root", root, "--mod-wsgi-module", bad)
	if code != 1 {
		t.Errorf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"Cannot load " + bad, "Apache failed to start (exit status 1): a module would not load"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Server is ready") {
		t.Errorf("claimed to be ready:\n%s", out)
	}
	assertNothingRuns(t, root, port)
}

// A failure Apache reports in its error log (here it cannot write its pid
// file): the new error-log lines and a reason, exit 1, nothing left.
func TestStartupFailureFromErrorLog(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	root := filepath.Join(dir, "root")
	os.MkdirAll(root, 0o750)
	// A line from an earlier run, which must not be shown.
	testenv.WriteFile(t, filepath.Join(root, "error_log"), "[core:notice] a line from an earlier run\n")
	port := testenv.FreePort(t)
	pid := filepath.Join(dir, "no-such-dir", "httpd.pid")
	out, code := runFor(t, time.Minute, dir, "start-server", "app.wsgi", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--server-root", root, "--pid-file", pid)
	if code != 1 {
		t.Errorf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"AH00099: could not create " + pid, "Apache failed to start (exit status 1): Apache could not write its pid file", "--pid-file"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "earlier run") {
		t.Errorf("showed an error-log line from before the start:\n%s", out)
	}
	assertNothingRuns(t, root, port)
}

// An empty path would become "." (to Apache, the server root, which holds
// handler.json): refused.
func TestEmptyPathsRefused(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	for opt, args := range map[string][]string{"--url-alias": {"--url-alias", "/x", ""}, "--python-path": {"--python-path", ""}} {
		root := filepath.Join(dir, "root")
		out, code := testenv.Run(t, dir, append([]string{"setup-server", "app.wsgi", "--server-root", root}, args...)...)
		if code != 2 || !strings.Contains(out, opt) {
			t.Errorf("%v: exit %d, want 2 naming %s:\n%s", args, code, opt, out)
		}
		if _, err := os.Stat(root); err == nil {
			t.Errorf("%v: server root written", args)
			os.RemoveAll(root)
		}
	}
}

// An existing server root that is a symbolic link, belongs to another
// account or is writable by everyone is refused with exit status 2.
func TestUnsafeServerRootRefused(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	real := filepath.Join(dir, "real")
	os.Mkdir(real, 0o750)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign")
	os.Mkdir(foreign, 0o750)
	if err := os.Chown(foreign, 65534, 65534); err != nil { // nobody
		t.Fatal(err)
	}
	open := filepath.Join(dir, "open")
	os.Mkdir(open, 0o755)
	os.Chmod(open, 0o777)
	for root, want := range map[string]string{link: "symbolic link", foreign: "belongs to another user", open: "writable by everyone"} {
		port := testenv.FreePort(t)
		out, code := runFor(t, time.Minute, dir, "start-server", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--server-root", root)
		if code != 2 || !strings.Contains(out, "--server-root") || !strings.Contains(out, want) {
			t.Errorf("--server-root %s: exit %d, want 2 and %q:\n%s", filepath.Base(root), code, want, out)
		}
		if ents, _ := os.ReadDir(root); len(ents) != 0 {
			t.Errorf("--server-root %s: files were written into it", filepath.Base(root))
		}
		assertNothingRuns(t, root, port)
	}
}

// The server root and its files get the least permissions that work.
func TestServerRootPermissions(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	s := testenv.Start(t, dir, "app.wsgi")
	s.MustGet("/")
	want := map[string]os.FileMode{"": 0o750, "httpd.conf": 0o600, "apachectl": 0o700, "envvars": 0o600,
		"handler.json": 0o640, "handler.wsgi": 0o640, "express_runtime.py": 0o640}
	for name, mode := range want {
		fi, err := os.Stat(filepath.Join(s.Root, name))
		if err != nil {
			t.Error(err)
			continue
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", filepath.Join(s.Root, name), fi.Mode().Perm(), mode)
		}
		st := fi.Sys().(*syscall.Stat_t)
		wantGID := uint32(0)
		if mode&0o040 != 0 {
			wantGID = 33 // www-data: Apache's children read these
		}
		if st.Uid != 0 || st.Gid != wantGID {
			t.Errorf("%s: owner %d:%d, want 0:%d", name, st.Uid, st.Gid, wantGID)
		}
	}
}

// A pid file naming a dead process, or a live process that is not this
// server's Apache, does not stop a new start.
func TestStalePidFile(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { other.Process.Kill(); other.Wait() }()
	for name, pid := range map[string]int{"dead": dead.Process.Pid, "unrelated": other.Process.Pid} {
		t.Run(name, func(t *testing.T) {
			dir := testenv.Dir(t)
			pidFile := filepath.Join(dir, "httpd.pid")
			testenv.WriteFile(t, pidFile, fmt.Sprintf("%d\n", pid))
			s := testenv.Start(t, dir, "--pid-file", pidFile)
			s.MustGet("/")
			if b, _ := os.ReadFile(pidFile); strings.TrimSpace(string(b)) == strconv.Itoa(pid) {
				t.Errorf("pid file still names %d", pid)
			}
			s.Stop(syscall.SIGTERM)
		})
	}
	if err := other.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("the unrelated process was touched: %v", err)
	}
}

// 30 start/stop cycles alternating SIGINT, SIGTERM, and SIGHUP (a restart)
// followed by SIGTERM leave no process and no listening socket, and each
// stop ends with Apache's status 0. Killing start-server itself with
// SIGKILL takes Apache down too (Pdeathsig).
func TestNoLeftoversAfterSignalCycles(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	for i := 0; i < 30; i++ {
		s := testenv.Start(t, dir, "app.wsgi")
		s.MustGet("/")
		var sig syscall.Signal
		switch i % 3 {
		case 0:
			sig = syscall.SIGINT
		case 1:
			sig = syscall.SIGTERM
		case 2:
			s.Cmd.Process.Signal(syscall.SIGHUP)
			// A restart closes open connections: ask on new ones until the
			// restarted server answers.
			fresh := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			waitFor(t, "an answer after SIGHUP", func() bool {
				resp, err := fresh.Get(s.URL + "/after-restart")
				if err != nil {
					return false
				}
				resp.Body.Close()
				return resp.StatusCode == 200
			}, s.ErrorLog)
			sig = syscall.SIGTERM
		}
		s.Stop(sig)
		if code := s.Cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("cycle %d (%v): exit %d, want Apache's 0\n%s", i, sig, code, s.Output())
		}
		if testenv.Listening(s.Port) {
			t.Errorf("cycle %d (%v): port %d still listening", i, sig, s.Port)
		}
		if t.Failed() {
			return
		}
	}
	t.Run("SIGKILL of start-server", func(t *testing.T) {
		s := testenv.Start(t, dir, "app.wsgi")
		s.MustGet("/")
		s.Stop(syscall.SIGKILL) // Stop checks nothing is left
		if testenv.Listening(s.Port) {
			t.Errorf("port %d still listening", s.Port)
		}
	})
	// Apache's parent killed from outside: start-server says so, exits
	// 128+9, and the rest of the server goes too.
	t.Run("SIGKILL of Apache", func(t *testing.T) {
		s := testenv.Start(t, dir, "app.wsgi")
		s.MustGet("/")
		var apache int
		for _, p := range testenv.AllProcesses() {
			if p.PPID == s.Cmd.Process.Pid {
				apache = p.PID
			}
		}
		if apache == 0 {
			t.Fatal("no Apache under start-server")
		}
		syscall.Kill(apache, syscall.SIGKILL)
		select {
		case <-s.Done():
		case <-time.After(30 * time.Second):
			t.Fatal("start-server still running 30s after Apache was killed")
		}
		if code := s.Cmd.ProcessState.ExitCode(); code != 137 {
			t.Errorf("exit status %d, want 137", code)
		}
		if !strings.Contains(s.Output(), "Apache exited unexpectedly, killed by signal 9") {
			t.Errorf("output does not say what happened:\n%s", s.Output())
		}
		s.Stop(syscall.SIGTERM) // checks nothing is left
	})
}

func checkWrk(t *testing.T, r testenv.WrkResult) {
	t.Helper()
	if r.Requests == 0 {
		t.Errorf("wrk made no requests:\n%s", r.Output)
	}
	if r.SocketErrors != "" || r.Non2xx != "" {
		t.Errorf("wrk saw errors (%s %s):\n%s", r.SocketErrors, r.Non2xx, r.Output)
	}
}

// Daemon mode under 50 concurrent connections: no socket error and no
// non-2xx; a graceful restart (SIGUSR1) during the load drops nothing; a daemon
// process killed during the load is replaced and the server answers again
// within 5 s.
func TestUnderLoad(t *testing.T) {
	testenv.Integration(t)
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Fatal("wrk is needed (scripts/install-deps installs it)")
	}
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	s := testenv.Start(t, dir, "app.wsgi")
	s.MustGet("/")

	t.Run("50 connections 10s", func(t *testing.T) {
		checkWrk(t, testenv.Wrk(t, s.URL+"/", 50, "10s"))
	})

	// SIGUSR1 to start-server runs apachectl graceful, which restarts the
	// daemon processes one by one (apachectl.tmpl says why not Apache's
	// graceful restart).
	t.Run("graceful restart (SIGUSR1) under load", func(t *testing.T) {
		before := testenv.DaemonPIDs(s.Root)
		go func() {
			time.Sleep(2 * time.Second)
			s.Cmd.Process.Signal(syscall.SIGUSR1)
		}()
		checkWrk(t, testenv.Wrk(t, s.URL+"/", 50, "6s"))
		after := testenv.DaemonPIDs(s.Root)
		if len(before) == 0 || fmt.Sprint(before) == fmt.Sprint(after) {
			t.Errorf("daemon processes %v before and %v after: no restart happened", before, after)
		}
	})

	t.Run("SIGKILL of a daemon process under load", func(t *testing.T) {
		pids := testenv.DaemonPIDs(s.Root)
		if len(pids) == 0 {
			t.Fatal("no daemon process found")
		}
		done := make(chan testenv.WrkResult, 1)
		go func() { done <- testenv.Wrk(t, s.URL+"/", 50, "4s") }()
		time.Sleep(1500 * time.Millisecond)
		if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		killed := time.Now()
		var answered time.Duration
		for time.Since(killed) < 30*time.Second {
			resp, err := httpClient.Get(s.URL + "/")
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK && field(string(body), "pid") != strconv.Itoa(pids[0]) {
					answered = time.Since(killed)
					break
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		r := <-done
		if answered == 0 || answered > 5*time.Second {
			t.Errorf("after SIGKILL of daemon %d the server answered after %v, want within 5s\n%s", pids[0], answered, s.ErrorLog())
		}
		if r.Requests == 0 {
			t.Errorf("wrk made no requests:\n%s", r.Output)
		}
		s.MustGet("/")
	})
	s.Stop(syscall.SIGTERM)
}

const raisingApp = `def application(environ, start_response):
    if environ['PATH_INFO'] == '/boom':
        raise RuntimeError('boom from the application')
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'fine']
`

const importFailingApp = `import no_such_module_for_the_test
def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'never']
`

// exceptionReport is what mod_wsgi logs first for an exception the
// application raises while answering a request: 4.x logs a traceback;
// 6.x logs a header line naming the exception, then the traceback, but on
// Python before 3.12 (3.11 here) the traceback of an exception that no
// Python code caught is lost (mod_wsgi 6.0.5 formats the exception object
// alone, whose __traceback__ such a Python leaves unset), so only the
// header and the exception's own line remain, as with the Python
// mod_wsgi-express 6.0.5.
func exceptionReport(t *testing.T) string {
	if testenv.ModuleMajor(t) >= 6 {
		return "RuntimeError exception raised processing WSGI script"
	}
	return "Traceback (most recent call last)"
}

// An exception in the application answers 500 and leaves its report (a
// traceback where mod_wsgi gives one) in the error log.
func TestAppExceptionLogged(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), raisingApp)
	s := testenv.Start(t, dir, "app.wsgi")
	if code, _ := s.Get("/boom"); code != 500 {
		t.Errorf("GET /boom: %d, want 500", code)
	}
	report := exceptionReport(t)
	waitFor(t, "error log holding the exception", func() bool {
		l := s.ErrorLog()
		return strings.Contains(l, report) && strings.Contains(l, "RuntimeError: boom from the application")
	}, s.ErrorLog)
	s.MustGet("/")
}

// With --log-to-terminal the exception shows on the terminal.
func TestAppExceptionOnTerminal(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), raisingApp)
	p := startOnPTY(t, dir, "app.wsgi", "--log-to-terminal")
	p.expect(t, "Server is ready", 30*time.Second)
	resp, err := httpClient.Get(fmt.Sprintf("http://127.0.0.1:%d/boom", p.port))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Errorf("GET /boom: %d, want 500", resp.StatusCode)
	}
	p.expect(t, exceptionReport(t), 20*time.Second)
	p.expect(t, "RuntimeError: boom from the application", 20*time.Second)
	p.tty.Write([]byte{3})
	<-p.done
}

// An application that fails to import: Apache stays up (mod_wsgi retries
// on each request), the command prints the failure with its traceback from
// the error log, requests answer 500, and the error log holds it.
func TestAppImportFailureReported(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), importFailingApp)
	s := testenv.Start(t, dir, "app.wsgi")
	waitFor(t, "the import failure on start-server's output", func() bool {
		o := s.Output()
		return strings.Contains(o, "the application failed to load") &&
			strings.Contains(o, "Traceback (most recent call last)") &&
			strings.Contains(o, "ModuleNotFoundError: No module named 'no_such_module_for_the_test'")
	}, s.Output)
	// The traceback starts at the application, not in the loader.
	if strings.Contains(s.Output(), "express_runtime.py") || strings.Contains(s.Output(), "importlib") || strings.Contains(s.Output(), "handler.wsgi\", line") {
		t.Errorf("the traceback shows the loader's frames:\n%s", s.Output())
	}
	if code, _ := s.Get("/"); code != 500 {
		t.Errorf("GET /: %d, want 500", code)
	}
	if !strings.Contains(s.ErrorLog(), "ModuleNotFoundError") {
		t.Errorf("error log lacks the traceback:\n%s", s.ErrorLog())
	}
	// Never "ready" while the application cannot load: the report says
	// Apache is up and what recovers it.
	if o := s.Output(); strings.Contains(o, "Server is ready") || !strings.Contains(o, "the server is not ready: Apache is up at "+s.URL+"/") {
		t.Errorf("a load failure is reported as ready, or without saying Apache is up:\n%s", o)
	}
	// Fixed, the next request loads it, and the server is then ready.
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	waitFor(t, "the fixed application answering", func() bool { code, _ := s.Get("/"); return code == 200 }, s.ErrorLog)
	waitFor(t, "ready once the application loaded", func() bool { return strings.Contains(s.Output(), "Server is ready at "+s.URL+"/") }, s.Output)
}

// An application that calls sys.exit at import is reported like any other
// load failure, and one that crashes its process (a segmentation fault, as
// a broken C extension would) is reported as a crash; the server keeps
// running either way, and stops cleanly.
func TestAppExitAndCrashAtImportReported(t *testing.T) {
	for _, c := range []struct {
		name, app string
		want      []string
	}{
		{"sys.exit", "import sys\nsys.exit(3)\n", []string{"the application failed to load", "SystemExit"}},
		{"segfault", "import ctypes\nctypes.string_at(0)\n", []string{"a server process was killed by a signal", "exit signal Segmentation fault"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := testenv.Dir(t)
			testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), c.app)
			s := testenv.Start(t, dir, "app.wsgi")
			checkFailureReported(t, s, c.want)
		})
	}
}

// checkFailureReported waits for every want on start-server's output,
// then stops the server.
func checkFailureReported(t *testing.T, s *testenv.Server, want []string) {
	t.Helper()
	waitFor(t, "the failure on start-server's output", func() bool {
		o := s.Output()
		for _, w := range want {
			if !strings.Contains(o, w) {
				return false
			}
		}
		return true
	}, s.Output)
	s.Stop(syscall.SIGTERM)
}

// In embedded mode a child that segfaults loading the application never
// lets the server answer; the crash is reported all the same.
func TestEmbeddedCrashAtImportReported(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), "import ctypes\nctypes.string_at(0)\n")
	port := testenv.FreePort(t)
	root := filepath.Join(dir, "root")
	cmd := testenv.Command(t, dir, "start-server", "app.wsgi", "--embedded-mode", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--server-root", root)
	out := &testenv.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	msg := testenv.Eventually(20*time.Second, func() string {
		if !strings.Contains(out.String(), "a server process was killed by a signal") {
			return "no crash report:\n" + out.String()
		}
		return ""
	})
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Error("start-server still running 30s after SIGTERM")
	}
	if msg != "" {
		t.Error(msg)
	}
	testenv.AssertNoProcesses(t, cmd.Process.Pid, root)
}

// Issue 8: on a terminal the command says it is waiting, then that the
// server is ready with its URL, once the port answers; colour only on a
// terminal and never with NO_COLOR; none without a terminal.
func TestTerminalReadyMessage(t *testing.T) {
	for _, noColor := range []bool{false, true} {
		t.Run(fmt.Sprintf("NO_COLOR=%v", noColor), func(t *testing.T) {
			if noColor {
				t.Setenv("NO_COLOR", "1")
			}
			dir := testenv.Dir(t)
			p := startOnPTY(t, dir)
			p.expect(t, "Waiting for Apache to answer on", 30*time.Second)
			url := fmt.Sprintf("http://127.0.0.1:%d/", p.port)
			p.expect(t, "Server is ready at "+url, 30*time.Second)
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p.port))
			if err != nil {
				t.Errorf("said ready but the port does not answer: %v", err)
			} else {
				c.Close()
			}
			coloured := strings.Contains(p.log.String(), "\x1b[")
			if coloured == noColor {
				t.Errorf("colour %v with NO_COLOR=%v:\n%q", coloured, noColor, p.log.String())
			}
			p.tty.Write([]byte{3})
			<-p.done
		})
	}
	t.Run("no terminal", func(t *testing.T) {
		s := testenv.Start(t, testenv.Dir(t))
		waitFor(t, "ready line", func() bool { return strings.Contains(s.Output(), "Server is ready at "+s.URL+"/") }, s.Output)
		if strings.Contains(s.Output(), "\x1b[") {
			t.Errorf("colour without a terminal: %q", s.Output())
		}
	})
}

// Without a controlling terminal (a container), SIGWINCH is Apache's
// graceful stop and is forwarded: the server stops with status 0 and
// leaves nothing.
func TestWinchWithoutTerminalStopsGracefully(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	root := filepath.Join(testenv.Dir(t), "root")
	port := testenv.FreePort(t)
	cmd := testenv.Command(t, dir, "start-server", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--server-root", root)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no controlling terminal
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if err := testenv.Answers(port, 30*time.Second); err != nil {
		cmd.Process.Kill()
		<-done
		t.Fatalf("server did not come up: %v\n%s", err, out.String())
	}
	cmd.Process.Signal(syscall.SIGWINCH)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGWINCH: %v, want status 0", err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("still running 30s after SIGWINCH")
	}
	assertNothingRuns(t, root, port)
}

// A busy --https-port is named before launch, like a busy --port.
func TestHTTPSPortInUseDetectedBeforeLaunch(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	makeCertPair(t, filepath.Join(dir, "server.crt"))
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	out, code := testenv.Run(t, dir, "start-server", "app.wsgi", "--host", "127.0.0.1",
		"--port", strconv.Itoa(testenv.FreePort(t)), "--server-root", filepath.Join(dir, "root"),
		"--https-port", strconv.Itoa(port), "--ssl-certificate", "server")
	if code != 1 || !strings.Contains(out, fmt.Sprintf("port %d is already in use", port)) || !strings.Contains(out, "--https-port") {
		t.Errorf("exit %d, output:\n%s\nwant exit 1 naming port %d and --https-port", code, out, port)
	}
}
