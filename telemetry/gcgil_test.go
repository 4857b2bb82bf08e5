package telemetry

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

func f64s(id uint16, v ...float64) Record { return Record{ID: id, Type: TypeF64Array, F64s: v} }

// gcSnap is a GC snapshot datagram with cumulative collections per
// generation and uncollectable objects in generation 2.
func gcSnap(pid, seq uint32, c0, c1, c2, uncollectable uint64, extra ...Record) []byte {
	recs := []Record{U64(FieldGCCount0, 5), U64(fieldGCCollections0, c0), U64(fieldGCCollections0+1, c1),
		U64(fieldGCCollections0+2, c2), U64(fieldGCUncollectable0+2, uncollectable), U64(fieldGCEnabled, 1)}
	return mk(KindGCSnapshot, pid, seq, 1.7e9, append(recs, extra...)...)
}

func gcPause(pid, seq uint32, start, dur float64, gen uint64) []byte {
	return mk(KindGCEvent, pid, seq, 1.7e9, F64(FieldGCEventStartStamp, start), F64(fieldGCEventDuration, dur),
		U64(fieldGCEventGen, gen), U64(fieldGCEventCollected, 7), U64(FieldGCEventUncollectable, 0))
}

func mustIngest(t *testing.T, s *Store, bs ...[]byte) {
	t.Helper()
	for i, b := range bs {
		if err := s.Ingest(b); err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
	}
}

// TestGC: collections counted from the snapshots' cumulative counters
// (deltas per interpreter, the first in full for a process seen
// starting), pauses kept for the timeline and the distribution, overhead
// = pause time / process time, and what mod_wsgi 4.x gets instead.
func TestGC(t *testing.T) {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now})
	mustIngest(t, s, started(10, 1, "g"))
	seq := uint32(2)
	next := func() uint32 { seq++; return seq }
	// 10 seconds: each a sample of 1 s, a snapshot with 10 more gen-0
	// collections (one more gen 1 every other second), and two pauses of
	// 1 ms and 3 ms (gen 0): 4 ms of 1000 is 0.4% overhead.
	for i := 1; i <= 10; i++ {
		c.Advance(time.Second)
		now := 1.7e9 + float64(i)
		mustIngest(t, s, tick(10, next(), "g", 5),
			gcSnap(10, next(), uint64(100+10*i), uint64(20+i/2), 3, 0),
			gcPause(10, next(), now-0.5, 0.001, 0), gcPause(10, next(), now-0.2, 0.003, 0))
	}
	// A second interpreter: its own counters, not mixed with the first's.
	mustIngest(t, s, gcSnap(10, next(), 50, 0, 0, 0, Str(FieldInterpreterName, "other")))
	// A GC datagram from a pid nobody knows: counted, not kept.
	mustIngest(t, s, gcSnap(99, 1, 1000, 0, 0, 0), gcPause(99, 2, 1.7e9+5, 1, 2))
	// Impossible values are dropped.
	for _, b := range [][]byte{gcPause(10, next(), 1.7e9, math.NaN(), 0), gcPause(10, next(), 1.7e9, 0.001, 3),
		mk(KindGCSnapshot, 10, next(), 1.7e9, F64(fieldGCCollections0, 1))} {
		if err := s.Ingest(b); ReasonOf(err) != ReasonInvalid {
			t.Errorf("impossible GC datagram: %v, want invalid", err)
		}
	}

	v := s.GC(60, "")
	if !v.Available || v.Why != "" {
		t.Fatalf("GC view %+v", v)
	}
	// Gen 0: 110 ... 200 counted in full (its start was seen), plus the
	// second interpreter's 50; gen 1: 20+0 ... 25.
	if v.Collections["0"] != 200+50 || v.Collections["1"] != 25 || v.Collections["2"] != 3 {
		t.Errorf("collections %v, want 250, 25, 3", v.Collections)
	}
	// The first pause started in the second before the first sample: 11 s.
	if r := v.CollectionsPerSecond["0"]; math.Abs(r-250.0/11) > 1e-9 {
		t.Errorf("gen 0 rate %v, want 250 over the 11 s of data", r)
	}
	if v.Overhead == nil || math.Abs(*v.Overhead-0.004) > 1e-9 {
		t.Errorf("overhead %v, want 0.004", v.Overhead)
	}
	if len(v.Pauses) != 20 || v.Pauses[0].T > v.Pauses[19].T || v.Pauses[0].Group != "g" || v.Pauses[0].Collected != 7 {
		t.Errorf("pauses %+v", v.Pauses)
	}
	h := v.PauseHistogram
	if h.Count != 20 || *h.Max != 0.003 || *h.P50 < 0.001 || *h.P99 > 0.003 || len(h.Buckets) != 2 {
		t.Errorf("pause histogram %+v", h)
	}
	if *h.Buckets[0].Le != 0.001 || h.Buckets[0].Count != 10 || *h.Buckets[1].Le != 0.005 || h.Buckets[1].Count != 10 {
		t.Errorf("pause buckets %+v", h.Buckets)
	}
	if len(v.Series.T) != 60 || v.Series.Step != 1 || len(v.Series.Collections["0"]) != 60 {
		t.Errorf("series of %d points, step %d", len(v.Series.T), v.Series.Step)
	}
	// Each second's pauses over the process time its sample covered.
	if oh := v.Series.Overhead[58]; oh == nil || math.Abs(*oh-0.004) > 1e-9 {
		t.Errorf("overhead of the last second but one: %v", oh)
	}
	if first := v.Series.Overhead[0]; first != nil {
		t.Errorf("a step without data has overhead %v, want null", *first)
	}
	if wide := s.GC(900, "g"); wide.Series.Step != 3 || len(wide.Series.T) != 300 {
		t.Errorf("900 s: step %d, %d points; want 3 and 300", wide.Series.Step, len(wide.Series.T))
	}

	snap := s.Snapshot()
	g := groupView(t, &snap, "g")
	if g.GC == nil || g.GC.Pauses != 20 || g.GC.Overhead == nil || g.GIL != nil {
		t.Errorf("group gc %+v gil %+v", g.GC, g.GIL)
	}
	m := metrics(s)
	for _, want := range []string{
		`mod_wsgi_gc_collections_total{process_group="g",generation="0"} 250`,
		`mod_wsgi_gc_pause_seconds_bucket{process_group="g",generation="0",le="0.001"} 10`,
		`mod_wsgi_gc_pause_seconds_bucket{process_group="g",generation="0",le="+Inf"} 20`,
		`mod_wsgi_gc_pause_seconds_count{process_group="g",generation="0"} 20`,
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}

	// Joined mid-stream (no STARTED): the first snapshot is the baseline.
	s2 := NewStore(Options{Now: c.Now})
	mustIngest(t, s2, tick(20, 1, "h", 1), gcSnap(20, 2, 1000, 0, 0, 0), tick(20, 3, "h", 1), gcSnap(20, 4, 1004, 0, 0, 0))
	if n := s2.GC(60, "h").Collections["0"]; n != 4 {
		t.Errorf("joined mid-stream: %d gen-0 collections, want 4", n)
	}
}

