//go:build !windows

package integration

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// debugApp fails on /fail (in the call), /fail-iter (while iterating) and
// /fail-close (in close); otherwise it reports where it runs.
const debugApp = `import os, sys, threading
import helper

class Closing(object):
    def __iter__(self):
        yield b'partial'
    def close(self):
        raise KeyError('close failed')

def gen():
    yield b'first'
    raise RuntimeError('iteration failed')

def application(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/fail':
        raise ValueError('call failed')
    start_response('200 OK', [('Content-Type', 'text/plain')])
    if path == '/print':
        print('PRINTED-TO-STDOUT', flush=True)
        sys.stderr.write('WRITTEN-TO-STDERR\n')
        sys.stderr.flush()
        return [b'printed']
    if path == '/fail-iter':
        return gen()
    if path == '/fail-close':
        return Closing()
    body = environ['wsgi.input'].read()
    lines = ['pid=%d' % os.getpid(), 'path0=%s' % sys.path[0], 'cwd=%s' % os.getcwd(),
             'group=%s' % environ.get('mod_wsgi.process_group'), 'helper=%s' % helper.VALUE,
             'body=%s' % body.decode()]
    return [('\n'.join(lines) + '\n').encode()]
`

func writeDebugApp(t *testing.T) string {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), debugApp)
	testenv.WriteFile(t, filepath.Join(dir, "helper.py"), "VALUE = 'one'\n")
	return dir
}

// waitPort waits until the pty server's port answers (debug mode prints
// no ready line: Apache replaced the command).
func (p *ptyServer) waitPort(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			p.drain()
			t.Fatalf("start-server exited: %v; output:\n%s", p.err, p.log)
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p.port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.drain()
	t.Fatalf("port %d not answering; output:\n%s", p.port, p.log)
}

// drain moves output already read into the log.
func (p *ptyServer) drain() {
	for {
		select {
		case chunk, ok := <-p.out:
			if !ok {
				return
			}
			p.log.WriteString(chunk)
			p.pending += chunk
		default:
			return
		}
	}
}

