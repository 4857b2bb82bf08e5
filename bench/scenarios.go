package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The -compare scenarios: the hello application as before, and the page
// application (bench/page: Django, a template over 20 rows of SQLite)
// under the loads real applications see.

var scenarioFlag = flag.String("scenario", "", "-compare: the scenarios to run, comma separated (default all: "+allWorkloadKeys+")")

const allWorkloadKeys = "hello,page,slow,static,bodies,idle,memory"

// Sizes of the scenarios, as the issue that asked for them names them.
const (
	pageClients     = 20
	slowClients     = 10  // page clients beside the slow connections
	slowConns       = 150 // slow connections of each kind
	slowInterval    = 200 * time.Millisecond
	slowReadPath    = "/download?bytes=262144" // a 256 KiB response from the application
	slowReadChunk   = 1024                     // bytes read every slowInterval: 5 KiB/s
	bodySize        = 10 << 20
	bodyClients     = 10 // half upload, half download
	idleConnections = 2000
	idleThink       = 5 * time.Second // before an idle connection the server closed comes back
)

// workload is one -scenario: the application the servers run and the
// phases each server is measured in, every round.
type workload struct {
	key, app, about string
	phases          []phase
}

// phase is one measurement of one server: run drives it for d.
type phase struct {
	name string
	run  func(m *smeasured, d time.Duration) sample
}

// sample is one phase's figures for one server in one round.
type sample struct {
	rps      float64
	p99      time.Duration
	requests int
	errs     wrkResult  // the measured clients' socket errors and non-2xx
	side     sideResult // the slow or idle connections beside them
	closed   int64      // idle connections the server closed while idle
	growth   int        // the largest RSS growth of one process, KiB
	rss, pss int        // RSS sampled during the phase (largest), PSS at its end, KiB of the whole tree
	load     float64    // one-minute load average at the end
	ticks    int        // CPU ticks of the server's processes
}

// smeasured is one server's samples, by phase, over the rounds.
type smeasured struct {
	*server
	alive      bool
	samples    map[string][]sample
	idleClosed atomic.Int64 // idle connections the server closed, in the running phase
}

func workloads() []workload {
	pagePhase := phase{"page, 20 clients", func(m *smeasured, d time.Duration) sample {
		return wrkSample(m, pageClients, d, "", nil)
	}}
	return []workload{
		{key: "page", app: "page", about: "Django view rendering a template over 20 rows of SQLite, 20 keep-alive clients (wrk)",
			phases: []phase{pagePhase}},
		{key: "slow", app: "page", about: fmt.Sprintf("the page for %d clients alone, beside %d connections trickling request headers (a byte every %s, never finishing), and beside %d reading %s at %d bytes every %s",
			slowClients, slowConns, slowInterval, slowConns, slowReadPath, slowReadChunk, slowInterval),
			phases: []phase{
				{"page, 10 clients", func(m *smeasured, d time.Duration) sample { return wrkSample(m, slowClients, d, "", nil) }},
				{"+ 150 slow headers", func(m *smeasured, d time.Duration) sample {
					return wrkSample(m, slowClients, d, "", &sideLoad{func(ctx context.Context, addr string, st *connStats) *sync.WaitGroup {
						return slowHeaders(ctx, addr, slowConns, slowInterval, st)
					}, 1500 * time.Millisecond})
				}},
				{"+ 150 slow readers", func(m *smeasured, d time.Duration) sample {
					return wrkSample(m, slowClients, d, "", &sideLoad{func(ctx context.Context, addr string, st *connStats) *sync.WaitGroup {
						return slowReaders(ctx, addr, slowReadPath, slowConns, slowReadChunk, slowInterval, st)
					}, 1500 * time.Millisecond})
				}},
			}},
		{key: "static", app: "page", about: "40% /static/style.css (30 KiB), 40% /static/image.jpg (200 KiB), 20% the page, 20 clients (wrk); Apache serves the files from --url-alias, the others through the application (WhiteNoise)",
			phases: []phase{{"static + page", func(m *smeasured, d time.Duration) sample {
				return wrkSample(m, pageClients, d, filepath.Join(work, "mix.lua"), nil)
			}}}},
		{key: "bodies", app: "page", about: "5 clients uploading 10 MiB (read by the application) and 5 downloading 10 MiB (streamed by it), keep-alive (Go client)",
			phases: []phase{{"10 MiB up/down", bodiesSample}}},
		{key: "idle", app: "page", about: fmt.Sprintf("the page for 20 clients alone, and beside %d idle keep-alive connections (each fetched /static/style.css, then waits; one the server closes comes back %s later, as a click would)", idleConnections, idleThink),
			phases: []phase{
				pagePhase,
				{"+ 2000 idle", func(m *smeasured, d time.Duration) sample {
					return wrkSample(m, pageClients, d, "", &sideLoad{func(ctx context.Context, addr string, st *connStats) *sync.WaitGroup {
						return idleConns(ctx, addr, "/static/style.css", idleConnections, idleThink, st, &m.idleClosed)
					}, 3 * time.Second})
				}},
			}},
	}
}

