package telemetry

import (
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"
)

func sortBars(b []Bar) {
	sort.SliceStable(b, func(i, j int) bool {
		if b[i].Group != b[j].Group {
			return b[i].Group < b[j].Group
		}
		if b[i].Slot != b[j].Slot {
			return b[i].Slot < b[j].Slot
		}
		return b[i].Start < b[j].Start
	})
}

// maxSeriesPoints bounds a series: consecutive steps are merged to fit.
const maxSeriesPoints = 300

// badParam is a query parameter that cannot be used.
type badParam struct{ name, why string }

func (e *badParam) Error() string { return e.name + ": " + e.why }

// query is the parsed shared parameters.
type query struct {
	window time.Duration
	group  string
	pid    uint32
	phase  Phase
}

func (s *Store) parseQuery(r *http.Request, allowPID bool) (query, error) {
	q := query{window: 300 * time.Second, phase: PhaseRequest}
	v := r.URL.Query()
	if w := v.Get("window"); w != "" {
		f, err := strconv.ParseFloat(w, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return q, &badParam{"window", "not a number of seconds: " + strconv.Quote(w) + " (give 60, 300 or 900)"}
		}
		f = math.Max(10, math.Min(f, s.opt.History.Seconds()))
		q.window = time.Duration(f * float64(time.Second))
	}
	q.group = v.Get("group")
	if p := v.Get("pid"); p != "" {
		if !allowPID {
			return q, &badParam{"pid", "not taken here: this endpoint covers process groups"}
		}
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil || n == 0 {
			return q, &badParam{"pid", "not a process id: " + strconv.Quote(p)}
		}
		q.pid = uint32(n)
	}
	if ph := v.Get("phase"); ph != "" {
		q.phase = -1
		for i, n := range phaseNames {
			if n == ph {
				q.phase = Phase(i)
			}
		}
		if q.phase < 0 {
			return q, &badParam{"phase", strconv.Quote(ph) + " is not a phase: give server, queue, daemon, application, request, gil_wait, input_read or output_write"}
		}
	}
	return q, nil
}

// SeriesView is GET /api/series: parallel arrays, oldest first; null where
// no process reported.
type SeriesView struct {
	Window     float64                          `json:"window"`
	Step       float64                          `json:"step"`
	Group      string                           `json:"group"`
	PID        uint32                           `json:"pid"`
	Time       []float64                        `json:"t"`
	Throughput map[string][]*float64            `json:"throughput"`
	ErrorRate  []*float64                       `json:"error_rate"`
	Capacity   []*float64                       `json:"capacity"`
	Busy       []*float64                       `json:"busy"`
	Workers    []*float64                       `json:"workers"`
	CPU        []*float64                       `json:"cpu"`
	RSS        []*float64                       `json:"rss"`
	Processes  []*float64                       `json:"processes"`
	Latency    map[string]map[string][]*float64 `json:"latency"`
	Markers    []Marker                         `json:"markers"`
}

// Marker is a restart (or a loss) to mark on every chart.
type Marker struct {
	T      float64 `json:"t"`
	Kind   string  `json:"kind"` // restart, lost
	Group  string  `json:"group"`
	PID    uint32  `json:"pid"`
	Reason string  `json:"reason,omitempty"`
}

var seriesClasses = [6]string{"1xx", "2xx", "3xx", "4xx", "5xx", "unknown"}