// request returns the status and body of GET or POST path.
func (p *ptyServer) request(t *testing.T, path, body string) (int, string) {
	t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d%s", p.port, path)
	var resp *http.Response
	var err error
	if body == "" {
		resp, err = httpClient.Get(url)
	} else {
		resp, err = httpClient.Post(url, "text/plain", strings.NewReader(body))
	}
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// ctrlC types Ctrl-C and waits for start-server (Apache, in debug mode) to
// exit, leaving no process behind.
func (p *ptyServer) ctrlC(t *testing.T) {
	t.Helper()
	p.send(t, "\x03")
	p.waitExit(t, "still running 30s after Ctrl-C")
}

func TestDebugModeServes(t *testing.T) {
	dir := writeDebugApp(t)
	p := startOnPTY(t, dir, "--debug-mode", "--processes", "3", "--threads", "7", "app.wsgi")
	p.expect(t, "Operating Mode   : debug", 30*time.Second)
	// Process options (--processes 3 --threads 7 above) are ignored.
	p.expect(t, "Request Capacity : 1 (1 process", 10*time.Second)
	p.waitPort(t)
	code, body := p.request(t, "/", "")
	if code != 200 {
		t.Fatalf("status %d: %s\noutput:\n%s", code, body, p.log)
	}
	// One process: Apache itself, the command's own process (exec'd),
	// running the application embedded; the working directory is first
	// on sys.path.
	if got := field(body, "pid"); got != fmt.Sprint(p.cmd.Process.Pid) {
		t.Errorf("application runs in pid %s, want the command's own process %d", got, p.cmd.Process.Pid)
	}
	if field(body, "path0") != dir || field(body, "cwd") != dir {
		t.Errorf("sys.path[0] %q, cwd %q; want %q", field(body, "path0"), field(body, "cwd"), dir)
	}
	if g := field(body, "group"); g != "" {
		t.Errorf("process group %q: want embedded (empty)", g)
	}
	conf, _ := os.ReadFile(filepath.Join(p.root, "httpd.conf"))
	if strings.Contains(string(conf), "WSGIDaemonProcess") || !strings.Contains(string(conf), "WSGIRestrictStdin Off") {
		t.Errorf("debug configuration wrong:\n%s", conf)
	}
	testenv.ConfigTest(t, p.root)
	// print() reaches the terminal; stderr goes to the error log
	// (docs/debugging.md).
	if code, _ := p.request(t, "/print", ""); code != 200 {
		t.Errorf("/print: status %d", code)
	}
	p.expect(t, "PRINTED-TO-STDOUT", 10*time.Second)
	if msg := testenv.Eventually(10*time.Second, func() string {
		if log, _ := os.ReadFile(filepath.Join(p.root, "error_log")); !strings.Contains(string(log), "WRITTEN-TO-STDERR") {
			return "stderr output not in the error log:\n" + string(log)
		}
		return ""
	}); msg != "" {
		t.Error(msg)
	}
	p.ctrlC(t)
}

// Without a terminal debug mode still serves, and does not claim to run
// in a terminal.
func TestDebugModeWithoutTerminal(t *testing.T) {
	dir := writeDebugApp(t)
	s := testenv.Start(t, dir, "--debug-mode", "app.wsgi")
	if field(s.MustGet("/"), "helper") != "one" {
		t.Error("the application did not answer")
	}
	if out := s.Output(); !strings.Contains(out, "Debug mode: Apache runs in the foreground at ") || strings.Contains(out, "this terminal") {
		t.Errorf("output:\n%s", out)
	}
	s.Stop(syscall.SIGTERM)
}

func TestDebuggerPostMortem(t *testing.T) {
	dir := writeDebugApp(t)
	p := startOnPTY(t, dir, "--enable-debugger", "app.wsgi")
	p.expect(t, "Operating Mode   : debug", 30*time.Second)
	p.waitPort(t)
	for _, c := range []struct{ path, exc string }{
		{"/fail", "ValueError"}, {"/fail-iter", "RuntimeError"}, {"/fail-close", "KeyError"},
	} {
		type result struct {
			code int
			body string
		}
		got := make(chan result, 1)
		go func() { code, body := p.request(t, c.path, ""); got <- result{code, body} }()
		p.expect(t, c.exc, 30*time.Second)
		p.expect(t, "(Pdb)", 30*time.Second)
		if _, err := p.tty.Write([]byte("c\n")); err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-got:
			// An exception before the response started is a 500; once
			// the headers are sent, the response is cut short instead.
			if c.path == "/fail" && r.code != 500 {
				t.Errorf("%s: status %d, want 500", c.path, r.code)
			}
		case <-time.After(30 * time.Second):
			p.drain()
			t.Fatalf("%s: no response after continuing; output:\n%s", c.path, p.log)
		}
		if code, body := p.request(t, "/", ""); code != 200 {
			t.Fatalf("after %s: status %d %s", c.path, code, body)
		}
	}
	p.ctrlC(t)
}

func TestDebuggerStartup(t *testing.T) {
	dir := writeDebugApp(t)
	p := startOnPTY(t, dir, "--enable-debugger", "--debugger-startup", "app.wsgi")
	p.expect(t, "pdb at server start", 30*time.Second)
	p.expect(t, "(Pdb)", 30*time.Second)
	// A breakpoint in the application, set before the first request.
	p.send(t, "b "+filepath.Join(dir, "app.wsgi")+":24\n")
	p.expect(t, "Breakpoint 1", 30*time.Second)
	p.expect(t, "(Pdb)", 30*time.Second)
	p.send(t, "c\n")
	p.waitPort(t)
	got := make(chan int, 1)
	go func() { code, _ := p.request(t, "/", ""); got <- code }()
	p.expect(t, "app.wsgi(24)", 30*time.Second)
	p.expect(t, "(Pdb)", 30*time.Second)
	p.send(t, "clear 1\nc\n")
	select {
	case code := <-got:
		if code != 200 {
			t.Errorf("status %d after the breakpoint", code)
		}
	case <-time.After(30 * time.Second):
		p.drain()
		t.Fatalf("no response after continuing; output:\n%s", p.log)
	}
	p.ctrlC(t)
}

func TestDebuggerStartupNeedsDebugger(t *testing.T) {
	testenv.Integration(t)
	dir := writeDebugApp(t)
	out, code := testenv.Run(t, dir, "setup-server", "--server-root", filepath.Join(testenv.Dir(t), "r"), "--debugger-startup", "app.wsgi")
	if code != 2 || !strings.Contains(out, "--debugger-startup") || !strings.Contains(out, "--enable-debugger") {
		t.Errorf("exit %d, output %q; want 2 naming --debugger-startup and --enable-debugger", code, out)
	}
}

