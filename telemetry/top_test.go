package telemetry

import (
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
		want          []string // substrings, each on some line, in order
		wantLines     int      // exact count when > 0
	}{
		{name: "no data", store: NewStore(Options{}), width: 80, height: 24,
			want: []string{"mod_wsgi-express top", "waiting for the first telemetry datagram", "GROUP", "(no process has reported yet)"}},
		{name: "two processes", store: live, width: 120, height: 24,
			want: []string{"req/s 20.0", "busy 6.0/30", "processes 2", "requests 40",
				"web", "1000", "running", "1m30s", "10.0", "3.3ms", "3.5ms", "3.5ms", "3.0/15", "50%", "50.0M",
				"web", "1001"}},
		{name: "narrow terminal cuts lines", store: live, width: 40, height: 24, want: []string{"mod_wsgi-express top"}},
		{name: "more processes than rows", store: crowded, width: 120, height: 12, wantLines: 12,
			want: []string{"GROUP", "1000", "... 33 more processes"}},
		{name: "slow requests, control characters removed", store: slow, width: 120, height: 24,
			want: []string{"api", "SLOW", "active", "3.25s", "api", "POST", "/upload?[31m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := tt.store.Snapshot()
			lines := screenLines(t, RenderTop(&snap, tt.width, tt.height))
			if len(lines) > tt.height || tt.wantLines > 0 && len(lines) != tt.wantLines {
				t.Errorf("%d lines for height %d (want %d)", len(lines), tt.height, tt.wantLines)
			}
			for _, l := range lines {
				if n := utf8.RuneCountInString(l); n > tt.width {
					t.Errorf("line of %d columns in width %d: %q", n, tt.width, l)
				}
			}
			all := strings.Join(lines, "\n")
			pos := 0
			for _, w := range tt.want {
				i := strings.Index(all[pos:], w)
				if i < 0 {
					t.Errorf("no %q after offset %d in:\n%s", w, pos, all)
					break
				}
				pos += i
			}
		})
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
