package telemetry

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/telemetry/source"
)

// Python's cyclic garbage collector, as mod_wsgi 6 reports it: each tick,
// one GC snapshot datagram per interpreter (kind 8: gc.get_count(),
// gc.get_threshold(), gc.get_stats()'s cumulative collections, collected
// and uncollectable per generation, gc.isenabled(), gc.get_freeze_count()
// and how many pause events it had to drop since the last tick), then one
// datagram per collection (kind 9: when it started, how long the pause
// lasted, the generation, objects collected and uncollectable), timed by
// a gc.callbacks entry. Neither carries the process group: the pid does.
// mod_wsgi 4.x reports no GC.

// GC record IDs beyond those in fields.go.
const (
	fieldGCCollections0   uint16 = 306 // u64 cumulative, +generation
	fieldGCCollected0     uint16 = 309
	fieldGCUncollectable0 uint16 = 312
	fieldGCEnabled        uint16 = 315
	fieldGCEventDuration  uint16 = 321 // f64 seconds
	fieldGCEventGen       uint16 = 322 // u64 0..2
	fieldGCEventCollected uint16 = 323
)

// pauseBounds are the GC pause histogram's upper bounds (seconds): pauses
// are mostly well under a millisecond, below the request histograms'
// first bucket.
var pauseBounds = [...]float64{0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, math.Inf(1)}

const numPauseBuckets = len(pauseBounds)

func pauseBucket(d float64) int {
	return sort.SearchFloat64s(pauseBounds[:], d)
}

// pauseHist is a cumulative pause histogram.
type pauseHist struct {
	counts [numPauseBuckets]uint64
	count  uint64
	sum    float64
}

func (h *pauseHist) observe(d float64) {
	h.counts[pauseBucket(d)]++
	h.count++
	h.sum += d
}

// GCPause is one collection's pause.
type GCPause struct {
	T             float64 `json:"t"` // when it started, Unix seconds
	Group         string  `json:"group"`
	PID           uint32  `json:"pid"`
	Generation    int     `json:"generation"`
	Duration      float64 `json:"duration"`
	Collected     uint64  `json:"collected"`
	Uncollectable uint64  `json:"uncollectable"`
}

// maxPausesKept bounds the pauses a group keeps for the timeline.
const maxPausesKept = 2000

// gcCounters are one interpreter's last cumulative counters.
type gcCounters struct {
	collections, collected, uncollectable [3]uint64
	enabled                               bool
}

// maxInterpreters bounds the interpreters tracked per process (mod_wsgi
// 6.0.5 reports at most 32).
const maxInterpreters = 32

