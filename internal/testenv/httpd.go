package testenv

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// StartHTTPD runs Apache directly on a hand-written configuration (for
// tests of the directives this tool prints for people's own
// configurations): httpd -f conf -DFOREGROUND in its own process group and
// waits for port to answer. root is where the configuration keeps its
// error_log (ErrorLog "ROOT/error_log"). It is stopped, and checked to
// leave nothing behind, at cleanup.
func StartHTTPD(t testing.TB, httpd, conf, root string, port int) *Server {
	t.Helper()
	Integration(t)
	cmd := exec.Command(httpd, "-f", conf, "-DFOREGROUND")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s := &Server{t: t, Port: port, Root: root, URL: fmt.Sprintf("http://127.0.0.1:%d", port), Cmd: cmd, out: out, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.Stop(syscall.SIGTERM) })
	if err := s.WaitReady(30 * time.Second); err != nil {
		t.Fatalf("%s -f %s did not come up: %v\n--- output ---\n%s\n--- error_log ---\n%s", httpd, filepath.Base(conf), err, s.Output(), s.ErrorLog())
	}
	return s
}
