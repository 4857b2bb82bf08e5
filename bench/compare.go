package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// compareKinds are the servers of -compare, ours first: the ratios are to
// the first.
func compareKinds() []kind {
	return []kind{
		{"ours-default", "ours daemon default", "daemon, 1 process × 5 threads", true, ours()},
		{"ours-2x5", "ours daemon 2×5", "daemon, 2 processes × 5 threads", true, ours("--processes", "2", "--threads", "5")},
		{"ours-embedded", "ours --embedded-mode --processes auto", "embedded, a child per CPU × 5 threads", true, ours(embeddedPerCPU()...)},
		{"python-express", "Python mod_wsgi-express 6.0.5", "daemon, 1 process × 5 threads", true, pythonExpress()},
		{"gunicorn-sync", "gunicorn sync", "2 workers", false, gunicorn("sync", 2, 1)},
		{"gunicorn-gthread", "gunicorn gthread", "2 workers × 5 threads", false, gunicorn("gthread", 2, 5)},
		{"uwsgi", "uWSGI --http-socket", "2 processes × 5 threads", false, uwsgi("--http-socket", 2, 5)},
		{"uwsgi-http11", "uWSGI --http11-socket", "2 processes × 5 threads", false, uwsgi("--http11-socket", 2, 5)},
		{"waitress", "waitress", "1 process × 4 threads", false, waitress(4)},
		{"ours-telemetry", "ours daemon default --enable-telemetry", "daemon, 1 process × 5 threads", true, oursTelemetry()},
		{"ours-embedded-telemetry", "ours --embedded-mode --processes auto --enable-telemetry", "embedded, a child per CPU × 5 threads", true, oursTelemetry(embeddedPerCPU()...)},
		{"base-default", "ours@baseline daemon default", "daemon, 1 process × 5 threads", true, oursBaseline()},
		{"base-embedded", "ours@baseline --embedded-mode --processes N", "embedded, a child per CPU × 5 threads", true, oursBaseline(embeddedPerCPUCount()...)},
	}
}

// targets are the hello ratios the project aims at, by server key: the
// first's requests/s at least goal times the second's (0: for
// information, such as uWSGI with keep-alive).
var targets = []struct {
	a, b string
	goal float64
}{
	{"ours-default", "python-express", 1.2},
	{"ours-embedded", "uwsgi", 0.9},
	{"ours-2x5", "gunicorn-sync", 0},
	{"ours-2x5", "gunicorn-gthread", 0},
	{"ours-embedded", "uwsgi-http11", 0},
	{"ours-default", "base-default", 1},
	{"ours-embedded", "base-embedded", 1},
	{"ours-telemetry", "ours-default", 0.98},
	{"ours-embedded-telemetry", "ours-embedded", 0.98},
}

// measured is one server's figures over the rounds.
type measured struct {
	*server
	alive       bool        // two requests went over one connection
	runs        []wrkResult // one per round
	rss, ticks  int         // largest RSS sample (KiB); CPU ticks over the runs
	daemonTicks int         // the part of ticks used by mod_wsgi's daemon processes
	loads       []float64   // one-minute load average after each run
	pss         int         // PSS of the tree after the last round, KiB
}

// loadRange is the lowest and highest load average after m's runs.
func (m *measured) loadRange() string {
	if len(m.loads) == 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f–%.1f", slices.Min(m.loads), slices.Max(m.loads))
}

func (m *measured) rps() float64 {
	var per []float64
	for _, r := range m.runs {
		per = append(per, r.rps)
	}
	return median(per)
}

func (m *measured) p99() time.Duration {
	var per []time.Duration
	for _, r := range m.runs {
		per = append(per, r.p99)
	}
	return median(per)
}

func (m *measured) total() wrkResult {
	var sum wrkResult
	for _, r := range m.runs {
		sum = sum.add(r)
	}
	return sum
}

func (m *measured) cpuPerRequest() time.Duration { return m.perRequest(m.ticks) }

func (m *measured) perRequest(ticks int) time.Duration {
	return time.Duration(ticks) * clockTick / time.Duration(max(1, m.total().requests))
}

