package telemetry

import (
	"fmt"
	"math"
	"time"
)

// GIL contention, from what mod_wsgi 6 measures: the gil_wait phase's
// histogram (per request, the time its thread waited to take the GIL back
// at mod_wsgi's own hand-over points: entering the application, after
// reading input and writing output) and the switch interval
// (sys.getswitchinterval()). A thread that wants the GIL while another
// runs Python waits one switch interval, then asks the holder to drop it;
// if another waiter gets it first, it waits another interval. So waits
// cluster at whole multiples of the interval, and how fast their counts
// fall from one multiple to the next says how often a waiting thread gets
// the GIL at a hand-off. Each thread's busy time per interval (the slot
// arrays) beside the process's CPU shows which processes are busy without
// using more than one core's worth of CPU: GIL-bound.

// gilBands sums a gil_wait histogram (65 buckets) into waits of about 0,
// 1, 2, 3 and 4 or more switch intervals si (seconds): each bucket goes
// to the multiple of si nearest its midpoint (the overflow bucket: its
// lower bound; bucket 0 spans 0 to 1.25 ms).
func gilBands(b []int32, si float64) [5]uint64 {
	var bands [5]uint64
	lower := 0.0
	for i, c := range b {
		if i >= NumBuckets {
			break
		}
		upper := bucketUpper[i]
		mid := lower
		if !math.IsInf(upper, 1) {
			mid = (lower + upper) / 2
		}
		lower = upper
		if c <= 0 {
			continue
		}
		k := int(math.Min(4, math.Round(mid/si)))
		bands[k] += uint64(c)
	}
	return bands
}

// minHandoffWaits is how many waits of a switch interval or more the
// hand-off estimate needs.
const minHandoffWaits = 20

// handoff estimates the chance that a thread waiting for the GIL gets it
// at the first hand-off (after one switch interval) rather than missing
// it and waiting another: waits of k intervals taken as k-1 missed
// hand-offs then one taken, a geometric law; its maximum-likelihood
// estimate with the 4+ band counted as at least three misses is
// hand-offs taken / hand-offs offered. Waits under one interval are left
// out: a thread also gets the GIL at once when its holder blocks on I/O,
// which says nothing about contention. NaN when there are fewer than
// minHandoffWaits waits of an interval or more, or the interval is too
// short for the histogram's resolution (bucket 0 spans 1.25 ms).
func handoff(bands [5]uint64, si float64) float64 {
	waits := bands[1] + bands[2] + bands[3] + bands[4]
	if waits < minHandoffWaits || si < 2*bucketUpper[0] {
		return math.NaN()
	}
	taken := float64(bands[1] + bands[2] + bands[3])
	missed := float64(bands[2] + 2*bands[3] + 3*bands[4])
	return taken / (taken + missed)
}

// gilVerdict says in one line how contended the GIL was.
func gilVerdict(bands [5]uint64, si float64, h float64) string {
	var total uint64
	for _, c := range bands {
		total += c
	}
	if total == 0 {
		return "no requests completed in the window, so no GIL waits were measured"
	}
	waited := 100 * float64(total-bands[0]) / float64(total)
	pct := func(v float64) string { return fmt.Sprintf("%.0f%%", v) }
	switch {
	case waited < 5:
		return "little contention: " + pct(waited) + " of requests waited a switch interval or more for the GIL"
	case si < 2*bucketUpper[0]:
		return "some contention: " + pct(waited) + " of requests waited for the GIL; the switch interval is too short to tell how often hand-offs are missed"
	case math.IsNaN(h):
		return "some contention: " + pct(waited) + " of requests waited a switch interval or more for the GIL, too few to tell how often hand-offs are missed"
	case h >= 0.7:
		return "moderate contention: " + pct(waited) + " of requests waited for the GIL, and a waiting thread usually gets it at the first hand-off (" + pct(100*h) + ")"
	case h >= 0.4:
		return "contention: " + pct(waited) + " of requests waited for the GIL, and waiting threads often miss the hand-off (" + pct(100*h) + " get it at the first)"
	}
	return "heavy contention: " + pct(waited) + " of requests waited for the GIL and waiting threads keep missing the hand-off (" + pct(100*h) + " get it at the first): CPU-bound Python threads are sharing one GIL; fewer threads and more processes would help"
}

