package telemetry

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// screenLines splits a RenderTop screen into its text lines, checking the
// control sequences around them.
func screenLines(t *testing.T, screen string) []string {
	t.Helper()
	if !strings.HasPrefix(screen, "\x1b[H") || !strings.HasSuffix(screen, "\x1b[J") {
		t.Fatalf("screen does not start at home and clear below: %q", screen)
	}
	body := strings.TrimSuffix(strings.TrimPrefix(screen, "\x1b[H"), "\x1b[J")
	var lines []string
	for _, l := range strings.Split(body, "\r\n") {
		if !strings.HasSuffix(l, "\x1b[K") {
			t.Fatalf("line %q is not cleared to its end", l)
		}
		l = strings.TrimSuffix(l, "\x1b[K")
		if strings.ContainsAny(l, "\x1b\r\n") {
			t.Fatalf("control characters inside line %q", l)
		}
		lines = append(lines, l)
	}
	return lines
}

func liveStore(t *testing.T, processes int) (*Store, *clock) {
	t.Helper()
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now})
	b := make([]int32, NumBuckets)
	b[BucketIndex(0.003)] = 10
	sample := func(pid, seq uint32) []byte {
		return mk(KindRequest, pid, seq, 1.7e9, Str(FieldProcessGroup, "web"), F64(FieldSamplePeriod, 1),
			F64(FieldTelemetryInterval, 1), U64(FieldRequestCount, 10), U64(StatusClassField+1, 10),
			U64(FieldThreadsMaximum, 15), F64(FieldCapacityUtilization, 0.2), F64(FieldCPUUtilization, 0.5),
			U64(FieldMemoryRSS, 50<<20), I32s(PhaseBucketsField+uint16(PhaseRequest), b))
	}
	for i := 0; i < processes; i++ {
		pid := uint32(1000 + i)
		s.Ingest(started(pid, 1, "web"))
		s.Ingest(sample(pid, 2))
	}
	// 90 s on, with the processes alive all along, a last sample each.
	for step := uint32(0); step < 9; step++ {
		c.Advance(10 * time.Second)
		for i := 0; i < processes; i++ {
			s.Ingest(mk(KindGCEvent, uint32(1000+i), 3+step, 1.7e9))
		}
	}
	for i := 0; i < processes; i++ {
		s.Ingest(sample(uint32(1000+i), 20))
	}
	return s, c
}

// inOrder checks that each of want is on some line of lines, in order.
func inOrder(t *testing.T, lines []string, want ...string) {
	t.Helper()
	all := strings.Join(lines, "\n")
	pos := 0
	for _, w := range want {
		i := strings.Index(all[pos:], w)
		if i < 0 {
			t.Errorf("no %q after offset %d in:\n%s", w, pos, all)
			return
		}
		pos += i + len(w)
	}
}

// checkSize checks a screen's lines fit width and height (0: any), and
// returns them.
func checkSize(t *testing.T, lines []string, width, height int) []string {
	t.Helper()
	if height > 0 && len(lines) > height {
		t.Errorf("%d lines for height %d", len(lines), height)
	}
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); width > 0 && n > width {
			t.Errorf("line of %d columns in width %d: %q", n, width, l)
		}
	}
	return lines
}

