package telemetry

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeAlive is a settable pid liveness check.
type fakeAlive map[uint32]bool

func (f fakeAlive) alive(pid uint32) bool { return f[pid] }

// sampleOf is a periodic sample of a mod_wsgi 6 process: ok 2xx and errs
// 5xx responses, all timed at d seconds in the request phase.
func sampleOf(pid, seq uint32, group string, ok, errs uint64, d float64) []byte {
	n := ok + errs
	recs := []Record{Str(FieldModWSGIVersion, "6.0.5"), Str(FieldProcessGroup, group),
		F64(FieldSamplePeriod, 1), F64(FieldTelemetryInterval, 1), U64(FieldRequestCount, n),
		U64(StatusClassField+1, ok), U64(StatusClassField+4, errs), U64(FieldThreadsMaximum, 4),
		F64(FieldCapacityUtilization, 0.5), F64(FieldCPUUtilization, 0.25), U64(FieldMemoryRSS, 100<<20)}
	if n > 0 {
		b := make([]int32, NumBuckets)
		b[BucketIndex(d)] = int32(n)
		recs = append(recs, I32s(PhaseBucketsField+uint16(PhaseRequest), b),
			F64(PhaseField+uint16(PhaseRequest), d), F64(PhaseMinField+uint16(PhaseRequest), d),
			F64(PhaseMaxField+uint16(PhaseRequest), d))
	}
	return mk(KindRequest, pid, seq, 1.7e9, recs...)
}

func ingestAll(t testing.TB, s *Store, bs ...[]byte) {
	t.Helper()
	for i, b := range bs {
		if err := s.Ingest(b); err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
	}
}

func startedAt(pid, seq uint32, group string, stamp float64) []byte {
	return mk(KindProcessStarted, pid, seq, stamp, Str(FieldModWSGIVersion, "6.0.5"), Str(FieldProcessGroup, group))
}

// TestHistorySeries: one point per step, throughput by class matching what
// was sent, null where nobody reported, and at most 300 points.
func TestHistorySeries(t *testing.T) {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now})
	ingestAll(t, s, startedAt(7, 1, "g", 1.7e9))
	for i := uint32(0); i < 30; i++ {
		c.Advance(time.Second)
		ingestAll(t, s, sampleOf(7, i+2, "g", 9, 1, 0.02))
	}
	c.Advance(time.Second)
	v, err := s.Series(60*time.Second, "g", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Time) != 60 || v.Step != 1 {
		t.Fatalf("%d points of step %v, want 60 of 1", len(v.Time), v.Step)
	}
	var sum2, sum5 float64
	var nulls, points int
	for i := range v.Time {
		if v.Throughput["2xx"][i] == nil {
			nulls++
			continue
		}
		points++
		sum2 += *v.Throughput["2xx"][i]
		sum5 += *v.Throughput["5xx"][i]
		if er := *v.ErrorRate[i]; math.Abs(er-0.1) > 1e-6 {
			t.Errorf("point %d: error rate %v, want 0.1", i, er)
		}
		if *v.Capacity[i] != 0.5 || *v.Workers[i] != 4 || *v.Processes[i] != 1 || *v.RSS[i] != 100<<20 {
			t.Errorf("point %d: capacity %v workers %v processes %v rss %v", i, *v.Capacity[i], *v.Workers[i], *v.Processes[i], *v.RSS[i])
		}
		p95 := v.Latency["request"]["p95"][i]
		if p95 == nil || *p95 != float64(float32(0.02)) {
			t.Errorf("point %d: p95 %v, want 0.02 (the exact extremes)", i, p95)
		}
	}
	// 30 samples of 9 + 1 at 1/s, one per step; the last repeated for the
	// next step (a report a little late must not show as a gap).
	if points < 30 || points > 31 || sum2 != float64(9*points) || sum5 != float64(points) || nulls != 60-points {
		t.Errorf("%d points, %d nulls, 2xx sum %v, 5xx sum %v", points, nulls, sum2, sum5)
	}
	if _, ok := v.Latency["gil_wait"]; ok {
		t.Errorf("latency of a phase never sent: %v", v.Latency)
	}
	// 15 minutes merge 3 steps into one: 300 points.
	v, _ = s.Series(900*time.Second, "", 0)
	if len(v.Time) != 300 || v.Step != 3 {
		t.Errorf("900 s: %d points of step %v, want 300 of 3", len(v.Time), v.Step)
	}
	if _, err := s.Series(60*time.Second, "nope", 0); err == nil || !strings.HasPrefix(err.Error(), "group:") {
		t.Errorf("unknown group: %v", err)
	}
	pv, err := s.Series(60*time.Second, "", 7)
	if err != nil || pv.Throughput["2xx"][len(pv.Time)-1] == nil {
		t.Errorf("process series: %v %+v", err, pv)
	}
}