// TestGCUnavailable: mod_wsgi 4.x reports no GC nor GIL data: the views
// say so in plain words rather than showing zeros.
func TestGCUnavailable(t *testing.T) {
	s := NewStore(Options{Now: fixedClock(1.7e9)})
	if v := s.GC(60, ""); v.Available || v.Why != "no mod_wsgi process has reported yet" {
		t.Errorf("empty store: %+v", v)
	}
	mustIngest(t, s, mk(KindProcessStarted, 5, 1, 1.7e9, Str(FieldModWSGIVersion, "4.9.4"), Str(FieldProcessGroup, "g")),
		tick(5, 2, "g", 3))
	want := "mod_wsgi 4.9.4 does not report garbage collection; it needs mod_wsgi 6"
	if v := s.GC(60, ""); v.Available || v.Why != want {
		t.Errorf("4.9.4: %+v, want why %q", v, want)
	}
	gil := s.GIL(60, "")
	if len(gil) != 1 || gil[0].Available || gil[0].Why != "mod_wsgi 4.9.4 does not report GIL contention; it needs mod_wsgi 6" {
		t.Errorf("4.9.4 GIL: %+v", gil)
	}
	if v := s.GC(60, "nope"); v.Available || !strings.Contains(v.Why, `"nope"`) {
		t.Errorf("unknown group: %+v", v)
	}
	snap := s.Snapshot()
	if g := groupView(t, &snap, "g"); g.GC != nil || g.GIL != nil {
		t.Errorf("4.9.4 group has gc %+v gil %+v", g.GC, g.GIL)
	}
}

