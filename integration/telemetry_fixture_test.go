//go:build !windows

package integration

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/telemetry"
)

// fixtureAPI serves the telemetry JSON API of docs/telemetry-api.md from
// made-up but consistent data, shaped exactly as the contract says, and
// the live page from telemetry.Handler: the page is tested against it
// for what a real server cannot be made to show on demand (crashes,
// restarts, GC and GIL on mod_wsgi 6, 4.x's missing measures), and the
// same checks then run against real Apache.
type fixtureAPI struct {
	native bool      // mod_wsgi 6 (every measure) or 4.9.4 (the reporter's)
	now    time.Time // the data ends here; it starts 15 minutes before
}

const fixtureGroup = "localhost:8000"

// The processes of the fixture: slot 0's first process recycled at
// maximum-requests 200 s ago, slot 1's first crashed 40 s ago.
type fixtureProc struct {
	pid, slot  int
	start, end float64 // seconds before now; end 0: alive
	state, why string
	requests   int
	replaces   int
}

func (f *fixtureAPI) procs() []fixtureProc {
	return []fixtureProc{
		{pid: 4101, slot: 0, start: 1000, end: 200, state: "stopped", why: "maximum-requests", requests: 5000},
		{pid: 4103, slot: 0, start: 200, state: "running", requests: 3100, replaces: 4101},
		{pid: 4102, slot: 1, start: 1000, end: 40, state: "lost", why: "crash", requests: 6120},
		{pid: 4105, slot: 1, start: 39, state: "running", requests: 610, replaces: 4102},
	}
}

func (f *fixtureAPI) t(ago float64) float64 {
	return float64(f.now.UnixNano())/1e9 - ago
}

// rate is the fixture's request rate ago seconds before now: a load that
// rises 10 minutes in, with a wave.
func rate(ago float64) float64 {
	base := 20.0
	if ago < 600 {
		base = 80
	}
	return base + 15*math.Sin(ago/25)
}

func (f *fixtureAPI) handler() http.Handler {
	mux := http.NewServeMux()
	page := telemetry.Handler(telemetry.NewStore(telemetry.Options{}))
	mux.Handle("/", page)
	js := func(path string, fn func(r *http.Request) (any, int)) {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			v, code := fn(r)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(code)
			json.NewEncoder(w).Encode(v)
		})
	}
	js("/api/snapshot", func(r *http.Request) (any, int) { return f.snapshot(), 200 })
	js("/api/series", func(r *http.Request) (any, int) { return f.series(r), 200 })
	js("/api/histogram", func(r *http.Request) (any, int) { return f.histogram(r), 200 })
	js("/api/events", func(r *http.Request) (any, int) { return f.events(), 200 })
	js("/api/timeline", func(r *http.Request) (any, int) { return f.timeline(r), 200 })
	js("/api/slow-requests", func(r *http.Request) (any, int) { return f.slowList(r), 200 })
	js("/api/slow-requests/{id}", func(r *http.Request) (any, int) {
		for _, s := range f.slow() {
			if s["id"] == r.PathValue("id") {
				return s, 200
			}
		}
		return map[string]string{"error": "no slow request " + r.PathValue("id")}, 404
	})
	js("/api/gc", func(r *http.Request) (any, int) { return f.gc(r), 200 })
	js("/api/gil", func(r *http.Request) (any, int) { return f.gil(r), 200 })
	return mux
}