// applyGC takes a GC snapshot or pause datagram. Its process must be
// known (by pid): before it is, the datagram is counted but not kept.
func (s *Store) applyGC(d *Datagram, now time.Time) error {
	var gcSnap gcCounters
	var pause GCPause
	var dropped uint64
	complete := true // a pause without its start, duration or generation is not kept
	if d.Kind == KindGCSnapshot {
		for gen := 0; gen < 3; gen++ {
			for _, f := range []struct {
				id  uint16
				dst *uint64
			}{{fieldGCCollections0, &gcSnap.collections[gen]}, {fieldGCCollected0, &gcSnap.collected[gen]},
				{fieldGCUncollectable0, &gcSnap.uncollectable[gen]}} {
				if _, ok := d.Record(f.id + uint16(gen)); !ok {
					continue
				}
				v, ok := d.Uint(f.id + uint16(gen))
				if !ok {
					return invalid("GC record " + strconv.Itoa(int(f.id)+gen) + " is not a count")
				}
				*f.dst = v
			}
		}
		en, ok := d.Uint(fieldGCEnabled)
		gcSnap.enabled = !ok || en != 0
		dropped, _ = d.Uint(FieldGCDroppedEvents)
		if dropped > maxCount {
			return invalid("GC dropped events")
		}
	} else {
		start, ok1 := d.Float(FieldGCEventStartStamp)
		dur, ok2 := d.Float(fieldGCEventDuration)
		gen, ok3 := d.Uint(fieldGCEventGen)
		complete = ok1 && ok2 && ok3
		if (ok1 && !finite(start)) || (ok2 && (!finiteNonNeg(dur) || dur > 3600)) || (ok3 && gen > 2) {
			return invalid("GC pause with an impossible start, duration or generation")
		}
		pause.T = float64(stampTime(start, now).UnixMicro()) / 1e6
		pause.Duration, pause.Generation = dur, int(gen)
		pause.Collected, _ = d.Uint(fieldGCEventCollected)
		pause.Uncollectable, _ = d.Uint(FieldGCEventUncollectable)
	}
	s.countUnknown(d)
	p := s.byPID[d.PID]
	if p == nil {
		return nil
	}
	g := s.groups[p.key.group]
	if g == nil {
		return nil
	}
	s.touch(p, d, now)
	if !complete {
		return nil
	}
	x, px := g.ext(), p.ext()
	x.gcSeen = true
	if !px.gcSeen {
		px.gcSeen = true
		// The sample that came just before this tick's GC datagrams
		// covered time GC was measured in too.
		if p.points.len() > 0 {
			if e := x.history().at(now, now); e != nil {
				e.procSeconds += p.points.at(p.points.len() - 1).period
			}
		}
	}
	if d.Kind == KindGCEvent {
		pause.Group, pause.PID = g.name, d.PID
		x.gcPauses[pause.Generation].observe(pause.Duration)
		x.pauses.push(pause, maxPausesKept)
		t := time.UnixMicro(int64(pause.T * 1e6))
		if e := x.history().at(t, now); e != nil {
			e.pauseSeconds += pause.Duration
			if e.pauseCount == 0 || pause.Duration < e.pauseMin {
				e.pauseMin = pause.Duration
			}
			e.pauseCount++
			e.pauseMax = math.Max(e.pauseMax, pause.Duration)
			e.pauseHist[pauseBucket(pause.Duration)]++
		}
		return nil
	}

	// A snapshot: the interpreter's counters since its last one. The first
	// counts in full when the process was seen starting (its collections
	// since start), else it is only the baseline.
	name, _ := d.String(FieldInterpreterName)
	name = cleanText(name, 128)
	if px.gc == nil {
		px.gc = map[string]*gcCounters{}
	}
	last := px.gc[name]
	if last == nil {
		if len(px.gc) >= maxInterpreters {
			return nil
		}
		last = &gcCounters{}
		if !p.startKnown {
			*last = gcSnap
		}
		px.gc[name] = last
	}
	x.gcDropped += dropped
	delta := func(cur, prev uint64) uint64 {
		switch {
		case cur < prev: // the counters restarted
			return min(cur, maxCount)
		case cur-prev > maxCount:
			return 0
		}
		return cur - prev
	}
	e := x.history().at(now, now)
	for gen := 0; gen < 3; gen++ {
		dc := delta(gcSnap.collections[gen], last.collections[gen])
		x.gcCollections[gen] += dc
		x.gcCollected[gen] += delta(gcSnap.collected[gen], last.collected[gen])
		x.gcUncollectable[gen] += delta(gcSnap.uncollectable[gen], last.uncollectable[gen])
		if e != nil {
			e.collections[gen] += uint32(min(dc, math.MaxUint32-uint64(e.collections[gen])))
		}
	}
	*last = gcSnap
	return nil
}