// Series returns the history of a group ("" all), or of one process
// (pid), over the last window.
func (s *Store) Series(window time.Duration, group string, pid uint32) (*SeriesView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	s.tick(now)
	h := s.x.hist
	var src *hist
	var reported [NumPhases]bool
	switch {
	case pid != 0:
		var p *process
		for _, q := range s.procs {
			if q.key.pid == pid && (group == "" || q.key.group == group) && (p == nil || q.startedAt.After(p.startedAt)) {
				p = q
			}
		}
		if p == nil {
			return nil, &badParam{"pid", "no process " + strconv.FormatUint(uint64(pid), 10) + " is listed"}
		}
		if ph := h.procs[p]; ph != nil {
			src = ph.h
		}
		reported = s.groups[p.key.group].reported
	case group != "":
		g := s.groups[group]
		if g == nil {
			return nil, &badParam{"group", "no process group " + strconv.Quote(group)}
		}
		src, reported = h.groups[group], g.reported
	default:
		src = h.allH
		for _, g := range s.groups {
			for i, r := range g.reported {
				reported[i] = reported[i] || r
			}
		}
	}
	steps := int64((window + h.step - 1) / h.step)
	if steps > int64(h.n) {
		steps = int64(h.n)
	}
	f := (steps + maxSeriesPoints - 1) / maxSeriesPoints
	steps = steps / f * f
	last := h.stepOf(now) - 1 // newest closed step
	first := last - steps + 1
	v := &SeriesView{Window: window.Seconds(), Step: (time.Duration(f) * h.step).Seconds(), Group: group, PID: pid,
		Time: []float64{}, Throughput: map[string][]*float64{}, Latency: map[string]map[string][]*float64{},
		Markers: []Marker{}}
	for _, c := range seriesClasses {
		v.Throughput[c] = []*float64{}
	}
	v.ErrorRate, v.Capacity, v.Busy, v.Workers = []*float64{}, []*float64{}, []*float64{}, []*float64{}
	v.CPU, v.RSS, v.Processes = []*float64{}, []*float64{}, []*float64{}
	for ph := Phase(0); ph < NumPhases; ph++ {
		if reported[ph] {
			v.Latency[ph.String()] = map[string][]*float64{"p50": {}, "p95": {}, "p99": {}}
		}
	}
	num := func(x float64) *float64 { return &x }
	for k := first; k <= last; k += f {
		v.Time = append(v.Time, float64(k*int64(h.step))/1e9)
		// The merged steps: rates and gauges are their mean, latencies
		// the worst of them (a spike stays visible).
		var m hpoint
		var lat [NumPhases][3]float64
		for i := range lat {
			lat[i] = [3]float64{math.NaN(), math.NaN(), math.NaN()}
		}
		var n float64
		for j := k; j < k+f; j++ {
			var pt *hpoint
			if src != nil {
				pt = src.points.at(j)
			}
			if pt == nil || pt.n == 0 {
				continue
			}
			n++
			for i := range m.rate {
				m.rate[i] += pt.rate[i]
			}
			m.busy += pt.busy
			m.workers += pt.workers
			m.cpu += pt.cpu
			m.rss += pt.rss
			m.n += pt.n
			for i := range lat {
				for q := range lat[i] {
					if x := float64(pt.lat[i][q]); !math.IsNaN(x) && !(x <= lat[i][q]) {
						lat[i][q] = x
					}
				}
			}
		}
		if n == 0 {
			for _, c := range seriesClasses {
				v.Throughput[c] = append(v.Throughput[c], nil)
			}
			v.ErrorRate, v.Capacity, v.Busy = append(v.ErrorRate, nil), append(v.Capacity, nil), append(v.Busy, nil)
			v.Workers, v.CPU, v.RSS, v.Processes = append(v.Workers, nil), append(v.CPU, nil), append(v.RSS, nil), append(v.Processes, nil)
			for _, l := range v.Latency {
				for q := range l {
					l[q] = append(l[q], nil)
				}
			}
			continue
		}
		var total float64
		for i, c := range seriesClasses {
			r := float64(m.rate[i]) / n
			total += r
			v.Throughput[c] = append(v.Throughput[c], num(r))
		}
		er := 0.0
		if total > 0 {
			er = float64(m.rate[4]) / n / total
		}
		v.ErrorRate = append(v.ErrorRate, num(er))
		busy, workers := float64(m.busy)/n, float64(m.workers)/n
		var capy *float64
		if workers > 0 {
			capy = num(busy / workers)
		}
		v.Capacity, v.Busy, v.Workers = append(v.Capacity, capy), append(v.Busy, num(busy)), append(v.Workers, num(workers))
		v.CPU = append(v.CPU, num(float64(m.cpu)/n))
		v.RSS = append(v.RSS, num(math.Round(float64(m.rss)/n)))
		v.Processes = append(v.Processes, num(math.Round(float64(m.n)/n)))
		for ph := Phase(0); ph < NumPhases; ph++ {
			l := v.Latency[ph.String()]
			if l == nil {
				continue
			}
			for q, name := range [3]string{"p50", "p95", "p99"} {
				l[name] = append(l[name], opt(lat[ph][q]))
			}
		}
	}
	since := float64(first*int64(h.step)) / 1e9
	x := s.x
	for i := range x.events {
		e := x.events[i]
		if e.T < since || (group != "" && e.Group != group) || (pid != 0 && e.PID != pid && e.Replaces != pid) {
			continue
		}
		switch e.Kind {
		case "restarted":
			v.Markers = append(v.Markers, Marker{T: e.T, Kind: "restart", Group: e.Group, PID: e.PID, Reason: e.Reason})
		case "lost":
			v.Markers = append(v.Markers, Marker{T: e.T, Kind: "lost", Group: e.Group, PID: e.PID, Reason: e.Reason})
		}
	}
	sort.Slice(v.Markers, func(i, j int) bool { return v.Markers[i].T < v.Markers[j].T })
	return v, nil
}