func TestRenderTop(t *testing.T) {
	live, _ := liveStore(t, 2)
	crowded, _ := liveStore(t, 40)
	slow := NewStore(Options{Now: fixedClock(1.7e9)})
	slow.Ingest(tick(5, 1, "api", 1))
	slow.Ingest(mk(KindSlowRequest, 5, 2, 1.7e9, U64(FieldSlowState, 0), F64(FieldSlowStartStamp, 1.7e9-3),
		F64(FieldSlowDuration, 3.25), Str(FieldSlowMethod, "POST"), Str(FieldSlowPathInfo, "/upload\x1b[31m"),
		Str(FieldProcessGroup, "ignored")))
	tests := []struct {
		name          string
		store         *Store
		width, height int
		want          []string // substrings, in order
		wantLines     int      // exact count when > 0
	}{
		{name: "no data", store: NewStore(Options{}), width: 80, height: 24,
			want: []string{"mod_wsgi-express top", "waiting for the first telemetry datagram", "[1 processes]", "GROUP", "(no process has reported yet)", "? help  q quit"}},
		{name: "two processes", store: live, width: 120, height: 24,
			want: []string{"group all", "req/s 20.0", "busy 6.0/30", "processes 2  requests 40", "processes by cpu: 2 live, 0 stopped",
				"web", "1000", "running", "1m30s", "20", "10.0", "3.5ms", "3.5ms", "3.0/15", "50%", "50.0M",
				"web", "1001"}},
		{name: "narrow terminal cuts lines", store: live, width: 40, height: 24, want: []string{"mod_wsgi-express top"}},
		{name: "more processes than rows", store: crowded, width: 120, height: 12, wantLines: 12,
			want: []string{"GROUP", "1000", "... 36 more processes", "q quit"}},
		{name: "tiny terminal", store: crowded, width: 10, height: 2, wantLines: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := tt.store.Snapshot()
			lines := screenLines(t, RenderTop(&snap, tt.width, tt.height))
			if tt.wantLines > 0 && len(lines) != tt.wantLines {
				t.Errorf("%d lines, want %d", len(lines), tt.wantLines)
			}
			checkSize(t, lines, max(tt.width, 40), max(tt.height, 5))
			inOrder(t, lines, tt.want...)
		})
	}
	t.Run("slow requests view, control characters removed", func(t *testing.T) {
		snap := slow.Snapshot()
		lines := screenLines(t, RenderTopView(&TopData{Snapshot: &snap}, TopState{View: ViewSlow, Keys: true}, 100, 24))
		checkSize(t, lines, 100, 24)
		inOrder(t, lines, "[3 slow requests]", "STATE", "START", "DURATION", "GROUP", "PATH", "active", "3.25s", "api", "5", "POST", "-", "/upload?[31m")
	})
}

// topData is a two-group snapshot with the API's extras, as Client.Top
// reads them from a mod_wsgi 4.9.4 server.
func topData(t *testing.T) *TopData {
	t.Helper()
	s, _ := liveStore(t, 3)
	s.Ingest(tick(77, 1, "other", 5))
	snap := s.Snapshot()
	// Process 1001 uses the most memory, 1002 the most CPU, 77 (other)
	// served the most.
	for i := range snap.Processes {
		switch p := &snap.Processes[i]; p.PID {
		case 1001:
			p.RSS, p.CPU, p.Requests, p.Busy = 900<<20, 0.1, 1, 0.5
		case 1002:
			p.RSS, p.CPU, p.Requests, p.Busy = 10<<20, 0.9, 2, 1
		case 77:
			p.RSS, p.CPU, p.Requests, p.Busy = 20<<20, 0.2, 500, 2
		}
	}
	f := func(v float64) *float64 { return &v }
	u := func(v uint64) *uint64 { return &v }
	snap.Capabilities = Capabilities{Module: "4.9.4", Source: "reporter", InFlight: true,
		Missing: []Missing{{What: "GC", Why: "mod_wsgi 4.9.4 does not report garbage collection; it needs mod_wsgi 6"},
			{What: "GIL wait", Why: "mod_wsgi 4.9.4 does not time the GIL; it needs mod_wsgi 6"}}}
	snap.Totals.CurrentThroughput, snap.Totals.InFlight = 41, 3
	d := &TopData{Snapshot: &snap,
		PhasesFetched: true, Phases: []HistogramView{
			{Phase: "application", Count: 40, Mean: f(0.004), Max: f(0.8), P50: f(0.003), P95: f(0.0045), P99: f(0.75)},
			{Phase: "queue", Count: 40, BelowResolution: true, Resolution: 0.001}},
		EventsFetched: true, Events: []Event{
			{T: 1.7e9 + 90, Kind: "stopped", Group: "web", PID: 999, Slot: 0, Reason: "maximum-requests", Uptime: f(65), Requests: u(400), InFlight: u(0)},
			{T: 1.7e9, Kind: "started", Group: "other", PID: 77, Slot: 1}},
	}
	return d
}