// chooseWorkloads is the -scenario selection, in the order given (hello
// is the workload without phases: compareHello measures it).
func chooseWorkloads() (chosen []workload, memory bool) {
	all := append(workloads(), workload{key: "hello", app: "hello"})
	for _, key := range strings.Split(orDefault(*scenarioFlag, allWorkloadKeys), ",") {
		key = strings.TrimSpace(key)
		switch key {
		case "memory": // the PSS of the idle scenario
			memory = true
			key = "idle"
		}
		i := slices.IndexFunc(all, func(w workload) bool { return w.key == key })
		if i < 0 {
			usage(fmt.Sprintf("-scenario: no scenario %q; choose from %s", key, allWorkloadKeys))
		}
		if !slices.ContainsFunc(chosen, func(w workload) bool { return w.key == key }) {
			chosen = append(chosen, all[i])
		}
	}
	return chosen, memory
}

// runWorkload launches every server with the workload's application,
// measures each phase of each server in interleaved rounds, stops them
// and prints the figures.
func runWorkload(e *env, kinds []kind, w workload, n int, d time.Duration, memory bool) {
	e.app = w.app
	fmt.Printf("\n## scenario %s: %s\n\n%d rounds of %s per phase per server in rotating order; load average at the start %s\n\n", w.key, w.about, n, d, loadavg())
	var meas []*smeasured
	var servers []*server
	for _, k := range kinds {
		s := launch(e, k)
		servers, meas = append(servers, s), append(meas, &smeasured{server: s, samples: map[string][]sample{}})
	}
	for _, m := range meas {
		m.alive = keepsAlive(m.url)
		runWrk(m.url, 4, *warmup, nil) // warm up each process's templates and database connection
	}
	for round := 0; round < n; round++ {
		for j := range meas {
			m := meas[(j+round)%len(meas)]
			for _, p := range w.phases {
				m.idleClosed.Store(0)
				sampler := startRSSSampler(m.server)
				t0, _ := m.cpuTicks()
				s := p.run(m, d)
				t1, _ := m.cpuTicks()
				s.ticks = t1 - t0
				s.rss, s.growth = sampler.stop()
				s.closed = m.idleClosed.Load()
				s.load = load1()
				m.samples[p.name] = append(m.samples[p.name], s)
			}
		}
	}
	endLoad := loadavg()
	stopServers(servers)
	reportWorkload(w, meas, endLoad, memory)
}

// sideLoad is connections held beside the measured clients: started
// settle before wrk (they ramp up over the first seconds), stopped after.
type sideLoad struct {
	start  func(ctx context.Context, addr string, st *connStats) *sync.WaitGroup
	settle time.Duration
}

