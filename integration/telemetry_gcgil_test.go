//go:build !windows

package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
	"github.com/modwsgi-go/mod_wsgi-express/telemetry"
)

// gcgilApp makes cyclic garbage (/garbage), reports its process's
// gc.get_stats() (/gcstats), spins in pure Python for half a second
// (/spin: holds the GIL but for the forced switches) or sleeps (/sleep:
// releases it).
const gcgilApp = `import gc, json, os, time

class Node:
    pass

def application(environ, start_response):
    path = environ['PATH_INFO']
    body = b'ok\n'
    if path == '/garbage':
        for i in range(3000):
            a = Node()
            b = Node()
            a.other, b.other = b, a
    elif path == '/gcstats':
        body = json.dumps({'pid': os.getpid(), 'stats': gc.get_stats()}).encode()
    elif path == '/spin':
        end = time.monotonic() + 0.5
        n = 0
        while time.monotonic() < end:
            n += 1
    elif path == '/sleep':
        time.sleep(0.2)
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [body]
`

// startGCGIL starts start-server --enable-telemetry with gcgilApp,
// reporting every half second.
func startGCGIL(t *testing.T, extra ...string) *telemetryServer {
	t.Helper()
	return startTelemetryApp(t, gcgilApp, append([]string{"--telemetry-interval", "0.5"}, extra...)...)
}

func (s *telemetryServer) native() bool { return !strings.HasPrefix(s.version, "4.") }

// get fetches the application's path and returns the body.
func (s *telemetryServer) get(t *testing.T, path string) []byte {
	t.Helper()
	resp, err := httpClient.Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s\n%s", path, resp.Status, b)
	}
	return b
}

type gcStats struct {
	PID   int `json:"pid"`
	Stats []struct {
		Collections uint64 `json:"collections"`
	} `json:"stats"`
}

func (s *telemetryServer) gcStats(t *testing.T) gcStats {
	t.Helper()
	var st gcStats
	if err := json.Unmarshal(s.get(t, "/gcstats"), &st); err != nil || len(st.Stats) != 3 {
		t.Fatalf("gc stats: %v %+v", err, st)
	}
	return st
}