func (f *fixtureAPI) serve(t *testing.T) string {
	srv := httptest.NewServer(f.handler())
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

func window(r *http.Request) float64 {
	w, err := strconv.ParseFloat(r.URL.Query().Get("window"), 64)
	if err != nil {
		return 300
	}
	return math.Max(10, math.Min(900, w))
}

func (f *fixtureAPI) capabilities() map[string]any {
	if f.native {
		return map[string]any{"module": "6.0.5", "source": "native", "request_phase": true, "extremes": true, "threads": true,
			"bytes": true, "gc": true, "gil": true, "in_flight": true, "shutdown_reasons": true, "missing": []any{}}
	}
	return map[string]any{"module": "4.9.4", "source": "reporter", "request_phase": false, "extremes": false, "threads": false,
		"bytes": false, "gc": false, "gil": false, "in_flight": false, "shutdown_reasons": false,
		"missing": []map[string]string{
			{"what": "GC", "why": "mod_wsgi 4.9.4 does not report garbage collection; it needs mod_wsgi 6"},
			{"what": "GIL", "why": "mod_wsgi 4.9.4 does not report GIL waits; it needs mod_wsgi 6"},
			{"what": "Request phases", "why": "mod_wsgi 4.9.4 reports no request total, GIL wait, input read or output write time; they need mod_wsgi 6"},
			{"what": "Slow request details", "why": "CPU, bytes and concurrency of a slow request need mod_wsgi 6"},
		}}
}

func lat(p50, p95, p99 float64) map[string]any {
	return map[string]any{"phase": "request", "count": 1000, "p50": p50, "p95": p95, "p99": p99, "max": p99 * 2}
}

func (f *fixtureAPI) phases() []string {
	if f.native {
		return []string{"request", "server", "queue", "daemon", "application", "gil_wait", "input_read", "output_write"}
	}
	return []string{"server", "queue", "daemon", "application"}
}

// phaseScale is each phase's share of a request's latency.
var phaseScale = map[string]float64{"request": 1, "server": 0.02, "queue": 0.05, "daemon": 0.03, "application": 0.88,
	"gil_wait": 0.2, "input_read": 0.01, "output_write": 0.04}

func (f *fixtureAPI) snapshot() map[string]any {
	var procs []map[string]any
	live := 0
	for _, p := range f.procs() {
		if p.end == 0 {
			live++
		}
	}
	for _, live := range []bool{true, false} {
		for _, p := range f.procs() {
			if (p.end == 0) != live {
				continue
			}
			v := map[string]any{"group": fixtureGroup, "pid": p.pid, "slot": p.slot, "state": p.state, "started": time.Unix(int64(f.t(p.start)), 0),
				"start_known": true, "last_seen": f.now, "uptime": p.start - p.end, "interval": 1, "requests": p.requests,
				"throughput": rate(0) / 2, "latency": lat(0.011, 0.032, 0.2), "workers": 5, "busy": 2.5, "in_flight": 2,
				"capacity": 0.5, "cpu": 0.4, "rss": 64 << 20, "max_rss": 70 << 20, "mod_wsgi_version": f.capabilities()["module"],
				"series":  map[string]any{"t": []float64{}, "throughput": []float64{}, "busy": []float64{}, "cpu": []float64{}, "rss": []float64{}, "p95": []float64{}},
				"threads": []any{}}
			if p.end != 0 {
				v["stop_reason"] = p.why
				v["throughput"], v["busy"], v["in_flight"], v["capacity"], v["cpu"], v["rss"] = 0, 0, 0, 0, 0, 0
			}
			procs = append(procs, v)
		}
	}
	var phases []map[string]any
	for _, ph := range f.phases() {
		s := phaseScale[ph]
		phases = append(phases, map[string]any{"phase": ph, "count": 14830, "sum": 14830 * 0.015 * s, "mean": 0.015 * s,
			"p50": 0.011 * s, "p95": 0.032 * s, "p99": 0.2 * s})
	}
	group := map[string]any{"name": fixtureGroup, "processes": live, "requests": map[string]int{"2xx": 14200, "3xx": 300, "4xx": 250, "5xx": 80},
		"requests_total": 14830, "throughput": 64.2, "current_throughput": rate(0), "in_flight": 4, "error_rate": 0.012,
		"latency": lat(0.011, 0.032, 0.2), "workers": 10, "busy": 5.2, "capacity": 0.52, "cpu": 0.8, "cpu_seconds": 410,
		"rss": 128 << 20, "starts": 4, "restarts": 2, "stops": map[string]int{"maximum-requests": 1, "crash": 1},
		"restarts_by_reason": map[string]int{"maximum-requests": 1, "crash": 1}, "slow_requests": 4,
		"input_bytes": 1 << 20, "output_bytes": 9 << 20, "phases": phases, "gc": nil, "gil": nil}
	return map[string]any{
		"time": f.now, "window_seconds": 60, "capabilities": f.capabilities(),
		"totals": map[string]any{"processes": live, "requests": 14830, "throughput": 64.2, "current_throughput": rate(0),
			"in_flight": 4, "error_rate": 0.012, "workers": 10, "busy": 5.2, "latency": lat(0.011, 0.032, 0.2)},
		"groups": []any{group}, "processes": procs, "slow_requests": f.slow(),
		"ingest": map[string]any{"accepted": map[string]int{"request_sample": 3000}, "dropped": map[string]int{}, "lost": 0, "unknown_fields": 0, "last": f.now},
	}
}

// steps are the times of a window's points, oldest first, at most 300.
func (f *fixtureAPI) steps(w float64) (ts []float64, step float64) {
	step = math.Max(1, math.Ceil(w/300))
	for ago := math.Floor(w/step) * step; ago >= 0; ago -= step {
		ts = append(ts, f.t(ago))
	}
	return ts, step
}

func (f *fixtureAPI) series(r *http.Request) map[string]any {
	w := window(r)
	ts, step := f.steps(w)
	n := len(ts)
	col := func(fn func(ago float64) any) []any {
		out := make([]any, n)
		for i, t := range ts {
			out[i] = fn(f.t(0) - t)
		}
		return out
	}
	share := map[string]float64{"2xx": 0.93, "3xx": 0.03, "4xx": 0.025, "5xx": 0.015}
	tp := map[string]any{"1xx": col(func(float64) any { return 0 }), "unknown": col(func(float64) any { return 0 })}
	for k, s := range share {
		tp[k] = col(func(ago float64) any {
			if k == "5xx" && ago > 100 && ago < 130 {
				return rate(ago) * 0.2 // an incident
			}
			return rate(ago) * s
		})
	}
	latency := map[string]any{}
	for _, ph := range f.phases() {
		s := phaseScale[ph]
		latency[ph] = map[string]any{
			"p50": col(func(ago float64) any { return s * (0.008 + rate(ago)/20000) }),
			"p95": col(func(ago float64) any { return s * (0.03 + rate(ago)/4000) }),
			"p99": col(func(ago float64) any { return s * (0.09 + rate(ago)/1000) }),
		}
	}
	out := map[string]any{
		"window": w, "step": step, "group": r.URL.Query().Get("group"), "pid": 0, "t": ts,
		"throughput": tp,
		"error_rate": col(func(ago float64) any {
			if ago > 100 && ago < 130 {
				return 0.16
			}
			return 0.015
		}),
		"capacity":  col(func(ago float64) any { return math.Min(1, rate(ago)/110) }),
		"busy":      col(func(ago float64) any { return rate(ago) / 11 }),
		"workers":   col(func(float64) any { return 10 }),
		"cpu":       col(func(ago float64) any { return rate(ago) / 90 }),
		"rss":       col(func(ago float64) any { return 120e6 + 2e5*math.Mod(900-ago, 200) }),
		"processes": col(func(float64) any { return 2 }),
		"latency":   latency,
		"markers": []map[string]any{
			{"t": f.t(200), "kind": "restart", "group": fixtureGroup, "pid": 4103, "reason": "maximum-requests"},
			{"t": f.t(39), "kind": "restart", "group": fixtureGroup, "pid": 4105, "reason": "crash"},
		},
	}
	if pid := r.URL.Query().Get("pid"); pid != "" {
		out["pid"], _ = strconv.Atoi(pid)
	}
	if f.native {
		out["gc"] = map[string]any{"overhead": col(func(ago float64) any { return 0.004 + rate(ago)/8000 }),
			"collections": map[string]any{"0": col(func(ago float64) any { return rate(ago) / 10 }), "1": col(func(ago float64) any { return rate(ago) / 100 }), "2": col(func(float64) any { return 0.02 })}}
		out["gil"] = map[string]any{"contention": col(func(ago float64) any { return rate(ago) / 200 })}
	}
	return out
}

func (f *fixtureAPI) histogram(r *http.Request) map[string]any {
	phase := r.URL.Query().Get("phase")
	if phase == "" {
		phase = "request"
	}
	s := phaseScale[phase]
	if s == 0 {
		s = 1
	}
	bounds := []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	counts := []int{3, 40, 210, 1900, 2400, 800, 300, 90, 30, 8, 2, 1, 0}
	var buckets []map[string]any
	total := 0
	for i, b := range bounds {
		if counts[i] > 0 {
			buckets = append(buckets, map[string]any{"le": b, "count": counts[i]})
			total += counts[i]
		}
	}
	return map[string]any{"phase": phase, "window": window(r), "count": total, "mean": 0.015 * s, "min": 0.0004,
		"max": 3.1, "p50": 0.012 * s, "p95": 0.06 * s, "p99": 0.3 * s, "below_resolution": false,
		"buckets": buckets, "coarse": !f.native}
}

func (f *fixtureAPI) events() []map[string]any {
	var ev []map[string]any
	for _, p := range f.procs() {
		kind := "started"
		if p.start < 1000 {
			kind = "restarted"
		}
		e := map[string]any{"t": f.t(p.start), "kind": kind, "group": fixtureGroup, "pid": p.pid, "slot": p.slot, "reason": "", "uptime": 0, "requests": 0, "in_flight": 0}
		if kind == "restarted" {
			e["replaces"] = p.replaces
		}
		ev = append(ev, e)
		if p.end != 0 {
			kind := "stopped"
			if p.state == "lost" {
				kind = "lost"
			}
			ev = append(ev, map[string]any{"t": f.t(p.end), "kind": kind, "group": fixtureGroup, "pid": p.pid, "slot": p.slot,
				"reason": p.why, "uptime": p.start - p.end, "requests": p.requests, "in_flight": map[bool]int{true: 3, false: 0}[p.state == "lost"]})
		}
	}
	// Newest first.
	for i := 0; i < len(ev); i++ {
		for j := i + 1; j < len(ev); j++ {
			if ev[j]["t"].(float64) > ev[i]["t"].(float64) {
				ev[i], ev[j] = ev[j], ev[i]
			}
		}
	}
	return ev
}

func (f *fixtureAPI) timeline(r *http.Request) []map[string]any {
	w := window(r)
	var out []map[string]any
	for _, p := range f.procs() {
		if p.end != 0 && p.end > w {
			continue
		}
		var end any
		if p.end != 0 {
			end = f.t(p.end)
		}
		out = append(out, map[string]any{"group": fixtureGroup, "slot": p.slot, "pid": p.pid, "start": f.t(p.start), "end": end, "state": p.state, "reason": p.why})
	}
	return out
}

// slow: one active request, then completed ones by start, newest first.
func (f *fixtureAPI) slow() []map[string]any {
	mk := func(pid, thread int, ago, duration float64, state, method, path string, status int, ua string) map[string]any {
		start := f.t(ago)
		r := map[string]any{"id": fmt.Sprintf("%d-%d-%.6f", pid, thread, start), "group": fixtureGroup, "pid": pid, "thread": thread,
			"log_id": fmt.Sprintf("aX%dq%d", pid, thread), "state": state, "start": time.Unix(0, int64(start*1e9)),
			"stamp": f.now, "duration": duration, "status": status, "method": method, "scheme": "http", "host": "localhost:8000",
			"path": path, "protocol": "HTTP/1.1", "peer_ip": "127.0.0.1", "user_agent": ua}
		if f.native {
			r["phases"] = map[string]any{"server": 0.0004, "queue": 0.002, "daemon": 0.0009, "application": duration - 0.0033,
				"gil_wait": duration * 0.25, "input_read": duration * 0.05, "output_write": duration * 0.1}
			r["gil_wait_count"], r["cpu_user"], r["cpu_system"] = 17, duration*0.4, duration*0.05
			r["input_bytes"], r["input_reads"], r["output_bytes"], r["output_writes"] = 2048, 2, 184320, 45
			r["active_at_start"], r["active_at_end"] = 3, 5
		} else {
			r["phases"] = map[string]any{"server": 0.0004, "queue": 0.002, "daemon": 0.0009, "application": duration - 0.0033}
			r["gil_wait_count"], r["cpu_user"], r["cpu_system"] = nil, nil, nil
			r["input_bytes"], r["input_reads"], r["output_bytes"], r["output_writes"] = nil, nil, nil, nil
			r["active_at_start"], r["active_at_end"] = nil, nil
		}
		return r
	}
	return []map[string]any{
		mk(4105, 2, 12, 12.0, "active", "POST", "/reports/export", 0, "curl/8.1"),
		mk(4103, 1, 30, 2.41, "completed", "GET", "/search", 200, "Mozilla/5.0 (X11; Linux x86_64)"),
		mk(4103, 4, 95, 5.02, "completed", "GET", "/reports/monthly", 504, ""),
		mk(4102, 0, 60, 1.2, "lost", "GET", "/upload", 0, ""),
	}
}

func (f *fixtureAPI) slowList(r *http.Request) []map[string]any {
	q := r.URL.Query()
	out := []map[string]any{}
	min, _ := strconv.ParseFloat(q.Get("min_duration"), 64)
	for _, s := range f.slow() {
		if st := q.Get("state"); st != "" && s["state"] != st {
			continue
		}
		if p := q.Get("path"); p != "" && !strings.Contains(s["path"].(string), p) {
			continue
		}
		if s["duration"].(float64) < min {
			continue
		}
		out = append(out, s)
	}
	return out
}

func (f *fixtureAPI) gc(r *http.Request) map[string]any {
	if !f.native {
		return map[string]any{"available": false, "why": "mod_wsgi 4.9.4 does not report garbage collection; it needs mod_wsgi 6"}
	}
	w := window(r)
	ts, _ := f.steps(w)
	var pauses []map[string]any
	for ago := w - 1; ago > 0; ago -= 2.5 {
		gen := 0
		if int(ago)%17 == 0 {
			gen = 1
		}
		if int(ago)%97 == 0 {
			gen = 2
		}
		d := 0.0003 + 0.0004*float64(gen)*float64(gen+1) + 0.0002*math.Abs(math.Sin(ago))
		pauses = append(pauses, map[string]any{"t": f.t(ago), "pid": 4103, "generation": gen, "duration": d, "collected": 40, "uncollectable": 0})
	}
	col := func(fn func(ago float64) float64) []float64 {
		out := make([]float64, len(ts))
		for i, t := range ts {
			out[i] = fn(f.t(0) - t)
		}
		return out
	}
	return map[string]any{"available": true, "overhead": 0.012,
		"collections_per_second": map[string]float64{"0": 3.1, "1": 0.3, "2": 0.01},
		"pauses":                 pauses,
		"pause_histogram": map[string]any{"buckets": []map[string]any{{"le": 0.0005, "count": 200}, {"le": 0.001, "count": 90}, {"le": 0.0025, "count": 12}, {"le": 0.005, "count": 2}},
			"p50": 0.0004, "p95": 0.0011, "p99": 0.0024, "max": 0.0031},
		"series": map[string]any{"t": ts, "overhead": col(func(ago float64) float64 { return 0.004 + rate(ago)/8000 }),
			"collections": map[string]any{"0": col(func(ago float64) float64 { return rate(ago) / 10 }), "1": col(func(ago float64) float64 { return rate(ago) / 100 }), "2": col(func(float64) float64 { return 0.02 })}},
	}
}

func (f *fixtureAPI) gil(r *http.Request) []map[string]any {
	if !f.native {
		return []map[string]any{}
	}
	w := window(r)
	ts, _ := f.steps(w)
	threads := func(hot float64) [][]float64 {
		var rows [][]float64
		for th := 0; th < 5; th++ {
			row := make([]float64, len(ts))
			for i, t := range ts {
				ago := f.t(0) - t
				row[i] = math.Min(1, hot*rate(ago)/100+0.1*float64(th%3))
			}
			rows = append(rows, row)
		}
		return rows
	}
	return []map[string]any{{
		"group": fixtureGroup, "switch_interval": 0.005, "bands": []int{410, 260, 120, 60, 150}, "handoff": 0.41,
		"verdict": "some contention: a waiting thread gets the GIL at the first hand-off 41% of the time",
		"series": map[string]any{"step": 1, "t": ts, "contention": func() []float64 {
			out := make([]float64, len(ts))
			for i, t := range ts {
				out[i] = rate(f.t(0)-t) / 800
			}
			return out
		}()},
		"processes": []map[string]any{
			{"pid": 4103, "slot": 0, "verdict": "GIL-bound: threads busy but mostly waiting for the GIL", "t": ts, "threads": threads(1.1)},
			{"pid": 4105, "slot": 1, "verdict": "busy, not saturated", "t": ts, "threads": threads(0.5)},
		},
	}}
}
