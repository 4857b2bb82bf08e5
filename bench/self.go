package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// selfMode measures ours against itself: in daemon and in embedded mode,
// the app against a static file served by the same Apache, plus the
// setup-server and start-server times and memory.
func selfMode(e *env) {
	n, sl := orDefault(*rounds, 5), orDefault(*slice, time.Second)
	conns := orDefault(*connections, 4)
	header("ours, app against a static file")
	fmt.Printf("wrk -t%d -c%d, %d rounds of %s per URL (after %s warm-up)\n\n", *wrkThreads, conns, n, sl, *warmup)

	alias := []string{"--url-alias", "/static.txt", "static.txt"}
	modes := []kind{
		{key: "daemon", name: "daemon", argv: ours(alias...)},
		{key: "embedded", name: "embedded", argv: ours(embeddedPerCPU(alias...)...)},
	}
	type result struct {
		setup, start time.Duration
		rss, total   int
		srv          *server
		capacity     string // the summary's Request Capacity
	}
	res := make([]*result, len(modes))
	for k, m := range modes {
		r := &result{}
		res[k] = r
		// setup-server: wall time of the whole command, with the
		// arguments start-server gets.
		argv := m.argv(e, freePort(), filepath.Join(e.work, "setup-"+m.key))
		argv[1] = "setup-server"
		var setups []time.Duration
		for i := 0; i < *setupRuns; i++ {
			t0 := time.Now()
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Dir = e.work
			out, err := cmd.CombinedOutput()
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
			s := launch(e, m)
			starts = append(starts, s.startup)
			if i < *startRuns-1 {
				s.stop()
			} else {
				r.srv = s
			}
		}
		r.start = median(starts)
	}
	// Memory once both servers have started, before any load.
	for _, r := range res {
		r.rss, r.total = rssKB(r.srv.cmd.Process.Pid), r.srv.rss()
	}

	// Load: warm every URL up, then measure in interleaved slices.
	var urls []string
	for _, r := range res {
		urls = append(urls, r.srv.url, r.srv.url+"static.txt")
	}
	for _, u := range urls {
		noErrors(u, runWrk(u, conns, *warmup, nil))
	}
	sum := map[string]float64{}
	for round := 0; round < n; round++ {
		for i := range urls {
			u := urls[(i+round)%len(urls)]
			sum[u] += noErrors(u, runWrk(u, conns, sl, nil)).rps
		}
	}
	var summary []string
	for k, m := range modes {
		r := res[k]
		app, static := sum[r.srv.url]/float64(n), sum[r.srv.url+"static.txt"]/float64(n)
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

// noErrors is r, after failing when wrk saw errors (a few connections
// at -c4 never fail).
func noErrors(url string, r wrkResult) wrkResult {
	if r.socketErrors() > 0 || r.non2xx > 0 {
		fail(fmt.Sprintf("wrk %s: errors: %s", url, r.errorsText()))
	}
	return r
}

// median is the middle value, or the mean of the two middle ones.
func median[T int | float64 | time.Duration](v []T) T {
	s := append([]T(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
