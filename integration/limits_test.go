package integration

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// limitsApp reports its pid, nice value and groups; /allocate?MB tries to
// allocate that many megabytes and says whether Python raised MemoryError,
// /allocate-uncaught?MB lets the MemoryError through (a 500).
const limitsApp = `import os
def application(environ, start_response):
    path = environ.get('PATH_INFO', '')
    result = ''
    if path == '/allocate':
        try:
            block = bytearray(int(environ['QUERY_STRING']) * 1024 * 1024)
            result = 'allocated'
            del block
        except MemoryError:
            result = 'MemoryError'
    elif path == '/allocate-uncaught':
        block = bytearray(int(environ['QUERY_STRING']) * 1024 * 1024)
        result = 'allocated'
        del block
    body = 'pid=%d\nresult=%s\nnice=%d\ngroups=%s\n' % (
        os.getpid(), result, os.nice(0), ','.join(str(g) for g in sorted(os.getgroups())))
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [body.encode()]
`

// rlimit returns the soft and hard values of a line of /proc/PID/limits
// ("Max data size", "Max address space").
func rlimit(t *testing.T, pid int, name string) (soft, hard string) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, name); ok {
			f := strings.Fields(rest)
			if len(f) >= 2 {
				return f[0], f[1]
			}
		}
	}
	t.Fatalf("no %q in /proc/%d/limits:\n%s", name, pid, b)
	return "", ""
}

// serverDaemonPIDs are the server's daemon processes; the test fails without any.
func serverDaemonPIDs(t *testing.T, s *testenv.Server) []int {
	t.Helper()
	pids := testenv.DaemonPIDs(s.Root)
	if len(pids) == 0 {
		t.Fatalf("no daemon process of %s:\n%s", s.Root, strings.Join(testenv.Processes(0, s.Root), "\n"))
	}
	return pids
}

// --memory-limit and --virtual-memory-limit are real limits: mod_wsgi sets
// them with setrlimit (RLIMIT_DATA, RLIMIT_AS) in every daemon process, an
// allocation past them raises MemoryError in the application, which the
// application may catch, and uncaught it is a 500; either way the same
// process goes on serving. An allocation within the limit succeeds.
func TestDaemonMemoryLimits(t *testing.T) {
	testenv.Integration(t)
	cases := []struct {
		option, value, rlimit, bytes string
		over, under                  string // MB to allocate
	}{
		{"--memory-limit", "200M", "Max data size", "209715200", "400", "50"},
		{"--virtual-memory-limit", "1G", "Max address space", "1073741824", "1200", "50"},
	}
	for _, c := range cases {
		t.Run(c.option, func(t *testing.T) {
			dir := testenv.Dir(t)
			testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), limitsApp)
			s := testenv.Start(t, dir, "app.wsgi", c.option, c.value)
			pid := field(s.MustGet("/"), "pid")
			for _, p := range serverDaemonPIDs(t, s) {
				if soft, hard := rlimit(t, p, c.rlimit); soft != c.bytes || hard != c.bytes {
					t.Errorf("daemon %d: %s %s/%s, want %s", p, c.rlimit, soft, hard, c.bytes)
				}
			}
			body := s.MustGet("/allocate?" + c.over)
			if got := field(body, "result"); got != "MemoryError" {
				t.Errorf("allocating %s MB under %s %s: %q, want MemoryError", c.over, c.option, c.value, got)
			}
			if got := field(body, "pid"); got != pid {
				t.Errorf("pid %s answered after MemoryError, want the same process %s", got, pid)
			}
			if code, _ := s.Get("/allocate-uncaught?" + c.over); code != 500 {
				t.Errorf("uncaught MemoryError: status %d, want 500", code)
			}
			if !strings.Contains(s.ErrorLog(), "MemoryError") {
				t.Errorf("the error log does not show the uncaught MemoryError:\n%s", s.ErrorLog())
			}
			body = s.MustGet("/allocate?" + c.under)
			if got := field(body, "result"); got != "allocated" {
				t.Errorf("allocating %s MB, within the limit: %q, want allocated", c.under, got)
			}
			if got := field(body, "pid"); got != pid {
				t.Errorf("pid %s answered after the uncaught MemoryError, want the same process %s", got, pid)
			}
			s.Stop(syscall.SIGTERM)
		})
	}
}

// niceOf is field 19 of /proc/PID/stat (or /proc/PID/task/TID/stat).
func niceOf(t *testing.T, statPath string) int {
	t.Helper()
	b, err := os.ReadFile(statPath)
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name, which is in parentheses, start at 3.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b)[i+1:])
	n, err := strconv.Atoi(f[19-3])
	if err != nil {
		t.Fatalf("%s: %v", statPath, err)
	}
	return n
}

