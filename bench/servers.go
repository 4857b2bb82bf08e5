package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
)

// env is what every server is started from: the work directory (it holds
// hello.wsgi, hello_app.py with the same bytes for the servers that import
// a module, and the server roots) and the programs.
type env struct {
	work      string
	bin       string // our mod_wsgi-express, built from this repository
	pyExpress string // the Python mod_wsgi-express 6.0.5, "" when not built
	baseline  string // ours built from -baseline's revision, "" when not built
	app       string // the application of the servers launched next: hello or page
}

// script is the WSGI script file of the application (in e.work).
func (e *env) script() string { return orDefault(e.app, "hello") + ".wsgi" }

// module is the application as gunicorn and waitress import it.
func (e *env) module() string { return orDefault(e.app, "hello") + "_app:application" }

// staticAlias is the --url-alias options of the Apache-based servers: the
// page application's files, which the others serve through the
// application.
func (e *env) staticAlias() []string {
	if e.app != "page" {
		return nil
	}
	return []string{"--url-alias", "/static", filepath.Join(e.work, "static")}
}

// kind is how to start one server: its command line for a port and a
// server root (a directory of its own, used by the Apache-based ones).
type kind struct {
	key    string // what -servers and -scenarios name it by
	name   string // as printed
	shape  string // processes and threads
	apache bool   // an Apache server root with an error_log
	argv   func(e *env, port int, root string) []string
}

// ours is our start-server with args, then the -args flag's options.
func ours(args ...string) func(*env, int, string) []string {
	return func(e *env, port int, root string) []string {
		a := []string{e.bin, "start-server", e.script(), "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--server-root", root}
		a = append(append(a, e.staticAlias()...), args...)
		return append(a, strings.Fields(*extra)...)
	}
}

// embeddedPerCPU are the options of ours in embedded mode as the bench
// measures it: a Python interpreter per CPU (--processes auto), which was
// embedded mode's default until it became the Python tool's one child.
func embeddedPerCPU(args ...string) []string {
	return append([]string{"--embedded-mode", "--processes", "auto"}, args...)
}

// embeddedPerCPUCount is embeddedPerCPU for a build that may predate
// --processes auto (-baseline): the same count, given as a number (the
// CPUs start-server itself counts; worker MPM, a child each).
func embeddedPerCPUCount(args ...string) []string {
	return append([]string{"--embedded-mode", "--processes", strconv.Itoa(discover.RealMachine{}.CPUs())}, args...)
}

// oursTelemetry is ours with --enable-telemetry and args, its web UI on a
// port of its own (each server needs one), to measure what telemetry costs
// beside the same server without it.
func oursTelemetry(args ...string) func(*env, int, string) []string {
	return func(e *env, port int, root string) []string {
		return ours(append([]string{"--enable-telemetry", "--telemetry-ui-port", strconv.Itoa(freePort())}, args...)...)(e, port, root)
	}
}

// oursBaseline is ours as built from -baseline's revision.
func oursBaseline(args ...string) func(*env, int, string) []string {
	return func(e *env, port int, root string) []string {
		a := ours(args...)(e, port, root)
		a[0] = e.baseline
		return a
	}
}

// buildRevision builds mod_wsgi-express from a git revision of repo, in a
// worktree of its own that is removed again.
func buildRevision(repo, rev string) string {
	tree := filepath.Join(work, "baseline-src")
	bin := filepath.Join(work, "mod_wsgi-express-baseline")
	for _, argv := range [][]string{
		{"git", "-C", repo, "worktree", "add", "--detach", tree, rev},
		{"go", "-C", tree, "build", "-o", bin, "."},
		{"git", "-C", repo, "worktree", "remove", "--force", tree},
	} {
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			exec.Command("git", "-C", repo, "worktree", "remove", "--force", tree).Run()
			fail(fmt.Sprintf("-baseline %s: %s: %v\n%s", rev, strings.Join(argv, " "), err, out))
		}
	}
	return bin
}

// pythonExpress is mod_wsgi-express 6.0.5 from its own source
// distribution. As root it must be told whom to run as.
func pythonExpress(args ...string) func(*env, int, string) []string {
	return func(e *env, port int, root string) []string {
		a := []string{e.pyExpress, "start-server", e.script(), "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--server-root", root}
		a = append(a, e.staticAlias()...)
		if os.Geteuid() == 0 {
			a = append(a, "--user", "www-data", "--group", "www-data")
		}
		return append(a, args...)
	}
}