// gilHist is a gil_wait histogram with n waits of each given duration.
func gilHist(waits map[float64]int32) []int32 {
	b := make([]int32, NumBuckets)
	for d, n := range waits {
		b[BucketIndex(d)] += n
	}
	return b
}

// TestGILBands: waits land in the band of the nearest whole number of
// switch intervals; the hand-off estimate is taken / offered hand-offs.
func TestGILBands(t *testing.T) {
	si := 0.005
	b := gilHist(map[float64]int32{0.0003: 100, 0.0052: 40, 0.0104: 20, 0.0151: 10, 0.021: 5, 0.5: 5})
	bands := gilBands(b, si)
	if bands != [5]uint64{100, 40, 20, 10, 10} {
		t.Fatalf("bands %v", bands)
	}
	// Taken: 40+20+10 = 70; missed: 20 + 2×10 + 3×10 = 70.
	if h := handoff(bands, si); math.Abs(h-0.5) > 1e-9 {
		t.Errorf("handoff %v, want 0.5", h)
	}
	if h := handoff([5]uint64{1000, 5, 1, 0, 0}, si); !math.IsNaN(h) {
		t.Errorf("handoff from 6 waits: %v, want none", h)
	}
	if h := handoff([5]uint64{0, 100, 0, 0, 0}, 0.001); !math.IsNaN(h) {
		t.Errorf("handoff with a 1 ms switch interval: %v, want none (below the histogram's resolution)", h)
	}
	for _, tc := range []struct {
		bands [5]uint64
		want  string
	}{
		{[5]uint64{}, "no requests completed"},
		{[5]uint64{1000, 10, 0, 0, 0}, "little contention: 1% of requests"},
		{[5]uint64{100, 10, 0, 0, 0}, "some contention: 9% of requests"},
		{[5]uint64{100, 90, 10, 0, 0}, "moderate contention: 50% of requests waited for the GIL, and a waiting thread usually gets it at the first hand-off (91%)"},
		{[5]uint64{100, 40, 20, 10, 10}, "contention: 44% of requests"},
		{[5]uint64{10, 10, 10, 10, 100}, "heavy contention: 93% of requests"},
	} {
		got := gilVerdict(tc.bands, si, handoff(tc.bands, si))
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("verdict for %v: %q, want %q...", tc.bands, got, tc.want)
		}
	}
}

// busyTick is a sample of a process with one busy time per thread over a
// 1 s period and the process's CPU in cores.
func busyTick(pid, seq uint32, cpu float64, gil []int32, busy ...float64) []byte {
	recs := []Record{Str(FieldModWSGIVersion, "6.0.5"), Str(FieldProcessGroup, "g"), F64(FieldSamplePeriod, 1),
		F64(FieldTelemetryInterval, 1), F64(FieldSwitchInterval, 0.005), U64(FieldRequestCount, 10),
		U64(FieldThreadsMaximum, uint64(len(busy))), F64(FieldCPUUtilization, cpu), f64s(FieldSlotBusyTime, busy...),
		f64s(FieldSlotCurrentElapsed, busy...)}
	if gil != nil {
		recs = append(recs, I32s(PhaseBucketsField+uint16(PhaseGILWait), gil))
	}
	return mk(KindRequest, pid, seq, 1.7e9, recs...)
}

