// Command bench measures mod_wsgi-express on this machine in one run, side
// by side: the hello application in daemon mode and in embedded mode, each
// against a static file served by the same Apache, driven by wrk over
// loopback; the wall time of setup-server; the time from running
// start-server to the first 200; and the resident memory of the
// start-server process (which becomes Apache's parent) while Apache runs.
//
//	go run ./bench [-rounds 5] [-slice 1s] [-connections 4] [-threads 1]
//
// Both servers run at once and the four URLs are measured in interleaved
// one-second slices, so load from elsewhere on the machine falls on all of
// them alike and the ratios stay comparable.
//
// It needs wrk (Debian package wrk) and Apache with mod_wsgi. Numbers go
// to standard output; nothing is asserted.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	rounds      = flag.Int("rounds", 5, "measured rounds; each runs wrk for one -slice on every URL, in rotating order")
	slice       = flag.Duration("slice", time.Second, "length of one wrk run (whole seconds)")
	warmup      = flag.Duration("warmup", time.Second, "length of the wrk warm-up of each URL")
	connections = flag.Int("connections", 4, "wrk connections (keep-alive)")
	wrkThreads  = flag.Int("threads", 1, "wrk threads")
	setupRuns   = flag.Int("setup-runs", 20, "setup-server runs (the median is reported)")
	startRuns   = flag.Int("start-runs", 5, "start-server runs per mode for the time to the first 200 (the median is reported)")
	extra       = flag.String("args", "", "extra start-server arguments for both modes, space separated")
)

// The static file holds the same bytes the hello application returns.
const body = "Hello from Apache and mod_wsgi!\n"

func main() {
	flag.Parse()
	// Ctrl-C or SIGTERM still stops the servers.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() { <-sigs; fail("interrupted") }()
	if _, err := exec.LookPath("wrk"); err != nil {
		fail("wrk not found: apt-get install -y wrk")
	}
	_, src, _, _ := runtime.Caller(0)
	repo := filepath.Dir(filepath.Dir(src))
	work, err := os.MkdirTemp("", "mwe-bench-")
	check(err)
	defer os.RemoveAll(work)
	check(os.Chmod(work, 0o755))

	bin := filepath.Join(work, "mod_wsgi-express")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		fail(fmt.Sprintf("go build: %v\n%s", err, out))
	}
	check(copyFile(filepath.Join(repo, "examples", "hello", "hello.wsgi"), filepath.Join(work, "hello.wsgi")))
	check(os.WriteFile(filepath.Join(work, "static.txt"), []byte(body), 0o644))

	fmt.Printf("mod_wsgi-express benchmark, %s, %d CPUs, wrk -t%d -c%d, %d rounds of %s per URL (after %s warm-up)\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), *wrkThreads, *connections, *rounds, *slice, *warmup)

	type mode struct {
		name string
		args []string
	}
	modes := []mode{{"daemon", nil}, {"embedded", []string{"--embedded-mode"}}}
	type result struct {
		setup, start time.Duration
		rss, total   int
		srv          *exec.Cmd
		root         string
		app, static  string
		capacity     string // the summary's Request Capacity
	}
	res := make([]*result, len(modes))
	for k, m := range modes {
		port := freePort()
		root := filepath.Join(work, "root-"+m.name)
		r := &result{root: root}
		res[k] = r
		args := append([]string{"hello.wsgi", "--host", "127.0.0.1", "--port", strconv.Itoa(port),
			"--server-root", root, "--url-alias", "/static.txt", "static.txt"}, m.args...)
		args = append(args, strings.Fields(*extra)...)

		// setup-server: wall time of the whole command.
		var setups []time.Duration
		for i := 0; i < *setupRuns; i++ {
			t0 := time.Now()
			out, err := run(work, bin, append([]string{"setup-server"}, args...)...)
			if err != nil {
				fail(fmt.Sprintf("setup-server: %v\n%s", err, out))
			}
			setups = append(setups, time.Since(t0))
			for _, l := range strings.Split(string(out), "\n") {
				if _, v, ok := strings.Cut(l, "Request Capacity :"); ok {
					r.capacity = strings.TrimSpace(v)
				}
			}
		}
		r.setup = median(setups)

		// start-server to the first 200, several times; the last server
		// is kept for the load runs.
		var starts []time.Duration
		for i := 0; i < *startRuns; i++ {
			cmd, d := start(work, bin, port, append([]string{"start-server"}, args...))
			starts = append(starts, d)
			if i < *startRuns-1 {
				stop(cmd)
			} else {
				r.srv = cmd
				running = append(running, cmd)
			}
		}
		r.start = median(starts)
		r.app = fmt.Sprintf("http://127.0.0.1:%d/", port)
		r.static = fmt.Sprintf("http://127.0.0.1:%d/static.txt", port)
	}
	defer stopAll()
	// Memory once both servers have started, before any load.
	for _, r := range res {
		r.rss, r.total = rssKB(r.srv.Process.Pid), serverRSSKB(r.srv.Process.Pid, r.root)
	}

	// Load: warm every URL up, then measure in interleaved slices.
	var urls []string
	for _, r := range res {
		urls = append(urls, r.app, r.static)
	}
	for _, u := range urls {
		wrk(u, *warmup)
	}
	sum := map[string]float64{}
	for round := 0; round < *rounds; round++ {
		for i := range urls {
			u := urls[(i+round)%len(urls)]
			sum[u] += wrk(u, *slice)
		}
	}
	var summary []string
	for k, m := range modes {
		r := res[k]
		app, static := sum[r.app]/float64(*rounds), sum[r.static]/float64(*rounds)
		fmt.Printf("%s mode\n", m.name)
		fmt.Printf("  request capacity               %s\n", r.capacity)
		fmt.Printf("  setup-server wall time         %6.1f ms (median of %d)\n", ms(r.setup), *setupRuns)
		fmt.Printf("  start-server to first 200      %6.1f ms (median of %d)\n", ms(r.start), *startRuns)
		fmt.Printf("  start-server process RSS       %6d KiB (all server processes: %d KiB)\n", r.rss, r.total)
		fmt.Printf("  hello app                      %8.0f requests/s\n", app)
		fmt.Printf("  static file                    %8.0f requests/s\n", static)
		fmt.Printf("  ratio app/static               %8.2f\n\n", app/static)
		summary = append(summary, fmt.Sprintf("%s %.2f", m.name, app/static))
	}
	fmt.Printf("ratios app/static: %s\n", strings.Join(summary, ", "))
}