func TestCoverageNotImportable(t *testing.T) {
	testenv.Integration(t)
	dir := writeDebugApp(t)
	venv := filepath.Join(dir, "venv")
	if out, err := exec.Command("/usr/bin/python3", "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		t.Fatalf("making a virtualenv: %v\n%s", err, out)
	}
	root := filepath.Join(testenv.Dir(t), "r")
	out, code := testenv.Run(t, dir, "start-server", "--server-root", root, "--python-home", venv, "--enable-coverage", "app.wsgi")
	if code != 2 || !strings.Contains(out, "apt-get install python3-coverage or pip install coverage") {
		t.Errorf("exit %d, output %q; want 2 with the install hint", code, out)
	}
	if _, err := os.Stat(root); err == nil {
		t.Errorf("server root written although the options were refused")
	}
}

func TestProfilerRecorderCoverageOutputs(t *testing.T) {
	dir := writeDebugApp(t)
	recorder := filepath.Join(testenv.Dir(t), "recorded")
	p := startOnPTY(t, dir, "--enable-profiler", "--enable-recorder", "--recorder-directory", recorder, "--enable-coverage", "app.wsgi")
	p.expect(t, "Operating Mode   : debug", 30*time.Second)
	p.waitPort(t)
	if code, body := p.request(t, "/first", "request body"); code != 200 || field(body, "body") != "request body" {
		t.Fatalf("status %d, body %q", code, body)
	}
	if code, _ := p.request(t, "/fail", ""); code != 500 {
		t.Errorf("/fail: status %d, want 500", code)
	}
	p.ctrlC(t)

	pstats, _ := filepath.Glob(filepath.Join(p.root, "pstats", "*.pstats"))
	if len(pstats) != 1 {
		t.Errorf("profiler files: %v, want one .pstats", pstats)
	} else {
		// The profile holds the application's function.
		out, err := exec.Command("/usr/bin/python3", "-c", "import pstats,sys; s=pstats.Stats(sys.argv[1]); print([f for f in s.stats if f[2]=='application'])", pstats[0]).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "app.wsgi") {
			t.Errorf("profile lacks the application: %v %s", err, out)
		}
	}

	for suffix, want := range map[string]string{".environ": "'PATH_INFO': '/first'", ".request": "request body", ".status": "200 OK", ".response": "helper=one"} {
		files, _ := filepath.Glob(filepath.Join(recorder, "*-1"+suffix))
		if len(files) != 1 {
			t.Errorf("recorder: %d files *-1%s", len(files), suffix)
			continue
		}
		if b, _ := os.ReadFile(files[0]); !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q:\n%s", files[0], want, b)
		}
	}
	exc, _ := filepath.Glob(filepath.Join(recorder, "*-2.exception"))
	if len(exc) != 1 {
		t.Errorf("recorder: no exception file for the failed request")
	} else if b, _ := os.ReadFile(exc[0]); !strings.Contains(string(b), "ValueError: call failed") {
		t.Errorf("exception file:\n%s", b)
	}
	ents, _ := os.ReadDir(recorder)
	for _, e := range ents {
		parts := strings.Split(strings.SplitN(e.Name(), ".", 2)[0], "-")
		if len(parts) != 3 || parts[1] != fmt.Sprint(p.cmd.Process.Pid) {
			t.Errorf("recorder file %s is not named TIME-PID-SEQUENCE", e.Name())
		}
	}

	index, err := os.ReadFile(filepath.Join(p.root, "htmlcov", "index.html"))
	if err != nil {
		t.Fatalf("no coverage report: %v", err)
	}
	if !strings.Contains(string(index), "app.wsgi") && !strings.Contains(string(index), "helper.py") {
		t.Errorf("coverage report does not mention the application:\n%.2000s", index)
	}
}

