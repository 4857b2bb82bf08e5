package telemetry

import (
	"math"
	"sort"
	"time"
)

// Snapshot is a consistent copy of the store's state: what GET
// /api/snapshot returns and what the live page and top show. Durations are
// seconds, times RFC 3339, rates per second over the last WindowSeconds.
type Snapshot struct {
	Time          time.Time     `json:"time"`
	WindowSeconds float64       `json:"window_seconds"`
	Capabilities  Capabilities  `json:"capabilities"`
	Totals        Totals        `json:"totals"`
	Groups        []GroupView   `json:"groups"`
	Processes     []ProcessView `json:"processes"`
	SlowRequests  []SlowRequest `json:"slow_requests"` // newest first
	Ingest        IngestView    `json:"ingest"`
}

// Totals sums the live processes of every group.
type Totals struct {
	Processes  int     `json:"processes"`
	Requests   uint64  `json:"requests"`   // since the ingester started
	Throughput float64 `json:"throughput"` // requests/s over the window
	Workers    uint64  `json:"workers"`
	Busy       float64 `json:"busy"` // mean busy workers over each process's last interval
	Latency    Latency `json:"latency"`
	// CurrentThroughput is requests/s over each live process's newest
	// interval: the load now, beside Throughput's window mean.
	CurrentThroughput float64 `json:"current_throughput"`
	InFlight          int     `json:"in_flight"`  // requests running at the last samples (mod_wsgi 6)
	ErrorRate         float64 `json:"error_rate"` // 5xx / all over the window
}

// Latency summarises a duration distribution. Percentiles are estimated
// from the histogram buckets (null without data); Max is exact when the
// module reports it.
type Latency struct {
	Phase  string   `json:"phase"` // "request", or "application" when the module has no request histogram
	Count  uint64   `json:"count"`
	P50    *float64 `json:"p50"`
	P95    *float64 `json:"p95"`
	P99    *float64 `json:"p99"`
	Max    *float64 `json:"max"`
	Coarse bool     `json:"coarse,omitempty"` // from mod_wsgi 4.x's coarser buckets
	// BelowResolution: every request fell in the first bucket (under 1 ms,
	// 5 ms when coarse); the percentiles are bounded guesses ("< 1 ms").
	BelowResolution bool `json:"below_resolution,omitempty"`
}

// GroupView is one process group (EmbeddedGroup for embedded mode).
// Counters are cumulative since the ingester started and survive process
// restarts; gauges sum the group's live processes.
type GroupView struct {
	Name          string            `json:"name"`
	Processes     int               `json:"processes"`
	Requests      map[string]uint64 `json:"requests"` // by class: 1xx..5xx, "unknown" when the module gives none
	RequestsTotal uint64            `json:"requests_total"`
	Throughput    float64           `json:"throughput"`
	Latency       Latency           `json:"latency"`
	Workers       uint64            `json:"workers"`
	Busy          float64           `json:"busy"`
	Capacity      float64           `json:"capacity"` // busy / workers
	CPU           float64           `json:"cpu"`      // cores in use, last interval
	CPUSeconds    float64           `json:"cpu_seconds"`
	RSS           uint64            `json:"rss"`
	Starts        uint64            `json:"starts"`
	Restarts      uint64            `json:"restarts"`
	Stops         map[string]uint64 `json:"stops"` // by reason
	SlowRequests  uint64            `json:"slow_requests"`
	InputBytes    uint64            `json:"input_bytes"`
	OutputBytes   uint64            `json:"output_bytes"`
	Phases        []PhaseView       `json:"phases"` // cumulative, phases the module reports
	// The load now (see Totals), and restarts by the reason the replaced
	// process stopped (crash: its pid vanished without a word).
	CurrentThroughput float64 `json:"current_throughput"`
	InFlight          int     `json:"in_flight"`
	ErrorRate         float64 `json:"error_rate"`
	GroupDetail
}

// PhaseView is a cumulative per-phase distribution.
type PhaseView struct {
	Phase string   `json:"phase"`
	Count uint64   `json:"count"`
	Sum   float64  `json:"sum"`
	Mean  *float64 `json:"mean"`
	P50   *float64 `json:"p50"`
	P95   *float64 `json:"p95"`
	P99   *float64 `json:"p99"`
}

