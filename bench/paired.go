package main

import (
	"flag"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// The paired mode of -compare: two servers loaded at the same moment,
// each by its own wrk, so that both see the same machine. Sequential
// rounds on a shared 2-core machine move by more than the few percent of
// CPU per request that separate two servers: the other work on the
// machine changes between one round and the next.

var pairedFlag = flag.String("paired", "", "-compare: load the two servers A,B (keys as -servers names them, or var-NAME of a -variant; A may be B) at the same moment, each by its own wrk, in -rounds pairs (default 8) of -slice (default 10s); needs -scenario hello or page")

// pairedPlan is what -paired and -scenario ask for.
type pairedPlan struct {
	keys      [2]string // A, B
	scenarios []string  // hello, page
}

// parsePaired checks -paired and the flags beside it (a usage error,
// exit 2, for anything it cannot run) before anything is built.
func parsePaired() pairedPlan {
	var p pairedPlan
	keys := strings.Split(*pairedFlag, ",")
	if len(keys) != 2 {
		usage(fmt.Sprintf("-paired: want two servers A,B, got %q", *pairedFlag))
	}
	all := append(compareKinds(), variantKinds()...)
	for i, k := range keys {
		k = strings.TrimSpace(k)
		switch {
		case !hasKey(all, k):
			usage(fmt.Sprintf("-paired: no server %q; choose from %s", k, keysOf(all)))
		case strings.HasPrefix(k, "base-") && *baseline == "":
			usage(fmt.Sprintf("-paired: %s needs -baseline", k))
		case k == "python-express" && !*pyExpress:
			usage("-paired names python-express and -python-express=false leaves it out")
		}
		p.keys[i] = k
	}
	if *serverKeys != "" {
		usage("-paired names its two servers: leave out -servers")
	}
	for _, v := range variants {
		if !slices.Contains(p.keys[:], "var-"+v.name) {
			usage(fmt.Sprintf("-variant %s: -paired does not name var-%s", v.name, v.name))
		}
	}
	if *scenarioFlag == "" {
		usage("-paired: give -scenario hello or page (or hello,page)")
	}
	for _, s := range strings.Split(*scenarioFlag, ",") {
		s = strings.TrimSpace(s)
		if s != "hello" && s != "page" {
			usage(fmt.Sprintf("-paired measures the hello and page scenarios only, not %q", s))
		}
		if !slices.Contains(p.scenarios, s) {
			p.scenarios = append(p.scenarios, s)
		}
	}
	if *rounds < 0 {
		usage("-rounds: at least one pair")
	}
	return p
}

// pairedMode runs each scenario of the plan on the two servers.
func pairedMode(e *env, repo string, p pairedPlan) {
	all := append(compareKinds(), variantKinds()...)
	var kinds [2]kind
	for i, key := range p.keys {
		kinds[i] = all[slices.IndexFunc(all, func(k kind) bool { return k.key == key })]
		if err := prepare(e, repo, kinds[i]); err != nil {
			fail(fmt.Sprintf("-paired %s: %v", key, err))
		}
	}
	if slices.Contains(p.scenarios, "page") {
		check(writePageApp(e.work))
	}
	header("paired")
	for _, s := range p.scenarios {
		runPaired(e, kinds, s, orDefault(*rounds, 8), orDefault(*slice, 10*time.Second))
	}
}

// runPaired starts and warms up both servers as the scenario does, then
// loads them at the same moment in n pairs of d, and prints each pair
// and the summary.
func runPaired(e *env, kinds [2]kind, scenario string, n int, d time.Duration) {
	e.app = scenario
	about, conns, warmConns := "the hello application", orDefault(*connections, 20), orDefault(*connections, 20)
	if scenario == "page" {
		about, conns, warmConns = workloads()[0].about, pageClients, 4
	}
	var servers [2]*server
	for i, k := range kinds {
		servers[i] = launch(e, k)
	}
	for _, s := range servers {
		runWrk(s.url, warmConns, *warmup, nil)
	}
	fmt.Printf("\n## paired, scenario %s: %s\n\nA = %s (%s), B = %s (%s): %d pairs of %s, both loaded at the same moment, each by its own wrk -t%d -c%d on /, the one started first alternating; CPU of each server's process tree; load: one-minute load average after the pair; load average at the start %s\n\n",
		scenario, about, servers[0].name, servers[0].shape, servers[1].name, servers[1].shape, n, d,
		min(*wrkThreads, conns), conns, loadavg())
	fmt.Println("| pair | first | load | req/s A | req/s B | req/s A/B | CPU µs/req A | CPU µs/req B | CPU A/B |")
	fmt.Println("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
	var pairs []pairSample
	var errs [2]wrkResult
	for i := range n {
		p := pairSample{first: i % 2}
		var runs [2]*wrkRun
		for j, s := range servers {
			p.ticks[j], _ = s.cpuTicks()
		}
		for _, j := range []int{p.first, 1 - p.first} {
			runs[j] = startWrk(servers[j].url, conns, d, "")
		}
		for j, w := range runs {
			r := w.wait()
			p.rps[j], p.requests[j], errs[j] = r.rps, r.requests, errs[j].add(r)
		}
		for j, s := range servers {
			t, _ := s.cpuTicks()
			p.ticks[j] = t - p.ticks[j]
		}
		p.load = load1()
		pairs = append(pairs, p)
		fmt.Printf("| %d | %s | %.1f | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f |\n", i+1, "AB"[p.first:p.first+1], p.load,
			p.rps[0], p.rps[1], p.rps[0]/p.rps[1], p.cpuPerRequest(0), p.cpuPerRequest(1), p.cpuRatio())
	}
	endLoad := loadavg()
	stopServers(servers[:])
	crashed := [2]string{"-", "-"}
	for j, s := range servers {
		if s.apache {
			crashed[j] = fmt.Sprint(s.crashes())
		}
	}
	sum := summarize(pairs)
	fmt.Printf("\nsummary of %d pairs, A = %s, B = %s:\n", len(pairs), servers[0].name, servers[1].name)
	fmt.Printf("  req/s A/B, total over the pairs        %.2f  (mean req/s A %.0f, B %.0f)\n", sum.rpsRatio, sum.rps[0], sum.rps[1])
	fmt.Printf("  CPU µs/req weighted by requests        A %.0f, B %.0f, A/B %.2f\n", sum.cpu[0], sum.cpu[1], sum.cpuRatio)
	fmt.Printf("  CPU A/B, median of the pairs' ratios   %.2f  (range %.2f–%.2f)\n", sum.cpuMedian, sum.cpuLo, sum.cpuHi)
	fmt.Printf("  load average (1 min) after the pairs   %.1f–%.1f (at the end %s)\n", sum.loadLo, sum.loadHi, endLoad)
	fmt.Printf("  socket errors / non-2xx                A %s, B %s; crashed children A %s, B %s\n\n", errs[0].errorsText(), errs[1].errorsText(), crashed[0], crashed[1])
}

// pairSample is one pair: servers A ([0]) and B ([1]) loaded at once.
type pairSample struct {
	first    int     // whose wrk started first: 0 A, 1 B
	load     float64 // one-minute load average after the pair
	rps      [2]float64
	requests [2]int
	ticks    [2]int // CPU clock ticks of each server's process tree
}

// cpuPerRequest is server i's CPU µs per request, NaN without requests.
func (p pairSample) cpuPerRequest(i int) float64 {
	if p.requests[i] == 0 {
		return math.NaN()
	}
	return float64(time.Duration(p.ticks[i])*clockTick/time.Microsecond) / float64(p.requests[i])
}

// cpuRatio is A's CPU per request over B's.
func (p pairSample) cpuRatio() float64 { return p.cpuPerRequest(0) / p.cpuPerRequest(1) }

// pairSummary is what the pairs add up to.
type pairSummary struct {
	rps                     [2]float64 // mean req/s over the pairs
	rpsRatio                float64    // A's over B's (the pairs are of equal length)
	cpu                     [2]float64 // CPU µs per request, weighted by requests
	cpuRatio                float64    // cpu[0] / cpu[1]
	cpuMedian, cpuLo, cpuHi float64    // of the pairs' CPU ratios (pairs where both served)
	loadLo, loadHi          float64
}

func summarize(pairs []pairSample) pairSummary {
	var s pairSummary
	var ratios, loads []float64
	for i := range 2 {
		var rps, cpu, reqs []float64
		for _, p := range pairs {
			rps, cpu, reqs = append(rps, p.rps[i]), append(cpu, p.cpuPerRequest(i)), append(reqs, float64(p.requests[i]))
		}
		s.rps[i] = weightedMean(rps, nil)
		s.cpu[i] = weightedMean(cpu, reqs)
	}
	for _, p := range pairs {
		if r := p.cpuRatio(); !math.IsNaN(r) && !math.IsInf(r, 0) {
			ratios = append(ratios, r)
		}
		loads = append(loads, p.load)
	}
	s.rpsRatio, s.cpuRatio = s.rps[0]/s.rps[1], s.cpu[0]/s.cpu[1]
	s.cpuMedian = medianOrNaN(ratios)
	s.cpuLo, s.cpuHi = valueRange(ratios)
	s.loadLo, s.loadHi = valueRange(loads)
	return s
}

// weightedMean is Σ v·w / Σ w over the values of positive weight (all
// weights 1 when w is nil); NaN when there are none.
func weightedMean(v, w []float64) float64 {
	var sum, weights float64
	for i, x := range v {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		if wi > 0 {
			sum, weights = sum+x*wi, weights+wi
		}
	}
	if weights == 0 {
		return math.NaN()
	}
	return sum / weights
}

// valueRange is the lowest and the highest of v, NaN when v is empty.
func valueRange(v []float64) (lo, hi float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	return slices.Min(v), slices.Max(v)
}

// medianOrNaN is median, NaN when v is empty.
func medianOrNaN(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	return median(v)
}