// gunicorn runs workers of the given class (sync, gthread), each with
// threads threads (gthread only).
func gunicorn(class string, workers, threads int) func(*env, int, string) []string {
	return func(e *env, port int, _ string) []string {
		return []string{"gunicorn", "--bind", fmt.Sprintf("127.0.0.1:%d", port), "--chdir", e.work,
			"--worker-class", class, "--workers", strconv.Itoa(workers), "--threads", strconv.Itoa(threads),
			e.module()}
	}
}

// uwsgi runs a master and processes × threads on an HTTP socket:
// socket is --http-socket (the connection is closed after every response)
// or --http11-socket (keep-alive). Request logging is off, as in the
// others.
func uwsgi(socket string, processes, threads int) func(*env, int, string) []string {
	return func(e *env, port int, _ string) []string {
		return []string{"uwsgi", "--plugin", "python3", socket, fmt.Sprintf("127.0.0.1:%d", port),
			"--wsgi-file", filepath.Join(e.work, e.script()), "--master", "--die-on-term", "--disable-logging",
			"--processes", strconv.Itoa(processes), "--threads", strconv.Itoa(threads)}
	}
}

// waitress runs one process with threads threads.
func waitress(threads int) func(*env, int, string) []string {
	return func(e *env, port int, _ string) []string {
		return []string{"waitress-serve", fmt.Sprintf("--listen=127.0.0.1:%d", port),
			fmt.Sprintf("--threads=%d", threads), e.module()}
	}
}

// server is a started server.
type server struct {
	kind
	url, root, log string
	cmd            *exec.Cmd
	done           chan struct{} // closed once cmd has exited
	startup        time.Duration // from starting the command to the first 200
}

var rootSeq int

// launch starts k on a free loopback port in a process group of its own
// and waits until GET / answers 200.
func launch(e *env, k kind) *server {
	rootSeq++
	port := freePort()
	s := &server{kind: k, url: fmt.Sprintf("http://127.0.0.1:%d/", port), done: make(chan struct{})}
	s.root = filepath.Join(e.work, fmt.Sprintf("%s-%d", k.key, rootSeq))
	s.log = s.root + ".log"
	argv := k.argv(e, port, s.root)
	logf, err := os.Create(s.log)
	check(err)
	defer logf.Close()
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.Dir = e.work
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	ownProcessGroup(s.cmd)
	t0 := time.Now()
	if !register(s) {
		fail("interrupted")
	}
	if err := s.cmd.Start(); err != nil {
		unregister(s)
		fail(fmt.Sprintf("%s: %v (is it installed? see bench/main.go)", k.name, err))
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for time.Since(t0) < 60*time.Second {
		select {
		case <-s.done:
			fail(fmt.Sprintf("%s exited before answering: %s\n%s", k.name, strings.Join(argv, " "), tail(s.log)))
		default:
		}
		if resp, err := client.Get(s.url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				s.startup = time.Since(t0)
				s.shape = orDefault(capacity(s.log), s.shape)
				return s
			}
		}
		time.Sleep(time.Millisecond)
	}
	fail(fmt.Sprintf("%s did not answer 200 within 60s\n%s", k.name, tail(s.log)))
	return nil
}

