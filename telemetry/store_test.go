package telemetry

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock for stores under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(stamp float64) *clock {
	return &clock{t: time.Unix(0, int64(stamp*1e9))}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(stamp float64) {
	c.mu.Lock()
	c.t = time.Unix(0, int64(stamp*1e9))
	c.mu.Unlock()
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func fixedClock(stamp float64) func() time.Time { return newClock(stamp).Now }

// mk builds a datagram.
func mk(kind Kind, pid, seq uint32, stamp float64, recs ...Record) []byte {
	b, err := Encode(&Datagram{Header: Header{Version: WireVersion, Kind: kind, PID: pid, Seq: seq, Stamp: stamp}, Records: recs})
	if err != nil {
		panic(err)
	}
	return b
}

// metrics returns the exposition, and metricsWithoutDrops the same
// without the dropped-datagram counters.
func metrics(s *Store) string {
	var b bytes.Buffer
	s.WriteMetrics(&b)
	return b.String()
}

func metricsWithoutDrops(s *Store) string {
	var keep []string
	for _, l := range strings.Split(metrics(s), "\n") {
		if !strings.HasPrefix(l, "mod_wsgi_telemetry_datagrams_dropped_total{") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// replay ingests the recorded run with the clock following the datagrams'
// stamps, as if received live.
func replay(t testing.TB, s *Store, c *clock) {
	t.Helper()
	for i, b := range loadCapture(t) {
		d, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		c.Set(d.Stamp)
		if err := s.Ingest(b); err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
	}
}

func groupView(t testing.TB, snap *Snapshot, name string) *GroupView {
	t.Helper()
	for i := range snap.Groups {
		if snap.Groups[i].Name == name {
			return &snap.Groups[i]
		}
	}
	t.Fatalf("no group %q in %+v", name, snap.Groups)
	return nil
}

func phaseView(g *GroupView, phase string) *PhaseView {
	for i := range g.Phases {
		if g.Phases[i].Phase == phase {
			return &g.Phases[i]
		}
	}
	return nil
}

// TestStoreReplayCapture checks the store against what the recorded run
// did: 652 2xx, 5 each of 3xx, 4xx and 5xx through a daemon group "app"
// (processes=2, maximum-requests=300) and embedded mode, two slow
// requests, a graceful restart, then a stop.
func TestStoreReplayCapture(t *testing.T) {
	c := newClock(0)
	s := NewStore(Options{Now: c.Now, Linger: time.Hour})
	replay(t, s, c)
	snap := s.Snapshot()

	app, emb := groupView(t, &snap, "app"), groupView(t, &snap, EmbeddedGroup)
	wantReq := map[string]map[string]uint64{
		"app":         {"1xx": 0, "2xx": 601, "3xx": 5, "4xx": 5, "5xx": 5},
		EmbeddedGroup: {"1xx": 0, "2xx": 51, "3xx": 0, "4xx": 0, "5xx": 0},
	}
	for _, g := range []*GroupView{app, emb} {
		if fmt.Sprint(g.Requests) != fmt.Sprint(wantReq[g.Name]) {
			t.Errorf("%s requests %v, want %v", g.Name, g.Requests, wantReq[g.Name])
		}
	}
	if snap.Totals.Requests != 667 {
		t.Errorf("total requests %d, want 667", snap.Totals.Requests)
	}
	// Every phase of the daemon group has a histogram; embedded mode has
	// no queue or daemon phase.
	for _, tt := range []struct {
		g      *GroupView
		phase  string
		count  uint64
		absent bool
	}{
		{app, "request", 616, false}, {app, "queue", 616, false}, {app, "output_write", 616, false},
		{emb, "request", 51, false}, {emb, "server", 51, false}, {emb, "queue", 0, true}, {emb, "daemon", 0, true},
	} {
		p := phaseView(tt.g, tt.phase)
		if tt.absent != (p == nil) || p != nil && p.Count != tt.count {
			t.Errorf("%s %s: %+v, want count %d (absent %v)", tt.g.Name, tt.phase, p, tt.count, tt.absent)
		}
	}
	// The slow requests took 1.5 s: the request-phase p99 of the embedded
	// group (1 of 51) and the maximum show it.
	if p := phaseView(emb, "request"); p.P99 == nil || *p.P99 < 1 || *p.P99 > 1.6 {
		t.Errorf("embedded request p99 %v, want about 1.5 s", p.P99)
	}
	if p := phaseView(app, "request"); p.P50 == nil || *p.P50 > 0.01 {
		t.Errorf("app request p50 %v, want under 10 ms", p.P50)
	}
	if app.Starts != 6 || app.Restarts != 4 || fmt.Sprint(app.Stops) != "map[maximum_requests:2 shutdown_signal:4]" {
		t.Errorf("app lifecycle: starts %d restarts %d stops %v", app.Starts, app.Restarts, app.Stops)
	}
	// Embedded children report no shutdown reason.
	if emb.Starts != 7 || fmt.Sprint(emb.Stops) != "map[unknown:7]" {
		t.Errorf("embedded lifecycle: starts %d stops %v", emb.Starts, emb.Stops)
	}
	if app.SlowRequests != 1 || emb.SlowRequests != 1 {
		t.Errorf("slow requests: app %d, embedded %d, want 1 each", app.SlowRequests, emb.SlowRequests)
	}
	if len(snap.SlowRequests) != 2 {
		t.Fatalf("%d slow records, want 2 (each reported active, then completed)", len(snap.SlowRequests))
	}
	for _, r := range snap.SlowRequests {
		if r.State != "completed" || r.Status != 200 || r.Duration < 1.5 || !strings.HasSuffix(r.Path, "/slow") || r.Method != "GET" {
			t.Errorf("slow record %+v", r)
		}
	}
	if app.CPUSeconds <= 0 || app.OutputBytes == 0 {
		t.Errorf("app cpu %v s, output %d bytes", app.CPUSeconds, app.OutputBytes)
	}
	for _, p := range snap.Processes {
		if p.State != "stopped" {
			t.Errorf("process %s/%d is %s after the server stopped", p.Group, p.PID, p.State)
		}
		if p.ModWSGIVersion != "6.0.5" || p.Hostname == "" {
			t.Errorf("process %s/%d identity %q %q", p.Group, p.PID, p.ModWSGIVersion, p.Hostname)
		}
	}
	if snap.Totals.Processes != 0 {
		t.Errorf("%d live processes after the stop", snap.Totals.Processes)
	}
	var dropped uint64
	for _, n := range snap.Ingest.Dropped {
		dropped += n
	}
	if dropped != 0 || snap.Ingest.Lost != 0 || snap.Ingest.UnknownFields != 0 {
		t.Errorf("ingest %+v", snap.Ingest)
	}
	if snap.Ingest.Accepted["request"] != 299 || snap.Ingest.Accepted["gc_event"] != 64 {
		t.Errorf("accepted %v", snap.Ingest.Accepted)
	}
}

// TestStoreWindow checks rates, percentiles and series over the window
// while processes run.
func TestStoreWindow(t *testing.T) {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now, Window: 10 * time.Second})
	buckets := make([]int32, NumBuckets)
	buckets[BucketIndex(0.002)] = 8 // 2 ms
	buckets[BucketIndex(0.150)] = 2 // 150 ms
	sample := func(pid, seq uint32) []byte {
		return mk(KindRequest, pid, seq, 1.7e9, Str(FieldProcessGroup, "g"), F64(FieldSamplePeriod, 1),
			F64(FieldTelemetryInterval, 1), U64(FieldRequestCount, 10), F64(FieldCapacityUtilization, 0.5),
			U64(FieldThreadsMaximum, 4), U64(FieldMemoryRSS, 1<<20), F64(FieldCPUUtilization, 0.25),
			U64(StatusClassField+1, 10), F64(PhaseField+uint16(PhaseRequest), 0.0316),
			F64(PhaseMinField+uint16(PhaseRequest), 0.0019), F64(PhaseMaxField+uint16(PhaseRequest), 0.151),
			I32s(PhaseBucketsField+uint16(PhaseRequest), buckets))
	}
	for i := uint32(1); i <= 20; i++ {
		c.Advance(time.Second)
		for _, pid := range []uint32{100, 101} {
			if err := s.Ingest(sample(pid, i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	snap := s.Snapshot()
	g := groupView(t, &snap, "g")
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	near("group throughput", g.Throughput, 20, 0.01) // two processes at 10/s
	near("total throughput", snap.Totals.Throughput, 20, 0.01)
	near("busy", g.Busy, 4, 1e-9)
	near("capacity", g.Capacity, 0.5, 1e-9)
	near("cpu", g.CPU, 0.5, 1e-9)
	near("cpu seconds", g.CPUSeconds, 2*20*0.25, 1e-9)
	if g.Workers != 8 || g.Processes != 2 || g.RSS != 2<<20 || g.RequestsTotal != 400 {
		t.Errorf("group %+v", g)
	}
	if g.Latency.Count != 2*10*10 { // 10 samples of 10 in the window, per process
		t.Errorf("window latency count %d", g.Latency.Count)
	}
	near("p50", *g.Latency.P50, 0.00225, 0.0005) // within the 2 ms bucket [2, 2.5)
	if *g.Latency.P99 < 0.128 || *g.Latency.P99 > 0.151 || *g.Latency.Max != 0.151 {
		t.Errorf("p99 %v max %v, want within the 150 ms bucket, at most the exact max", *g.Latency.P99, *g.Latency.Max)
	}
	p := snap.Processes[0]
	if len(p.Series.Time) != 10 || p.Series.Throughput[0] != 10 || p.Series.Busy[0] != 2 || p.Series.P95[0] == nil {
		t.Errorf("series %+v", p.Series)
	}
	near("process throughput", p.Throughput, 10, 0.01)
	if p.State != "running" || p.StartKnown || p.Interval != 1 {
		t.Errorf("process %+v", p)
	}
}

// event builds lifecycle and sample datagrams for TestStoreLifecycle.
func started(pid, seq uint32, group string) []byte {
	recs := []Record{Str(FieldModWSGIVersion, "6.0.5")}
	if group != "" {
		recs = append(recs, Str(FieldProcessGroup, group))
	}
	return mk(KindProcessStarted, pid, seq, 1.7e9, recs...)
}

func stopped(kind Kind, pid, seq uint32, group, reason string) []byte {
	var recs []Record
	if group != "" {
		recs = append(recs, Str(FieldProcessGroup, group))
	}
	if reason != "" {
		recs = append(recs, Str(FieldShutdownReason, reason))
	}
	return mk(kind, pid, seq, 1.7e9, recs...)
}

func tick(pid, seq uint32, group string, requests uint64) []byte {
	recs := []Record{F64(FieldSamplePeriod, 1), F64(FieldTelemetryInterval, 1), U64(FieldRequestCount, requests),
		U64(StatusClassField+1, requests)}
	if group != "" {
		recs = append(recs, Str(FieldProcessGroup, group))
	}
	return mk(KindRequest, pid, seq, 1.7e9, recs...)
}

func TestStoreLifecycle(t *testing.T) {
	type step struct {
		b       []byte
		advance time.Duration
	}
	tests := []struct {
		name                   string
		steps                  []step
		starts, restarts, live int
		stops                  string
		states                 string // group/pid=state, sorted
		lost                   uint64
	}{
		{name: "start, run, stop",
			steps: []step{{b: started(1, 1, "g")}, {b: tick(1, 2, "g", 5)},
				{b: stopped(KindProcessStopping, 1, 3, "g", "shutdown_signal")},
				{b: stopped(KindProcessStopped, 1, 4, "g", "shutdown_signal")}},
			starts: 1, stops: "map[shutdown_signal:1]", states: "g/1=stopped"},
		{name: "a stop then a start is a restart",
			steps: []step{{b: started(1, 1, "g")}, {b: started(2, 1, "g")},
				{b: stopped(KindProcessStopped, 1, 2, "g", "maximum_requests")}, {b: started(3, 1, "g")}},
			starts: 3, restarts: 1, live: 2, stops: "map[maximum_requests:1]", states: "g/3=running g/2=running g/1=stopped"},
		{name: "embedded stop without group or reason",
			steps:  []step{{b: started(7, 1, "")}, {b: stopped(KindProcessStopping, 7, 2, "", "")}},
			starts: 1, live: 1, stops: "map[unknown:1]", states: EmbeddedGroup + "/7=stopping"},
		{name: "stopping and stopped count once",
			steps: []step{{b: started(1, 1, "g")}, {b: stopped(KindProcessStopping, 1, 2, "g", "x")},
				{b: stopped(KindProcessStopped, 1, 3, "g", "x")}, {b: stopped(KindProcessStopped, 1, 4, "g", "x")}},
			starts: 1, stops: "map[x:1]", states: "g/1=stopped"},
		{name: "silent process is lost, then forgotten",
			steps:  []step{{b: started(1, 1, "g")}, {b: tick(2, 9, "g", 1)}, {advance: 31 * time.Second}, {b: tick(2, 10, "g", 1)}},
			starts: 1, live: 1, stops: "map[lost:1]", states: "g/2=running g/1=lost"},
		{name: "a lost process that reports again runs again",
			steps:  []step{{b: started(1, 1, "g")}, {advance: 31 * time.Second}, {b: tick(2, 1, "g", 1)}, {b: tick(1, 2, "g", 1)}},
			starts: 1, live: 2, stops: "map[lost:1]", states: "g/1=running g/2=running"},
		{name: "lost processes leave after the linger time",
			steps: []step{{b: started(1, 1, "g")}, {advance: 31 * time.Second}, {b: tick(2, 1, "g", 1)},
				{advance: 61 * time.Second}, {b: tick(2, 2, "g", 1)}},
			starts: 1, live: 1, stops: "map[lost:1]", states: "g/2=running"},
		{name: "joined mid-stream: no start known",
			steps: []step{{b: tick(5, 40, "g", 3)}, {b: tick(5, 41, "g", 3)}},
			live:  1, stops: "map[]", states: "g/5=running"},
		{name: "sequence gaps count lost datagrams",
			steps: []step{{b: tick(5, 1, "g", 3)}, {b: tick(5, 4, "g", 3)}, {b: tick(5, 5, "g", 3)}},
			live:  1, stops: "map[]", states: "g/5=running", lost: 2},
		{name: "pid reused by a new process",
			steps:  []step{{b: started(5, 1, "g")}, {b: tick(5, 2, "g", 1)}, {b: started(5, 1, "g")}},
			starts: 2, restarts: 1, live: 1, stops: "map[lost:1]", states: "g/5=running"},
		{name: "shutdown reasons become label-safe",
			steps:  []step{{b: started(1, 1, "g")}, {b: stopped(KindProcessStopped, 1, 2, "g", "Odd Reason\"\n")}},
			starts: 1, stops: "map[odd_reason__:1]", states: "g/1=stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock(1.7e9)
			s := NewStore(Options{Now: c.Now})
			for i, st := range tt.steps {
				c.Advance(st.advance)
				if st.b != nil {
					if err := s.Ingest(st.b); err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
				}
			}
			snap := s.Snapshot()
			var g GroupView
			for _, x := range snap.Groups {
				g.Starts += x.Starts
				g.Restarts += x.Restarts
				g.Stops = x.Stops
			}
			var states []string
			for _, p := range snap.Processes {
				states = append(states, fmt.Sprintf("%s/%d=%s", p.Group, p.PID, p.State))
			}
			if int(g.Starts) != tt.starts || int(g.Restarts) != tt.restarts || fmt.Sprint(g.Stops) != tt.stops ||
				snap.Totals.Processes != tt.live || strings.Join(states, " ") != tt.states || snap.Ingest.Lost != tt.lost {
				t.Errorf("starts %d restarts %d stops %v live %d states %q lost %d;\nwant %d %d %s %d %q %d",
					g.Starts, g.Restarts, g.Stops, snap.Totals.Processes, strings.Join(states, " "), snap.Ingest.Lost,
					tt.starts, tt.restarts, tt.stops, tt.live, tt.states, tt.lost)
			}
		})
	}
}

// TestStoreRefuses: well-formed datagrams with impossible values are
// dropped as "invalid" and change nothing else.
func TestStoreRefuses(t *testing.T) {
	neg := make([]int32, NumBuckets)
	neg[3] = -1
	tests := []struct {
		name   string
		b      []byte
		reason Reason
	}{
		{"NaN sample period", tick2(F64(FieldSamplePeriod, math.NaN())), ReasonInvalid},
		{"infinite capacity", tick2(F64(FieldCapacityUtilization, math.Inf(1))), ReasonInvalid},
		{"negative phase mean", tick2(F64(PhaseField, -1)), ReasonInvalid},
		{"negative bucket", tick2(I32s(PhaseBucketsField, neg)), ReasonInvalid},
		{"huge status count", tick2(U64(StatusClassField+1, 1<<40)), ReasonInvalid},
		{"huge request count", tick2(U64(FieldRequestCount, 1<<40)), ReasonInvalid},
		{"request count as a float", tick2(F64(FieldRequestCount, 3)), ReasonInvalid},
		{"request count negative", tick2(Record{ID: FieldRequestCount, Type: TypeI64, I64: -3}), ReasonInvalid},
		{"minimum above maximum", tick2(F64(PhaseMinField, 2), F64(PhaseMaxField, 1)), ReasonInvalid},
		{"maximum without minimum", tick2(F64(PhaseMaxField, 1)), ReasonInvalid},
		{"negative cpu time", tick2(F64(FieldCPUTime, -1)), ReasonInvalid},
		{"slow request without duration", mk(KindSlowRequest, 1, 1, 1.7e9, F64(FieldSlowStartStamp, 1.7e9)), ReasonInvalid},
		{"slow request NaN start", mk(KindSlowRequest, 1, 1, 1.7e9, F64(FieldSlowStartStamp, math.NaN()), F64(FieldSlowDuration, 1)), ReasonInvalid},
		{"slow request status 1000", mk(KindSlowRequest, 1, 1, 1.7e9, F64(FieldSlowStartStamp, 1.7e9), F64(FieldSlowDuration, 1), U64(FieldSlowStatus, 1000)), ReasonInvalid},
		{"stopped with negative uptime", mk(KindProcessStopped, 1, 1, 1.7e9, F64(FieldProcessUptime, -5)), ReasonInvalid},
		{"started with NaN switch interval", mk(KindProcessStarted, 1, 1, 1.7e9, F64(FieldSwitchInterval, math.NaN())), ReasonInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock(1.7e9)
			s := NewStore(Options{Now: c.Now})
			s.Ingest(tick(9, 1, "g", 4)) // some state to keep
			before := metricsWithoutDrops(s)
			err := s.Ingest(tt.b)
			if err == nil || ReasonOf(err) != tt.reason {
				t.Fatalf("Ingest = %v, want reason %q", err, tt.reason)
			}
			if after := metricsWithoutDrops(s); after != before {
				t.Errorf("refused datagram changed the metrics")
			}
			if n := s.Snapshot().Ingest.Dropped[string(tt.reason)]; n != 1 {
				t.Errorf("dropped[%s] = %d, want 1", tt.reason, n)
			}
		})
	}
}

func tick2(recs ...Record) []byte {
	return mk(KindRequest, 1, 1, 1.7e9, append([]Record{Str(FieldProcessGroup, "g")}, recs...)...)
}

// TestStoreBounds: memory stays bounded whatever senders claim.
func TestStoreBounds(t *testing.T) {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now, MaxGroups: 3, MaxProcesses: 5, Points: 4, SlowRequests: 3})
	for i := uint32(0); i < 3; i++ {
		if err := s.Ingest(tick(i+1, 1, fmt.Sprint("g", i), 1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Ingest(tick(10, 1, "one-too-many", 1)); ReasonOf(err) != ReasonLimit {
		t.Errorf("fourth group: %v, want reason limit", err)
	}
	for pid := uint32(20); pid < 40; pid++ {
		c.Advance(time.Millisecond)
		s.Ingest(tick(pid, 1, "g0", 1))
	}
	for seq := uint32(2); seq < 20; seq++ {
		s.Ingest(tick(39, seq, "g0", 1))
	}
	for i := 0; i < 10; i++ {
		s.Ingest(mk(KindSlowRequest, 39, uint32(100+i), 1.7e9, F64(FieldSlowStartStamp, 1.7e9+float64(i)),
			F64(FieldSlowDuration, 2), Str(FieldSlowLogID, fmt.Sprint("id", i))))
	}
	s.mu.Lock()
	procs, points, slow := len(s.procs), s.byPID[39].points.len(), len(s.slow)
	s.mu.Unlock()
	if procs != 5 || points != 4 || slow != 3 {
		t.Errorf("processes %d points %d slow %d, want 5 4 3", procs, points, slow)
	}
	snap := s.Snapshot()
	if len(snap.Groups) != 3 || snap.SlowRequests[0].LogID != "id9" {
		t.Errorf("groups %d, newest slow %q", len(snap.Groups), snap.SlowRequests[0].LogID)
	}
	// Evicted processes count as lost stops; counters survive.
	if g := groupView(t, &snap, "g0"); g.RequestsTotal != 1+20+18 || g.Stops["lost"] == 0 {
		t.Errorf("g0: %d requests, stops %v", g.RequestsTotal, g.Stops)
	}
}

// TestStoreCPUSeconds: cumulative CPU times (the reporter for older
// modules) are differenced; rates (mod_wsgi 6) are integrated.
func TestStoreCPUSeconds(t *testing.T) {
	s := NewStore(Options{Now: fixedClock(1.7e9)})
	for i, cum := range []float64{2, 2.5, 4} {
		s.Ingest(tick2(F64(FieldCPUTime, cum), F64(FieldSamplePeriod, 1), U64(FieldRequestCount, uint64(i))))
	}
	s.Ingest(tick2(F64(FieldCPUTime, 0.5))) // a new process under the same pid: restarts from 0.5
	s.Ingest(mk(KindRequest, 2, 1, 1.7e9, Str(FieldProcessGroup, "g"), F64(FieldCPUUserUtilization, 0.2),
		F64(FieldCPUSystemUtilization, 0.1), F64(FieldSamplePeriod, 2)))
	snap := s.Snapshot()
	if got := groupView(t, &snap, "g").CPUSeconds; math.Abs(got-(4+0.5+0.6)) > 1e-9 {
		t.Errorf("cpu seconds %v, want 5.1", got)
	}
}

// TestStoreLegacyBuckets: histograms from mod_wsgi 4.x (through the
// reporter) expose only the bounds they measure at.
func TestStoreLegacyBuckets(t *testing.T) {
	s := NewStore(Options{Now: fixedClock(1.7e9)})
	b := make([]int32, NumBuckets)
	b[LegacyBucketIndex(0)] = 90 // <= 5 ms
	b[LegacyBucketIndex(3)] = 10 // <= 40 ms
	if err := s.Ingest(tick2(U64(FieldRequestCount, 100), I32s(PhaseBucketsField+uint16(PhaseApplication), b),
		F64(PhaseField+uint16(PhaseApplication), 0.01), U64(FieldExpressBucketResolution, 1))); err != nil {
		t.Fatal(err)
	}
	m := metrics(s)
	for _, want := range []string{
		`mod_wsgi_request_duration_seconds_bucket{process_group="g",phase="application",le="0.005"} 90`,
		`mod_wsgi_request_duration_seconds_bucket{process_group="g",phase="application",le="0.04"} 100`,
		`mod_wsgi_request_duration_seconds_bucket{process_group="g",phase="application",le="40.96"} 100`,
		`mod_wsgi_request_duration_seconds_sum{process_group="g",phase="application"} 1`,
		`mod_wsgi_requests_total{process_group="g",class="unknown"} 100`,
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(m, `le="0.00125"`) {
		t.Error("coarse histogram exposes a bound it does not measure at")
	}
	snap := s.Snapshot()
	l := snap.Groups[0].Latency
	if l.Phase != "application" || !l.Coarse || *l.P50 > 0.005 || *l.P99 <= 0.02 {
		t.Errorf("latency %+v p50 %v p99 %v", l, *l.P50, *l.P99)
	}
}

// TestStoreSlowRequests: one record per request, updated in place from
// active to completed, counted once; active records that stop being
// reported turn "lost".
func TestStoreSlowRequests(t *testing.T) {
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now})
	s.Ingest(tick(3, 1, "g", 0))
	slow := func(seq uint32, state uint64, dur float64, id string) []byte {
		return mk(KindSlowRequest, 3, seq, 1.7e9, U64(FieldSlowState, state), F64(FieldSlowStartStamp, 1.7e9-dur),
			F64(FieldSlowDuration, dur), Str(FieldSlowLogID, id), Str(FieldSlowPathInfo, "/p\x1b[2J"), U64(FieldSlowStatus, 200*state))
	}
	for i, b := range [][]byte{slow(2, 0, 1.1, "a"), slow(3, 0, 2.1, "a"), slow(4, 1, 2.5, "a"), slow(5, 1, 2.5, "a"), slow(6, 0, 3, "b")} {
		if err := s.Ingest(b); err != nil {
			t.Fatal(i, err)
		}
	}
	snap := s.Snapshot()
	if len(snap.SlowRequests) != 2 || snap.Groups[0].SlowRequests != 1 {
		t.Fatalf("records %+v, completed %d", snap.SlowRequests, snap.Groups[0].SlowRequests)
	}
	a, b := snap.SlowRequests[1], snap.SlowRequests[0]
	if a.State != "completed" || a.Duration != 2.5 || a.Status != 200 || a.Group != "g" || b.State != "active" {
		t.Errorf("records %+v %+v", a, b)
	}
	if a.Path != "/p?[2J" {
		t.Errorf("path %q: control characters must not reach a terminal", a.Path)
	}
	c.Advance(10 * time.Second)
	if st := s.Snapshot().SlowRequests[1].State; st != "lost" {
		t.Errorf("unreported active record is %q, want lost", st)
	}
}

// TestFloodMalformed: thousands of malformed datagrams change no counter
// but the drop counters, and the store keeps working.
func TestFloodMalformed(t *testing.T) {
	c := newClock(0)
	s := NewStore(Options{Now: c.Now, Linger: time.Hour})
	replay(t, s, c)
	before := metricsWithoutDrops(s)
	rng := rand.New(rand.NewSource(1))
	good := loadCapture(t)
	var refused uint64
	for i := 0; i < 20000; i++ {
		var b []byte
		switch i % 4 {
		case 0: // random bytes
			b = make([]byte, rng.Intn(200))
			rng.Read(b)
		case 1: // a real datagram cut short
			g := good[rng.Intn(len(good))]
			b = g[:rng.Intn(len(g))]
		case 2: // a real datagram with a corrupt header
			g := bytes.Clone(good[rng.Intn(len(good))])
			g[rng.Intn(8)] ^= byte(1 + rng.Intn(255))
			b = g
		default: // from the malformed table
			b = malformed[rng.Intn(len(malformed))].b
		}
		if _, err := Decode(b); err == nil {
			continue // a mutation that still decodes is not malformed
		}
		if s.Ingest(b) != nil {
			refused++
		}
	}
	if after := metricsWithoutDrops(s); after != before {
		t.Error("malformed datagrams changed the metrics")
	}
	var dropped uint64
	for _, n := range s.Snapshot().Ingest.Dropped {
		dropped += n
	}
	if refused < 10000 || dropped != refused {
		t.Errorf("refused %d, dropped counters %d", refused, dropped)
	}
	// Still working.
	if err := s.Ingest(tick(77, 1, "app", 3)); err != nil {
		t.Fatal(err)
	}
	if g := groupView(t, ptr(s.Snapshot()), "app"); g.Requests["2xx"] != 604 {
		t.Errorf("2xx after the flood: %d, want 604", g.Requests["2xx"])
	}
}

func ptr[T any](v T) *T { return &v }

// TestStoreConcurrent ingests from several goroutines while others read;
// run with -race.
func TestStoreConcurrent(t *testing.T) {
	s := NewStore(Options{})
	capture := loadCapture(t)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(capture); i += 4 {
				s.Ingest(capture[i])
			}
		}(w)
	}
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				snap := s.Snapshot()
				RenderTop(&snap, 100, 30)
				metrics(s)
			}
		}()
	}
	wg.Wait()
	if got := s.Snapshot().Totals.Requests; got != 667 {
		t.Errorf("requests %d, want 667", got)
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 64, "plain"},
		{"tab\tnew\nline", 64, "tab?new?line"},
		{"esc\x1b[31m", 64, "esc?[31m"},
		{"bad\xffutf8", 64, "bad?utf8"},
		{"\u202eflip", 64, "?flip"},
		{"é long", 64, "é long"},
		{strings.Repeat("é", 10), 9, strings.Repeat("é", 4)}, // cut on a rune boundary
	}
	for _, tt := range tests {
		if got := cleanText(tt.in, tt.max); got != tt.want {
			t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkIngest measures decoding and applying one periodic sample of
// mod_wsgi 6.0.5 (about 3 KB).
func BenchmarkIngest(b *testing.B) {
	s := NewStore(Options{})
	d := loadFixtures(b)["request-daemon"]
	b.SetBytes(int64(len(d)))
	for b.Loop() {
		if err := s.Ingest(d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteMetrics measures one scrape of the recorded run's store.
func BenchmarkWriteMetrics(b *testing.B) {
	c := newClock(0)
	s := NewStore(Options{Now: c.Now, Linger: time.Hour})
	replay(b, s, c)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		s.WriteMetrics(&buf)
	}
}
