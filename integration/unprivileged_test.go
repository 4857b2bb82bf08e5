//go:build !windows

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// nobody, as Debian numbers it: the account a developer's own is like
// (not root, no privileges).
const nobodyID = 65534

// nobodyHome makes dir/home, private to nobody.
func nobodyHome(t *testing.T, dir string) string {
	t.Helper()
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(home, nobodyID, nobodyID); err != nil {
		t.Fatal(err)
	}
	return home
}

// nobodyEnv is the environment with home as $HOME and $TMPDIR.
func nobodyEnv(home string) []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "HOME=") && !strings.HasPrefix(e, "TMPDIR=") && !strings.HasPrefix(e, "USER=") {
			env = append(env, e)
		}
	}
	return append(env, "HOME="+home, "TMPDIR="+home, "USER=nobody")
}

// Most people run start-server from their own unprivileged account, not as
// root: no User/Group switch, the default server root under $TMPDIR named
// with their uid, every process theirs, and a stop leaves nothing.
func TestStartServerUnprivileged(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	home := nobodyHome(t, dir)
	port := testenv.FreePort(t)
	root := filepath.Join(home, fmt.Sprintf("mod_wsgi-127.0.0.1:%d:%d", port, nobodyID))
	cmd := testenv.Command(t, dir, "start-server", "app.wsgi", "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	cmd.Env = nobodyEnv(home)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyID, Gid: nobodyID}}
	s := testenv.StartCommand(t, cmd, port, root)

	if body := s.MustGet("/"); !strings.Contains(body, "SCRIPT_NAME=") {
		t.Errorf("GET /: %q", body)
	}
	fi, err := os.Stat(filepath.Join(root, "httpd.conf"))
	if err != nil {
		t.Fatalf("default server root %s: %v\n%s", root, err, s.Output())
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != nobodyID {
		t.Errorf("httpd.conf owned by uid %d, want %d", st.Uid, nobodyID)
	}
	if strings.Contains(s.Output(), "running as root") {
		t.Errorf("summary talks about root:\n%s", s.Output())
	}
	conf, _ := os.ReadFile(filepath.Join(root, "httpd.conf"))
	for _, l := range strings.Split(string(conf), "\n") {
		if strings.HasPrefix(l, "User ") || strings.HasPrefix(l, "Group ") {
			t.Errorf("httpd.conf switches account without root: %s", l)
		}
	}
	// Every process of the server runs as nobody: start-server, and
	// Apache's parent, children and daemon (Apache's process group).
	pidText, err := os.ReadFile(filepath.Join(root, "httpd.pid"))
	if err != nil {
		t.Fatal(err)
	}
	apache, _ := strconv.Atoi(strings.TrimSpace(string(pidText)))
	n, daemons := 0, 0
	for _, p := range testenv.AllProcesses() {
		if p.PGID != s.Cmd.Process.Pid && p.PGID != apache {
			continue
		}
		n++
		if strings.HasPrefix(p.Cmdline, "(wsgi:") {
			daemons++
		}
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID))
		for _, l := range strings.Split(string(status), "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" && f[1] != strconv.Itoa(nobodyID) {
				t.Errorf("process %d (%s) runs as uid %s", p.PID, p.Cmdline, f[1])
			}
		}
	}
	if n < 4 || daemons != 1 { // start-server, Apache's parent, a child, the daemon
		t.Errorf("found %d processes of the server (%d daemons), want at least 4 with one daemon", n, daemons)
	}
	s.Stop(syscall.SIGINT)
	if code := s.Cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit status %d after SIGINT, want 0", code)
	}
}

// Without root a port below 1024 is refused before Apache is launched,
// naming the option and the fix, and nothing is left.
func TestPrivilegedPortUnprivileged(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	home := nobodyHome(t, dir)
	cmd := testenv.Command(t, dir, "start-server", "app.wsgi", "--host", "127.0.0.1", "--port", "81")
	cmd.Env = nobodyEnv(home)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: &syscall.Credential{Uid: nobodyID, Gid: nobodyID}}
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 {
		t.Errorf("exit %v, want status 1\n%s", err, out)
	}
	if !strings.Contains(string(out), "port 81") || !strings.Contains(string(out), "below 1024 need root") || !strings.Contains(string(out), "--port") {
		t.Errorf("output does not name the port, the reason and --port:\n%s", out)
	}
	testenv.AssertNoProcesses(t, cmd.Process.Pid, home)
}

// A server root that cannot be created says which directory, why, and what
// to change: $TMPDIR for the default, --server-root otherwise.
func TestUnwritableServerRootLocation(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	home := nobodyHome(t, dir)
	locked := filepath.Join(dir, "locked") // root's, 0755: nobody cannot write
	if err := os.Mkdir(locked, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args   []string
		tmpdir string
		want   []string
	}{
		{nil, locked, []string{"cannot create the server root " + locked + "/mod_wsgi-localhost:8000:65534", "permission denied", "set TMPDIR"}},
		{[]string{"--server-root", filepath.Join(locked, "a", "b")}, home, []string{"cannot create the server root's parent " + filepath.Join(locked, "a"), "permission denied", "--server-root"}},
	} {
		cmd := testenv.Command(t, dir, append([]string{"setup-server", "app.wsgi"}, c.args...)...)
		cmd.Env = append(nobodyEnv(home), "TMPDIR="+c.tmpdir)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyID, Gid: nobodyID}}
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != 1 {
			t.Errorf("%q: exit %d, want 1\n%s", c.args, cmd.ProcessState.ExitCode(), out)
		}
		for _, w := range c.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%q: output lacks %q:\n%s", c.args, w, out)
			}
		}
	}
}

// --log-to-terminal and --access-log work when the terminal belongs to
// another account (su - alice, then start-server): Apache, running as the
// account, cannot open the terminal again by its name (/dev/stdout), so
// it writes to a pipe that start-server copies to its terminal.
func TestLogToTerminalNotOwned(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	home := nobodyHome(t, dir)
	root := filepath.Join(home, "root")
	p := startOnPTYAs(t, dir, root, &syscall.Credential{Uid: nobodyID, Gid: nobodyID}, "app.wsgi", "--log-to-terminal", "--access-log")
	if fi, err := os.Stat(p.tty.Name()); err == nil {
		if st := fi.Sys().(*syscall.Stat_t); st.Uid == nobodyID {
			t.Fatalf("the terminal %s belongs to the account under test", p.tty.Name())
		}
	}
	p.expect(t, "Server is ready at", 60*time.Second)
	if body := p.get(t, "/not-owned-terminal"); !strings.Contains(body, "PATH_INFO=/not-owned-terminal") {
		t.Errorf("GET: %q", body)
	}
	// The access line, on the terminal.
	p.expect(t, `"GET /not-owned-terminal HTTP/1.1" 200`, 20*time.Second)
	if strings.Contains(p.log.String(), "AH00649") || strings.Contains(p.log.String(), "Permission denied") {
		t.Errorf("Apache could not open the terminal:\n%s", p.log)
	}
	p.tty.Write([]byte{3})
	p.waitExit(t, "Ctrl-C")
}
