package telemetry

import (
	"math"
	"time"
)

// History: every step (Options.Step, the telemetry interval and at least a
// second) each group, every group together, and each process get one
// point, kept in a fixed ring of Options.History/Step points; and each
// group (and all together) keeps its phase histograms in blocks of
// blockSteps steps for /api/histogram. A point is taken when its step
// closes, from what each live process reported since the previous close
// (or, when it sent nothing in between, its latest report if still fresh),
// so a process reporting slightly off the step boundaries does not make
// the series jump between double and nothing.

// blockSteps is how many steps one histogram block covers.
const blockSteps = 5

// hpoint is one step of a series. n is how many processes contributed: 0
// means nobody reported (null in the API).
type hpoint struct {
	step    int64
	n       int32
	rate    [6]float32 // requests/s: 1xx..5xx, unknown
	busy    float32
	workers float32
	cpu     float32
	rss     uint64
	lat     [NumPhases][3]float32 // p50, p95, p99; NaN when none
}

// hring is a fixed ring of points indexed by step.
type hring []hpoint

func (r hring) at(step int64) *hpoint {
	if len(r) == 0 {
		return nil
	}
	p := &r[int(step%int64(len(r)))]
	if p.step != step {
		return nil
	}
	return p
}

func (r hring) put(pt hpoint) {
	if len(r) > 0 {
		r[int(pt.step%int64(len(r)))] = pt
	}
}

func (x *hist) put(pt hpoint) {
	if x.points == nil {
		x.points = make(hring, x.n)
	}
	x.points.put(pt)
}

// phaseHist is an interval's (or a block's) distribution of one phase.
type phaseHist struct {
	counts   [NumBuckets]uint32
	count    uint64
	sum      float64
	min, max float64
	haveExt  bool
	coarse   bool
	noMean   bool // sum is short: some counts came without their mean
}

func (h *phaseHist) add(o *phaseHist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.count += o.count
	h.sum += o.sum
	h.coarse = h.coarse || o.coarse
	h.noMean = h.noMean || o.noMean
	if o.haveExt {
		if !h.haveExt || o.min < h.min {
			h.min = o.min
		}
		if !h.haveExt || o.max > h.max {
			h.max = o.max
		}
		h.haveExt = true
	}
}

// percentiles returns p50, p95 and p99 as a point keeps them.
func (h *phaseHist) percentiles() [3]float32 {
	p := h.percentiles64()
	return [3]float32{float32(p[0]), float32(p[1]), float32(p[2])}
}

// percentiles64 returns p50, p95 and p99, bounded (bounded), NaN when
// empty.
func (h *phaseHist) percentiles64() [3]float64 {
	var c [NumBuckets]uint64
	for i, x := range h.counts {
		c[i] = uint64(x)
	}
	var out [3]float64
	for i, q := range [3]float64{0.5, 0.95, 0.99} {
		sum := h.sum
		if h.noMean {
			sum = -1
		}
		out[i] = bounded(quantile(&c, h.coarse, q), q, h.count, sum, h.min, h.max, h.haveExt)
	}
	return out
}

// bounded keeps a q-quantile estimate possible: within the exact extremes
// when known, and for durations (never negative) with mean m at most
// m/(1-q) (Markov's inequality: at least 1-q of them are at or above it).
func bounded(v, q float64, count uint64, sum, min, max float64, haveExt bool) float64 {
	if math.IsNaN(v) {
		return v
	}
	if count > 0 && sum >= 0 {
		if lim := sum / float64(count) / (1 - q); v > lim {
			v = lim
		}
	}
	if haveExt {
		v = math.Max(min, math.Min(max, v))
	}
	return v
}

// block is blockSteps steps of a group's phase histograms.
type block struct {
	index int64 // step / blockSteps
	ph    [NumPhases]*phaseHist
}

// hist is the history of a group, of all groups, or of a process. Its
// ring and blocks are allocated when first written.
type hist struct {
	n      int  // points in the ring
	groupH bool // keeps histogram blocks
	points hring
	blocks []block // groups only
	// cur accumulates the step being closed: latency over contributors.
	cur [NumPhases]*phaseHist
}

// pending is what a process reported since the last step closed, and its
// latest report.
type pending struct {
	requests [6]uint64
	period   float64
	ph       [NumPhases]*phaseHist
	have     bool
	last     *pending // latest closed contribution, reused while fresh
	lastAt   time.Time
	// lastRate is the newest sample's requests/s (current_throughput).
	lastRate   float64
	lastSample time.Time
}