// GCView is GET /api/gc: the window's garbage collection in one group or
// every group summed.
type GCView struct {
	Available bool   `json:"available"`
	Why       string `json:"why,omitempty"` // when not available, in plain words
	Window    int    `json:"window"`
	Group     string `json:"group"`
	// Overhead is the fraction of the processes' time spent in GC pauses
	// over the window (null without samples).
	Overhead             *float64           `json:"overhead"`
	CollectionsPerSecond map[string]float64 `json:"collections_per_second"` // by generation
	Collections          map[string]uint64  `json:"collections"`            // in the window, by generation
	// Uncollectable objects found, cumulative, by generation.
	Uncollectable  map[string]uint64 `json:"uncollectable"`
	DroppedEvents  uint64            `json:"dropped_events"` // pauses the module could not send, cumulative
	Pauses         []GCPause         `json:"pauses"`         // in the window, newest last, at most 2000
	PauseHistogram PauseHistogram    `json:"pause_histogram"`
	Series         GCSeries          `json:"series"`
}

// PauseHistogram is the window's pause distribution. Percentiles are
// interpolated within buckets and kept within the exact minimum and
// maximum; null without pauses.
type PauseHistogram struct {
	Count   uint64        `json:"count"`
	Sum     float64       `json:"sum"`
	Buckets []BucketCount `json:"buckets"` // non-empty buckets only
	P50     *float64      `json:"p50"`
	P95     *float64      `json:"p95"`
	P99     *float64      `json:"p99"`
	Max     *float64      `json:"max"`
}

// GCSeries is the window step by step (step seconds, at most 300 points),
// oldest first; null where no process reported.
type GCSeries struct {
	Step        int                   `json:"step"`
	T           []float64             `json:"t"`
	Overhead    []*float64            `json:"overhead"`
	Collections map[string][]*float64 `json:"collections"` // per second, by generation
}

// GCSummary is a group's GC over the snapshot's window.
type GCSummary struct {
	Overhead             *float64           `json:"overhead"`
	CollectionsPerSecond map[string]float64 `json:"collections_per_second"`
	Pauses               uint64             `json:"pauses"`
	PauseP95             *float64           `json:"pause_p95"`
	PauseMax             *float64           `json:"pause_max"`
	Uncollectable        uint64             `json:"uncollectable"` // cumulative, all generations
}

var genNames = [3]string{"0", "1", "2"}

// GC returns the window's (seconds) garbage collection for the group (""
// for every group).
func (s *Store) GC(window int, only string) GCView {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	s.expire(now)
	v := GCView{Window: window, Group: only, CollectionsPerSecond: map[string]float64{},
		Collections: map[string]uint64{}, Uncollectable: map[string]uint64{}, Pauses: []GCPause{},
		PauseHistogram: PauseHistogram{Buckets: []BucketCount{}},
		Series:         GCSeries{T: []float64{}, Overhead: []*float64{}, Collections: map[string][]*float64{}}}
	groups := s.sortedGroups(only)
	var seen []*group
	for _, g := range groups {
		if g.x != nil && g.x.gcSeen {
			seen = append(seen, g)
		}
	}
	if len(seen) == 0 {
		v.Why = s.whyNo("garbage collection", only)
		return v
	}
	v.Available = true
	w := gcWindow(seen, now, window)
	v.Overhead = w.overhead()
	for gen, name := range genNames {
		v.Collections[name] = w.collections[gen]
		v.CollectionsPerSecond[name] = w.rate(gen, now, window)
		v.Series.Collections[name] = []*float64{}
	}
	for _, g := range seen {
		for gen, name := range genNames {
			v.Uncollectable[name] += g.x.gcUncollectable[gen]
		}
		v.DroppedEvents += g.x.gcDropped
		from := float64(now.Unix() - int64(window))
		g.x.pauses.each(func(p *GCPause) {
			if p.T > from {
				v.Pauses = append(v.Pauses, *p)
			}
		})
	}
	sort.SliceStable(v.Pauses, func(i, j int) bool { return v.Pauses[i].T < v.Pauses[j].T })
	if len(v.Pauses) > maxPausesKept {
		v.Pauses = v.Pauses[len(v.Pauses)-maxPausesKept:]
	}
	v.PauseHistogram = w.histogram()

	ends, stepLen := seriesTimes(now, window)
	v.Series = gcSeries(seen, ends, stepLen)
	return v
}