func TestTopViews(t *testing.T) {
	for _, tt := range []struct {
		name string
		st   TopState
		want []string
		not  []string
	}{
		{"processes by cpu", TopState{}, []string{"req/s 41.0 now, 35.0 over 1m00s", "in flight 3", "processes 4  requests 65",
			"mod_wsgi 4.9.4 here; needs mod_wsgi 6 (? says why): GC, GIL wait",
			"processes by cpu: 4 live", " 1002 ", " 1000 ", " 77 ", " 1001 "}, nil},
		{"processes by rss", TopState{Sort: "rss"}, []string{"processes by rss", " 1001 ", " 1000 ", " 77 ", " 1002 "}, nil},
		{"processes by requests", TopState{Sort: "requests"}, []string{" 77 ", " 1000 ", " 1002 ", " 1001 "}, nil},
		{"processes by busy", TopState{Sort: "busy"}, []string{" 1000 ", " 77 ", " 1002 ", " 1001 "}, nil},
		{"processes by pid", TopState{Sort: "pid"}, []string{" 77 ", " 1000 ", " 1001 ", " 1002 "}, nil},
		{"one group", TopState{Group: "other"}, []string{"group other", "req/s 5.0", "processes 1  requests 5", "processes by cpu: 1 live", "other", " 77 "},
			[]string{" 1000 ", "in flight 3"}},
		{"latency", TopState{View: ViewLatency}, []string{"[2 latency]", "latency by phase over the last 1m00s",
			"PHASE", "COUNT", "MEAN", "P50", "P95", "P99", "MAX",
			"application", "40", "4.0ms", "3.0ms", "4.5ms", "750.0ms", "800.0ms",
			"queue", "40", "-", "< 1.0ms", "< 1.0ms", "< 1.0ms"}, []string{"since the ingester started"}},
		{"events", TopState{View: ViewEvents}, []string{"[4 events]", "newest first", "EVENT", "REASON", "UPTIME", "REQUESTS", "IN FLIGHT",
			"stopped", "web", "999", "maximum-requests", "1m05s", "400", "started", "other", "77"}, nil},
		{"events of one group", TopState{View: ViewEvents, Group: "web"}, []string{"stopped", "999"}, []string{" 77 "}},
		{"help", TopState{Help: true}, []string{"+---", "| mod_wsgi-express top: keys", "processes", "cpu, rss, requests, busy, pid",
			"next process group", "quit", "Needs mod_wsgi 6:", "GC: mod_wsgi 4.9.4 does not report garbage collection", "+---"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.st.Keys = true
			const width, height = 100, 30
			lines := checkSize(t, screenLines(t, RenderTopView(topData(t), tt.st, width, height)), width, height)
			inOrder(t, lines, tt.want...)
			all := strings.Join(lines, "\n")
			for _, n := range tt.not {
				if strings.Contains(all, n) {
					t.Errorf("%q shown:\n%s", n, all)
				}
			}
		})
	}
}

// Without an event log or window histograms (an older ingester), the
// views say so and show what the snapshot has.
func TestTopViewsFallback(t *testing.T) {
	d := topData(t)
	d.Snapshot.Capabilities, d.Phases, d.Events = Capabilities{}, nil, nil
	d.PhasesErr = fmt.Errorf("x: %w", errNoEndpoint)
	d.EventsErr = fmt.Errorf("x: %w", errNoEndpoint)
	lines := screenLines(t, RenderTopView(d, TopState{View: ViewLatency}, 120, 30))
	inOrder(t, lines, "latency by phase since the ingester started (this ingester has no GET /api/histogram)", "web", "request", "60", "3.3ms")
	lines = screenLines(t, RenderTopView(d, TopState{View: ViewEvents}, 120, 30))
	inOrder(t, lines, "process starts and stops from the processes listed (this ingester keeps no event log)", "started", "web")
	for _, l := range lines {
		if strings.Contains(l, "needs mod_wsgi 6") {
			t.Errorf("capabilities said without any: %q", l)
		}
	}
}