// compareMode runs the chosen servers side by side, measures them in
// interleaved slices, stops them and prints the figures.
func compareMode(e *env, repo string) {
	chosen, memory := chooseWorkloads()
	kinds := chooseKinds(e, repo)
	raiseFileLimit()
	if slices.ContainsFunc(chosen, func(w workload) bool { return w.app == "page" }) {
		check(writePageApp(e.work))
	}
	header("against other WSGI servers")
	for _, w := range chosen {
		if w.key == "hello" {
			compareHello(e, kinds)
		} else {
			runWorkload(e, kinds, w, orDefault(*rounds, 3), orDefault(*slice, 2*time.Second), memory)
		}
	}
}

// compareHello measures the hello application on every server.
func compareHello(e *env, kinds []kind) {
	e.app = "hello"
	n, sl := orDefault(*rounds, 5), orDefault(*slice, 2*time.Second)
	conns := orDefault(*connections, 20)
	fmt.Printf("\n## scenario hello: the hello application, wrk -t%d -c%d --latency, %d rounds of %s per server in rotating order (after %s warm-up); load average at the start %s\n\n",
		*wrkThreads, conns, n, sl, *warmup, loadavg())

	var meas []*measured
	var servers []*server
	for _, k := range kinds {
		s := launch(e, k)
		servers, meas = append(servers, s), append(meas, &measured{server: s})
	}
	for _, m := range meas {
		m.alive = keepsAlive(m.url)
		runWrk(m.url, conns, *warmup, nil)
	}
	for round := 0; round < n; round++ {
		for j := range meas {
			m := meas[(j+round)%len(meas)]
			t0, d0 := m.cpuTicks()
			r := runWrk(m.url, conns, sl, func() { m.rss = max(m.rss, m.server.rss()) })
			t1, d1 := m.cpuTicks()
			m.ticks, m.daemonTicks = m.ticks+t1-t0, m.daemonTicks+d1-d0
			m.runs = append(m.runs, r)
			m.loads = append(m.loads, load1())
		}
	}
	for _, m := range meas {
		m.pss = m.server.pss()
	}
	endLoad := loadavg()
	stopServers(servers)
	report(meas, endLoad)
}

// report prints the table, each round's requests/s and the targets.
func report(meas []*measured, endLoad string) {
	index := map[string]*measured{}
	for _, m := range meas {
		index[m.key] = m
	}
	base := orDefault(index["ours-default"], meas[0])
	fmt.Printf("| server | shape | req/s | vs %s | CPU µs/req | p99 ms | RSS MiB | PSS MiB | socket errors / non-2xx | keep-alive | crashed | load |\n", base.name)
	fmt.Printf("|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|---|\n")
	for _, m := range meas {
		crashed := "-"
		if m.apache {
			crashed = fmt.Sprint(m.crashes())
		}
		fmt.Printf("| %s | %s | %.0f | %.2f | %d | %.2f | %.1f | %.1f | %s | %s | %s | %s |\n", m.name, m.shape, m.rps(), m.rps()/base.rps(),
			m.cpuPerRequest().Microseconds(), ms(m.p99()), float64(m.rss)/1024, float64(m.pss)/1024, m.total().errorsText(), yesNo(m.alive), crashed, m.loadRange())
	}
	fmt.Printf("\nload average at the end %s; req/s in rounds 1, 2, ...:\n", endLoad)
	for _, m := range meas {
		var per []string
		for _, r := range m.runs {
			per = append(per, fmt.Sprintf("%.0f", r.rps))
		}
		fmt.Printf("  %-32s %s\n", m.name, strings.Join(per, " "))
	}
	fmt.Println("\nCPU µs/req of the daemon-mode servers: Apache (front end) + mod_wsgi's daemon processes")
	for _, m := range meas {
		if m.daemonTicks > 0 {
			fmt.Printf("  %-32s %d + %d\n", m.name, m.perRequest(m.ticks-m.daemonTicks).Microseconds(), m.perRequest(m.daemonTicks).Microseconds())
		}
	}
	// A round's two slices are seconds apart, so the median of the
	// rounds' ratios shrugs off a burst of load that hit one round.
	fmt.Println("\ntargets: ratio of the medians, and the median of the rounds' ratios")
	for _, t := range targets {
		a, b := index[t.a], index[t.b]
		if a == nil || b == nil {
			continue
		}
		var per []float64
		for r := range a.runs {
			per = append(per, a.runs[r].rps/b.runs[r].rps)
		}
		goal := "for information"
		if t.goal > 0 {
			goal = fmt.Sprintf("target ≥ %.2f: %s", t.goal, map[bool]string{true: "met", false: "MISSED"}[a.rps()/b.rps() >= t.goal])
		}
		fmt.Printf("  %-30s / %-24s %.2f  %.2f  (%s; load %s / %s)\n", a.name, b.name, a.rps()/b.rps(), median(per), goal, a.loadRange(), b.loadRange())
	}
	reportVariants(index)
}