// capacity is the Request Capacity an Apache-based server's summary
// states ("" when it has none): ours sizes embedded mode by the CPUs.
func capacity(log string) string {
	b, _ := os.ReadFile(log)
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "Request Capacity" {
			if head, _, cut := strings.Cut(v, ","); cut { // the why, after the numbers
				v = head + ")"
			}
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// stop sends SIGTERM to the server's first process and waits until it
// and every process it started are gone (SIGKILL after 20 s).
func (s *server) stop() {
	tree := processTree(s.cmd.Process.Pid)
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
	}
	// Whatever is left of the tree (Apache runs in a process group of
	// its own under our start-server) is killed.
	for i := 0; i < 400; i++ {
		alive := 0
		for _, p := range tree {
			if running(p) {
				alive++
				if i >= 200 {
					kill(p)
				}
			}
		}
		if alive == 0 {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	<-s.done
	unregister(s)
}

// sigusr1 sends SIGUSR1 to the server's first process (our start-server
// restarts the application's daemon processes; Apache restarts
// gracefully).
func (s *server) sigusr1() { s.cmd.Process.Signal(sigUSR1) }

// graceful runs the server root's apachectl graceful.
func (s *server) graceful() {
	if out, err := exec.Command(filepath.Join(s.root, "apachectl"), "graceful").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: apachectl graceful: %v\n%s", err, out)
	}
}

// rss is the VmRSS summed over the server's processes, in KiB. Pages
// shared between processes count once per process, so it overstates the
// memory used.
func (s *server) rss() int {
	total := 0
	for _, p := range processTree(s.cmd.Process.Pid) {
		total += rssKB(p)
	}
	return total
}

// errorLogLines counts the lines of the server root's error_log that
// contain any of the words (after a stop: children that crashed).
func (s *server) errorLogLines(words ...string) int {
	f, err := os.Open(filepath.Join(s.root, "error_log"))
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		for _, w := range words {
			if strings.Contains(sc.Text(), w) {
				n++
				break
			}
		}
	}
	return n
}

// crashes counts the error_log's lines of children killed by a signal.
func (s *server) crashes() int { return s.errorLogLines("exit signal", "Segmentation fault") }

// keepsAlive tells whether the server answers two requests on one
// connection.
func keepsAlive(url string) bool {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	reused := false
	for i := 0; i < 2; i++ {
		trace := &httptrace.ClientTrace{GotConn: func(c httptrace.GotConnInfo) { reused = c.Reused }}
		req, _ := http.NewRequest("GET", url, nil)
		resp, err := client.Do(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return reused
}

// processTree is pid and all its descendants, from /proc.
func processTree(pid int) []int {
	children := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _ := procStat(p); ppid > 0 {
			children[ppid] = append(children[ppid], p)
		}
	}
	tree := []int{pid}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	return tree
}

// procStat is a process's parent and state letter ("" when it is gone).
func procStat(pid int) (ppid int, state string) {
	f := statFields(pid)
	if len(f) < 2 {
		return 0, ""
	}
	return atoi(f[1]), f[0]
}

// statFields is /proc/PID/stat from the state on (field 3 of proc(5) is
// [0]), nil when the process is gone.
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	// pid (comm) state ppid ...; comm may hold spaces and parentheses.
	return strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
}

// cpuTicks is the CPU time, in clock ticks, the server's processes used
// so far: user and system time of each, plus that of the children they
// waited for (a child that exits between two readings still counts).
// daemons is the part of it used by mod_wsgi's daemon processes (their
// command line starts "(wsgi:"), the rest being Apache's parent and
// children (and start-server).
func (s *server) cpuTicks() (total, daemons int) {
	for _, p := range processTree(s.cmd.Process.Pid) {
		if f := statFields(p); len(f) > 14 {
			t := atoi(f[11]) + atoi(f[12]) + atoi(f[13]) + atoi(f[14])
			total += t
			if cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p)); bytes.HasPrefix(cmd, []byte("(wsgi:")) {
				daemons += t
			}
		}
	}
	return total, daemons
}

// clockTick is USER_HZ, the unit of /proc/PID/stat's times: 100 on
// Linux whatever the kernel's own tick rate.
const clockTick = 10 * time.Millisecond

// running tells whether pid is a live process (not gone, not a zombie).
func running(pid int) bool {
	_, state := procStat(pid)
	return state != "" && state != "Z"
}

func rssKB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return atoi(strings.Fields(v)[0])
		}
	}
	return 0
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// The servers to stop before exiting, even on failure or Ctrl-C.
var (
	mu       sync.Mutex
	started  = map[*server]bool{}
	stopping bool
)

// register records s; false once everything is being stopped.
func register(s *server) bool {
	mu.Lock()
	defer mu.Unlock()
	if !stopping {
		started[s] = true
	}
	return !stopping
}

func unregister(s *server) {
	mu.Lock()
	defer mu.Unlock()
	delete(started, s)
}

// stopServers stops servers side by side.
func stopServers(servers []*server) {
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Add(1)
		go func() { defer wg.Done(); s.stop() }()
	}
	wg.Wait()
}

// stopAll stops every server still running; none may start after it.
func stopAll() {
	mu.Lock()
	stopping = true
	var all []*server
	for s := range started {
		all = append(all, s)
	}
	mu.Unlock()
	stopServers(all)
}