// --cpu-priority 10: every daemon process, and each of its threads, runs at
// nice 10; Apache's own children keep nice 0.
func TestDaemonCPUPriority(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), limitsApp)
	s := testenv.Start(t, dir, "app.wsgi", "--cpu-priority", "10", "--processes", "2")
	if got := field(s.MustGet("/"), "nice"); got != "10" {
		t.Errorf("os.nice(0) in the application: %s, want 10", got)
	}
	pids := serverDaemonPIDs(t, s)
	if len(pids) != 2 {
		t.Errorf("%d daemon processes, want 2", len(pids))
	}
	for _, p := range pids {
		if n := niceOf(t, fmt.Sprintf("/proc/%d/stat", p)); n != 10 {
			t.Errorf("daemon %d: nice %d, want 10", p, n)
		}
		tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", p))
		for _, task := range tasks {
			if n := niceOf(t, fmt.Sprintf("/proc/%d/task/%s/stat", p, task.Name())); n != 10 {
				t.Errorf("daemon %d, thread %s: nice %d, want 10", p, task.Name(), n)
			}
		}
	}
	children, _ := testenv.ApacheProcesses(s.Cmd.Process.Pid)
	if len(children) == 0 {
		t.Fatal("no Apache child")
	}
	for _, c := range children {
		if n := niceOf(t, fmt.Sprintf("/proc/%d/stat", c.PID)); n != 0 {
			t.Errorf("Apache child %d: nice %d, want 0 (the option is for the daemon processes)", c.PID, n)
		}
	}
	s.Stop(syscall.SIGTERM)
}

// statusGroups is the Groups line of /proc/PID/status.
func statusGroups(t *testing.T, pid int) []string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "Groups:"); ok {
			return strings.Fields(rest)
		}
	}
	t.Fatalf("no Groups in /proc/%d/status", pid)
	return nil
}

// --supplementary-groups: the daemon processes (started as root, as the
// option needs) have the named groups besides the account's own, a group
// made for the test among them; Apache's children do not.
func TestDaemonSupplementaryGroups(t *testing.T) {
	testenv.Integration(t)
	if os.Geteuid() != 0 {
		t.Fatal("the integration tests run as root; --supplementary-groups needs it")
	}
	name := fmt.Sprintf("mwe-test-%d", os.Getpid())
	if out, err := exec.Command("groupadd", name).CombinedOutput(); err != nil {
		t.Fatalf("groupadd %s: %v\n%s", name, err, out)
	}
	// Registered before the server starts, so it runs after it stops.
	t.Cleanup(func() {
		if out, err := exec.Command("groupdel", name).CombinedOutput(); err != nil {
			t.Errorf("groupdel %s: %v\n%s", name, err, out)
		}
	})
	g, err := user.LookupGroup(name)
	if err != nil {
		t.Fatal(err)
	}
	adm, err := user.LookupGroup("adm")
	if err != nil {
		t.Fatal(err)
	}
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), limitsApp)
	s := testenv.Start(t, dir, "app.wsgi", "--supplementary-groups", "adm,"+name)
	groups := strings.Split(field(s.MustGet("/"), "groups"), ",")
	for _, want := range []string{g.Gid, adm.Gid} {
		if !slices.Contains(groups, want) {
			t.Errorf("os.getgroups() in the application: %v, want %s among them", groups, want)
		}
	}
	for _, p := range serverDaemonPIDs(t, s) {
		got := statusGroups(t, p)
		for _, want := range []string{g.Gid, adm.Gid} {
			if !slices.Contains(got, want) {
				t.Errorf("daemon %d: Groups %v, want %s among them", p, got, want)
			}
		}
	}
	children, _ := testenv.ApacheProcesses(s.Cmd.Process.Pid)
	for _, c := range children {
		if got := statusGroups(t, c.PID); slices.Contains(got, g.Gid) {
			t.Errorf("Apache child %d has the daemon processes' group %s: %v", c.PID, g.Gid, got)
		}
	}
	s.Stop(syscall.SIGTERM)
}

// Bad values of the daemon limits, and the limits in embedded mode, are
// refused before anything is written: exit status 2, naming the option.
func TestDaemonLimitErrors(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), limitsApp)
	cases := []refusedCase{
		{[]string{"--memory-limit", "lots"}, []string{"--memory-limit", "200M"}},
		{[]string{"--memory-limit", "200"}, []string{"--memory-limit", "too small"}},
		{[]string{"--virtual-memory-limit", "-1G"}, []string{"--virtual-memory-limit", "not a size"}},
		{[]string{"--cpu-priority", "20"}, []string{"--cpu-priority", "-20", "19"}},
		{[]string{"--cpu-priority", "high"}, []string{"--cpu-priority"}},
		{[]string{"--supplementary-groups", "adm,no-such-group-here"}, []string{"--supplementary-groups", `"no-such-group-here"`}},
		{[]string{"--embedded-mode", "--memory-limit", "200M"}, []string{"--memory-limit", "--embedded-mode"}},
		{[]string{"--embedded-mode", "--virtual-memory-limit", "1G"}, []string{"--virtual-memory-limit", "--embedded-mode"}},
		{[]string{"--embedded-mode", "--cpu-priority", "5"}, []string{"--cpu-priority", "--embedded-mode"}},
		{[]string{"--embedded-mode", "--supplementary-groups", "adm"}, []string{"--supplementary-groups", "--embedded-mode"}},
	}
	wantRefused(t, dir, []string{"app.wsgi"}, cases)
}