// wrkSample runs wrk against m's page (or with script) for d with
// clients connections, side beside it when not nil.
func wrkSample(m *smeasured, clients int, d time.Duration, script string, side *sideLoad) sample {
	var st connStats
	var cancel context.CancelFunc = func() {}
	var wg *sync.WaitGroup
	if side != nil {
		var ctx context.Context
		ctx, cancel = context.WithCancel(aborted)
		u, _ := url.Parse(m.url)
		wg = side.start(ctx, u.Host, &st)
		time.Sleep(side.settle)
	}
	var openMid int64
	var pss int
	r := runWrkScript(m.url, clients, d, script, func() { openMid = st.open.Load() })
	if side != nil {
		pss = m.pss() // while the side connections are held
	}
	cancel()
	if wg != nil {
		wg.Wait()
	}
	if side == nil {
		pss = m.pss()
	}
	return sample{rps: r.rps, p99: r.p99, requests: r.requests, errs: r, side: st.snapshot(openMid), pss: pss}
}

// bodiesSample runs the bodies generator against m for d.
func bodiesSample(m *smeasured, d time.Duration) sample {
	r := bodies(m.url, bodyClients/2, bodyClients/2, bodySize, d)
	return sample{rps: r.rps(), p99: percentile(r.latencies, 0.99), requests: r.requests,
		errs: wrkResult{non2xx: r.errors}, pss: m.pss()}
}

// load1 is the one-minute load average.
func load1() float64 {
	f, _ := strconv.ParseFloat(strings.Fields(loadavg() + " 0")[0], 64)
	return f
}

// rssSampler samples the RSS of a server's processes every 250 ms.
type rssSampler struct {
	done          chan struct{}
	wg            sync.WaitGroup
	first, most   map[int]int
	total, growth int
}

func startRSSSampler(s *server) *rssSampler {
	r := &rssSampler{done: make(chan struct{}), first: map[int]int{}, most: map[int]int{}}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			r.sample(s)
			select {
			case <-r.done:
				r.sample(s)
				return
			case <-t.C:
			}
		}
	}()
	return r
}

func (r *rssSampler) sample(s *server) {
	total := 0
	for _, p := range processTree(s.cmd.Process.Pid) {
		kb := rssKB(p)
		if kb == 0 {
			continue
		}
		total += kb
		if _, ok := r.first[p]; !ok {
			r.first[p] = kb
		}
		r.most[p] = max(r.most[p], kb)
		r.growth = max(r.growth, r.most[p]-r.first[p])
	}
	r.total = max(r.total, total)
}

// stop ends the sampling: the largest total RSS, and the largest growth
// of one process over the phase, KiB.
func (r *rssSampler) stop() (total, growth int) {
	close(r.done)
	r.wg.Wait()
	return r.total, r.growth
}

// pss is the proportional set size summed over the server's processes,
// KiB: shared pages divided among the processes sharing them, so the sum
// is the memory the server takes.
func (s *server) pss() int {
	total := 0
	for _, p := range processTree(s.cmd.Process.Pid) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", p))
		if err != nil {
			continue
		}
		total += pssOf(string(b))
	}
	return total
}

// pssOf reads the Pss line of a smaps_rollup, KiB.
func pssOf(rollup string) int {
	for _, l := range strings.Split(rollup, "\n") {
		if v, ok := strings.CutPrefix(l, "Pss:"); ok {
			if f := strings.Fields(v); len(f) > 0 {
				return atoi(f[0])
			}
		}
	}
	return 0
}

// medianOf is the median over a server's rounds of one figure of a phase.
func (m *smeasured) medianOf(phase string, f func(sample) float64) float64 {
	var v []float64
	for _, s := range m.samples[phase] {
		v = append(v, f(s))
	}
	return median(v)
}

func (m *smeasured) rps(phase string) float64 {
	return m.medianOf(phase, func(s sample) float64 { return s.rps })
}

func (m *smeasured) p99(phase string) float64 {
	return m.medianOf(phase, func(s sample) float64 { return ms(s.p99) })
}

// roundsRatio is the median of the rounds' ratios of a's figure to b's.
func roundsRatio(a, b *smeasured, pa, pb string, f func(sample) float64) float64 {
	var v []float64
	for r := range min(len(a.samples[pa]), len(b.samples[pb])) {
		v = append(v, f(a.samples[pa][r])/f(b.samples[pb][r]))
	}
	return median(v)
}

func rpsOf(s sample) float64 { return s.rps }