// TestHistoryHistogram: /api/histogram over 1 and 5 minutes, percentiles
// within the extremes, and below_resolution for sub-millisecond requests.
func TestHistoryHistogram(t *testing.T) {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now})
	for i := uint32(0); i < 240; i++ {
		c.Advance(time.Second)
		d := 0.005
		if i >= 180 {
			d = 0.2 // the last minute is slow
		}
		ingestAll(t, s, sampleOf(7, i+1, "g", 10, 0, d))
	}
	h60, err := s.PhaseHistogram(60*time.Second, "g", PhaseRequest)
	if err != nil {
		t.Fatal(err)
	}
	h300, _ := s.PhaseHistogram(300*time.Second, "", PhaseRequest)
	if h300.Count != 2400 || h60.Count < 550 || h60.Count > 650 {
		t.Errorf("counts: 60 s %d, 300 s %d (want about 600 and 2400)", h60.Count, h300.Count)
	}
	if *h60.P50 != 0.2 || *h60.Min != 0.2 || *h300.Min != 0.005 || *h300.Max != 0.2 || *h300.P50 >= 0.006 || *h300.P50 < 0.005 {
		t.Errorf("60 s p50 %v min %v; 300 s p50 %v min %v max %v", *h60.P50, *h60.Min, *h300.P50, *h300.Min, *h300.Max)
	}
	if len(h300.Buckets) != 2 || h300.BelowResolution {
		t.Errorf("buckets %+v below %v", h300.Buckets, h300.BelowResolution)
	}

	// Sub-millisecond: percentiles unknown (null), flagged; the snapshot's
	// are bounded by the extremes and the mean.
	s = NewStore(Options{Now: c.Now})
	for i := uint32(0); i < 5; i++ {
		c.Advance(time.Second)
		ingestAll(t, s, sampleOf(8, i+1, "g", 100, 0, 0.0002))
	}
	h, _ := s.PhaseHistogram(60*time.Second, "g", PhaseRequest)
	if !h.BelowResolution || h.P50 != nil || h.Count != 500 || *h.Max != 0.0002 || h.Resolution != 0.00125 {
		t.Errorf("sub-ms histogram: %+v", h)
	}
	snap := s.Snapshot()
	l := snap.Groups[0].Latency
	for _, p := range []*float64{l.P50, l.P95, l.P99} {
		if p == nil || *p != 0.0002 {
			t.Errorf("sub-ms percentile %v, want 0.0002 (bounded by min and max)", p)
		}
	}
	if !l.BelowResolution {
		t.Error("snapshot latency not flagged below resolution")
	}
}

// TestBoundedPercentiles: without extremes (mod_wsgi 4.x), a percentile
// stays possible for the mean: p50 <= 2·mean, p99 <= 100·mean.
func TestBoundedPercentiles(t *testing.T) {
	b := make([]int32, NumBuckets)
	b[0] = 1000 // all under 1 ms, mean 0.1 ms
	s := NewStore(Options{Now: fixedClock(1.7e9)})
	ingestAll(t, s, tick2(U64(FieldRequestCount, 1000), I32s(PhaseBucketsField+uint16(PhaseRequest), b),
		F64(PhaseField+uint16(PhaseRequest), 0.0001)))
	snap := s.Snapshot()
	l := snap.Groups[0].Latency
	if *l.P50 > 0.0002+1e-12 || *l.P99 > 0.01+1e-12 || *l.P95 > 0.002+1e-12 {
		t.Errorf("p50 %v p95 %v p99 %v, impossible for a mean of 0.1 ms", *l.P50, *l.P95, *l.P99)
	}
	ph := phaseView(&snap.Groups[0], "request")
	if *ph.P50 > 0.0002+1e-12 {
		t.Errorf("cumulative p50 %v > 2 × mean", *ph.P50)
	}
}