func TestReloadOnChanges(t *testing.T) {
	dir := writeDebugApp(t)
	s := testenv.Start(t, dir, "--reload-on-changes", "app.wsgi")
	before := s.MustGet("/")
	if field(before, "helper") != "one" {
		t.Fatalf("body %q", before)
	}
	start := time.Now()
	testenv.WriteFile(t, filepath.Join(dir, "helper.py"), "VALUE = 'two'\n")
	var body string
	for time.Since(start) < 20*time.Second {
		code, b := s.Get("/")
		if code == 200 && field(b, "helper") == "two" {
			body = b
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if body == "" {
		t.Fatalf("edited module not picked up within 20s\n--- error_log ---\n%s", s.ErrorLog())
	}
	t.Logf("the edited module was seen after %v (3s aimed at)", time.Since(start))
	if field(body, "pid") == field(before, "pid") {
		t.Errorf("same daemon pid %s after reload: process not restarted", field(body, "pid"))
	}
}

func TestScriptReloadsOnNextRequest(t *testing.T) {
	dir := testenv.Dir(t)
	script := filepath.Join(dir, "app.wsgi")
	testenv.WriteFile(t, script, strings.Replace(echoApp, "lines.append('pid", "lines.append('v=1')\n    lines.append('pid", 1))
	s := testenv.Start(t, dir, "app.wsgi")
	if v := field(s.MustGet("/"), "v"); v != "1" {
		t.Fatalf("v=%q", v)
	}
	testenv.WriteFile(t, script, strings.Replace(echoApp, "lines.append('pid", "lines.append('v=2')\n    lines.append('pid", 1))
	future := time.Now().Add(2 * time.Second)
	os.Chtimes(script, future, future)
	if v := field(s.MustGet("/"), "v"); v != "2" {
		t.Errorf("after editing the script the next request saw v=%q, want 2", v)
	}
	t.Run("disable-reloading", func(t *testing.T) {
		s := testenv.Start(t, dir, "--disable-reloading", "app.wsgi")
		if v := field(s.MustGet("/"), "v"); v != "2" {
			t.Fatalf("v=%q", v)
		}
		testenv.WriteFile(t, script, strings.Replace(echoApp, "lines.append('pid", "lines.append('v=3')\n    lines.append('pid", 1))
		future := time.Now().Add(4 * time.Second)
		os.Chtimes(script, future, future)
		if v := field(s.MustGet("/"), "v"); v != "2" {
			t.Errorf("--disable-reloading: request saw v=%q, want the old 2", v)
		}
	})
}

func TestGDB(t *testing.T) {
	dir := writeDebugApp(t)
	p := startOnPTY(t, dir, "--enable-gdb", "app.wsgi")
	p.expect(t, "Operating Mode   : debug", 30*time.Second)
	p.waitPort(t)
	if code, body := p.request(t, "/", ""); code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	// Apache is gdb's inferior: Ctrl-C stops it at the (gdb) prompt, where
	// bt works; quit ends both.
	p.send(t, "\x03")
	p.expect(t, "SIGINT", 30*time.Second)
	p.expect(t, "(gdb)", 30*time.Second)
	p.send(t, "bt 1\n")
	p.expect(t, "#0", 30*time.Second)
	p.expect(t, "(gdb)", 30*time.Second)
	p.send(t, "quit\n")
	p.waitExit(t, "gdb still running after quit")
}

// Ctrl-C typed while pdb waits does not tear the process down under the
// debugger; the server stops as soon as you continue.
func TestCtrlCAtPdbPrompt(t *testing.T) {
	dir := writeDebugApp(t)
	p := startOnPTY(t, dir, "--enable-debugger", "app.wsgi")
	p.waitPort(t)
	go p.request(t, "/fail", "")
	p.expect(t, "(Pdb)", 30*time.Second)
	p.send(t, "\x03")
	select {
	case <-p.done:
		t.Fatalf("exited at the pdb prompt; output:\n%s", p.log)
	case <-time.After(time.Second):
	}
	p.send(t, "c\n")
	p.waitExit(t, "still running after Ctrl-C and c")
}

// The documented price of debug mode: Apache owns the terminal, so a
// window resize (SIGWINCH, Apache's graceful-stop) stops it, cleanly.
func TestDebugModeWindowResizeStops(t *testing.T) {
	dir := writeDebugApp(t)
	p := startOnPTY(t, dir, "--debug-mode", "app.wsgi")
	p.waitPort(t)
	if err := testenv.Answers(p.port, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := pty.Setsize(p.tty, &pty.Winsize{Rows: 40, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.drain()
		t.Fatalf("debug mode survived a window resize; the docs say it stops. Output:\n%s", p.log)
	}
	testenv.AssertNoProcesses(t, p.cmd.Process.Pid, p.root)
}
