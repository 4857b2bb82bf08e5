//go:build !windows

package integration

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// tuningApp reports what the logging and tuning tests look for.
const tuningApp = `import os, sys
def application(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/burn':
        import time
        start = time.process_time()
        while time.process_time() - start < 1.5:
            pass
    if path == '/log':
        print('marker-from-app', file=environ['wsgi.errors'])
    lines = [
        'pid=%d' % os.getpid(),
        'warnoptions=%s' % ','.join(sys.warnoptions),
        'eggs=%s' % os.environ.get('PYTHON_EGG_CACHE'),
        'ignore=%s' % environ.get('mod_wsgi.ignore_activity'),
    ]
    body = ('\n'.join(lines) + '\n').encode('utf-8')
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [body]
`

func tuningDir(t *testing.T) string {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), tuningApp)
	return dir
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func getWith(t *testing.T, url string, headers map[string]string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}
}

func TestAccessLogFormats(t *testing.T) {
	dir := tuningDir(t)
	t.Run("combined", func(t *testing.T) {
		s := testenv.Start(t, dir, "app.wsgi", "--access-log", "--access-log-format", "combined")
		getWith(t, s.URL+"/combined?q=1", map[string]string{"User-Agent": "tuning-agent/1.0", "Referer": "http://ref.example/"})
		log := filepath.Join(s.Root, "access_log")
		waitFor(t, "the request in the access log", func() bool { return strings.Contains(readFile(log), "/combined?q=1") })
		line := readFile(log)
		for _, want := range []string{`"GET /combined?q=1 HTTP/1.1" 200`, `"http://ref.example/" "tuning-agent/1.0"`} {
			if !strings.Contains(line, want) {
				t.Errorf("combined access log lacks %q:\n%s", want, line)
			}
		}
	})
	t.Run("custom", func(t *testing.T) {
		s := testenv.Start(t, dir, "app.wsgi", "--access-log", "--access-log-name", "requests.log",
			"--access-log-format", `custom "%m" %U %>s [%{X-Trace}i]`)
		getWith(t, s.URL+"/custom/path", map[string]string{"X-Trace": "abc123"})
		log := filepath.Join(s.Root, "requests.log")
		waitFor(t, "the request in the access log", func() bool { return strings.Contains(readFile(log), "/custom/path") })
		if got, want := strings.TrimSpace(readFile(log)), `custom "GET" /custom/path 200 [abc123]`; got != want {
			t.Errorf("custom access log line = %q, want %q", got, want)
		}
	})
}

func TestErrorLogFormat(t *testing.T) {
	dir := tuningDir(t)
	s := testenv.Start(t, dir, "app.wsgi", "--error-log-format", "XFMT level=%l %M")
	s.MustGet("/log")
	waitFor(t, "the application's message in the error log", func() bool { return strings.Contains(s.ErrorLog(), "marker-from-app") })
	found := false
	for _, l := range strings.Split(s.ErrorLog(), "\n") {
		if strings.Contains(l, "marker-from-app") {
			found = true
			if !strings.HasPrefix(l, "XFMT level=") {
				t.Errorf("error log line not in the --error-log-format: %q", l)
			}
		}
	}
	if !found {
		t.Error("no error log line with the application's message")
	}
}

func TestRotateLogs(t *testing.T) {
	dir := tuningDir(t)
	s := testenv.Start(t, dir, "app.wsgi", "--rotate-logs", "--access-log", "--max-log-size", "1")
	s.MustGet("/rotated")
	glob := func(pattern string) []string {
		m, _ := filepath.Glob(filepath.Join(s.Root, pattern))
		return m
	}
	waitFor(t, "a rotatelogs-managed access log with the request", func() bool {
		for _, f := range glob("access_log.*") {
			if strings.Contains(readFile(f), "/rotated") {
				return true
			}
		}
		return false
	})
	if len(glob("error_log.*")) == 0 {
		t.Error("no rotatelogs-managed error log (error_log.DATE)")
	}
	if _, err := os.Stat(filepath.Join(s.Root, "access_log")); err == nil {
		t.Error("a plain access_log was written as well as the rotated one")
	}
	var rotators []string
	for _, p := range testenv.Processes(0, s.Root) {
		if strings.Contains(p, "rotatelogs") {
			rotators = append(rotators, p)
		}
	}
	if len(rotators) < 2 {
		t.Errorf("want a rotatelogs process for each log (1M), found: %q", rotators)
	}
	for _, p := range rotators {
		if !strings.Contains(p, " 1M") {
			t.Errorf("rotatelogs not given --max-log-size: %q", p)
		}
	}
	s.Stop(syscall.SIGTERM) // and no rotatelogs is left behind
}