// loadRange is the lowest and highest one-minute load average over m's
// samples of a phase.
func (m *smeasured) loadRange(phase string) string {
	lo, hi := 1e9, 0.0
	for _, s := range m.samples[phase] {
		lo, hi = min(lo, s.load), max(hi, s.load)
	}
	return fmt.Sprintf("%.1f–%.1f", lo, hi)
}

// errorsText sums a phase's errors over the rounds.
func (m *smeasured) errorsText(phase string) string {
	var sum wrkResult
	for _, s := range m.samples[phase] {
		sum = sum.add(s.errs)
	}
	return sum.errorsText()
}

// sideText sums what happened to a phase's side connections over the
// rounds ("-" when it had none).
func (m *smeasured) sideText(phase string) string {
	var sum sideResult
	var closed int64
	for _, s := range m.samples[phase] {
		sum = sum.add(s.side)
		closed += s.closed
	}
	if sum.opened == 0 && sum.refused == 0 && sum.timeouts == 0 {
		return "-"
	}
	n := int64(max(1, len(m.samples[phase])))
	t := fmt.Sprintf("open %d, cut %d, refused %d, timed out %d", sum.openMid/n, sum.cut, sum.refused, sum.timeouts)
	if closed > 0 {
		t += fmt.Sprintf(", closed idle %d", closed)
	}
	if sum.completed > 0 {
		t += fmt.Sprintf(", answered %d", sum.completed)
	}
	return t
}

func mib(kb float64) float64 { return kb / 1024 }

// reportWorkload prints one table per phase and the workload's targets.
func reportWorkload(w workload, meas []*smeasured, endLoad string, memory bool) {
	index := map[string]*smeasured{}
	for _, m := range meas {
		index[m.key] = m
	}
	ref := orDefault(index["gunicorn-gthread"], meas[0])
	for _, p := range w.phases {
		fmt.Printf("### %s: %s\n\n", w.key, p.name)
		fmt.Printf("| server | shape | req/s | vs %s | p99 ms | errors | beside | RSS MiB | max growth MiB | PSS MiB | CPU µs/req | load |\n", ref.name)
		fmt.Println("|---|---|---:|---:|---:|---|---|---:|---:|---:|---:|---|")
		for _, m := range meas {
			ticks, reqs := 0, 0
			for _, s := range m.samples[p.name] {
				ticks, reqs = ticks+s.ticks, reqs+s.requests
			}
			fmt.Printf("| %s | %s | %.0f | %.2f (%.2f) | %.1f | %s | %s | %.1f | %.1f | %.1f | %d | %s |\n",
				m.name, m.shape, m.rps(p.name), m.rps(p.name)/ref.rps(p.name), roundsRatio(m, ref, p.name, p.name, rpsOf),
				m.p99(p.name), m.errorsText(p.name), m.sideText(p.name),
				mib(m.medianOf(p.name, func(s sample) float64 { return float64(s.rss) })),
				mib(m.medianOf(p.name, func(s sample) float64 { return float64(s.growth) })),
				mib(m.medianOf(p.name, func(s sample) float64 { return float64(s.pss) })),
				(time.Duration(ticks) * clockTick / time.Duration(max(1, reqs))).Microseconds(), m.loadRange(p.name))
		}
		fmt.Println("\nreq/s in rounds 1, 2, ...:")
		for _, m := range meas {
			var per []string
			for _, s := range m.samples[p.name] {
				per = append(per, fmt.Sprintf("%.0f", s.rps))
			}
			fmt.Printf("  %-40s %s\n", m.name, strings.Join(per, " "))
		}
		fmt.Println()
	}
	fmt.Printf("(vs: ratio of the medians, in brackets the median of the rounds' ratios; load: one-minute load average after each round's phase; load average at the end %s)\n\n", endLoad)
	targetsOf(w, index, memory)
}

// target prints one target's measured ratio against its goal.
func target(what string, ratio, goal float64, atLeast bool, load string) {
	if math.IsNaN(ratio) {
		ratio = 0 // neither answered
	}
	met := ratio >= goal
	if !atLeast {
		met = ratio <= goal
	}
	cmp := "≥"
	if !atLeast {
		cmp = "≤"
	}
	fmt.Printf("  %-62s %6.2f  (target %s %.2f: %s; load %s)\n", what, ratio, cmp, goal, map[bool]string{true: "met", false: "MISSED"}[met], load)
}