// --once's text: every row, no control sequence, every missing measure
// with its reason, no keys.
func TestRenderTopText(t *testing.T) {
	d := topData(t)
	s, _ := liveStore(t, 60)
	snap := s.Snapshot()
	snap.Capabilities = d.Snapshot.Capabilities
	d.Snapshot = &snap
	text := RenderTopText(d, TopState{View: ViewProcesses, Help: true, Keys: true}, 0)
	if strings.ContainsAny(text, "\x1b\r") {
		t.Errorf("control characters in the text: %q", text)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	inOrder(t, lines, "mod_wsgi-express top", "requests 1200",
		"mod_wsgi 4.9.4 does not report, and needs mod_wsgi 6 for:",
		"  GC: mod_wsgi 4.9.4 does not report garbage collection; it needs mod_wsgi 6",
		"  GIL wait: mod_wsgi 4.9.4 does not time the GIL", "processes by cpu: 60 live", "1000", "1059")
	for _, no := range []string{"q quit", "[1 processes]", "+---", "more processes"} {
		if strings.Contains(text, no) {
			t.Errorf("--once text has %q:\n%s", no, text)
		}
	}
	if lines := strings.Split(RenderTopText(d, TopState{}, 50), "\n"); len(lines) < 60 {
		t.Errorf("%d lines, want every process", len(lines))
	} else {
		checkSize(t, lines, 50, 0)
	}
}

// threadTick is a mod_wsgi 6 sample of a process of group over a 1 s
// period: one busy time per thread, each thread's CPU half of it, one
// request completed by each busy thread, and the GIL waits of gil (nil:
// none timed).
func threadTick(pid, seq uint32, group string, cpu float64, gil []int32, busy ...float64) []byte {
	cpus, done, longest := make([]float64, len(busy)), make([]int32, len(busy)), make([]float64, len(busy))
	for i, b := range busy {
		cpus[i] = b / 2
		if b > 0 {
			done[i], longest[i] = 1, 0.25
		}
	}
	recs := []Record{Str(FieldModWSGIVersion, "6.0.5"), Str(FieldProcessGroup, group), F64(FieldSamplePeriod, 1),
		F64(FieldTelemetryInterval, 1), F64(FieldSwitchInterval, 0.005), U64(FieldRequestCount, uint64(len(busy))),
		U64(FieldThreadsMaximum, uint64(len(busy))), F64(FieldCPUUtilization, cpu),
		F64s(FieldSlotBusyTime, busy), F64s(FieldSlotCPUTime, cpus), I32s(FieldSlotCompleted, done),
		F64s(FieldSlotMaxDuration, longest), F64s(FieldSlotCurrentElapsed, busy)}
	if gil != nil {
		recs = append(recs, I32s(PhaseBucketsField+uint16(PhaseGILWait), gil))
	}
	return mk(KindRequest, pid, seq, 1.7e9, recs...)
}

// threadsStore has group "g" (pids 1, 3: mod_wsgi 6 with GIL waits) and
// group "h" (pid 2 live, pid 4 stopped), each live process with its
// threads.
func threadsStore(t *testing.T) *Store {
	t.Helper()
	c := newClock(1.7e9)
	s := NewStore(Options{Now: c.Now})
	contended := gilHist(map[float64]int32{0.0003: 10, 0.0052: 10, 0.0104: 10, 0.0151: 10, 0.03: 30})
	mustIngest(t, s, started(4, 1, "h"))
	for i := uint32(1); i <= 6; i++ {
		c.Advance(time.Second)
		mustIngest(t, s,
			threadTick(3, i, "g", 0.01, contended, 0.01, 0, 0.02), // nothing to do
			threadTick(1, i, "g", 1.0, contended, 1, 1, 1, 1, 0),  // four threads spinning on one core
			threadTick(2, i, "h", 0.1, nil, 1, 1),                 // every thread waiting on I/O
			threadTick(4, i+1, "h", 0.1, nil, 1, 1))
	}
	mustIngest(t, s, stopped(KindProcessStopped, 4, 8, "h", "maximum_requests"))
	return s
}

// The threads view: each live process of the groups shown, by group and
// pid, its verdict as GET /api/gil gives it, then its threads; the GIL
// contention of each group that measures it.
func TestTopThreads(t *testing.T) {
	s := threadsStore(t)
	snap := s.Snapshot()
	verdicts := map[uint32]string{}
	for _, g := range s.GIL(60, "") {
		for _, p := range g.Processes {
			verdicts[p.PID] = p.Verdict
		}
	}
	if !strings.HasPrefix(verdicts[1], "GIL-bound: ") || !strings.HasPrefix(verdicts[2], "saturated: ") || !strings.HasPrefix(verdicts[3], "idle: ") {
		t.Fatalf("verdicts of GET /api/gil: %v", verdicts)
	}
	d := &TopData{Snapshot: &snap}
	row := func(group string, pid int, rest string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^` + group + ` +` + strconv.Itoa(pid) + ` +` + rest + `$`)
	}
	verdict := func(group string, pid int) *regexp.Regexp {
		return row(group, pid, `verdict  `+regexp.QuoteMeta(verdicts[uint32(pid)]))
	}
	for _, tt := range []struct {
		name string
		st   TopState
		want []string
		rows []*regexp.Regexp
		not  []*regexp.Regexp
	}{
		{"every group", TopState{}, []string{"threads of 3 live processes by group, pid, thread; verdict on the last 5 samples",
			"GIL of g: heavy contention: 86% of requests waited for the GIL",
			"GROUP                PID  THREAD  BUSY   CPU  REQS  RUNNING  LONGEST",
			"g                      1 verdict  GIL-bound: 4.0 threads busy on average but only 1.00 cores of CPU",
			" 1       0  100%   50%     1    1.00s  250.0ms", " 1       4    0%    0%     0        -        -",
			"g                      3 verdict  idle: ", " 3       2    2%    1%     1   20.0ms  250.0ms",
			"h                      2 verdict  saturated: every thread busy (2 of 2)", " 2       1  100%   50%     1    1.00s  250.0ms"},
			[]*regexp.Regexp{verdict("g", 1), verdict("g", 3), verdict("h", 2)},
			[]*regexp.Regexp{regexp.MustCompile(`GIL of h`), regexp.MustCompile(`(?m)^h +4 `)}},
		{"one group", TopState{Group: "h"}, []string{"threads of 1 live processes", "GROUP", "h                      2 verdict  saturated",
			" 2       0  100%", " 2       1  100%"}, []*regexp.Regexp{regexp.MustCompile(`(?m)group h$`), verdict("h", 2),
			row("h", 2, `1 +100% +50% +1 +1\.00s +250\.0ms`)}, []*regexp.Regexp{regexp.MustCompile(`GIL of|(?m)^g |(?m)^h +4 `)}},
		{"the other group", TopState{Group: "g"}, []string{"threads of 2 live processes", "GIL of g: heavy contention"},
			[]*regexp.Regexp{verdict("g", 1), verdict("g", 3)}, []*regexp.Regexp{regexp.MustCompile(`(?m)^h `)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.st.View = ViewThreads
			text := RenderTopText(d, tt.st, 0)
			lines := strings.Split(text, "\n")
			inOrder(t, lines, tt.want...)
			for _, r := range tt.rows {
				if !r.MatchString(text) {
					t.Errorf("no line matching %s in:\n%s", r, text)
				}
			}
			for _, n := range tt.not {
				if n.MatchString(text) {
					t.Errorf("%s shown:\n%s", n, text)
				}
			}
			// Live: the tab, the key line, within the terminal.
			tt.st.Keys = true
			lines = checkSize(t, screenLines(t, RenderTopView(d, tt.st, 100, 30)), 100, 30)
			inOrder(t, lines, append([]string{"[5 threads]"}, append(tt.want, "1-5 view")...)...)
		})
	}
	t.Run("more rows than the terminal", func(t *testing.T) {
		lines := checkSize(t, screenLines(t, RenderTopView(d, TopState{View: ViewThreads, Keys: true}, 80, 14)), 80, 14)
		inOrder(t, lines, "[5 threads]", "threads of 3 live processes", "GROUP", "g                      1 verdict  GIL-bound: 4.0 threads busy on average but on~",
			"... 8 more rows", "1-5 view")
	})
	t.Run("no process yet", func(t *testing.T) {
		text := RenderTopText(&TopData{Snapshot: &Snapshot{}}, TopState{View: ViewThreads}, 0)
		inOrder(t, strings.Split(text, "\n"), "threads of 0 live processes", "GROUP", "(no live process has reported yet)")
	})
	// The help gives the keys and the order.
	lines := screenLines(t, RenderTopView(d, TopState{View: ViewThreads, Keys: true, Help: true}, 100, 30))
	inOrder(t, lines, "| mod_wsgi-express top: keys", "threads: by group, pid, thread", "5 t      threads")
}

// With mod_wsgi 4.x the threads view says in one line that it needs
// mod_wsgi 6, as the snapshot's capabilities say why.
func TestTopThreadsNeedModWSGI6(t *testing.T) {
	d := topData(t)
	d.Snapshot.Capabilities = (&seenCaps{module: "4.9.4"}).view()
	const want = "threads: mod_wsgi 4.9.4 does not report per-thread busy time, CPU or current requests; it needs mod_wsgi 6"
	text := RenderTopText(d, TopState{View: ViewThreads}, 0)
	_, body, _ := strings.Cut(text, "\n\n")
	if body != want+"\n" {
		t.Errorf("threads view of mod_wsgi 4.9.4: %q, want the one line %q; all:\n%s", body, want, text)
	}
	lines := checkSize(t, screenLines(t, RenderTopView(d, TopState{View: ViewThreads, Keys: true}, 120, 24)), 120, 24)
	inOrder(t, lines, "needs mod_wsgi 6 (? says why): ", "[5 threads]", want, "1-5 view")
	for _, l := range lines {
		if strings.Contains(l, "GROUP") {
			t.Errorf("threads view of mod_wsgi 4.9.4 has a table: %q", l)
		}
	}
}

// The keys of the live view.
func TestLiveKeys(t *testing.T) {
	v := &liveView{data: topData(t), st: TopState{View: ViewProcesses, Sort: "cpu"}}
	steps := []struct {
		keys string
		quit bool
		want TopState
	}{
		{"2", false, TopState{View: ViewLatency, Sort: "cpu"}},
		{"s", false, TopState{View: ViewSlow, Sort: "cpu"}},
		{"\t", false, TopState{View: ViewEvents, Sort: "cpu"}},
		{"\t", false, TopState{View: ViewThreads, Sort: "cpu"}},
		{"\t", false, TopState{View: ViewProcesses, Sort: "cpu"}},
		{"5", false, TopState{View: ViewThreads, Sort: "cpu"}},
		{"4t", false, TopState{View: ViewThreads, Sort: "cpu"}},
		{"1", false, TopState{View: ViewProcesses, Sort: "cpu"}},
		{">", false, TopState{View: ViewProcesses, Sort: "rss"}},
		{"<<", false, TopState{View: ViewProcesses, Sort: "pid"}},
		{"o", false, TopState{View: ViewProcesses, Sort: "cpu"}},
		{"g", false, TopState{View: ViewProcesses, Sort: "cpu", Group: "other"}},
		{"g", false, TopState{View: ViewProcesses, Sort: "cpu", Group: "web"}},
		{"g", false, TopState{View: ViewProcesses, Sort: "cpu"}},
		{" ", false, TopState{View: ViewProcesses, Sort: "cpu", Paused: true}},
		{" ?", false, TopState{View: ViewProcesses, Sort: "cpu", Help: true}},
		{"\x1b[A\x1b[C", false, TopState{View: ViewProcesses, Sort: "cpu", Help: true}}, // arrows: nothing
		{"\x1b", false, TopState{View: ViewProcesses, Sort: "cpu"}},                     // closes the help
		{"\x1b", true, TopState{View: ViewProcesses, Sort: "cpu"}},
	}
	for _, s := range steps {
		if quit := v.key([]byte(s.keys)); quit != s.quit || v.st != s.want {
			t.Fatalf("after %q: state %+v quit %v, want %+v quit %v", s.keys, v.st, quit, s.want, s.quit)
		}
	}
	for _, k := range []string{"q", "Q", "\x03", "\x04", "xq"} {
		if !v.key([]byte(k)) {
			t.Errorf("%q does not quit", k)
		}
	}
}

func TestTopFormats(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tt := range []struct{ got, want string }{
		{topSecs(nil), "-"}, {topSecs(f(0.0000042)), "4us"}, {topSecs(f(0.0123)), "12.3ms"}, {topSecs(f(2.5)), "2.50s"},
		{topBytes(0), "-"}, {topBytes(512), "512.0B"}, {topBytes(3 << 20), "3.0M"}, {topBytes(5 << 40), "5.0T"},
		{topDuration(59), "59s"}, {topDuration(61), "1m01s"}, {topDuration(7322), "2h02m"}, {topDuration(90000), "1d01h"},
		{topField("abcdef", 4), "abc~"}, {topField("abc", 4), "abc"}, {topField("ééééé", 3), "éé~"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// Whatever JSON the ingester's address answers, top draws every view
// within the terminal, with no control character from the data.
func FuzzTopJSON(f *testing.F) {
	d := topData(&testing.T{})
	seed, _ := json.Marshal(struct {
		*Snapshot
		Events []Event         `json:"events"`
		Phases []HistogramView `json:"phases"`
	}{d.Snapshot, d.Events, d.Phases})
	f.Add(seed, uint8(80), uint8(24))
	threads := threadsStore(&testing.T{}).Snapshot()
	seed, _ = json.Marshal(&threads)
	f.Add(seed, uint8(60), uint8(10))
	f.Add([]byte(`{"window_seconds":1e300,"processes":[{"group":"\u001b[2J","uptime":-1e300,"pid":1}],"events":[{"t":1e300,"kind":"\u202e"}]}`), uint8(40), uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, w, h uint8) {
		var in struct {
			Snapshot
			Events []Event         `json:"events"`
			Phases []HistogramView `json:"phases"`
		}
		if json.Unmarshal(data, &in) != nil {
			return
		}
		d := &TopData{Snapshot: &in.Snapshot, Events: in.Events, EventsFetched: true, Phases: in.Phases, PhasesFetched: true}
		width, height := max(int(w), 40), max(int(h), 5)
		for _, view := range TopViews {
			for _, help := range []bool{false, true} {
				st := TopState{View: view, Help: help, Keys: true, Group: in.Snapshot.Capabilities.Module}
				checkSize(t, screenLines(t, RenderTopView(d, st, int(w), int(h))), width, height)
				text := RenderTopText(d, st, int(w))
				if strings.ContainsAny(text, "\x1b\r\u202e") {
					t.Fatalf("control characters in %q", text)
				}
			}
		}
	})
}
