//go:build !windows

package integration

import (
	"fmt"
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

// The application orphans a process: its child forks a grandchild and exits
// at once. The grandchild waits until it has been re-parented, writes its
// new parent's pid (as its PID namespace numbers it) and exits.
const orphanApp = `import os, time

def application(environ, start_response):
    out = environ["QUERY_STRING"]
    child = os.fork()
    if child == 0:
        if os.fork() == 0:
            parent = os.getppid()
            for _ in range(500):
                if os.getppid() != parent:
                    break
                time.sleep(0.01)
            with open(out, "w") as f:
                f.write(str(os.getppid()))
        os._exit(0)
    os.waitpid(child, 0)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"orphaned\n"]
`

// As a container's entrypoint (PID 1 of its PID namespace), start-server
// adopts the processes orphaned inside it and must wait for them, as init
// does, or they stay zombies. Apache, which upstream exec's into PID 1,
// does the same. The test runs start-server as PID 1 of a new PID
// namespace (unshare, as a container runtime would) on the host's network.
func TestPID1ReapsOrphans(t *testing.T) {
	testenv.Integration(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatalf("unshare (util-linux) is needed: %v", err)
	}
	dir := testenv.Dir(t)
	app := testenv.WriteFile(t, filepath.Join(dir, "orphan.wsgi"), orphanApp)
	outDir := filepath.Join(dir, "out")
	if err := os.Mkdir(outDir, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(outDir, 0o777) // the application runs as an unprivileged account
	port := testenv.FreePort(t)
	root := filepath.Join(dir, "root")
	// --kill-child: whatever happens to unshare, start-server goes too.
	cmd := exec.Command("unshare", "--pid", "--fork", "--mount-proc", "--kill-child=SIGTERM",
		testenv.Binary(t), "start-server", app, "--port", strconv.Itoa(port),
		"--host", "127.0.0.1", "--server-root", root)
	s := testenv.StartCommand(t, cmd, port, root)

	// start-server's pid outside the namespace: unshare's only child.
	children, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
	if err != nil || len(strings.Fields(string(children))) != 1 {
		t.Fatalf("children of unshare: %q, %v", children, err)
	}
	init, _ := strconv.Atoi(strings.Fields(string(children))[0])
	// unshare blocks SIGTERM and waits for its child: a stop goes to
	// start-server itself, as a container runtime sends it to PID 1. (This
	// cleanup runs before StartCommand's, which then sees unshare exit.)
	t.Cleanup(func() { syscall.Kill(init, syscall.SIGTERM) })

	const n = 5
	for i := 0; i < n; i++ {
		out := filepath.Join(outDir, strconv.Itoa(i))
		if got := s.MustGet("/?" + out); got != "orphaned\n" {
			t.Fatalf("request %d: %q", i, got)
		}
	}
	// Every grandchild was adopted by start-server (pid 1 inside)...
	if msg := testenv.Eventually(10*time.Second, func() string {
		for i := 0; i < n; i++ {
			b, err := os.ReadFile(filepath.Join(outDir, strconv.Itoa(i)))
			if err != nil || len(b) == 0 {
				return fmt.Sprintf("orphan %d has not reported its parent yet", i)
			}
			if string(b) != "1" {
				t.Fatalf("orphan %d was re-parented to pid %s, not to start-server (pid 1)", i, b)
			}
		}
		return ""
	}); msg != "" {
		t.Fatal(msg)
	}
	// ...and none of them stays a zombie.
	if msg := testenv.Eventually(10*time.Second, func() string {
		if z := testenv.ZombieChildren(init); len(z) > 0 {
			return fmt.Sprintf("zombie children of start-server (pid %d): %v", init, z)
		}
		return ""
	}); msg != "" {
		t.Error(msg)
	}
	if got := s.MustGet("/?" + filepath.Join(outDir, "again")); got != "orphaned\n" {
		t.Errorf("after reaping: %q", got)
	}
	// A container runtime stops its init with SIGTERM (docker stop): the
	// server stops and the namespace empties.
	syscall.Kill(init, syscall.SIGTERM)
	select {
	case <-s.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("start-server as PID 1 did not stop within 20s of SIGTERM")
	}
	if s.Cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0\n%s", s.Cmd.ProcessState.ExitCode(), s.Output())
	}
	testenv.AssertNoProcesses(t, cmd.Process.Pid, root)
}