// seriesTimes are the ends of the steps (Unix seconds) a window's series
// has: steps of whole seconds, as few as keep it to 300 points, the last
// ending now.
func seriesTimes(now time.Time, window int) (t []int64, stepLen int) {
	stepLen = (window + 299) / 300
	nowSec := now.Unix()
	for end := nowSec - int64(window) + int64(stepLen); end <= nowSec; end += int64(stepLen) {
		t = append(t, end)
	}
	return t, stepLen
}

// eachSecond calls fn with groups' entries for the seconds in
// (end-stepLen, end].
func eachSecond(groups []*group, end int64, stepLen int, fn func(e *step)) {
	for _, g := range groups {
		if g.x == nil || g.x.steps == nil {
			continue
		}
		for sec := end - int64(stepLen) + 1; sec <= end; sec++ {
			e := &g.x.steps.buf[((sec%historySeconds)+historySeconds)%historySeconds]
			if e.sec == sec {
				fn(e)
			}
		}
	}
}

// gcSeries is the groups' GC step by step: overhead and collections per
// second, null where nothing was reported.
func gcSeries(groups []*group, ends []int64, stepLen int) GCSeries {
	gs := GCSeries{Step: stepLen, T: []float64{}, Overhead: []*float64{}, Collections: map[string][]*float64{}}
	for _, name := range genNames {
		gs.Collections[name] = []*float64{}
	}
	for _, end := range ends {
		var pauseSec, procSec float64
		var coll [3]float64
		any := false
		eachSecond(groups, end, stepLen, func(e *step) {
			any = true
			pauseSec += e.pauseSeconds
			procSec += e.procSeconds
			for gen := range coll {
				coll[gen] += float64(e.collections[gen])
			}
		})
		gs.T = append(gs.T, float64(end))
		var oh *float64
		if procSec > 0 {
			oh = opt(math.Min(1, pauseSec/procSec))
		}
		gs.Overhead = append(gs.Overhead, oh)
		for gen, name := range genNames {
			var c *float64
			if any {
				c = opt(coll[gen] / float64(stepLen))
			}
			gs.Collections[name] = append(gs.Collections[name], c)
		}
	}
	return gs
}

// seriesGC is the GC part of a series for /api/series: the group's (or
// every group's, for "") overhead and collections per second for the
// steps of stepLen seconds ending at each of ends (Unix seconds); nil
// when no group has GC data. The caller holds s.mu.
func (s *Store) seriesGC(only string, ends []int64, stepLen int) *GCSeries {
	var seen []*group
	for _, g := range s.sortedGroups(only) {
		if g.x != nil && g.x.gcSeen {
			seen = append(seen, g)
		}
	}
	if len(seen) == 0 {
		return nil
	}
	gs := gcSeries(seen, ends, stepLen)
	return &gs
}

// gcWin sums groups' steps over a window.
type gcWin struct {
	pauseSeconds, procSeconds float64
	collections               [3]uint64
	hist                      [numPauseBuckets]uint64
	count                     uint64
	min, max                  float64
	first                     int64 // earliest second with data
}

func gcWindow(groups []*group, now time.Time, window int) *gcWin {
	w := &gcWin{first: math.MaxInt64}
	for _, g := range groups {
		if g.x.steps == nil {
			continue
		}
		g.x.steps.each(now, window, func(e *step) {
			w.first = min(w.first, e.sec)
			w.pauseSeconds += e.pauseSeconds
			w.procSeconds += e.procSeconds
			for gen := range w.collections {
				w.collections[gen] += uint64(e.collections[gen])
			}
			if e.pauseCount > 0 {
				if w.count == 0 || e.pauseMin < w.min {
					w.min = e.pauseMin
				}
				w.max = math.Max(w.max, e.pauseMax)
				w.count += uint64(e.pauseCount)
				for i, c := range e.pauseHist {
					w.hist[i] += uint64(c)
				}
			}
		})
	}
	return w
}