// history is the Store's series state.
type history struct {
	step   time.Duration
	n      int // points per ring
	closed int64
	allH   *hist
	groups map[string]*hist
	procs  map[*process]*procHistory
}

type procHistory struct {
	h   *hist
	pen pending
}

func newHistory(opt Options) *history {
	n := int(opt.History / opt.Step)
	if n < 2 {
		n = 2
	}
	return &history{step: opt.Step, n: n, groups: map[string]*hist{}, procs: map[*process]*procHistory{}}
}

func (h *history) stepOf(t time.Time) int64 { return t.UnixNano() / int64(h.step) }

func (h *history) newHist(blocks bool) *hist {
	return &hist{n: h.n, groupH: blocks}
}

func (h *history) group(name string) *hist {
	g := h.groups[name]
	if g == nil {
		g = h.newHist(true)
		h.groups[name] = g
	}
	return g
}

func (h *history) proc(p *process) *procHistory {
	ph := h.procs[p]
	if ph == nil {
		ph = &procHistory{h: h.newHist(false)}
		h.procs[p] = ph
	}
	return ph
}

// forget drops a process's history (it was removed from the store).
func (h *history) forget(p *process) { delete(h.procs, p) }

// sampleHists are the sample's phase histograms.
func (v *sample) phaseHists(n float64) [NumPhases]*phaseHist {
	var out [NumPhases]*phaseHist
	var reqTotal, srvTotal uint64
	for ph, b := range v.buckets {
		if b == nil {
			continue
		}
		h := &phaseHist{coarse: v.coarse}
		for i, c := range b {
			h.counts[i] = uint32(c)
			h.count += uint64(c)
		}
		if v.hasMax[ph] && h.count > 0 {
			h.min, h.max, h.haveExt = v.min[ph], v.max[ph], true
		}
		out[ph] = h
		switch Phase(ph) {
		case PhaseRequest:
			reqTotal = h.count
		case PhaseServer:
			srvTotal = h.count
		}
	}
	// Means are over the interval's requests (see addPhases).
	if reqTotal > 0 {
		n = float64(reqTotal)
	} else if srvTotal > 0 {
		n = float64(srvTotal)
	}
	for ph, h := range out {
		if h != nil {
			h.sum, h.noMean = v.mean[ph]*n, !v.hasMean[ph]
		}
	}
	return out
}

// addSample notes a periodic sample of p (in group gname) at now.
func (h *history) addSample(p *process, gname string, v *sample, now time.Time) {
	ph := h.proc(p)
	pen := &ph.pen
	var classes [6]uint64
	if v.hasStatus {
		copy(classes[:5], v.statuses[:])
	} else {
		classes[5] = v.requests
	}
	var total uint64
	for i, c := range classes {
		pen.requests[i] += c
		total += c
	}
	pen.period += v.period
	pen.have = true
	pen.lastRate = 0
	if v.period > 0 {
		pen.lastRate = float64(total) / v.period
	}
	pen.lastSample = now
	hs := v.phaseHists(float64(v.requests))
	bi := h.stepOf(now) / blockSteps
	for i, x := range hs {
		if x == nil {
			continue
		}
		if pen.ph[i] == nil {
			pen.ph[i] = &phaseHist{}
		}
		pen.ph[i].add(x)
		for _, g := range []*hist{h.group(gname), h.all()} {
			if g.blocks == nil {
				g.blocks = make([]block, g.n/blockSteps+2)
			}
			b := &g.blocks[int(bi%int64(len(g.blocks)))]
			if b.index != bi {
				*b = block{index: bi}
			}
			if b.ph[i] == nil {
				b.ph[i] = &phaseHist{}
			}
			b.ph[i].add(x)
		}
	}
}

func (h *history) all() *hist {
	if h.allH == nil {
		h.allH = h.newHist(true)
	}
	return h.allH
}

// nanPoint is an empty point of step k.
func nanPoint(k int64) hpoint {
	pt := hpoint{step: k}
	for i := range pt.lat {
		for j := range pt.lat[i] {
			pt.lat[i][j] = float32(math.NaN())
		}
	}
	return pt
}

// advanceHistory closes every step before now's.
func (s *Store) advanceHistory(now time.Time) {
	h := s.x.hist
	cur := h.stepOf(now)
	if h.closed == 0 || cur-h.closed > int64(h.n) {
		h.closed = cur - 1
		if h.closed == 0 {
			return
		}
	}
	for k := h.closed + 1; k < cur; k++ {
		s.closeStep(k)
	}
	if cur-1 > h.closed {
		h.closed = cur - 1
	}
}