// TestGIL: per group the bands over the window with a verdict, per
// process a heat map of each thread's busy fraction and a verdict on its
// latest samples.
func TestGIL(t *testing.T) {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now})
	contended := gilHist(map[float64]int32{0.0003: 10, 0.0052: 10, 0.0104: 10, 0.0151: 10, 0.03: 30})
	quiet := gilHist(map[float64]int32{0.0003: 50})
	for i := uint32(1); i <= 6; i++ {
		c.Advance(time.Second)
		mustIngest(t, s,
			busyTick(1, i, 1.0, contended, 1, 1, 1, 1, 0),        // four threads spinning on one core
			busyTick(2, i, 0.1, quiet, 1, 1, 1, 1, 1),            // every thread waiting on I/O
			busyTick(3, i, 0.01, quiet, 0.01, 0, 0.02, 0, 0),     // nothing to do
			busyTick(4, i, 0.5, quiet, 0.6, 0.5, 0.2, 0.1, 0.05)) // some work
	}
	groups := s.GIL(60, "")
	if len(groups) != 1 || !groups[0].Available {
		t.Fatalf("GIL view %+v", groups)
	}
	g := groups[0]
	if g.SwitchInterval != 0.005 || g.Bands[0] != 6*(10+150) || g.Bands[4] != 6*30 {
		t.Errorf("switch interval %v, bands %v", g.SwitchInterval, g.Bands)
	}
	// Taken 6×30, missed 6×(10+20+90): 180/900.
	if g.Handoff == nil || math.Abs(*g.Handoff-0.2) > 1e-9 || !strings.HasPrefix(g.Verdict, "heavy contention") {
		t.Errorf("handoff %v verdict %q", g.Handoff, g.Verdict)
	}
	// Each second: pid 1's 70 waits, 60 of them an interval or more, and
	// 150 short ones from the others.
	if n := len(g.Series.T); n != 60 || g.Series.Step != 1 || g.Series.Contention[0] != nil ||
		g.Series.Contention[59] == nil || math.Abs(*g.Series.Contention[59]-60.0/220) > 1e-9 {
		t.Errorf("contention series: %d points, last %v", n, g.Series.Contention[n-1])
	}
	ends, stepLen := seriesTimes(c.Now(), 60)
	s.mu.Lock()
	gs, gcs := s.seriesGIL("g", ends, stepLen), s.seriesGC("g", ends, stepLen)
	s.mu.Unlock()
	if gs == nil || *gs.Contention[59] != *g.Series.Contention[59] || gcs != nil {
		t.Errorf("series for /api/series: gil %+v gc %+v", gs, gcs)
	}
	want := map[uint32]string{1: "GIL-bound: 4.0 threads busy", 2: "saturated: every thread busy", 3: "idle", 4: "fine: threads busy 29%"}
	if len(g.Processes) != 4 {
		t.Fatalf("processes %+v", g.Processes)
	}
	for _, p := range g.Processes {
		if !strings.HasPrefix(p.Verdict, want[p.PID]) {
			t.Errorf("pid %d: verdict %q, want %q...", p.PID, p.Verdict, want[p.PID])
		}
		if len(p.T) != 6 || len(p.Threads) != 5 || len(p.Threads[0]) != 6 || len(p.CPU) != 6 {
			t.Errorf("pid %d heat map: %d steps, %d threads", p.PID, len(p.T), len(p.Threads))
		}
	}
	if p := g.Processes[0]; p.PID != 1 || p.Threads[0][5] != 1 || p.Threads[4][5] != 0 || p.Slot != 0 {
		t.Errorf("pid 1 heat map %+v", p)
	}
	if slots := []int{g.Processes[1].Slot, g.Processes[2].Slot, g.Processes[3].Slot}; slots[0] != 1 || slots[1] != 2 || slots[2] != 3 {
		t.Errorf("slots %v, want 1 2 3", slots)
	}
	snap := s.Snapshot()
	if gv := groupView(t, &snap, "g"); gv.GIL == nil || gv.GIL.Handoff == nil || gv.GC != nil {
		t.Errorf("group gil %+v", gv.GIL)
	}
	// The snapshot carries each live process's verdict, the heat map's.
	for i, p := range snap.Processes {
		if hm := g.Processes[i]; p.PID != hm.PID || p.ThreadVerdict != hm.Verdict {
			t.Errorf("snapshot: pid %d thread_verdict %q; heat map: pid %d %q", p.PID, p.ThreadVerdict, hm.PID, hm.Verdict)
		}
	}
	m := metrics(s)
	for _, want := range []string{
		`mod_wsgi_gil_wait_seconds_bucket{process_group="g",le="0.005"} 960`,
		`mod_wsgi_gil_wait_seconds_bucket{process_group="g",le="0.006"} 1020`,
		`mod_wsgi_gil_wait_seconds_count{process_group="g"} 1320`,
		`mod_wsgi_gil_handoff_ratio{process_group="g"} 0.2`,
		`mod_wsgi_requests_in_flight{process_group="g"} 16`,
		`mod_wsgi_slot_cpu_seconds_total{process_group="g",slot="0"} 6`,
		`mod_wsgi_slot_resident_memory_bytes{process_group="g",slot="3"} 0`,
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Outside the window, nothing is left of the bands.
	c.Advance(2 * time.Minute)
	if g := s.GIL(60, "g")[0]; g.Bands[0] != 0 || g.Handoff != nil || !strings.HasPrefix(g.Verdict, "no requests") {
		t.Errorf("after the window: %+v", g)
	}
}