// TestCurrentThroughput: 10 s into a load after a quiet minute, the
// current rate shows the load while the window mean is still low.
func TestCurrentThroughput(t *testing.T) {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now})
	var seq uint32
	for i := 0; i < 50; i++ {
		c.Advance(time.Second)
		seq++
		ingestAll(t, s, sampleOf(7, seq, "g", 0, 0, 0))
	}
	for i := 0; i < 10; i++ {
		c.Advance(time.Second)
		seq++
		ingestAll(t, s, sampleOf(7, seq, "g", 95, 5, 0.01))
	}
	snap := s.Snapshot()
	g := snap.Groups[0]
	if g.CurrentThroughput != 100 || snap.Totals.CurrentThroughput != 100 || g.Throughput > 25 {
		t.Errorf("current %v (total %v), window mean %v", g.CurrentThroughput, snap.Totals.CurrentThroughput, g.Throughput)
	}
	if math.Abs(g.ErrorRate-0.05) > 1e-9 || math.Abs(snap.Totals.ErrorRate-0.05) > 1e-9 {
		t.Errorf("error rate %v / %v, want 0.05", g.ErrorRate, snap.Totals.ErrorRate)
	}
	c.Advance(10 * time.Second) // silent: the current rate is no more
	if g := s.Snapshot().Groups[0]; g.CurrentThroughput != 0 {
		t.Errorf("current %v after 10 s of silence", g.CurrentThroughput)
	}
}

// TestCrashDetected: a process whose pid vanished is lost (crash) at the
// next check, whatever its interval; its replacement takes its slot and
// counts as a restart by reason crash; the log and timeline show both.
func TestCrashDetected(t *testing.T) {
	c := newClock(1.7e9)
	alive := fakeAlive{10: true, 11: true}
	s := NewStore(Options{Now: c.Now, Alive: alive.alive})
	ingestAll(t, s, startedAt(10, 1, "g", 1.7e9-100), startedAt(11, 1, "g", 1.7e9),
		sampleOf(10, 2, "g", 5, 0, 0.01), sampleOf(11, 2, "g", 5, 0, 0.01))
	snap := s.Snapshot()
	if snap.Processes[0].Slot != 0 || snap.Processes[1].Slot != 1 || snap.Processes[0].Uptime != 100 {
		t.Fatalf("slots %d %d, uptime %v (want 100: from the STARTED stamp)", snap.Processes[0].Slot, snap.Processes[1].Slot, snap.Processes[0].Uptime)
	}
	delete(alive, 10) // SIGKILL
	c.Advance(1100 * time.Millisecond)
	s.Tick()
	snap = s.Snapshot()
	if p := snap.Processes[1]; p.PID != 10 || p.State != "lost" || p.StopReason != "crash" {
		t.Fatalf("crashed process %+v (live ones first)", p)
	}
	alive[12] = true
	ingestAll(t, s, startedAt(12, 1, "g", 1.7e9+1.1))
	snap = s.Snapshot()
	g := snap.Groups[0]
	if g.Restarts != 1 || g.RestartsByReason["crash"] != 1 || g.Stops["crash"] != 1 {
		t.Errorf("restarts %d by reason %v stops %v", g.Restarts, g.RestartsByReason, g.Stops)
	}
	var order []string
	for _, p := range snap.Processes {
		order = append(order, fmt.Sprintf("%d/%d=%s", p.PID, p.Slot, p.State))
	}
	if got := strings.Join(order, " "); got != "12/0=running 11/1=running 10/0=lost" {
		t.Errorf("processes %s, want the replacement in slot 0, live first", got)
	}
	ev := s.Events(0)
	if len(ev) != 4 || ev[0].Kind != "restarted" || ev[0].Reason != "crash" || ev[0].Replaces != 10 || ev[0].Slot != 0 ||
		ev[1].Kind != "lost" || ev[1].Reason != "crash" || *ev[1].Requests != 5 || *ev[1].Uptime < 100 {
		t.Errorf("events %s", mustJSON(ev))
	}
	// Crash race: the replacement starts before the check saw the death.
	delete(alive, 11)
	alive[13] = true
	ingestAll(t, s, startedAt(13, 1, "g", 1.7e9+1.2))
	if g := s.Snapshot().Groups[0]; g.RestartsByReason["crash"] != 2 {
		t.Errorf("restart racing the check: %v", g.RestartsByReason)
	}
	tl := s.Timeline(5 * time.Minute)
	if len(tl) != 4 || tl[0].PID != 10 || tl[0].End == nil || tl[1].PID != 12 || tl[1].End != nil {
		t.Errorf("timeline %s", mustJSON(tl))
	}
	// A stopping process that vanishes stopped for its reason.
	ingestAll(t, s, stopped(KindProcessStopping, 12, 2, "g", "maximum-requests"))
	delete(alive, 12)
	c.Advance(1100 * time.Millisecond)
	s.Tick()
	if p := s.Snapshot().Processes; p[len(p)-1].PID != 12 && p[len(p)-2].PID != 12 {
		t.Errorf("processes %+v", p)
	}
	for _, p := range s.Snapshot().Processes {
		if p.PID == 12 && (p.State != "stopped" || p.StopReason != "maximum_requests") {
			t.Errorf("stopping then gone: %+v", p)
		}
	}
}