func (w *gcWin) overhead() *float64 {
	if w.procSeconds <= 0 {
		return nil
	}
	return opt(math.Min(1, w.pauseSeconds/w.procSeconds))
}

// rate is generation gen's collections per second over the part of the
// window since the group's first GC data.
func (w *gcWin) rate(gen int, now time.Time, window int) float64 {
	if w.first == math.MaxInt64 {
		return 0
	}
	span := float64(min(int64(window), now.Unix()-w.first+1))
	return float64(w.collections[gen]) / math.Max(span, 1)
}

func (w *gcWin) histogram() PauseHistogram {
	h := PauseHistogram{Count: w.count, Sum: w.pauseSeconds, Buckets: []BucketCount{}}
	if w.count == 0 {
		return h
	}
	for i, c := range w.hist {
		if c > 0 {
			b := BucketCount{Count: c}
			if le := pauseBounds[i]; !math.IsInf(le, 1) {
				b.Le = &le
			}
			h.Buckets = append(h.Buckets, b)
		}
	}
	q := func(q float64) *float64 {
		return opt(math.Max(w.min, math.Min(w.max, boundsQuantile(pauseBounds[:], w.hist[:], q))))
	}
	h.P50, h.P95, h.P99, h.Max = q(0.5), q(0.95), q(0.99), opt(w.max)
	return h
}

// boundsQuantile estimates the q-quantile of counts in buckets with the
// given upper bounds (the first bucket starts at 0), interpolating
// linearly within a bucket; the overflow bucket yields its lower bound.
func boundsQuantile(bounds []float64, counts []uint64, q float64) float64 {
	var total uint64
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return math.NaN()
	}
	rank := q * float64(total)
	var cum uint64
	lower := 0.0
	for i, c := range counts {
		if c > 0 && float64(cum+c) >= rank {
			if math.IsInf(bounds[i], 1) {
				return lower
			}
			return lower + (bounds[i]-lower)*(rank-float64(cum))/float64(c)
		}
		cum += c
		lower = bounds[i]
	}
	return lower
}

// gcSummary is g's GC over the last window seconds, nil without GC data.
func (g *group) gcSummary(now time.Time, window int) *GCSummary {
	if g.x == nil || !g.x.gcSeen {
		return nil
	}
	w := gcWindow([]*group{g}, now, window)
	sum := &GCSummary{Overhead: w.overhead(), CollectionsPerSecond: map[string]float64{}, Pauses: w.count}
	for gen, name := range genNames {
		sum.CollectionsPerSecond[name] = w.rate(gen, now, window)
		sum.Uncollectable += g.x.gcUncollectable[gen]
	}
	h := w.histogram()
	sum.PauseP95, sum.PauseMax = h.P95, h.Max
	return sum
}

// whyNo says in plain words why the store has no data of the kind what
// (for the group, or any group): the module version its processes report,
// or that none has reported.
func (s *Store) whyNo(what, group string) string {
	newest := ""
	var newestMajor int
	for _, p := range s.procs {
		if (group != "" && p.key.group != group) || p.modWSGI == "" {
			continue
		}
		major, _, ok := parseMajorMinor(p.modWSGI)
		if ok && (newest == "" || major > newestMajor) {
			newest, newestMajor = p.modWSGI, major
		}
	}
	switch {
	case group != "" && s.groups[group] == nil:
		return "no process group " + strconv.Quote(group) + " has reported"
	case newest == "":
		return "no mod_wsgi process has reported yet"
	case newestMajor < 6:
		return "mod_wsgi " + newest + " does not report " + what + "; it needs mod_wsgi 6"
	}
	return "mod_wsgi " + newest + " reports " + what + " with each sample; none has arrived yet"
}

func parseMajorMinor(v string) (int, int, bool) {
	src, err := source.Of(v)
	if err != nil {
		return 0, 0, false
	}
	if src == source.Native {
		return 6, 0, true
	}
	return 4, 8, true
}