// TestRestartsByReasonAndSlots: a replacement takes the slot its
// predecessor left, and its restart counts under that one's reason.
func TestRestartsByReasonAndSlots(t *testing.T) {
	s := NewStore(Options{Now: fixedClock(1.7e9)})
	mustIngest(t, s, started(1, 1, "g"), started(2, 1, "g"), tick(1, 2, "g", 1), tick(2, 2, "g", 1),
		stopped(KindProcessStopped, 1, 3, "g", "maximum-requests"), started(3, 1, "g"),
		stopped(KindProcessStopped, 2, 3, "g", "crash"), started(4, 1, "g"))
	snap := s.Snapshot()
	g := groupView(t, &snap, "g")
	if g.Restarts != 2 || g.RestartsByReason["maximum_requests"] != 1 || g.RestartsByReason["crash"] != 1 {
		t.Errorf("restarts %d by reason %v", g.Restarts, g.RestartsByReason)
	}
	slot := map[uint32]int{}
	for _, p := range s.procs {
		slot[p.key.pid] = p.slot
	}
	if slot[3] != 0 || slot[4] != 1 {
		t.Errorf("slots %v: pid 3 should have taken slot 0, pid 4 slot 1", slot)
	}
	// A replacement that starts while the process it replaces is still
	// stopping takes its slot; the per-slot gauges show the new one only.
	rss := func(pid, seq uint32, v uint64) []byte {
		return mk(KindRequest, pid, seq, 1.7e9, Str(FieldProcessGroup, "h"), F64(FieldSamplePeriod, 1), U64(FieldMemoryRSS, v))
	}
	mustIngest(t, s, started(5, 1, "h"), rss(5, 2, 5000), stopped(KindProcessStopping, 5, 3, "h", "graceful"),
		started(6, 1, "h"), rss(6, 2, 6000))
	if s5, s6 := s.byPID[5].slot, s.byPID[6].slot; s5 != 0 || s6 != 0 {
		t.Errorf("slots %d (stopping) and %d (its replacement), want both 0", s5, s6)
	}
	m := metrics(s)
	if n := strings.Count(m, `mod_wsgi_slot_resident_memory_bytes{process_group="h"`); n != 1 ||
		!strings.Contains(m, `mod_wsgi_slot_resident_memory_bytes{process_group="h",slot="0"} 6000`+"\n") {
		t.Errorf("%d slot gauges for group h, want one, the replacement's:\n%s", n, m)
	}
	for _, want := range []string{
		`mod_wsgi_process_restarts_by_reason_total{process_group="g",reason="crash"} 1`,
		`mod_wsgi_process_restarts_by_reason_total{process_group="h",reason="graceful"} 1`,
		`mod_wsgi_process_restarts_by_reason_total{process_group="g",reason="maximum_requests"} 1`,
		`mod_wsgi_process_restarts_total{process_group="g"} 2`,
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestSlowDetail: every field of the slow-request datagram reaches the
// API; the list is filtered and sorted; one request by its id.
func TestSlowDetail(t *testing.T) {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now})
	mustIngest(t, s, tick(3, 1, "g", 0))
	slow := func(seq uint32, state uint64, start, dur float64, path string, status uint64) []byte {
		return mk(KindSlowRequest, 3, seq, 1.7e9, U64(FieldSlowState, state), F64(FieldSlowStartStamp, start),
			F64(FieldSlowDuration, dur), U64(FieldSlowThreadID, uint64(seq)), Str(FieldSlowPathInfo, path),
			U64(FieldSlowStatus, status), Str(FieldSlowLogID, "log"+path), Str(FieldSlowUserAgent, "curl/8"),
			F64(FieldSlowApplicationTime, dur-0.1), F64(FieldSlowGILWaitTime, 0.25), U64(FieldSlowGILWaitCount, 3),
			F64(FieldSlowInputReadTime, 0.01), F64(FieldSlowOutputWriteTime, 0.02),
			F64(FieldSlowCPUUserTime, 0.5), F64(FieldSlowCPUSystemTime, 0.05),
			U64(FieldSlowInputBytes, 100), U64(FieldSlowInputReads, 2), U64(FieldSlowOutputBytes, 2000),
			U64(FieldSlowOutputWrites, 4), U64(FieldSlowActiveAtStart, 2), U64(FieldSlowActiveAtCompletion, state))
	}
	mustIngest(t, s,
		slow(2, 1, 1.7e9-10, 2, "/old", 200),
		slow(3, 1, 1.7e9-5, 3, "/new", 500),
		slow(4, 0, 1.7e9-20, 20, "/running", 0),
		slow(5, 1, 1.7e9-8, 1.5, "/mid", 404))
	srv := httptest.NewServer(Handler(s))
	defer srv.Close()
	get := func(path string, status int, v any) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != status {
			t.Fatalf("GET %s: %s, want %d", path, resp.Status, status)
		}
		if v != nil {
			if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
				t.Fatal(err)
			}
		}
	}
	paths := func(rs []SlowRequest) string {
		var p []string
		for _, r := range rs {
			p = append(p, r.Path)
		}
		return strings.Join(p, " ")
	}
	var all []SlowRequest
	get("/api/slow-requests", 200, &all)
	if got := paths(all); got != "/running /new /mid /old" {
		t.Errorf("default order %q, want active first, then newest start first", got)
	}
	r := all[1]
	want := SlowRequest{Path: "/new", Status: 500, State: "completed", UserAgent: "curl/8", LogID: "log/new", PID: 3, Thread: 3,
		Group: "g", Duration: 3,
		Phases:     SlowPhases{Application: 2.9, SlowOverlap: SlowOverlap{GILWait: 0.25, InputRead: 0.01, OutputWrite: 0.02}},
		SlowDetail: SlowDetail{ID: r.ID, GILWaitCount: 3, CPUUser: 0.5, CPUSystem: 0.05, InputBytes: 100, InputReads: 2, OutputBytes: 2000, OutputWrites: 4, ActiveAtStart: 2, ActiveAtEnd: 1}}
	want.Start, want.Stamp = r.Start, r.Stamp
	if r != want {
		t.Errorf("slow request\n%+v\nwant\n%+v", r, want)
	}
	if r.ID != "3-3-1699999995000000" {
		t.Errorf("id %q", r.ID)
	}
	for _, tc := range []struct{ query, want string }{
		{"?state=completed", "/new /mid /old"},
		{"?state=active", "/running"},
		{"?path=ne", "/new"},
		{"?min_duration=2", "/running /new /old"},
		{"?sort=duration", "/running /new /old /mid"},
		{"?sort=duration&order=asc", "/mid /old /new /running"},
		{"?sort=status", "/new /mid /old /running"},
		{"?sort=path", "/mid /new /old /running"},
		{"?sort=start&order=asc", "/running /old /mid /new"},
		{"?state=completed&sort=path&order=desc", "/old /new /mid"},
	} {
		var got []SlowRequest
		get("/api/slow-requests"+tc.query, 200, &got)
		if p := paths(got); p != tc.want {
			t.Errorf("%s: %q, want %q", tc.query, p, tc.want)
		}
	}
	var none []SlowRequest
	get("/api/slow-requests?path=nothing", 200, &none)
	if none == nil || len(none) != 0 {
		t.Errorf("no match: %v, want []", none)
	}
	var one SlowRequest
	get("/api/slow-requests/"+r.ID, 200, &one)
	if one.Path != "/new" {
		t.Errorf("by id: %+v", one)
	}
	get("/api/slow-requests/3-3-1", 404, nil)
	for _, bad := range []string{"?state=done", "?sort=size", "?order=up", "?min_duration=-1", "?min_duration=x"} {
		get("/api/slow-requests"+bad, 400, nil)
	}
	for _, bad := range []string{"/api/gc?window=x", "/api/gil?window=NaN"} {
		get(bad, 400, nil)
	}
	var gc GCView
	get("/api/gc?window=5", 200, &gc)
	if gc.Window != 10 || gc.Available {
		t.Errorf("window 5 is clamped to 10: %+v", gc)
	}
}