// GILGroup is one group's GIL contention over the window (GET /api/gil).
type GILGroup struct {
	Group          string       `json:"group"`
	Available      bool         `json:"available"`
	Why            string       `json:"why,omitempty"` // when not available, in plain words
	SwitchInterval float64      `json:"switch_interval"`
	Bands          []uint64     `json:"bands"`   // requests whose GIL wait was about 0, 1, 2, 3, 4+ switch intervals
	Handoff        *float64     `json:"handoff"` // chance a waiting thread gets the GIL at the first hand-off; null: too few waits
	Verdict        string       `json:"verdict"`
	Processes      []GILProcess `json:"processes"`
	Series         GILSeries    `json:"series"`
}

// GILSeries is the window step by step (step seconds, at most 300
// points): Contention is the share of requests whose GIL wait was a
// switch interval or more, null where no request completed.
type GILSeries struct {
	Step       int        `json:"step"`
	T          []float64  `json:"t"`
	Contention []*float64 `json:"contention"`
}

// GILProcess is one process's per-thread heat map: each thread's busy
// fraction per sample in the window (oldest first), and a verdict on its
// last few samples.
type GILProcess struct {
	PID     uint32      `json:"pid"`
	Slot    int         `json:"slot"`
	State   string      `json:"state"`
	Verdict string      `json:"verdict"`
	CPU     []float64   `json:"cpu"` // cores, per sample
	T       []float64   `json:"t"`
	Threads [][]float64 `json:"threads"` // [thread][sample]
}

// GILSummary is a group's GIL contention over the snapshot's window.
type GILSummary struct {
	SwitchInterval float64  `json:"switch_interval"`
	Bands          []uint64 `json:"bands"`
	Handoff        *float64 `json:"handoff"`
	Verdict        string   `json:"verdict"`
}

// verdictSamples is how many of a process's latest samples its verdict
// looks at: it says how the process is doing now.
const verdictSamples = 5

// GIL returns each group's GIL contention over the window (seconds), or
// the named group's.
func (s *Store) GIL(window int, only string) []GILGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	s.expire(now)
	out := []GILGroup{}
	since := now.Add(-time.Duration(window) * time.Second)
	for _, g := range s.sortedGroups(only) {
		v := GILGroup{Group: g.name, Bands: make([]uint64, 5), Processes: []GILProcess{}}
		bands, ok := g.gilBandsIn(now, window)
		for _, p := range s.sortedProcesses() {
			if p.key.group != g.name || p.x == nil || !p.x.hasSlots {
				continue
			}
			if pv, ok := p.heatMap(since); ok {
				pv.Slot = p.slot
				v.Processes = append(v.Processes, pv)
			}
		}
		if !ok && len(v.Processes) == 0 {
			v.Why = s.whyNo("GIL contention", g.name)
			out = append(out, v)
			continue
		}
		v.Available = true
		v.SwitchInterval = g.x.switchInterval
		copy(v.Bands, bands[:])
		h := handoff(bands, v.SwitchInterval)
		v.Handoff = opt(h)
		v.Verdict = gilVerdict(bands, v.SwitchInterval, h)
		ends, stepLen := seriesTimes(now, window)
		v.Series = gilSeries([]*group{g}, ends, stepLen)
		out = append(out, v)
	}
	return out
}

// gilBandsIn sums g's bands over the window; false when g never sent a
// GIL-wait histogram.
func (g *group) gilBandsIn(now time.Time, window int) ([5]uint64, bool) {
	var bands [5]uint64
	if g.x == nil || g.x.switchInterval <= 0 || g.x.steps == nil || !g.reported[PhaseGILWait] {
		return bands, false
	}
	g.x.steps.each(now, window, func(e *step) {
		for i, c := range e.bands {
			bands[i] += uint64(c)
		}
	})
	return bands, true
}

// gilSummary is g's GIL contention over the last window seconds, nil
// without GIL data.
func (g *group) gilSummary(now time.Time, window int) *GILSummary {
	bands, ok := g.gilBandsIn(now, window)
	if !ok {
		return nil
	}
	h := handoff(bands, g.x.switchInterval)
	return &GILSummary{SwitchInterval: g.x.switchInterval, Bands: bands[:], Handoff: opt(h),
		Verdict: gilVerdict(bands, g.x.switchInterval, h)}
}