// ProcessView is one mod_wsgi process.
type ProcessView struct {
	Group          string       `json:"group"`
	PID            uint32       `json:"pid"`
	Slot           int          `json:"slot"`  // stable small index within the group, reused by a replacement
	State          string       `json:"state"` // running, stopping, stopped, lost
	StopReason     string       `json:"stop_reason,omitempty"`
	Hostname       string       `json:"hostname,omitempty"`
	ModWSGIVersion string       `json:"mod_wsgi_version,omitempty"`
	PythonVersion  string       `json:"python_version,omitempty"`
	ApacheVersion  string       `json:"apache_version,omitempty"`
	MPM            string       `json:"mpm,omitempty"`
	ParentPID      uint64       `json:"parent_pid,omitempty"`
	Started        time.Time    `json:"started"`
	StartKnown     bool         `json:"start_known"` // false: joined mid-stream, Started is when first heard
	LastSeen       time.Time    `json:"last_seen"`
	Uptime         float64      `json:"uptime"`
	Interval       float64      `json:"interval"`
	Requests       uint64       `json:"requests"` // since first heard
	Throughput     float64      `json:"throughput"`
	Latency        Latency      `json:"latency"`
	Workers        uint64       `json:"workers"`
	Busy           float64      `json:"busy"`
	InFlight       int          `json:"in_flight"` // requests running at the last sample (mod_wsgi 6)
	Capacity       float64      `json:"capacity"`
	CPU            float64      `json:"cpu"`
	RSS            uint64       `json:"rss"`
	MaxRSS         uint64       `json:"max_rss"`
	Threads        []ThreadView `json:"threads"` // last interval, live processes only
	Series         Series       `json:"series"`
	// ThreadVerdict judges a live process's threads on its last samples
	// (mod_wsgi 6): saturated, GIL-bound, idle or fine, by the rule of GET
	// /api/gil's heat map; "" without per-thread samples.
	ThreadVerdict string `json:"thread_verdict,omitempty"`
}

// Series holds a process's samples in the window, oldest first, as
// parallel arrays.
type Series struct {
	Time       []float64  `json:"t"` // Unix seconds
	Throughput []float64  `json:"throughput"`
	Busy       []float64  `json:"busy"`
	CPU        []float64  `json:"cpu"`
	RSS        []uint64   `json:"rss"`
	P95        []*float64 `json:"p95"`
}

// SlowRequest is a request that ran past the slow-request threshold,
// reported while running (State "active") and once completed.
type SlowRequest struct {
	Group     string     `json:"group"`
	PID       uint32     `json:"pid"`
	Thread    uint64     `json:"thread"`
	LogID     string     `json:"log_id,omitempty"`
	State     string     `json:"state"` // active, completed, or lost (no news while active)
	Completed bool       `json:"-"`
	Start     time.Time  `json:"start"`
	Stamp     time.Time  `json:"stamp"`    // last report
	Duration  float64    `json:"duration"` // so far, when active
	Status    int        `json:"status"`   // 0 until known
	Method    string     `json:"method,omitempty"`
	Scheme    string     `json:"scheme,omitempty"`
	Host      string     `json:"host,omitempty"`
	Path      string     `json:"path,omitempty"` // script name + path info, no query string
	Protocol  string     `json:"protocol,omitempty"`
	PeerIP    string     `json:"peer_ip,omitempty"`
	UserAgent string     `json:"user_agent,omitempty"`
	Phases    SlowPhases `json:"phases"`
	SlowDetail
}

// SlowPhases splits a slow request's time by phase.
type SlowPhases struct {
	Server      float64 `json:"server"`
	Queue       float64 `json:"queue"`
	Daemon      float64 `json:"daemon"`
	Application float64 `json:"application"`
	SlowOverlap
}

// IngestView counts datagrams.
type IngestView struct {
	Accepted      map[string]uint64 `json:"accepted"` // by kind
	Dropped       map[string]uint64 `json:"dropped"`  // by reason
	Lost          uint64            `json:"lost"`     // gaps in processes' sequence numbers
	UnknownFields uint64            `json:"unknown_fields"`
	Last          *time.Time        `json:"last,omitempty"`
}