// start runs start-server without a terminal (it becomes Apache) in its
// own process group and returns it with the time until GET / gave 200.
func start(dir, bin string, port int, args []string) (*exec.Cmd, time.Duration) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	t0 := time.Now()
	check(cmd.Start())
	for time.Since(t0) < 30*time.Second {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd, time.Since(t0)
			}
		}
		time.Sleep(time.Millisecond)
	}
	stop(cmd)
	fail("start-server did not answer 200 within 30s")
	return nil, 0
}

// stop sends SIGTERM to Apache and waits until its whole process group is
// gone.
func stop(cmd *exec.Cmd) {
	pid := cmd.Process.Pid
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		syscall.Kill(-pid, syscall.SIGKILL)
		<-done
	}
	for i := 0; i < 200 && syscall.Kill(-pid, 0) == nil; i++ {
		time.Sleep(25 * time.Millisecond)
	}
}

var reRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// wrk runs wrk on url for d and returns its requests/s.
func wrk(url string, d time.Duration) float64 {
	out, err := exec.Command("wrk", "-t", strconv.Itoa(*wrkThreads), "-c", strconv.Itoa(*connections),
		"-d", fmt.Sprintf("%ds", max(1, int(d.Seconds()))), url).CombinedOutput()
	m := reRPS.FindSubmatch(out)
	if err != nil || m == nil {
		fail(fmt.Sprintf("wrk %s: %v\n%s", url, err, out))
	}
	if strings.Contains(string(out), "Non-2xx") || strings.Contains(string(out), "Socket errors") {
		fail(fmt.Sprintf("wrk %s: errors\n%s", url, out))
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

func rssKB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// serverRSSKB sums VmRSS over start-server (pid) and every Apache and
// daemon process of its server root (Apache runs in a process group of
// its own; its processes name the configuration file on their command
// line). Shared pages count once per process, so this overstates the
// memory used.
func serverRSSKB(pid int, root string) int {
	total := rssKB(pid)
	conf := filepath.Join(root, "httpd.conf")
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil || p == pid {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if strings.Contains(string(cmdline), conf) {
			total += rssKB(p)
		}
	}
	return total
}

func run(dir, bin string, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

func check(err error) {
	if err != nil {
		fail(err.Error())
	}
}

// running are the servers to stop before exiting, even on failure.
var running []*exec.Cmd

func stopAll() {
	for _, c := range running {
		stop(c)
	}
	running = nil
}

func fail(msg string) {
	stopAll()
	fmt.Fprintln(os.Stderr, "bench:", msg)
	os.Exit(1)
}