// heatMap is p's samples since the start of the window; false when it has
// none there.
func (p *process) heatMap(since time.Time) (GILProcess, bool) {
	pv := GILProcess{PID: p.key.pid, State: stateNames[p.state], T: []float64{}, CPU: []float64{}, Threads: [][]float64{}}
	p.x.threads.each(func(ts *threadSample) {
		if !ts.at.After(since) {
			return
		}
		i := len(pv.T)
		pv.T = append(pv.T, float64(ts.at.UnixMilli())/1000)
		pv.CPU = append(pv.CPU, ts.cpu)
		for len(pv.Threads) < len(ts.busy) {
			pv.Threads = append(pv.Threads, make([]float64, i))
		}
		for th := range pv.Threads {
			f := 0.0
			if th < len(ts.busy) {
				f = float64(ts.busy[th]) / 100
			}
			pv.Threads[th] = append(pv.Threads[th], f)
		}
	})
	if len(pv.T) == 0 {
		return pv, false
	}
	pv.Verdict = p.latestVerdict(since)
	return pv, true
}

// latestVerdict is threadVerdict on p's last verdictSamples samples since
// since: the heat map's verdict, and the snapshot's thread_verdict; ""
// when p sent no per-thread sample then.
func (p *process) latestVerdict(since time.Time) string {
	if p.x == nil || !p.x.hasSlots {
		return ""
	}
	var recent []*threadSample
	p.x.threads.each(func(ts *threadSample) {
		if ts.at.After(since) {
			recent = append(recent, ts)
		}
	})
	if len(recent) == 0 {
		return ""
	}
	if len(recent) > verdictSamples {
		recent = recent[len(recent)-verdictSamples:]
	}
	return threadVerdict(recent)
}

// threadVerdict judges a process by its latest samples: GIL-bound (two or
// more threads' worth of busy time but about one core of CPU at most: a
// single GIL lets one thread run Python at a time), saturated (every
// thread busy), idle or fine.
func threadVerdict(samples []*threadSample) string {
	var busySum, cpu, minThread float64
	minThread = 1
	threads := 0
	for _, ts := range samples {
		threads = max(threads, len(ts.busy))
	}
	if threads == 0 {
		return "no threads reported"
	}
	perThread := make([]float64, threads)
	for _, ts := range samples {
		cpu += ts.cpu
		for i, b := range ts.busy {
			perThread[i] += float64(b) / 100
			busySum += float64(b) / 100
		}
	}
	n := float64(len(samples))
	busySum /= n
	cpu /= n
	for _, b := range perThread {
		minThread = math.Min(minThread, b/n)
	}
	meanBusy := busySum / float64(threads)
	switch {
	case busySum >= 2 && cpu >= 0.7 && cpu <= 0.6*busySum:
		return fmt.Sprintf("GIL-bound: %.1f threads busy on average but only %.2f cores of CPU: Python threads are queueing for the GIL", busySum, cpu)
	case minThread >= 0.9:
		return fmt.Sprintf("saturated: every thread busy (%d of %d); new requests wait for a free thread", threads, threads)
	case meanBusy < 0.05:
		return fmt.Sprintf("idle: threads busy %.0f%% of the time", 100*meanBusy)
	}
	return fmt.Sprintf("fine: threads busy %.0f%% of the time, %.2f cores of CPU", 100*meanBusy, cpu)
}

// gilSeries is the groups' contention step by step.
func gilSeries(groups []*group, ends []int64, stepLen int) GILSeries {
	gs := GILSeries{Step: stepLen, T: []float64{}, Contention: []*float64{}}
	for _, end := range ends {
		var total, waited uint64
		eachSecond(groups, end, stepLen, func(e *step) {
			for i, c := range e.bands {
				total += uint64(c)
				if i > 0 {
					waited += uint64(c)
				}
			}
		})
		gs.T = append(gs.T, float64(end))
		var c *float64
		if total > 0 {
			c = opt(float64(waited) / float64(total))
		}
		gs.Contention = append(gs.Contention, c)
	}
	return gs
}

// seriesGIL is the GIL part of a series for /api/series: the group's (or
// every group's, for "") contention for the steps of stepLen seconds
// ending at each of ends (Unix seconds); nil when no group has GIL data.
// The caller holds s.mu.
func (s *Store) seriesGIL(only string, ends []int64, stepLen int) *GILSeries {
	var with []*group
	for _, g := range s.sortedGroups(only) {
		if _, ok := g.gilBandsIn(s.opt.Now(), 1); ok {
			with = append(with, g)
		}
	}
	if len(with) == 0 {
		return nil
	}
	gs := gilSeries(with, ends, stepLen)
	return &gs
}