// TestEventLog: STOPPING and STOPPED with their details, and the log's
// bound.
func TestEventLog(t *testing.T) {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now, Events: 5})
	ingestAll(t, s, startedAt(1, 1, "g", 1.7e9), sampleOf(1, 2, "g", 7, 0, 0.01),
		mk(KindProcessStopping, 1, 3, 1.7e9, Str(FieldProcessGroup, "g"), Str(FieldShutdownReason, "maximum-requests"), U64(FieldActiveRequestsAtStop, 2)),
		mk(KindProcessStopped, 1, 4, 1.7e9, Str(FieldProcessGroup, "g"), Str(FieldShutdownReason, "maximum-requests"),
			F64(FieldProcessUptime, 42), U64(FieldLifetimeRequestCount, 7), U64(FieldActiveRequestsAtExit, 0)),
		startedAt(2, 1, "g", 1.7e9))
	ev := s.Events(0)
	if len(ev) != 4 || ev[1].Kind != "stopped" || *ev[1].Uptime != 42 || *ev[1].Requests != 7 || *ev[1].InFlight != 0 ||
		ev[2].Kind != "stopping" || *ev[2].InFlight != 2 || ev[0].Reason != "maximum_requests" {
		t.Fatalf("events %s", mustJSON(ev))
	}
	if g := s.Snapshot().Groups[0]; g.RestartsByReason["maximum_requests"] != 1 {
		t.Errorf("restarts by reason %v", g.RestartsByReason)
	}
	for i := uint32(0); i < 20; i++ {
		ingestAll(t, s, startedAt(100+i, 1, "h", 1.7e9))
	}
	if ev := s.Events(0); len(ev) != 5 || ev[0].PID != 119 || ev[4].PID != 115 {
		t.Errorf("bounded log: %s", mustJSON(ev))
	}
}

// TestNoDoubleCount: recycled processes (maximum-requests) and a crash:
// the group's counters are what the processes served, once.
func TestNoDoubleCount(t *testing.T) {
	c := newClock(1.7e9)
	alive := fakeAlive{}
	s := NewStore(Options{Now: c.Now, Alive: alive.alive})
	var want uint64
	pid := uint32(100)
	for gen := 0; gen < 5; gen++ {
		alive[pid] = true
		ingestAll(t, s, startedAt(pid, 1, "g", unix(c.Now())))
		for i := uint32(0); i < 3; i++ {
			c.Advance(time.Second)
			ingestAll(t, s, sampleOf(pid, i+2, "g", 10, 0, 0.01))
			want += 10
		}
		if gen%2 == 0 {
			ingestAll(t, s, mk(KindProcessStopped, pid, 9, 1.7e9, Str(FieldProcessGroup, "g"),
				Str(FieldShutdownReason, "maximum-requests"), U64(FieldLifetimeRequestCount, 30)))
		}
		delete(alive, pid)
		c.Advance(time.Second)
		s.Tick()
		pid++
	}
	snap := s.Snapshot()
	g := snap.Groups[0]
	if g.RequestsTotal != want || snap.Totals.Requests != want || g.Starts != 5 || g.Restarts != 4 {
		t.Errorf("requests %d (total %d), want %d; starts %d restarts %d", g.RequestsTotal, snap.Totals.Requests, want, g.Starts, g.Restarts)
	}
	if g.RestartsByReason["maximum_requests"] != 2 || g.RestartsByReason["crash"] != 2 {
		t.Errorf("restarts by reason %v", g.RestartsByReason)
	}
	h, _ := s.PhaseHistogram(60*time.Second, "g", PhaseRequest)
	if h.Count != want {
		t.Errorf("histogram count %d, want %d", h.Count, want)
	}
}