// Snapshot returns a copy of the current state.
func (s *Store) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	s.tick(now)
	snap := Snapshot{Time: now, WindowSeconds: s.opt.Window.Seconds(), Capabilities: s.x.caps.view()}
	s.groupViews(&snap)
	aggs := map[string]*groupAgg{}
	for i := range snap.Groups {
		aggs[snap.Groups[i].Name] = &groupAgg{view: &snap.Groups[i]}
	}
	var all window
	for _, p := range s.sortedProcesses() {
		pv, w := p.view(now, now.Add(-s.opt.Window))
		snap.Processes = append(snap.Processes, pv)
		// Stopped processes still count in the window's rate and latency:
		// their requests happened.
		a := aggs[p.key.group]
		a.win.merge(&w)
		all.merge(&w)
		if p.state >= stateStopped {
			continue
		}
		a.view.CurrentThroughput += s.currentRate(p, now)
		a.view.InFlight += p.inFlight
		a.view.Processes++
		a.view.Workers += p.workers
		a.view.Busy += pv.Busy
		a.view.CPU += pv.CPU
		a.view.RSS += p.rss
	}
	for _, a := range aggs {
		v := a.view
		v.Throughput = a.win.rate()
		v.Latency = a.win.latency()
		v.ErrorRate = a.win.errorRate()
		snap.Totals.CurrentThroughput += v.CurrentThroughput
		snap.Totals.InFlight += v.InFlight
		if v.Workers > 0 {
			v.Capacity = v.Busy / float64(v.Workers)
		}
		snap.Totals.Processes += v.Processes
		snap.Totals.Workers += v.Workers
		snap.Totals.Busy += v.Busy
	}
	snap.Totals.Throughput = all.rate()
	snap.Totals.Latency = all.latency()
	snap.Totals.ErrorRate = all.errorRate()
	s.groupDetails(&snap, now)
	snap.SlowRequests = sortSlow(s.slowViews(now))
	snap.Ingest = s.ingestView()
	return snap
}

// groupAgg sums a process group's processes into its view.
type groupAgg struct {
	view *GroupView
	win  window
}

// groupViews fills in the process groups' counters, in name order.
func (s *Store) groupViews(snap *Snapshot) {
	names := make([]string, 0, len(s.groups))
	for name := range s.groups {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		g := s.groups[name]
		v := GroupView{Name: name, Requests: map[string]uint64{}, Stops: map[string]uint64{},
			CPUSeconds: g.cpuSeconds, Starts: g.starts, Restarts: g.restarts,
			SlowRequests: g.slowCompleted, InputBytes: g.inputBytes, OutputBytes: g.outputBytes}
		for i, c := range StatusClasses {
			v.Requests[c] = g.requests[i]
		}
		if g.requests[5] > 0 {
			v.Requests["unknown"] = g.requests[5]
		}
		for _, c := range g.requests {
			v.RequestsTotal += c
		}
		for r, c := range g.stops {
			v.Stops[r] = c
		}
		for ph := Phase(0); ph < NumPhases; ph++ {
			h := &g.phases[ph]
			if h.Count == 0 {
				continue
			}
			v.Phases = append(v.Phases, PhaseView{Phase: ph.String(), Count: h.Count, Sum: h.Sum,
				Mean: opt(h.Sum / float64(h.Count)), P50: opt(h.Quantile(0.5)),
				P95: opt(h.Quantile(0.95)), P99: opt(h.Quantile(0.99))})
		}
		snap.Totals.Requests += v.RequestsTotal
		snap.Groups = append(snap.Groups, v)
	}
}

// sortedProcesses are the live processes (running, stopping) first, then
// the stopped and lost ones; each part by group, slot, then pid.
func (s *Store) sortedProcesses() []*process {
	procs := make([]*process, 0, len(s.procs))
	for _, p := range s.procs {
		procs = append(procs, p)
	}
	sort.Slice(procs, func(i, j int) bool {
		a, b := procs[i], procs[j]
		if la, lb := a.state < stateStopped, b.state < stateStopped; la != lb {
			return la
		}
		if a.key.group != b.key.group {
			return a.key.group < b.key.group
		}
		if a.slot != b.slot {
			return a.slot < b.slot
		}
		return a.key.pid < b.key.pid
	})
	return procs
}