// gcgilStore has GC, GIL, per-thread, slot and restart data, for the
// exposition format tests.
func gcgilStore(t *testing.T) *Store {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now})
	contended := gilHist(map[float64]int32{0.0003: 10, 0.0052: 10, 0.0104: 10, 0.0151: 10, 0.03: 30, 70: 1})
	mustIngest(t, s, started(1, 1, "g"), started(2, 1, "g"))
	for i := uint32(2); i <= 5; i++ {
		c.Advance(time.Second)
		mustIngest(t, s, busyTick(1, 3*i, 1.0, contended, 1, 1, 1, 1, 0), busyTick(2, 3*i, 0.2, nil, 0.5),
			gcSnap(1, 3*i+1, uint64(10*i), uint64(i), 1, 2), gcPause(1, 3*i+2, 1.7e9+float64(i), 0.0004*float64(i), uint64(i%3)))
	}
	mustIngest(t, s, stopped(KindProcessStopped, 2, 99, "g", "crash"), started(3, 1, "g"), busyTick(3, 2, 0.1, nil, 0))
	return s
}

// TestGCGILMemoryBounded: 50 processes of five threads sending a sample, a
// GC snapshot and two pauses every second for 1,000 s (past the 900 s
// the per-second history keeps and the 300 samples a process keeps): the
// store stays under the 48 MiB TestStoreMemoryHour states for the whole
// store, and does not grow over the last 500 s.
func TestGCGILMemoryBounded(t *testing.T) {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now})
	gil := gilHist(map[float64]int32{0.0003: 20, 0.006: 3})
	var seq [50]uint32
	for pid := range seq {
		mustIngest(t, s, started(uint32(100+pid), 1, "g"))
		seq[pid] = 1
	}
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := heap()
	var half uint64
	for sec := 1; sec <= 1000; sec++ {
		c.Advance(time.Second)
		now := 1.7e9 + float64(sec)
		for pid := range seq {
			p := uint32(100 + pid)
			seq[pid] += 4
			n := uint64(sec)
			mustIngest(t, s, busyTick(p, seq[pid], 0.5, gil, 0.5, 0.2, 0, 1, 0.1),
				gcSnap(p, seq[pid]+1, 10*n, n, n/10, 0),
				gcPause(p, seq[pid]+2, now-0.5, 0.0002, 0), gcPause(p, seq[pid]+3, now-0.3, 0.0003, 1))
		}
		if sec == 500 {
			half = heap()
		}
	}
	end := heap()
	t.Logf("heap: %.1f MiB after 500 s, %.1f MiB after 1000 s (from %.1f MiB)", float64(half)/(1<<20), float64(end)/(1<<20), float64(base)/(1<<20))
	if end-base > 48<<20 {
		t.Errorf("the store grew by %d bytes, more than 48 MiB", end-base)
	}
	if end > half && end-half > 1<<20 {
		t.Errorf("the store grew by %d bytes between 500 s and 1000 s", end-half)
	}
	if v := s.GC(900, ""); v.Collections["0"] != 50*10*900 || len(v.Pauses) != maxPausesKept {
		t.Errorf("GC over 900 s: %v collections, %d pauses", v.Collections, len(v.Pauses))
	}
	runtime.KeepAlive(s)
}