// HistogramView is GET /api/histogram.
type HistogramView struct {
	Phase           string        `json:"phase"`
	Window          float64       `json:"window"`
	Group           string        `json:"group"`
	Count           uint64        `json:"count"`
	Mean            *float64      `json:"mean"`
	Min             *float64      `json:"min"`
	Max             *float64      `json:"max"`
	P50             *float64      `json:"p50"`
	P95             *float64      `json:"p95"`
	P99             *float64      `json:"p99"`
	BelowResolution bool          `json:"below_resolution"`
	Resolution      float64       `json:"resolution"` // the first bucket's bound: 1 ms, 5 ms when coarse
	Buckets         []BucketCount `json:"buckets"`
	Coarse          bool          `json:"coarse"`
}

// BucketCount is one non-empty bucket; Le is null for the overflow.
type BucketCount struct {
	Le    *float64 `json:"le"`
	Count uint64   `json:"count"`
}

// PhaseHistogram returns the distribution of phase over the last window,
// every process of group ("" all).
func (s *Store) PhaseHistogram(window time.Duration, group string, ph Phase) (*HistogramView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	s.tick(now)
	src := s.x.hist.allH
	if group != "" {
		if s.groups[group] == nil {
			return nil, &badParam{"group", "no process group " + strconv.Quote(group)}
		}
		src = s.x.hist.groups[group]
	}
	h := s.x.hist.windowHistogram(src, ph, window, now)
	v := &HistogramView{Phase: ph.String(), Window: window.Seconds(), Group: group, Count: h.count,
		Buckets: []BucketCount{}, Coarse: h.coarse, Resolution: bucketUpper[0]}
	if h.coarse {
		v.Resolution = bucketUpper[legacyCuts[0]]
	}
	if h.count == 0 {
		return v, nil
	}
	if !h.noMean {
		v.Mean = opt(h.sum / float64(h.count))
	}
	if h.haveExt {
		v.Min, v.Max = opt(h.min), opt(h.max)
	}
	var c [NumBuckets]uint64
	for i, x := range h.counts {
		c[i] = uint64(x)
		if x > 0 {
			b := BucketCount{Count: uint64(x)}
			if i < NumBuckets-1 {
				b.Le = opt(bucketUpper[i])
			}
			v.Buckets = append(v.Buckets, b)
		}
	}
	v.BelowResolution = belowResolution(&c, h.coarse)
	if !v.BelowResolution {
		p := h.percentiles64()
		v.P50, v.P95, v.P99 = opt(p[0]), opt(p[1]), opt(p[2])
	}
	return v, nil
}

// historyAPI adds the history and lifecycle endpoints to mux.
func historyAPI(mux *http.ServeMux, s *Store) {
	fail := func(w http.ResponseWriter, err error) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	}
	mux.HandleFunc("GET /api/series", func(w http.ResponseWriter, r *http.Request) {
		q, err := s.parseQuery(r, true)
		if err == nil && r.URL.Query().Get("phase") != "" {
			err = &badParam{"phase", "not taken here: the series has every phase"}
		}
		var v *SeriesView
		if err == nil {
			v, err = s.Series(q.window, q.group, q.pid)
		}
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
	mux.HandleFunc("GET /api/histogram", func(w http.ResponseWriter, r *http.Request) {
		q, err := s.parseQuery(r, false)
		var v *HistogramView
		if err == nil {
			v, err = s.PhaseHistogram(q.window, q.group, q.phase)
		}
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
	mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) {
		since := 0.0
		if x := r.URL.Query().Get("since"); x != "" {
			f, err := strconv.ParseFloat(x, 64)
			if err != nil || math.IsNaN(f) {
				fail(w, &badParam{"since", "not a Unix time in seconds: " + strconv.Quote(x)})
				return
			}
			since = f
		}
		writeJSON(w, http.StatusOK, s.Events(since))
	})
	mux.HandleFunc("GET /api/timeline", func(w http.ResponseWriter, r *http.Request) {
		q, err := s.parseQuery(r, false)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, s.Timeline(q.window))
	})
}