// view is the process as the snapshot shows it at now, with its samples
// since the start of the window, and those samples summed.
func (p *process) view(now, since time.Time) (ProcessView, window) {
	var w window
	pv := ProcessView{Group: p.key.group, PID: p.key.pid, Slot: p.slot, State: stateNames[p.state],
		Hostname: p.host, ModWSGIVersion: p.modWSGI, PythonVersion: p.python,
		ApacheVersion: p.apache, MPM: p.mpm, ParentPID: p.parentPID,
		Started: p.startedAt, StartKnown: p.startKnown, LastSeen: p.lastSeen,
		Interval: p.interval, Requests: p.requests, Workers: p.workers, Busy: p.busy,
		InFlight: p.inFlight, Capacity: p.capacity, CPU: p.cpuUtil, RSS: p.rss, MaxRSS: p.maxRSS,
		Series: Series{Time: []float64{}, Throughput: []float64{}, Busy: []float64{}, CPU: []float64{},
			RSS: []uint64{}, P95: []*float64{}}}
	if p.state >= stateStopped {
		pv.StopReason = p.stopReason
		pv.Uptime = p.stoppedAt.Sub(p.startedAt).Seconds()
		if p.uptime > 0 {
			pv.Uptime = p.uptime
		}
		pv.Busy, pv.InFlight, pv.CPU = 0, 0, 0
		pv.Threads = []ThreadView{}
	} else {
		pv.Threads = append([]ThreadView{}, p.threads...)
		pv.ThreadVerdict = p.latestVerdict(since)
		pv.Uptime = now.Sub(p.startedAt).Seconds()
	}
	if p.state == stateStopping {
		pv.StopReason = p.stopReason
	}
	for i := 0; i < p.points.len(); i++ {
		pt := p.points.at(i)
		if !pt.at.After(since) {
			continue
		}
		w.add(pt)
		pv.Series.Time = append(pv.Series.Time, float64(pt.at.UnixMilli())/1000)
		rate := 0.0
		if pt.period > 0 {
			rate = float64(pt.requests) / pt.period
		}
		pv.Series.Throughput = append(pv.Series.Throughput, rate)
		pv.Series.Busy = append(pv.Series.Busy, pt.busy)
		pv.Series.CPU = append(pv.Series.CPU, pt.cpu)
		pv.Series.RSS = append(pv.Series.RSS, pt.rss)
		var h [NumBuckets]uint64
		for i, c := range pt.hist {
			h[i] = uint64(c)
		}
		pv.Series.P95 = append(pv.Series.P95, opt(clamp(quantile(&h, pt.coarse, 0.95), pt)))
	}
	pv.Throughput = w.rate()
	pv.Latency = w.latency()
	return pv, w
}

// slowViews are the slow requests, newest first.
func (s *Store) slowViews(now time.Time) []SlowRequest {
	var out []SlowRequest
	for i := len(s.slow) - 1; i >= 0; i-- {
		r := s.slow[i].SlowRequest
		r.State = "active"
		if r.Completed {
			r.State = "completed"
		} else if now.Sub(s.slow[i].seen) > s.slowStale(r.PID) {
			r.State = "lost"
		}
		if r.Group == "" {
			if p := s.byPID[r.PID]; p != nil {
				r.Group = p.key.group
			}
		}
		out = append(out, r)
	}
	// Active first, then completed and lost; each part newest start first.
	sort.SliceStable(out, func(i, j int) bool {
		if ai, aj := out[i].State == "active", out[j].State == "active"; ai != aj {
			return ai
		}
		return out[i].Start.After(out[j].Start)
	})
	return out
}

// ingestView is what the receiver accepted and dropped.
func (s *Store) ingestView() IngestView {
	in := IngestView{Accepted: map[string]uint64{}, Dropped: map[string]uint64{},
		Lost: s.stats.lost, UnknownFields: s.stats.unknownFields}
	for k := Kind(1); k <= maxKind; k++ {
		in.Accepted[k.String()] = s.stats.accepted[k]
	}
	for _, r := range Reasons {
		in.Dropped[string(r)] = s.stats.dropped[r]
	}
	if !s.stats.last.IsZero() {
		t := s.stats.last
		in.Last = &t
	}
	return in
}

// slowStale is how long an active slow request may go unreported before
// it is shown as lost: its process reports it every interval.
func (s *Store) slowStale(pid uint32) time.Duration {
	d := 5 * time.Second
	if p := s.byPID[pid]; p != nil {
		if iv := time.Duration(3 * p.interval * float64(time.Second)); iv > d {
			d = iv
		}
	}
	return d
}