func TestStartupLog(t *testing.T) {
	dir := tuningDir(t)
	s := testenv.Start(t, dir, "app.wsgi", "--startup-log", "--startup-log-name", "boot.log")
	s.MustGet("/")
	if _, err := os.Stat(filepath.Join(s.Root, "boot.log")); err != nil {
		t.Errorf("httpd -E did not create the startup log: %v", err)
	}
	if ctl := readFile(filepath.Join(s.Root, "apachectl")); !strings.Contains(ctl, "-E '"+filepath.Join(s.Root, "boot.log")+"'") {
		t.Errorf("apachectl does not pass -E:\n%s", ctl)
	}
}

// A client that sends part of its request headers and stops is answered
// with 408 and disconnected once --header-timeout passes.
func TestHeaderTimeoutClosesSlowClient(t *testing.T) {
	dir := tuningDir(t)
	s := testenv.Start(t, dir, "app.wsgi", "--header-timeout", "1", "--header-max-timeout", "2", "--header-min-rate", "500")
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: localhost\r\n")); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	got, err := io.ReadAll(bufio.NewReader(conn))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("connection still open 30s after a partial request; header timeout not applied (read %q)", got)
	}
	if len(got) > 0 && !strings.Contains(string(got), " 408 ") {
		t.Errorf("partial request answered with %q, want 408 or a closed connection", got)
	}
	t.Logf("after a partial request: %q", got)
	// A whole request is still served.
	s.MustGet("/")
}

func pidOf(t *testing.T, s *testenv.Server) string {
	t.Helper()
	return field(s.MustGet("/"), "pid")
}

func TestDaemonRestarts(t *testing.T) {
	dir := tuningDir(t)
	t.Run("restart-interval", func(t *testing.T) {
		s := testenv.Start(t, dir, "app.wsgi", "--restart-interval", "1", "--graceful-timeout", "1")
		first := pidOf(t, s)
		waitFor(t, "a new daemon process after --restart-interval", func() bool { return pidOf(t, s) != first })
	})
	t.Run("cpu-time-limit", func(t *testing.T) {
		s := testenv.Start(t, dir, "app.wsgi", "--cpu-time-limit", "1", "--graceful-timeout", "1")
		first := field(s.MustGet("/burn"), "pid")
		waitFor(t, "a new daemon process after --cpu-time-limit was used up", func() bool { return pidOf(t, s) != first })
	})
	t.Run("maximum-requests", func(t *testing.T) {
		s := testenv.Start(t, dir, "app.wsgi", "--maximum-requests", "2", "--threads", "1")
		first := pidOf(t, s)
		pids := map[string]bool{first: true}
		for i := 0; i < 20 && len(pids) < 2; i++ {
			pids[pidOf(t, s)] = true
		}
		if len(pids) < 2 {
			t.Errorf("daemon process %s served 20 requests with --maximum-requests 2", first)
		}
	})
}

func TestPythonWarningsReachApp(t *testing.T) {
	dir := tuningDir(t)
	s := testenv.Start(t, dir, "app.wsgi", "--python-warnings", "ignore::DeprecationWarning", "--python-warnings", "error::ResourceWarning")
	got := field(s.MustGet("/"), "warnoptions")
	if got != "ignore::DeprecationWarning,error::ResourceWarning" {
		t.Errorf("sys.warnoptions in the application = %q", got)
	}
}

func TestPythonEggs(t *testing.T) {
	dir := tuningDir(t)
	t.Run("default", func(t *testing.T) {
		s := testenv.Start(t, dir, "app.wsgi")
		want := filepath.Join(s.Root, "python-eggs")
		if got := field(s.MustGet("/"), "eggs"); got != want {
			t.Errorf("PYTHON_EGG_CACHE = %q, want %q", got, want)
		}
		checkEggDir(t, want)
	})
	t.Run("given", func(t *testing.T) {
		s := testenv.Start(t, dir, "app.wsgi", "--python-eggs", "eggs/cache")
		want := filepath.Join(dir, "eggs", "cache")
		if got := field(s.MustGet("/"), "eggs"); got != want {
			t.Errorf("PYTHON_EGG_CACHE = %q, want %q", got, want)
		}
		checkEggDir(t, want)
	})
}