// targetsOf prints the targets the issue names for a workload.
func targetsOf(w workload, index map[string]*smeasured, memory bool) {
	fmt.Println("targets:")
	ratio := func(a, b, phase string, goal float64) {
		if x, y := index[a], index[b]; x != nil && y != nil {
			target(fmt.Sprintf("%s / %s", x.name, y.name), x.rps(phase)/y.rps(phase), goal, true, x.loadRange(phase)+" / "+y.loadRange(phase))
		}
	}
	ours := []string{"ours-default", "ours-2x5", "ours-embedded"}
	for _, v := range variants {
		ours = append(ours, "var-"+v.name)
	}
	switch w.key {
	case "page":
		p := w.phases[0].name
		ratio("ours-2x5", "gunicorn-gthread", p, 0.95)
		ratio("ours-2x5", "gunicorn-sync", p, 1.0)
		ratio("ours-default", "python-express", p, 1.2)
		ratio("ours-2x5", "python-express", p, 1.2)
	case "slow":
		base := w.phases[0].name
		for _, p := range w.phases[1:] {
			for _, k := range ours {
				if m := index[k]; m != nil {
					target(fmt.Sprintf("%s: %s, req/s kept", m.name, p.name), m.rps(p.name)/m.rps(base), 0.70, true, m.loadRange(base)+" / "+m.loadRange(p.name))
					grew := m.p99(p.name) / m.p99(base)
					if m.rps(p.name) == 0 {
						grew = math.Inf(1) // no response at all
					}
					target(fmt.Sprintf("%s: %s, p99 grew", m.name, p.name), grew, 3, false, m.loadRange(base)+" / "+m.loadRange(p.name))
				}
			}
			for _, k := range ours {
				ratio(k, "gunicorn-sync", p.name, 5)
			}
		}
	case "static":
		for _, k := range ours {
			ratio(k, "gunicorn-gthread", w.phases[0].name, 2)
		}
	case "bodies":
		for _, k := range ours {
			ratio(k, "gunicorn-gthread", w.phases[0].name, 1)
		}
		for _, m := range sortedMeasured(index) {
			g := mib(m.medianOf(w.phases[0].name, func(s sample) float64 { return float64(s.growth) }))
			target(fmt.Sprintf("%s: largest RSS growth of a process, MiB", m.name), g, 50, false, m.loadRange(w.phases[0].name))
		}
	case "idle":
		for _, m := range sortedMeasured(index) {
			target(fmt.Sprintf("%s: req/s kept beside 2000 idle", m.name), m.rps(w.phases[1].name)/m.rps(w.phases[0].name), 0.8, true, m.loadRange(w.phases[0].name)+" / "+m.loadRange(w.phases[1].name))
		}
		if memory {
			fmt.Println("\nmemory: PSS of each server while the idle connections were held (median of the rounds), MiB")
			p := w.phases[1].name
			pss := func(m *smeasured) float64 {
				return mib(m.medianOf(p, func(s sample) float64 { return float64(s.pss) }))
			}
			for _, m := range sortedMeasured(index) {
				fmt.Printf("  %-40s %6.1f\n", m.name, pss(m))
			}
			if a, b := index["ours-default"], index["python-express"]; a != nil && b != nil {
				target("PSS ours daemon default / Python mod_wsgi-express", pss(a)/pss(b), 1.25, false, a.loadRange(p)+" / "+b.loadRange(p))
			}
		}
	}
	fmt.Println()
}

// sortedMeasured is the servers in the order they were given.
func sortedMeasured(index map[string]*smeasured) []*smeasured {
	var all []*smeasured
	for _, k := range compareKinds() {
		if m := index[k.key]; m != nil {
			all = append(all, m)
		}
	}
	for k, m := range index {
		if strings.HasPrefix(k, "var-") {
			all = append(all, m)
		}
	}
	return all
}
