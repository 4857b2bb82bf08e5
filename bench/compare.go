package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// compareKinds are the servers of -compare, ours first: the ratios are to
// the first.
func compareKinds() []kind {
	return []kind{
		{"ours-default", "ours daemon default", "daemon, 1 process × 5 threads", true, ours()},
		{"ours-2x5", "ours daemon 2×5", "daemon, 2 processes × 5 threads", true, ours("--processes", "2", "--threads", "5")},
		{"ours-embedded", "ours --embedded-mode default", "embedded, a child per CPU × 5 threads", true, ours("--embedded-mode")},
		{"python-express", "Python mod_wsgi-express 6.0.5", "daemon, 1 process × 5 threads", true, pythonExpress()},
		{"gunicorn-sync", "gunicorn sync", "2 workers", false, gunicorn("sync", 2, 1)},
		{"gunicorn-gthread", "gunicorn gthread", "2 workers × 5 threads", false, gunicorn("gthread", 2, 5)},
		{"uwsgi", "uWSGI --http-socket", "2 processes × 5 threads", false, uwsgi("--http-socket", 2, 5)},
		{"uwsgi-http11", "uWSGI --http11-socket", "2 processes × 5 threads", false, uwsgi("--http11-socket", 2, 5)},
		{"waitress", "waitress", "1 process × 4 threads", false, waitress(4)},
	}
}

// targets are the ratios the project aims at (≥ 1.0), by server key; the
// last is for information: uWSGI with keep-alive.
var targets = [][2]string{
	{"ours-2x5", "gunicorn-sync"},
	{"ours-2x5", "gunicorn-gthread"},
	{"ours-embedded", "uwsgi"},
	{"ours-embedded", "uwsgi-http11"},
}

// compareMode runs the chosen servers side by side and measures them in
// interleaved slices.
func compareMode(e *env, repo string) {
	n, sl := orDefault(*rounds, 5), orDefault(*slice, 2*time.Second)
	conns := orDefault(*connections, 20)
	kinds := chooseKinds(e, repo)
	header("against other WSGI servers")
	fmt.Printf("wrk -t%d -c%d --latency, %d rounds of %s per server in rotating order (after %s warm-up)\n\n",
		*wrkThreads, conns, n, sl, *warmup)

	servers := make([]*server, len(kinds))
	for i, k := range kinds {
		servers[i] = launch(e, k)
	}
	alive := make([]bool, len(servers))
	for i, s := range servers {
		alive[i] = keepsAlive(s.url)
		runWrk(s.url, conns, *warmup, nil)
	}
	runs := make([][]wrkResult, len(servers))
	rss, ticks := make([]int, len(servers)), make([]int, len(servers))
	for round := 0; round < n; round++ {
		for j := range servers {
			i := (j + round) % len(servers)
			s := servers[i]
			t0 := s.cpuTicks()
			r := runWrk(s.url, conns, sl, func() { rss[i] = max(rss[i], s.rss()) })
			ticks[i] += s.cpuTicks() - t0
			runs[i] = append(runs[i], r)
		}
	}
	endLoad := loadavg()
	stopServers(servers)

	index := map[string]int{}
	for i, s := range servers {
		index[s.key] = i
	}
	base := index["ours-default"] // the first server when not run
	rps := make([]float64, len(servers))
	for i := range servers {
		var per []float64
		for _, r := range runs[i] {
			per = append(per, r.rps)
		}
		rps[i] = median(per)
	}
	fmt.Printf("| server | shape | req/s | vs %s | CPU µs/req | p99 ms | RSS MiB | socket errors / non-2xx | keep-alive | crashed |\n", servers[base].name)
	fmt.Printf("|---|---|---:|---:|---:|---:|---:|---|---|---:|\n")
	for i, s := range servers {
		var p99 []time.Duration
		var sum wrkResult
		for _, r := range runs[i] {
			p99 = append(p99, r.p99)
			sum = sum.add(r)
		}
		crashed := "-"
		if s.apache {
			crashed = fmt.Sprint(s.crashes())
		}
		cpu := float64(ticks[i]) * float64(clockTick.Microseconds()) / float64(max(1, sum.requests))
		fmt.Printf("| %s | %s | %.0f | %.2f | %.0f | %.2f | %.1f | %s | %s | %s |\n", s.name, s.shape, rps[i], rps[i]/rps[base],
			cpu, ms(median(p99)), float64(rss[i])/1024, sum.errorsText(), yesNo(alive[i]), crashed)
	}
	fmt.Printf("\nload average at the end %s; req/s in rounds 1, 2, ...:\n", endLoad)
	for i, s := range servers {
		var per []string
		for _, r := range runs[i] {
			per = append(per, fmt.Sprintf("%.0f", r.rps))
		}
		fmt.Printf("  %-32s %s\n", s.name, strings.Join(per, " "))
	}
	// A round's two slices are seconds apart, so the median of the
	// rounds' ratios shrugs off a burst of load that hit one round.
	fmt.Println("\ntargets (≥ 1.00): ratio of the medians, and the median of the rounds' ratios")
	for _, t := range targets {
		a, okA := index[t[0]]
		b, okB := index[t[1]]
		if !okA || !okB {
			continue
		}
		var per []float64
		for r := range runs[a] {
			per = append(per, runs[a][r].rps/runs[b][r].rps)
		}
		fmt.Printf("  %-30s / %-24s %.2f  %.2f\n", servers[a].name, servers[b].name, rps[a]/rps[b], median(per))
	}
}

// chooseKinds is the -servers selection, without the Python
// mod_wsgi-express when it is not wanted or cannot be built.
func chooseKinds(e *env, repo string) []kind {
	all := compareKinds()
	want := map[string]bool{}
	for _, k := range strings.Split(*serverKeys, ",") {
		if k = strings.TrimSpace(k); k != "" {
			want[k] = true
		}
	}
	for k := range want {
		if !hasKey(all, k) {
			usage(fmt.Sprintf("-servers: no server %q; choose from %s", k, keysOf(all)))
		}
	}
	var kinds []kind
	for _, k := range all {
		if len(want) > 0 && !want[k.key] || k.key == "python-express" && !*pyExpress {
			continue
		}
		if k.key == "python-express" {
			path, err := buildPythonExpress(repo)
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: leaving out the Python mod_wsgi-express: %v\n", err)
				continue
			}
			e.pyExpress = path
		}
		kinds = append(kinds, k)
	}
	if len(kinds) == 0 {
		usage("-servers: nothing to run")
	}
	return kinds
}

func hasKey(kinds []kind, key string) bool {
	for _, k := range kinds {
		if k.key == key {
			return true
		}
	}
	return false
}

func keysOf(kinds []kind) string {
	var keys []string
	for _, k := range kinds {
		keys = append(keys, k.key)
	}
	return strings.Join(keys, ",")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
