// Package testenv starts real mod_wsgi-express servers for tests: it builds
// the binary once, finds free loopback ports, makes directories Apache's
// unprivileged children can read, and proves no process is left behind.
package testenv

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/supervisor"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// RepoRoot is the module's root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Integration skips t under go test -short; integration tests run by
// default.
func Integration(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: starts real Apache (skipped with -short)")
	}
	checkModule(t)
}

// Binary builds mod_wsgi-express once per test process.
func Binary(t testing.TB) string {
	t.Helper()
	checkModule(t)
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mwe-bin-")
		if err != nil {
			buildErr = err
			return
		}
		os.Chmod(dir, 0o755)
		binPath = filepath.Join(dir, "mod_wsgi-express")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Dir returns a new directory under /tmp that every account can search
// and read (Apache's children run as an unprivileged account), removed at
// the end of the test.
func Dir(t testing.TB) string {
	t.Helper()
	d, err := os.MkdirTemp("", "mwe-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// WriteFile writes a file readable by everyone, creating parent dirs.
func WriteFile(t testing.TB, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// FreePort returns a TCP port free on the loopback interface.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Server is a running start-server.
type Server struct {
	t    testing.TB
	Port int
	Root string // server root
	URL  string // http://127.0.0.1:PORT
	Cmd  *exec.Cmd
	out  *SyncBuffer
	done chan struct{}
	err  error
}

// SyncBuffer is an output buffer safe for a command's concurrent writers.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Command returns an *exec.Cmd for the binary with args, in dir.
func Command(t testing.TB, dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(Binary(t), args...)
	cmd.Dir = dir
	return cmd
}

// Start runs start-server in dir with args plus a free port, a server root
// of its own and --host 127.0.0.1, without a terminal, and waits until the
// port answers. The
// server is stopped, and checked to leave nothing behind, at cleanup.
func Start(t testing.TB, dir string, args ...string) *Server {
	t.Helper()
	Integration(t)
	port := FreePort(t)
	root := filepath.Join(Dir(t), "root")
	full := append([]string{"start-server", "--port", strconv.Itoa(port), "--host", "127.0.0.1", "--server-root", root}, args...)
	return startAndWait(t, Command(t, dir, full...), port, root, 30*time.Second, "start-server")
}

// WaitReady waits until Apache answers on the port. A connection alone is
// not enough: Apache listens before its children run, and may still fail
// or reset queued connections in between. The check is the one start-server
// makes (OPTIONS *, with the User-Agent the access log leaves out).
func (s *Server) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("start-server exited: %v", s.err)
		default:
		}
		if supervisor.Answers(fmt.Sprintf("127.0.0.1:%d", s.Port)) {
			return nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	return fmt.Errorf("port %d not answering after %v", s.Port, timeout)
}

// Answers waits until Apache answers HTTP on 127.0.0.1:port, as WaitReady
// does. A signal meant for Apache waits for this, not for the port to
// accept: Apache listens before it installs its signal handlers (a
// debug-mode Apache only after loading mod_wsgi and Python in its one
// process), and a graceful-stop signal (SIGWINCH) arriving in between is
// ignored.
func Answers(port int, timeout time.Duration) error {
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		if supervisor.Answers(addr) {
			return nil
		}
	}
	return fmt.Errorf("%s does not answer HTTP after %v", addr, timeout)
}

// Output is what start-server printed.
func (s *Server) Output() string { return s.out.String() }

// WaitOutput waits until start-server has printed want, as it prints
// "Server is ready" once the application has loaded, after the port
// answers; it reports whether it did within timeout.
func (s *Server) WaitOutput(want string, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(25 * time.Millisecond) {
		if strings.Contains(s.Output(), want) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// ErrorLog is the server's error log, or "" if there is none.
func (s *Server) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(s.Root, "error_log"))
	return string(b)
}

var client = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Get requests path and returns status and body; it fails the test when
// the request cannot be made.
func (s *Server) Get(path string) (int, string) {
	s.t.Helper()
	resp, err := client.Get(s.URL + path)
	if err != nil {
		s.t.Fatalf("GET %s: %v\n--- error_log ---\n%s", path, err, s.ErrorLog())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// MustGet requests path and fails unless the status is 200.
func (s *Server) MustGet(path string) string {
	s.t.Helper()
	code, body := s.Get(path)
	if code != 200 {
		s.t.Fatalf("GET %s: status %d, body %q\n--- error_log ---\n%s", path, code, body, s.ErrorLog())
	}
	return body
}

// Stop sends sig to start-server (which forwards it to Apache), waits for
// it to exit, and fails the test if any process of the server remains.
func (s *Server) Stop(sig syscall.Signal) {
	s.t.Helper()
	select {
	case <-s.done:
	default:
		s.Cmd.Process.Signal(sig)
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			killGroup(s.Cmd.Process.Pid)
			<-s.done
			s.t.Errorf("server did not stop within 20s of %v", sig)
		}
	}
	AssertNoProcesses(s.t, s.Cmd.Process.Pid, s.Root)
}

// Done is closed when start-server (or the Apache it became) exits.
func (s *Server) Done() <-chan struct{} { return s.done }

// AssertNoProcesses fails if any process is left in process group pgid or
// mentions marker (a server root) in its command line, allowing a few
// seconds for Apache's children to finish exiting. Leftovers are killed.
func AssertNoProcesses(t testing.TB, pgid int, marker string) {
	t.Helper()
	var left []string
	for i := 0; i < 100; i++ {
		left = Processes(pgid, marker)
		if len(left) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	if pgid > 0 {
		killGroup(pgid)
	}
	t.Errorf("processes left behind: %s", strings.Join(left, "; "))
}

// Processes lists live processes in group pgid or whose command line holds
// marker.
func Processes(pgid int, marker string) []string {
	var out []string
	for _, p := range AllProcesses() {
		if p.PID == os.Getpid() {
			continue
		}
		if (pgid > 0 && p.PGID == pgid) || (marker != "" && strings.Contains(p.Cmdline, marker)) {
			out = append(out, fmt.Sprintf("%d %s", p.PID, p.Cmdline))
		}
	}
	return out
}

// Run runs the binary with args in dir and returns its combined output
// and exit status.
func Run(t testing.TB, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := Command(t, dir, args...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// ConfigTest has Apache check the configuration of a server root.
func ConfigTest(t testing.TB, root string) {
	t.Helper()
	out, err := exec.Command("/bin/sh", filepath.Join(root, "apachectl"), "configtest").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Syntax OK") {
		t.Fatalf("apachectl configtest failed: %v\n%s", err, out)
	}
}