// checkEggDir: the egg cache exists and, when started by root, belongs to
// the account the application runs as.
func checkEggDir(t *testing.T, dir string) {
	t.Helper()
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		t.Fatalf("egg cache %s not created: %v", dir, err)
	}
	if os.Getuid() == 0 {
		if st := fi.Sys().(*syscall.Stat_t); st.Uid == 0 {
			t.Errorf("egg cache %s belongs to root; the application cannot write to it", dir)
		}
	}
}

func TestTuningOptionErrors(t *testing.T) {
	testenv.Integration(t)
	dir := tuningDir(t)
	type errorCase struct {
		args []string
		want string
	}
	var cases []errorCase
	if testenv.ModuleMajor(t) < 6 {
		// Options of mod_wsgi 6 with an older module (accepted with 6.x:
		// TestEveryOptionConfig).
		cases = append(cases,
			errorCase{[]string{"--interrupt-timeout", "5"}, "--interrupt-timeout: needs mod_wsgi 6.0.0"},
			errorCase{[]string{"--telemetry-service", "unix:/tmp/x.sock"}, "--telemetry-service: needs mod_wsgi 6.0.0"})
	}
	for _, c := range append(cases, []errorCase{
		{[]string{"--python-warnings", "loud::Warning"}, "--python-warnings"},
		{[]string{"--header-max-timeout", "10"}, "--header-max-timeout"},
		{[]string{"--response-buffer-size", "100"}, "--response-buffer-size"},
		{[]string{"--access-log-format", "%h %Z"}, "--access-log-format"},
		{[]string{"--max-log-size", "0"}, "--max-log-size"},
		{[]string{"--rotatelogs-executable", "/nonexistent/rotatelogs"}, "--rotatelogs-executable"},
		{[]string{"--ignore-activity", "health"}, "--ignore-activity"},
		{[]string{"--python-eggs", "app.wsgi"}, "--python-eggs"},
	}...) {
		root := filepath.Join(dir, "root")
		out, code := testenv.Run(t, dir, append([]string{"setup-server", "app.wsgi", "--server-root", root}, c.args...)...)
		if code != 2 || !strings.Contains(out, c.want) {
			t.Errorf("%q: exit %d, output %q; want exit 2 and %q", c.args, code, out, c.want)
		}
		if _, err := os.Stat(root); err == nil {
			t.Errorf("%q: a server root was written", c.args)
			os.RemoveAll(root)
		}
	}
}

// Requests under an --ignore-activity path do not count as activity for
// --inactivity-timeout; others do. mod_wsgi 4.9 flags them
// (mod_wsgi.ignore_activity) but still lets them hold off the timeout, so
// with 4.x only the flag is checked; mod_wsgi 6 no longer shows the flag
// to the application but honours it, so with 6.x the restart is.
func TestIgnoreActivity(t *testing.T) {
	dir := tuningDir(t)
	if testenv.ModuleMajor(t) < 6 {
		s := testenv.Start(t, dir, "app.wsgi", "--inactivity-timeout", "30", "--ignore-activity", "/health")
		for path, want := range map[string]string{"/health": "1", "/health/deep": "1", "/other": "0", "/healthy": "0"} {
			if got := field(s.MustGet(path), "ignore"); got != want {
				t.Errorf("%s: mod_wsgi.ignore_activity = %q, want %q", path, got, want)
			}
		}
		return
	}
	const timeout = 2 * time.Second
	s := testenv.Start(t, dir, "app.wsgi", "--inactivity-timeout", "2", "--ignore-activity", "/health")
	pid := field(s.MustGet("/other"), "pid")
	// Requests elsewhere, twice the timeout long, keep the process.
	for end := time.Now().Add(2 * timeout); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if got := field(s.MustGet("/healthy"), "pid"); got != pid {
			t.Fatalf("the daemon process restarted (pid %s, then %s) although /healthy requests came every 200ms, within --inactivity-timeout", pid, got)
		}
	}
	// Requests under /health alone do not: the process is restarted.
	deadline := time.Now().Add(5 * timeout)
	for {
		code, body := s.Get("/health/deep")
		if code == 200 && field(body, "pid") != pid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon process (pid %s) was not restarted within %v although only --ignore-activity requests came\n%s", pid, 5*timeout, s.ErrorLog())
		}
		time.Sleep(200 * time.Millisecond)
	}
}