// metricValues are the values of a family's samples in the exposition
// whose labels contain all the given name="value" pairs, by their full
// label set.
func metricValues(exposition, name string, labels ...string) map[string]float64 {
	out := map[string]float64{}
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(\{[^}]*\})? (\S+)$`)
	for _, m := range re.FindAllStringSubmatch(exposition, -1) {
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(m[1], l)
		}
		if v, err := strconv.ParseFloat(m[2], 64); ok && err == nil {
			out[m[1]] = v
		}
	}
	return out
}

// gcCollections is the group's collections by generation, from /metrics.
func (s *telemetryServer) gcCollections(t *testing.T) [3]float64 {
	t.Helper()
	var c [3]float64
	m := s.metrics(t)
	for gen := range c {
		for _, v := range metricValues(m, "mod_wsgi_gc_collections_total", fmt.Sprintf(`process_group=%q`, s.group), fmt.Sprintf(`generation="%d"`, gen)) {
			c[gen] += v
		}
	}
	return c
}

// settle waits until the ingester has had two more GC snapshots, so that
// what it counts includes every collection made before the call.
func (s *telemetryServer) settle(t *testing.T) {
	t.Helper()
	n := s.snapshot(t).Ingest.Accepted["gc_snapshot"]
	waitFor(t, "two more GC snapshots", func() bool { return s.snapshot(t).Ingest.Accepted["gc_snapshot"] >= n+2 })
}

// TestTelemetryGCAndGIL runs real Apache with one daemon process of five
// threads. With mod_wsgi 6: cyclic garbage makes collections and pauses
// appear, their count in step with the process's own gc.get_stats();
// sleeping requests show no GIL contention, four threads spinning in
// Python show it (waits of whole switch intervals, a hand-off estimate,
// the process judged GIL-bound). With mod_wsgi 4.x both views say they
// need mod_wsgi 6.
func TestTelemetryGCAndGIL(t *testing.T) {
	s := startGCGIL(t, "--processes", "1", "--threads", "5")
	before := s.gcStats(t)
	waitFor(t, "the process reporting", func() bool {
		snap := s.snapshot(t)
		return len(running(&snap, s.group)) == 1 && snap.Totals.Requests > 0
	}, func() string { return fmt.Sprintf("%+v", s.snapshot(t).Processes) })

	if !s.native() {
		var gc telemetry.GCView
		s.getJSON(t, "api/gc?group="+url.QueryEscape(s.group), &gc)
		want := "mod_wsgi " + s.version + " does not report garbage collection; it needs mod_wsgi 6"
		if gc.Available || gc.Why != want {
			t.Errorf("GET /api/gc: %+v, want unavailable because %q", gc, want)
		}
		var gil []telemetry.GILGroup
		s.getJSON(t, "api/gil", &gil)
		want = "mod_wsgi " + s.version + " does not report GIL contention; it needs mod_wsgi 6"
		if len(gil) != 1 || gil[0].Available || gil[0].Why != want {
			t.Errorf("GET /api/gil: %+v, want unavailable because %q", gil, want)
		}
		snap := s.snapshot(t)
		if g := groupOf(&snap, s.group); g == nil || g.GC != nil || g.GIL != nil {
			t.Errorf("group %+v: want gc and gil null", g)
		}
		if m := s.metrics(t); strings.Contains(m, "mod_wsgi_gc_collections_total{") || strings.Contains(m, "mod_wsgi_gil_wait_seconds_bucket{") {
			t.Errorf("mod_wsgi %s: GC or GIL series in the exposition:\n%s", s.version, m)
		}
		return
	}

	t.Run("gc", func(t *testing.T) {
		s.settle(t)
		ours0 := s.gcCollections(t)
		start := s.gcStats(t)
		if start.PID != before.PID {
			t.Fatalf("the process changed (%d, then %d)", before.PID, start.PID)
		}
		paths := make([]string, 40)
		for i := range paths {
			paths[i] = "/garbage"
		}
		testenv.GetAll(t, httpClient, s.URL, paths, 2)
		end := s.gcStats(t)
		s.settle(t)
		ours1 := s.gcCollections(t)
		// The process's own count between the two /gcstats, and ours over a
		// span a little wider (the snapshots around them): ours may count
		// a few more, made by the requests for the stats themselves.
		var theirs, counted [3]float64
		for gen := range theirs {
			theirs[gen] = float64(end.Stats[gen].Collections - start.Stats[gen].Collections)
			counted[gen] = ours1[gen] - ours0[gen]
		}
		t.Logf("collections by generation: gc.get_stats() %v, ingester %v", theirs, counted)
		if theirs[0] < 40 {
			t.Fatalf("the garbage made only %v generation-0 collections", theirs[0])
		}
		for gen := range theirs {
			if counted[gen] < theirs[gen] || counted[gen] > theirs[gen]*1.1+3 {
				t.Errorf("generation %d: the ingester counted %v collections, the process %v", gen, counted[gen], theirs[gen])
			}
		}
		// Every collection is a pause event, unless the module's buffer
		// overflowed (then it says how many it dropped). The module sends
		// at most 64 a tick: wait for the rest.
		all := theirs[0] + theirs[1] + theirs[2]
		var v telemetry.GCView
		waitFor(t, "a pause for every collection", func() bool {
			s.getJSON(t, "api/gc?window=900&group="+url.QueryEscape(s.group), &v)
			return float64(len(v.Pauses))+float64(v.DroppedEvents) >= all
		}, func() string {
			return fmt.Sprintf("%d pauses, %d dropped, %v collections", len(v.Pauses), v.DroppedEvents, all)
		})
		t.Logf("%d pauses and %d dropped, for %v collections", len(v.Pauses), v.DroppedEvents, all)
		if n := float64(len(v.Pauses)) + float64(v.DroppedEvents); len(v.Pauses) == 0 || n > counted[0]+counted[1]+counted[2]+5 {
			t.Errorf("%d pauses and %d dropped, for %v collections counted", len(v.Pauses), v.DroppedEvents, counted)
		}
		if !v.Available || v.Overhead == nil || *v.Overhead <= 0 || v.CollectionsPerSecond["0"] <= 0 {
			t.Errorf("GC view: available %v overhead %v rates %v", v.Available, v.Overhead, v.CollectionsPerSecond)
		}
		h := v.PauseHistogram
		if h.Count == 0 || h.P50 == nil || h.Max == nil || *h.P50 > *h.Max || *h.P50 <= 0 {
			t.Errorf("pause histogram %+v", h)
		}
		for _, p := range v.Pauses {
			if p.PID != uint32(before.PID) || p.Generation > 2 || p.Duration <= 0 || p.Duration > 1 {
				t.Errorf("pause %+v", p)
				break
			}
		}
		snap := s.snapshot(t)
		if g := groupOf(&snap, s.group); g == nil || g.GC == nil || g.GC.Pauses == 0 {
			t.Errorf("group %+v: want a gc summary", g)
		}
	})

	gil := func(t *testing.T) telemetry.GILGroup {
		t.Helper()
		var v []telemetry.GILGroup
		s.getJSON(t, "api/gil?window=900&group="+url.QueryEscape(s.group), &v)
		if len(v) != 1 || !v[0].Available {
			t.Fatalf("GET /api/gil: %+v", v)
		}
		return v[0]
	}
	beyond := func(g telemetry.GILGroup) uint64 { return g.Bands[1] + g.Bands[2] + g.Bands[3] + g.Bands[4] }
	count := func(g telemetry.GILGroup) uint64 { return g.Bands[0] + beyond(g) }

	var quiet telemetry.GILGroup
	t.Run("gil-sleep", func(t *testing.T) {
		base := count(gil(t))
		paths := make([]string, 40)
		for i := range paths {
			paths[i] = "/sleep"
		}
		testenv.GetAll(t, httpClient, s.URL, paths, 4)
		waitFor(t, "the sleeping requests' GIL waits", func() bool { return count(gil(t)) >= base+40 })
		quiet = gil(t)
		t.Logf("sleep: bands %v handoff %s: %s", quiet.Bands, fmtOpt(quiet.Handoff), quiet.Verdict)
		if quiet.SwitchInterval != 0.005 {
			t.Errorf("switch interval %v, want Python's default 0.005", quiet.SwitchInterval)
		}
		if b := beyond(quiet); float64(b) > 0.1*float64(count(quiet)) || !strings.HasPrefix(quiet.Verdict, "little contention") {
			t.Errorf("sleeping requests: %d of %d GIL waits of a switch interval or more, verdict %q", b, count(quiet), quiet.Verdict)
		}
	})

	t.Run("gil-spin", func(t *testing.T) {
		// Four clients keep four threads spinning until the process is
		// judged GIL-bound.
		var stop atomic.Bool
		var wg sync.WaitGroup
		var spun atomic.Int64
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stop.Load() {
					if resp, err := httpClient.Get(s.URL + "/spin"); err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						spun.Add(1)
					}
				}
			}()
		}
		var verdict string
		waitFor(t, "the process judged GIL-bound", func() bool {
			g := gil(t)
			if len(g.Processes) == 0 {
				return false
			}
			p := g.Processes[len(g.Processes)-1]
			verdict = p.Verdict
			return strings.HasPrefix(verdict, "GIL-bound") && spun.Load() >= 24
		}, func() string { return "last verdict: " + verdict })
		stop.Store(true)
		wg.Wait()
		n := uint64(spun.Load())
		var busy telemetry.GILGroup
		waitFor(t, "the spinning requests' GIL waits", func() bool {
			busy = gil(t)
			return count(busy) >= count(quiet)+n
		})
		t.Logf("spin (%d requests): bands %v handoff %s: %s", n, busy.Bands, fmtOpt(busy.Handoff), busy.Verdict)
		if b := beyond(busy) - beyond(quiet); b < n/2 {
			t.Errorf("%d spinning requests, %d GIL waits of a switch interval or more", n, b)
		}
		if busy.Handoff == nil || strings.HasPrefix(busy.Verdict, "little contention") {
			t.Errorf("spinning: handoff %v, verdict %q; want an estimate and contention", busy.Handoff, busy.Verdict)
		}
		p := busy.Processes[len(busy.Processes)-1]
		if len(p.Threads) != 5 || len(p.T) == 0 || len(p.Threads[0]) != len(p.T) {
			t.Errorf("heat map of %d threads, %d steps", len(p.Threads), len(p.T))
		}
	})
}

// TestTelemetryPrometheusGCGIL has a real Prometheus scrape a server whose
// two processes are recycled by --maximum-requests, and asks its query
// API for the new series: restarts by reason, per-slot CPU and memory
// with no more slots than processes, and with mod_wsgi 6 requests in
// flight, GC collections and pauses, GIL waits.
func TestTelemetryPrometheusGCGIL(t *testing.T) {
	s := startGCGIL(t, "--processes", "2", "--threads", "3", "--maximum-requests", "15")
	paths := []string{}
	for i := 0; i < 60; i++ {
		paths = append(paths, "/garbage")
	}
	testenv.GetAll(t, httpClient, s.URL, paths, 2)
	waitFor(t, "restarts counted", func() bool {
		snap := s.snapshot(t)
		g := groupOf(&snap, s.group)
		return g != nil && g.Restarts >= 2
	}, func() string { return fmt.Sprintf("%+v", s.snapshot(t).Groups) })

	prom := startPrometheus(t, s)
	queries := map[string]func(r []promResult) string{
		`sum(mod_wsgi_process_restarts_by_reason_total)`: atLeast(2),
		`count(mod_wsgi_slot_cpu_seconds_total)`:         between(1, 2),
		`count(mod_wsgi_slot_resident_memory_bytes)`:     between(1, 2),
		`max(mod_wsgi_slot_resident_memory_bytes)`:       atLeast(1e6),
	}
	if s.native() {
		queries[`count(mod_wsgi_requests_in_flight)`] = between(1, 1)
		queries[`sum(mod_wsgi_gc_collections_total{generation="0"})`] = atLeast(20)
		queries[`sum(mod_wsgi_gc_pause_seconds_count)`] = atLeast(1)
		queries[`sum(mod_wsgi_gil_wait_seconds_count)`] = atLeast(60)
		queries[`max(mod_wsgi_gil_switch_interval_seconds)`] = between(0.005, 0.005)
	} else {
		queries[`count(mod_wsgi_gc_collections_total)`] = empty
		queries[`count(mod_wsgi_gil_wait_seconds_count)`] = empty
	}
	for q, check := range queries {
		var last string
		waitFor(t, "Prometheus answering "+q, func() bool {
			r, raw := prom.query(t, q)
			last = raw
			return r != nil && check(r) == ""
		}, func() string {
			r, _ := prom.query(t, q)
			return "last answer: " + last + "\n" + check(r)
		})
	}
	// The restart reasons are the module's: mod_wsgi 6 says why.
	r, raw := prom.query(t, `mod_wsgi_process_restarts_by_reason_total`)
	reasons := map[string]bool{}
	for _, x := range r {
		reasons[x.Metric["reason"]] = true
	}
	if want := map[bool]string{true: "maximum_requests", false: "unknown"}[s.native()]; !reasons[want] {
		t.Errorf("restart reasons %v, want %s: %s", reasons, want, raw)
	}
}

type promResult struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (r promResult) float() float64 {
	v, _ := r.Value[1].(string)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return -1
	}
	return f
}

func atLeast(min float64) func([]promResult) string {
	return func(r []promResult) string {
		if len(r) != 1 || r[0].float() < min {
			return fmt.Sprintf("want one value of at least %v, got %+v", min, r)
		}
		return ""
	}
}

func between(lo, hi float64) func([]promResult) string {
	return func(r []promResult) string {
		if len(r) != 1 || r[0].float() < lo || r[0].float() > hi {
			return fmt.Sprintf("want one value in [%v, %v], got %+v", lo, hi, r)
		}
		return ""
	}
}

func empty(r []promResult) string {
	if len(r) != 0 {
		return fmt.Sprintf("want no series, got %+v", r)
	}
	return ""
}

type prometheusServer struct {
	api string
	out *testenv.SyncBuffer
}

// startPrometheus runs a real Prometheus scraping s's /metrics every
// second, and waits until it has scraped it.
func startPrometheus(t *testing.T, s *telemetryServer) *prometheusServer {
	dir := testenv.Dir(t)
	port := testenv.FreePort(t)
	target := strings.TrimSuffix(strings.TrimPrefix(s.ui, "http://"), "/")
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: mod_wsgi
    static_configs:
      - targets: [%q]
`, target)
	cfg := testenv.WriteFile(t, filepath.Join(dir, "prometheus.yml"), config)
	cmd := exec.Command("prometheus", "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port), "--log.level=warn")
	p := &prometheusServer{api: fmt.Sprintf("http://127.0.0.1:%d", port)}
	p.out = startBackground(t, cmd, dir)
	waitFor(t, "Prometheus scraping the ingester", func() bool {
		r, _ := p.query(t, `up{job="mod_wsgi"}`)
		return len(r) == 1 && r[0].float() == 1
	}, func() string { return p.out.String() })
	return p
}

// query asks Prometheus for an instant vector; nil when it cannot answer.
func (p *prometheusServer) query(t *testing.T, q string) ([]promResult, string) {
	resp, err := httpClient.Get(p.api + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []promResult `json:"result"`
		} `json:"data"`
	}
	if json.Unmarshal(b, &r) != nil || r.Status != "success" {
		return nil, string(b)
	}
	if r.Data.Result == nil {
		r.Data.Result = []promResult{}
	}
	return r.Data.Result, string(b)
}

func fmtOpt(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'f', 3, 64)
}
