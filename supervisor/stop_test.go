//go:build !windows

package supervisor

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// A child started with helperEnv set sleeps: with this test binary's own
// command line, it stands for an MPM child (forked by Apache, not exec'd).
const helperEnv = "MOD_WSGI_EXPRESS_SUPERVISOR_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		time.Sleep(30 * time.Second)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// apacheWorkers tells Apache's MPM children (its own command line) and
// mod_wsgi daemons ("(wsgi:" display name) from other children.
func TestApacheWorkers(t *testing.T) {
	start := func(c *exec.Cmd) int {
		t.Helper()
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
		return c.Process.Pid
	}
	mpm := exec.Command(os.Args[0], os.Args[1:]...)
	mpm.Env = append(os.Environ(), helperEnv+"=1")
	child := start(mpm)
	daemon := start(&exec.Cmd{Path: "/bin/sleep", Args: []string{"(wsgi:test:0)", "30"}})
	start(exec.Command("/bin/sleep", "30")) // a piped logger, say
	var children, daemons []int
	for i := 0; i < 200; i++ {
		var ok bool
		children, daemons, ok = apacheWorkers(os.Getpid())
		if !ok {
			t.Fatal("/proc cannot tell")
		}
		if slices.Equal(children, []int{child}) && slices.Equal(daemons, []int{daemon}) {
			return
		}
		time.Sleep(10 * time.Millisecond) // until the children have exec'd
	}
	t.Errorf("children %v, daemons %v; want [%d] and [%d]", children, daemons, child, daemon)
}

// Apache's graceful stop is repeated only while its pid file names it;
// leftovers of a killed Apache are its pid file and its daemon sockets.
func TestPidFileAndLeftovers(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "httpd.pid")
	if pidFileNames(pidFile, 42) {
		t.Error("a missing pid file names a process")
	}
	os.WriteFile(pidFile, []byte("42\n"), 0o600)
	if !pidFileNames(pidFile, 42) || pidFileNames(pidFile, 43) {
		t.Error("pid file misread")
	}
	prefix := filepath.Join(dir, "wsgi")
	for _, n := range []string{"wsgi.42.0.1.sock", "wsgi.42.0.1.lock", "wsgi.420.0.1.sock", "other"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o600)
	}
	removeLeftovers(pidFile, prefix, 42)
	var left []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if want := []string{"other", "wsgi.420.0.1.sock"}; !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
	os.WriteFile(pidFile, []byte(fmt.Sprintln(43)), 0o600)
	removeLeftovers(pidFile, prefix, 42)
	if _, err := os.Stat(pidFile); err != nil {
		t.Error("removed the pid file of another process")
	}
}
