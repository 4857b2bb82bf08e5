//go:build !windows

package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

const plainHello = `def application(environ, start_response):
    body = b'Hello World!'
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
`

// crashLines are the error-log lines of Apache children or daemon
// processes that died of a signal.
func crashLines(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "exit signal") || strings.Contains(l, "Segmentation fault") || strings.Contains(l, "terminated by signal 11") {
			out = append(out, l)
		}
	}
	return out
}

func checkKeepAlive(t *testing.T, what string, r testenv.KeepAliveResult) {
	t.Helper()
	if r.Requests == 0 {
		t.Errorf("%s: wrk made no requests:\n%s", what, r.Output)
	}
	if r.Failures() != 0 {
		t.Errorf("%s: %d connect, %d read, %d write errors, %d timeouts, %d non-2xx; want none:\n%s", what, r.Connect, r.Read, r.Write, r.Timeout, r.Non2xx, r.Output)
	}
}

// stopClean stops the server and fails on any child that died of a signal
// during the run or the stop.
func stopClean(t *testing.T, s *testenv.Server) {
	t.Helper()
	s.Stop(syscall.SIGTERM)
	if c := crashLines(s.ErrorLog()); len(c) > 0 {
		t.Errorf("processes crashed:\n%s", strings.Join(c, "\n"))
	}
}

// Keep-alive clients as a load balancer or browsers keep them: at the
// default sizing, with two daemon processes and in embedded mode, no
// connection is closed under a client, no request times out (wrk's 2 s) or
// fails, and nothing crashes when the server stops afterwards.
func TestKeepAliveUnderLoad(t *testing.T) {
	testenv.Integration(t)
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Fatal("wrk is needed (scripts/install-deps installs it)")
	}
	for _, c := range []struct {
		name    string
		args    []string
		clients int
	}{
		{"default 50 clients", nil, 50},
		{"default 200 clients", nil, 200},
		{"2 processes x 10 threads 50 clients", []string{"--processes", "2", "--threads", "10"}, 50},
		{"embedded 200 clients", []string{"--embedded-mode"}, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := testenv.Dir(t)
			testenv.WriteFile(t, filepath.Join(dir, "hello.wsgi"), plainHello)
			s := testenv.Start(t, dir, append([]string{"hello.wsgi"}, c.args...)...)
			s.MustGet("/")
			checkKeepAlive(t, c.name, testenv.WrkKeepAlive(t, s.URL+"/", c.clients, "5s"))
			stopClean(t, s)
		})
	}
}

// A restart of the application in the middle of a 50-client keep-alive
// run fails no request, whether asked for with SIGUSR1 to start-server or
// with apachectl graceful, and it happens then, not once the load is over:
// the daemon processes are new when wrk ends. Apache itself stays (its
// configuration did not change).
func TestRestartUnderKeepAliveLoad(t *testing.T) {
	testenv.Integration(t)
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Fatal("wrk is needed (scripts/install-deps installs it)")
	}
	for _, c := range []struct {
		name    string
		restart func(s *testenv.Server) error
	}{
		{"SIGUSR1 to start-server", func(s *testenv.Server) error { return s.Cmd.Process.Signal(syscall.SIGUSR1) }},
		{"apachectl graceful", func(s *testenv.Server) error {
			out, err := exec.Command(filepath.Join(s.Root, "apachectl"), "graceful").CombinedOutput()
			if err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			return nil
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := testenv.Dir(t)
			testenv.WriteFile(t, filepath.Join(dir, "hello.wsgi"), plainHello)
			s := testenv.Start(t, dir, "hello.wsgi")
			s.MustGet("/")
			before, apache := testenv.DaemonPIDs(s.Root), readPid(t, s.Root)
			errs := make(chan error, 1)
			go func() {
				time.Sleep(2 * time.Second)
				errs <- c.restart(s)
			}()
			r := testenv.WrkKeepAlive(t, s.URL+"/", 50, "6s")
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
			checkKeepAlive(t, c.name, r)
			after := testenv.DaemonPIDs(s.Root)
			if len(before) == 0 || len(after) != len(before) || slices.ContainsFunc(after, func(p int) bool { return slices.Contains(before, p) }) {
				t.Errorf("daemon processes %v before, %v when the load ended: want all replaced", before, after)
			}
			if now := readPid(t, s.Root); now != apache {
				t.Errorf("Apache's pid %d, then %d", apache, now)
			}
			if strings.Contains(s.ErrorLog(), "graceful restart") {
				t.Errorf("Apache restarted, not just the application:\n%s", s.ErrorLog())
			}
			stopClean(t, s)
		})
	}
}

// When a configuration file changed since Apache read it, apachectl
// graceful is Apache's graceful restart, which reads it again.
func TestGracefulRereadsChangedConfiguration(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "hello.wsgi"), plainHello)
	inc := testenv.WriteFile(t, filepath.Join(dir, "extra.conf"), "# nothing yet\n")
	s := testenv.Start(t, dir, "hello.wsgi", "--include-file", inc)
	s.MustGet("/")
	graceful := func() {
		t.Helper()
		if out, err := exec.Command(filepath.Join(s.Root, "apachectl"), "graceful").CombinedOutput(); err != nil {
			t.Fatalf("apachectl graceful: %v: %s", err, out)
		}
	}
	graceful() // nothing changed: the application restarts, Apache stays
	time.Sleep(500 * time.Millisecond)
	if strings.Contains(s.ErrorLog(), "graceful restart") {
		t.Fatalf("Apache restarted with its configuration unchanged:\n%s", s.ErrorLog())
	}
	// Only a later modification time counts as a change.
	later := time.Now().Add(2 * time.Second)
	testenv.WriteFile(t, inc, "Header always set X-Reread yes\n")
	if err := os.Chtimes(inc, later, later); err != nil {
		t.Fatal(err)
	}
	graceful()
	waitFor(t, "Apache's graceful restart", func() bool { return strings.Contains(s.ErrorLog(), "graceful restart") }, s.ErrorLog)
	waitFor(t, "the included file's header", func() bool {
		resp, err := httpClient.Get(s.URL + "/")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.Header.Get("X-Reread") == "yes"
	}, s.ErrorLog)
	stopClean(t, s)
}

func readPid(t *testing.T, root string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "httpd.pid"))
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	fmt.Sscan(string(b), &pid)
	return pid
}