// TestCapabilities: mod_wsgi 6 sends everything; 4.9.4 through the
// reporter says what it misses.
func TestCapabilities(t *testing.T) {
	s := NewStore(Options{Now: fixedClock(1.7e9)})
	if c := s.Snapshot().Capabilities; c.Source != "none" || c.Missing == nil {
		t.Errorf("before any: %+v", c)
	}
	ingestAll(t, s, mk(KindProcessStarted, 1, 1, 1.7e9, Str(FieldModWSGIVersion, "4.9.4")))
	c := s.Snapshot().Capabilities
	var what []string
	for _, m := range c.Missing {
		what = append(what, m.What)
		if !strings.Contains(m.Why, "mod_wsgi 4.9.4") || !strings.Contains(m.Why, "mod_wsgi 6") {
			t.Errorf("why %q", m.Why)
		}
	}
	if c.Source != "reporter" || c.GC || c.GIL || !strings.Contains(strings.Join(what, ","), "GC,GIL,threads,request phase") {
		t.Errorf("4.9.4: %+v", c)
	}
	ingestAll(t, s, startedAt(2, 1, "g", 1.7e9))
	if c := s.Snapshot().Capabilities; c.Source != "native" || c.Module != "6.0.5" || len(c.Missing) != 0 || !c.GC {
		t.Errorf("6.0.5: %+v", c)
	}
}

// TestHistoryAPI: the endpoints answer JSON, and bad parameters 400 naming
// the parameter.
func TestHistoryAPI(t *testing.T) {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now})
	for i := uint32(0); i < 5; i++ {
		c.Advance(time.Second)
		ingestAll(t, s, sampleOf(7, i+1, "g", 3, 0, 0.01))
	}
	srv := httptest.NewServer(Handler(s))
	defer srv.Close()
	get := func(path string) (int, map[string]any, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var raw json.RawMessage
		json.NewDecoder(resp.Body).Decode(&raw)
		var m map[string]any
		json.Unmarshal(raw, &m)
		return resp.StatusCode, m, string(raw)
	}
	for path, want := range map[string]string{
		"/api/series?window=abc":       "window",
		"/api/series?group=x":          "group",
		"/api/series?pid=-1":           "pid",
		"/api/histogram?phase=nope":    "phase",
		"/api/histogram?pid=7":         "pid",
		"/api/events?since=x":          "since",
		"/api/series?pid=99":           "pid",
		"/api/histogram?group=missing": "group",
	} {
		code, m, raw := get(path)
		if e, _ := m["error"].(string); code != 400 || !strings.HasPrefix(e, want+":") {
			t.Errorf("%s: %d %s, want 400 naming %s", path, code, raw, want)
		}
	}
	for _, path := range []string{"/api/series?window=60", "/api/series?window=900&group=g", "/api/series?pid=7",
		"/api/histogram?window=300&phase=request&group=g", "/api/events", "/api/timeline?window=60"} {
		code, _, raw := get(path)
		if code != 200 || strings.Contains(raw, "null,\"") && strings.HasPrefix(path, "/api/events") {
			t.Errorf("%s: %d %s", path, code, raw)
		}
	}
	_, m, _ := get("/api/series?window=5")
	if m["window"] != 10.0 {
		t.Errorf("window 5 not clamped to 10: %v", m["window"])
	}
	_, m, raw := get("/api/snapshot")
	if _, ok := m["capabilities"]; !ok || !strings.Contains(raw, `"current_throughput"`) || !strings.Contains(raw, `"restarts_by_reason"`) || !strings.Contains(raw, `"slot"`) {
		t.Errorf("snapshot lacks the new fields: %s", raw)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestThreads: the per-thread arrays as fractions of the interval; with
// only completed counts (mod_wsgi 4.x) the rest is null.
func TestThreads(t *testing.T) {
	s := NewStore(Options{Now: fixedClock(1.7e9)})
	ingestAll(t, s, tick2(F64(FieldSamplePeriod, 2), I32s(FieldSlotCompleted, []int32{3, 0}),
		F64s(FieldSlotBusyTime, []float64{1, 0}), F64s(FieldSlotCPUTime, []float64{0.5, 0}),
		F64s(FieldSlotCurrentElapsed, []float64{0.25, 0}), F64s(FieldSlotMaxDuration, []float64{0.4, 0})),
		mk(KindRequest, 2, 1, 1.7e9, Str(FieldProcessGroup, "g"), F64(FieldSamplePeriod, 1), I32s(FieldSlotCompleted, []int32{5})))
	snap := s.Snapshot()
	th := snap.Processes[0].Threads
	if len(th) != 2 || *th[0].Busy != 0.5 || *th[0].CPU != 0.25 || th[0].Completed != 3 || *th[0].Current != 0.25 || *th[0].Longest != 0.4 || *th[1].Busy != 0 {
		t.Errorf("threads %s", mustJSON(th))
	}
	th = snap.Processes[1].Threads
	if len(th) != 1 || th[0].Completed != 5 || th[0].Busy != nil || th[0].Current != nil {
		t.Errorf("4.x threads %s", mustJSON(th))
	}
}