// TestSeriesCarriesGCAndGIL: /api/series of a group with GC and GIL data
// has their parts, on the same points; a process's series has neither.
func TestSeriesCarriesGCAndGIL(t *testing.T) {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now})
	gil := gilHist(map[float64]int32{0.0003: 20, 0.006: 3})
	mustIngest(t, s, started(7, 1, "g"))
	seq := uint32(1)
	for sec := 1; sec <= 20; sec++ {
		c.Advance(time.Second)
		now := 1.7e9 + float64(sec)
		n := uint64(sec)
		mustIngest(t, s, busyTick(7, seq+1, 0.5, gil, 0.5, 0.2, 0, 1, 0.1), gcSnap(7, seq+2, 10*n, n, 0, 0),
			gcPause(7, seq+3, now-0.5, 0.0002, 0))
		seq += 3
	}
	v, err := s.Series(60*time.Second, "g", 0)
	if err != nil {
		t.Fatal(err)
	}
	if v.GC == nil || v.GIL == nil {
		t.Fatalf("series of g: gc %v, gil %v; want both", v.GC, v.GIL)
	}
	if len(v.GC.Overhead) != len(v.Time) || len(v.GIL.Contention) != len(v.Time) {
		t.Errorf("gc %d and gil %d points for %d times", len(v.GC.Overhead), len(v.GIL.Contention), len(v.Time))
	}
	var collections float64
	for _, x := range v.GC.Collections["0"] {
		if x != nil {
			collections += *x
		}
	}
	if collections == 0 {
		t.Errorf("no generation-0 collections in the series: %v", v.GC.Collections)
	}
	pv, err := s.Series(60*time.Second, "", 7)
	if err != nil {
		t.Fatal(err)
	}
	if pv.GC != nil || pv.GIL != nil {
		t.Errorf("a process's series has gc %v, gil %v", pv.GC, pv.GIL)
	}
}