// reportVariants prints each -variant's CPU per request and requests/s
// relative to ours-default (or to the baseline's, when that ran instead).
func reportVariants(index map[string]*measured) {
	ref := orDefault(index["ours-default"], index["base-default"])
	if len(variants) == 0 || ref == nil {
		return
	}
	fmt.Printf("\nvariants against %s: CPU per request (lower is better), requests/s (ratio of the medians, median of the rounds' ratios)\n", ref.name)
	for _, v := range variants {
		m := index["var-"+v.name]
		cpu := float64(m.cpuPerRequest()) / float64(max(1, ref.cpuPerRequest()))
		var per []float64
		for r := range m.runs {
			per = append(per, m.runs[r].rps/ref.runs[r].rps)
		}
		fmt.Printf("  %-20s CPU/req %.2f  req/s %.2f, median of the rounds' %.2f  (%s)\n", v.name, cpu, m.rps()/ref.rps(), median(per), strings.Join(v.args, " "))
	}
}

// variantFlag is the repeatable -variant NAME=ARGS.
type variantFlag []variant

type variant struct {
	name string
	args []string
}

func (f *variantFlag) String() string { return "" }

func (f *variantFlag) Set(s string) error {
	name, args, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " ,") {
		return fmt.Errorf("want NAME=ARGS (NAME without spaces or commas), got %q", s)
	}
	for _, v := range *f {
		if v.name == name {
			return fmt.Errorf("variant %q given twice", name)
		}
	}
	*f = append(*f, variant{name, strings.Fields(args)})
	return nil
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
		if len(want) > 0 && !want[k.key] || k.key == "python-express" && !*pyExpress ||
			strings.HasPrefix(k.key, "base-") && *baseline == "" ||
			strings.HasSuffix(k.key, "-telemetry") && !want[k.key] { // only when named

			continue
		}
		if err := prepare(e, repo, k); err != nil {
			fmt.Fprintf(os.Stderr, "bench: leaving out the Python mod_wsgi-express: %v\n", err)
			continue
		}
		kinds = append(kinds, k)
	}
	kinds = append(kinds, variantKinds()...)
	if len(kinds) == 0 {
		usage("-servers: nothing to run")
	}
	return kinds
}

// prepare builds what k runs, once: ours at -baseline's revision, the
// Python mod_wsgi-express (an error when that cannot be built).
func prepare(e *env, repo string, k kind) error {
	if strings.HasPrefix(k.key, "base-") && e.baseline == "" {
		e.baseline = buildRevision(repo, *baseline)
	}
	if k.key == "python-express" && e.pyExpress == "" {
		path, err := buildPythonExpress(repo)
		if err != nil {
			return err
		}
		e.pyExpress = path
	}
	return nil
}

// variantKinds are the -variant servers, var-NAME.
func variantKinds() []kind {
	var kinds []kind
	for _, v := range variants {
		kinds = append(kinds, kind{"var-" + v.name, "ours " + v.name, strings.Join(v.args, " "), true, ours(v.args...)})
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