// window accumulates samples for a rate and a latency distribution. The
// rate is requests over the time the samples cover, so a process replaced
// halfway through the window is not counted twice.
type window struct {
	requests   uint64
	errors     uint64
	sum        float64   // of the phase's durations, -1 when unknown
	start, end time.Time // covered: earliest sample's start to latest sample
	hist       [NumBuckets]uint64
	phase      Phase
	havePh     bool
	coarse     bool
	min, max   float64
	haveMax    bool
}

func (w *window) add(pt *point) {
	o := window{requests: pt.requests, errors: pt.errors, sum: pt.sum, end: pt.at, phase: pt.phase, havePh: true,
		coarse: pt.coarse, min: pt.min, max: pt.max, haveMax: pt.max >= 0}
	o.start = pt.at.Add(-time.Duration(pt.period * float64(time.Second)))
	for i, c := range pt.hist {
		o.hist[i] = uint64(c)
	}
	w.merge(&o)
}

// merge adds o's samples. Distributions of different phases do not mix: a
// request-phase histogram wins over an application-phase one.
func (w *window) merge(o *window) {
	if !o.havePh {
		return
	}
	w.requests += o.requests
	w.errors += o.errors
	if w.start.IsZero() || o.start.Before(w.start) {
		w.start = o.start
	}
	if o.end.After(w.end) {
		w.end = o.end
	}
	if !w.havePh || o.phase == PhaseRequest && w.phase != PhaseRequest {
		w.hist, w.min, w.max, w.haveMax, w.coarse, w.sum = [NumBuckets]uint64{}, 0, 0, false, false, 0
		w.phase, w.havePh = o.phase, true
	}
	if o.phase != w.phase {
		return
	}
	for i, c := range o.hist {
		w.hist[i] += c
	}
	if w.sum < 0 || o.sum < 0 {
		w.sum = -1 // a mean is missing: no bound from it
	} else {
		w.sum += o.sum
	}
	w.coarse = w.coarse || o.coarse
	if o.haveMax {
		if !w.haveMax || o.min < w.min {
			w.min = o.min
		}
		if !w.haveMax || o.max > w.max {
			w.max = o.max
		}
		w.haveMax = true
	}
}

func (w *window) rate() float64 {
	if span := w.end.Sub(w.start).Seconds(); span > 0 {
		return float64(w.requests) / span
	}
	return 0
}

func (w *window) latency() Latency {
	l := Latency{Phase: PhaseRequest.String(), Coarse: w.coarse}
	if w.havePh {
		l.Phase = w.phase.String()
	}
	for _, c := range w.hist {
		l.Count += c
	}
	l.P50 = opt(quantile(&w.hist, w.coarse, 0.5))
	l.P95 = opt(quantile(&w.hist, w.coarse, 0.95))
	l.P99 = opt(quantile(&w.hist, w.coarse, 0.99))
	if w.haveMax {
		l.Max = opt(w.max)
	}
	// Interpolation within a bucket can overshoot the exact extremes, or
	// what the mean allows.
	for i, p := range []*float64{l.P50, l.P95, l.P99} {
		if p != nil {
			*p = bounded(*p, [3]float64{0.5, 0.95, 0.99}[i], l.Count, w.sum, w.min, w.max, w.haveMax)
		}
	}
	l.BelowResolution = l.Count > 0 && belowResolution(&w.hist, w.coarse)
	return l
}

// errorRate is 5xx / all over the window (0 without requests).
func (w *window) errorRate() float64 {
	if w.requests == 0 {
		return 0
	}
	return float64(w.errors) / float64(w.requests)
}

// belowResolution reports whether every count lies in the layout's first
// bucket: under 1 ms, or 5 ms for mod_wsgi 4.x's coarse buckets.
func belowResolution(h *[NumBuckets]uint64, coarse bool) bool {
	first := 0
	if coarse {
		first = legacyCuts[0]
	}
	for i := first + 1; i < NumBuckets; i++ {
		if h[i] > 0 {
			return false
		}
	}
	return true
}

// opt returns nil for NaN (JSON has no NaN), else a pointer to v.
func opt(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// clamp keeps a per-sample estimate within the sample's exact extremes.
func clamp(v float64, pt *point) float64 {
	if pt.max >= 0 && !math.IsNaN(v) {
		return math.Max(pt.min, math.Min(pt.max, v))
	}
	return v
}