type stepAcc struct {
	pt  hpoint
	lat [NumPhases]*phaseHist
}

func (a *stepAcc) add(pt *hpoint, lat *[NumPhases]*phaseHist) {
	a.pt.n += pt.n
	for i := range pt.rate {
		a.pt.rate[i] += pt.rate[i]
	}
	a.pt.busy += pt.busy
	a.pt.workers += pt.workers
	a.pt.cpu += pt.cpu
	a.pt.rss += pt.rss
	for i, x := range lat {
		if x == nil {
			continue
		}
		if a.lat[i] == nil {
			a.lat[i] = &phaseHist{}
		}
		a.lat[i].add(x)
	}
}

func (a *stepAcc) point() hpoint {
	pt := a.pt
	for i, x := range a.lat {
		if x != nil && x.count > 0 {
			pt.lat[i] = x.percentiles()
		}
	}
	return pt
}

// closeStep takes step k's points from the live processes.
func (s *Store) closeStep(k int64) {
	h := s.x.hist
	end := time.Unix(0, (k+1)*int64(h.step))
	accs := map[string]*stepAcc{}
	all := &stepAcc{pt: nanPoint(k)}
	for p, ph := range h.procs {
		pen := &ph.pen
		if p.state >= stateStopped && !pen.have {
			continue // gone; its last report (if any) counted already
		}
		c := pen
		if !pen.have {
			fresh := 2 * h.step
			if iv := time.Duration(2 * p.interval * float64(time.Second)); iv > fresh {
				fresh = iv
			}
			if pen.last == nil || end.Sub(pen.lastAt) > fresh {
				continue
			}
			c = pen.last
		}
		pt := nanPoint(k)
		pt.n = 1
		// Over the time the reports cover, but at least the step: a
		// process that lived a fraction of a step served its requests in
		// that step, not at its own short-lived rate.
		if span := math.Max(c.period, h.step.Seconds()); span > 0 {
			for i, r := range c.requests {
				pt.rate[i] = float32(float64(r) / span)
			}
		}
		pt.busy, pt.workers, pt.cpu, pt.rss = float32(p.busy), float32(p.workers), float32(p.cpuUtil), p.rss
		for i, x := range c.ph {
			if x != nil && x.count > 0 {
				pt.lat[i] = x.percentiles()
			}
		}
		ph.h.put(pt)
		a := accs[p.key.group]
		if a == nil {
			a = &stepAcc{pt: nanPoint(k)}
			accs[p.key.group] = a
		}
		a.add(&pt, &c.ph)
		all.add(&pt, &c.ph)
		if pen.have {
			last := &pending{requests: pen.requests, period: pen.period, ph: pen.ph, have: true}
			pen.last, pen.lastAt = last, end
			pen.requests, pen.period, pen.ph, pen.have = [6]uint64{}, 0, [NumPhases]*phaseHist{}, false
		}
	}
	for name, a := range accs {
		h.group(name).put(a.point())
	}
	if all.pt.n > 0 {
		h.all().put(all.point())
	}
}

// currentRate is p's newest sample's requests/s, 0 when stale.
func (s *Store) currentRate(p *process, now time.Time) float64 {
	ph := s.x.hist.procs[p]
	if ph == nil || p.state >= stateStopped {
		return 0
	}
	fresh := 2 * s.x.hist.step
	if iv := time.Duration(2 * p.interval * float64(time.Second)); iv > fresh {
		fresh = iv
	}
	if now.Sub(ph.pen.lastSample) > fresh {
		return 0
	}
	return ph.pen.lastRate
}

// windowHistogram sums a hist's blocks over the last window.
func (h *history) windowHistogram(x *hist, ph Phase, window time.Duration, now time.Time) *phaseHist {
	out := &phaseHist{}
	if x == nil || x.blocks == nil {
		return out
	}
	cur := h.stepOf(now) / blockSteps
	nb := int64((window+h.step*blockSteps-1)/(h.step*blockSteps)) - 1
	for i := cur - nb; i <= cur; i++ {
		b := &x.blocks[int(((i%int64(len(x.blocks)))+int64(len(x.blocks)))%int64(len(x.blocks)))]
		if b.index == i && b.ph[ph] != nil {
			out.add(b.ph[ph])
		}
	}
	return out
}
