package telemetry

import (
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// What the store keeps beyond its original counters for the GC and GIL
// views. It hangs off group and process (one
// pointer each) and is fed by a few calls from the ingest path:
// observeSample (a periodic sample), applyGC (GC snapshot and pause
// datagrams). Slots and restarts by reason are events.go's.

// historySeconds is how much per-second history a group keeps for the GC
// and GIL views: the longest window the API serves.
const historySeconds = 900

// maxThreadsKept bounds the per-thread arrays a process's samples keep
// (mod_wsgi 6.0.5 sends at most 128 slots).
const maxThreadsKept = 128

// groupExtra is a group's GC and GIL history and its counters by reason
// and slot.
type groupExtra struct {
	steps *stepRing // nil until the group sends GC or GIL data

	// GC, cumulative since the ingester started.
	gcSeen          bool
	gcCollections   [3]uint64
	gcCollected     [3]uint64
	gcUncollectable [3]uint64
	gcPauses        [3]pauseHist    // by generation
	gcDropped       uint64          // pause events the module could not send
	pauses          recent[GCPause] // recent pauses, for the timeline

	// GIL.
	switchInterval float64 // newest sample's sys.getswitchinterval()

	// Per slot: CPU seconds of every process that held it.
	slotCPU map[int]float64
}

func (g *group) ext() *groupExtra {
	if g.x == nil {
		g.x = &groupExtra{slotCPU: map[int]float64{}}
	}
	return g.x
}

func (x *groupExtra) history() *stepRing {
	if x.steps == nil {
		x.steps = &stepRing{}
	}
	return x.steps
}

// procExtra is a process's GC counters per interpreter and its
// recent per-thread samples.
type procExtra struct {
	gc       map[string]*gcCounters // by interpreter name ("" the main one)
	gcSeen   bool
	threads  recent[threadSample]
	hasSlots bool // sends per-thread arrays (mod_wsgi 6)
}

func (p *process) ext() *procExtra {
	if p.x == nil {
		p.x = &procExtra{}
	}
	return p.x
}

// step is one second of a group's history.
type step struct {
	sec int64 // Unix second this entry holds; entries of older seconds are stale

	// GC.
	pauseSeconds float64
	pauseCount   uint32
	pauseMax     float64
	pauseMin     float64
	pauseHist    [numPauseBuckets]uint32
	collections  [3]uint32
	procSeconds  float64 // sample periods of processes reporting GC: overhead's denominator

	// GIL: requests' GIL waits by switch-interval band.
	bands [5]uint32
}

// stepRing holds the last historySeconds seconds, one entry per second.
type stepRing struct {
	buf [historySeconds]step
}

// at returns the entry for t's second, reset if it held an older second;
// nil when t is older than the ring reaches back from now or in the future.
func (r *stepRing) at(t, now time.Time) *step {
	sec, nowSec := t.Unix(), now.Unix()
	if sec > nowSec {
		sec = nowSec
	}
	if sec <= nowSec-historySeconds {
		return nil
	}
	e := &r.buf[sec%historySeconds]
	if e.sec != sec {
		*e = step{sec: sec}
	}
	return e
}

// each calls fn with the entries of the seconds in (now-window, now], oldest
// first, skipping seconds without data.
func (r *stepRing) each(now time.Time, window int, fn func(e *step)) {
	nowSec := now.Unix()
	for sec := nowSec - int64(window) + 1; sec <= nowSec; sec++ {
		e := &r.buf[((sec%historySeconds)+historySeconds)%historySeconds]
		if e.sec == sec {
			fn(e)
		}
	}
}

// threadSample is one periodic sample of a process as the heat map keeps
// it: each thread's busy fraction in percent, and the process's CPU.
type threadSample struct {
	at     time.Time
	period float64
	cpu    float64 // cores
	busy   []uint8 // percent, one per thread
}

// recent keeps the latest values pushed, at most the max given to push,
// oldest overwritten first: a group's GC pauses, a process's per-thread
// samples.
type recent[T any] struct {
	buf   []T
	start int
}

func (r *recent[T]) push(v T, max int) {
	if len(r.buf) < max {
		r.buf = append(r.buf, v)
		return
	}
	r.buf[r.start] = v
	r.start = (r.start + 1) % len(r.buf)
}

// each calls fn with the values kept, oldest first.
func (r *recent[T]) each(fn func(v *T)) {
	for i := range r.buf {
		fn(&r.buf[(r.start+i)%len(r.buf)])
	}
}

// observeSample takes what the GIL view needs from a periodic sample:
// the switch interval, the GIL-wait histogram's bands, each thread's busy
// fraction; and the process's CPU for its slot.
func (s *Store) observeSample(g *group, p *process, d *Datagram, v *sample, now time.Time) {
	x, px := g.ext(), p.ext()
	slot := p.slot
	x.slotCPU[slot] += v.cpuUtil * v.period
	if px.gcSeen && v.period > 0 {
		if e := x.history().at(now, now); e != nil {
			e.procSeconds += v.period
		}
	}
	si, ok := d.Float(FieldSwitchInterval)
	if ok && finite(si) && si > 0 && si < 10 {
		x.switchInterval = si
	}
	if b := v.buckets[PhaseGILWait]; b != nil && x.switchInterval > 0 {
		bands := gilBands(b, x.switchInterval)
		if bands != [5]uint64{} {
			if e := x.history().at(now, now); e != nil {
				for i, c := range bands {
					e.bands[i] += uint32(min(c, math.MaxUint32-uint64(e.bands[i])))
				}
			}
		}
	}
	busy, ok := d.Float64s(FieldSlotBusyTime)
	if !ok || v.period <= 0 {
		return
	}
	px.hasSlots = true
	if len(busy) > maxThreadsKept {
		busy = busy[:maxThreadsKept]
	}
	ts := threadSample{at: now, period: v.period, cpu: v.cpuUtil, busy: make([]uint8, len(busy))}
	for i, b := range busy {
		f := b / v.period
		if !(f >= 0) { // negative or NaN
			f = 0
		}
		ts.busy[i] = uint8(math.Round(math.Min(f, 1) * 100))
	}
	px.threads.push(ts, s.opt.Points)
}

// windowParam reads ?window= (seconds, default 300), clamped to 10 ...
// historySeconds; a value that is not a number is an error naming it.
func windowParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("window")
	if v == "" {
		return 300, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !finite(f) {
		return 0, errParam("window", "a number of seconds, such as 60, 300 or 900")
	}
	return int(math.Max(10, math.Min(historySeconds, math.Round(f)))), nil
}

type paramError struct{ name, want string }

func (e *paramError) Error() string { return "bad parameter " + e.name + ": want " + e.want }

func errParam(name, want string) error { return &paramError{name, want} }

// registerExtra adds the GC, GIL and slow-request endpoints to the mux.
func registerExtra(mux *http.ServeMux, s *Store) {
	bad := func(w http.ResponseWriter, err error) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	}
	mux.HandleFunc("GET /api/gc", func(w http.ResponseWriter, r *http.Request) {
		win, err := windowParam(r)
		if err != nil {
			bad(w, err)
			return
		}
		writeJSON(w, http.StatusOK, s.GC(win, r.URL.Query().Get("group")))
	})
	mux.HandleFunc("GET /api/gil", func(w http.ResponseWriter, r *http.Request) {
		win, err := windowParam(r)
		if err != nil {
			bad(w, err)
			return
		}
		writeJSON(w, http.StatusOK, s.GIL(win, r.URL.Query().Get("group")))
	})
	mux.HandleFunc("GET /api/slow-requests", func(w http.ResponseWriter, r *http.Request) {
		q, err := parseSlowQuery(r)
		if err != nil {
			bad(w, err)
			return
		}
		snap := s.Snapshot()
		writeJSON(w, http.StatusOK, nonNil(q.apply(snap.SlowRequests)))
	})
	mux.HandleFunc("GET /api/slow-requests/{id}", func(w http.ResponseWriter, r *http.Request) {
		snap := s.Snapshot()
		for _, x := range snap.SlowRequests {
			if x.ID == r.PathValue("id") {
				writeJSON(w, http.StatusOK, x)
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no slow request " + strconv.Quote(r.PathValue("id"))})
	})
}

// sortedGroups returns the groups, or the one named (none when it is
// unknown), by name.
func (s *Store) sortedGroups(name string) []*group {
	var out []*group
	for n, g := range s.groups {
		if name == "" || n == name {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
