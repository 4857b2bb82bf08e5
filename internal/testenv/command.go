package testenv

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// StartCommand starts cmd, which must end up serving on 127.0.0.1:port
// with server root root (for example manage.py runmodwsgi, which replaces
// itself with mod_wsgi-express), and waits for the port. Stop and the
// leftover check work as for Start.
func StartCommand(t testing.TB, cmd *exec.Cmd, port int, root string) *Server {
	t.Helper()
	Integration(t)
	return startAndWait(t, cmd, port, root, 60*time.Second, filepath.Base(cmd.Path))
}

// startAndWait starts cmd in a process group of its own, registers the
// stop-and-check at cleanup, and waits for 127.0.0.1:port to answer.
func startAndWait(t testing.TB, cmd *exec.Cmd, port int, root string, timeout time.Duration, what string) *Server {
	t.Helper()
	out := &SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	ownProcessGroup(cmd) // a Credential the caller set is kept
	s := &Server{t: t, Port: port, Root: root, URL: fmt.Sprintf("http://127.0.0.1:%d", port), Cmd: cmd, out: out, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.Stop(syscall.SIGTERM) })
	if err := s.WaitReady(timeout); err != nil {
		t.Fatalf("%s did not come up: %v\n--- output ---\n%s\n--- error_log ---\n%s", what, err, s.Output(), s.ErrorLog())
	}
	return s
}

// CopyDir copies the tree at src into dst (created), readable by all.
func CopyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			if fi.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		mode := os.FileMode(0o644)
		if fi.Mode()&0o111 != 0 {
			mode = 0o755
		}
		o, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
		if err != nil {
			return err
		}
		defer o.Close()
		_, err = io.Copy(o, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
