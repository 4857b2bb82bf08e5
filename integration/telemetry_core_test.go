//go:build !windows

package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
	"github.com/modwsgi-go/mod_wsgi-express/telemetry"
)

// coreApp answers known traffic: /ok (fast), /error (500), /missing
// (404), /slow?s=SECONDS (sleeps, past the slow-request threshold).
const coreApp = `import time
from urllib.parse import parse_qs
def application(environ, start_response):
    path = environ['PATH_INFO']
    status = '200 OK'
    if path == '/error':
        status = '500 Internal Server Error'
    elif path == '/missing':
        status = '404 Not Found'
    elif path == '/slow':
        q = parse_qs(environ.get('QUERY_STRING', ''))
        time.sleep(float(q.get('s', ['1'])[0]))
    start_response(status, [('Content-Type', 'text/plain')])
    return [b'ok\n']
`

// startCoreTelemetry is startTelemetry with coreApp.
func startCoreTelemetry(t *testing.T, extra ...string) *telemetryServer {
	t.Helper()
	return startTelemetryApp(t, coreApp, extra...)
}

func (s *telemetryServer) events(t *testing.T) []telemetry.Event {
	t.Helper()
	var ev []telemetry.Event
	s.getJSON(t, "api/events", &ev)
	return ev
}

// checkProcessOrder: live processes first.
func checkProcessOrder(t *testing.T, snap *telemetry.Snapshot) {
	t.Helper()
	seenGone := false
	for _, p := range snap.Processes {
		live := p.State == "running" || p.State == "stopping"
		if live && seenGone {
			t.Errorf("live process %d listed after a stopped one: %+v", p.PID, snap.Processes)
		}
		seenGone = seenGone || !live
	}
}

// TestTelemetryCore runs two daemon processes recycled by
// --maximum-requests, sends known traffic, crashes processes with SIGSEGV
// and SIGKILL, and checks the ingester against it: counters equal what
// was sent across recycling, crashes shown lost within 5 s and their
// replacements counted as restarts by reason crash, the lifecycle log and
// timeline, the history endpoints, live processes first, slow requests
// active first then newest, percentiles possible, and the capabilities
// for the module under test.
func TestTelemetryCore(t *testing.T) {
	const maxRequests = 25
	s := startCoreTelemetry(t, "--processes", "2", "--threads", "4", "--telemetry-interval", "0.5",
		"--slow-requests", "0.3", "--maximum-requests", strconv.Itoa(maxRequests))
	waitReporting(t, s, 2)

	// N requests, 10 of them 500 and 5 404, two at a time: each process
	// recycles after maxRequests, so both restart several times.
	var paths []string
	const n, errs, missing = 150, 10, 5
	for i := 0; i < n; i++ {
		switch {
		case i%15 == 3:
			paths = append(paths, "/error")
		case i%30 == 7:
			paths = append(paths, "/missing")
		default:
			paths = append(paths, fmt.Sprintf("/ok?%d", i))
		}
	}
	got := testenv.GetAll(t, httpClient, s.URL, paths, 2)
	if got[200] != n-errs-missing || got[500] != errs || got[404] != missing {
		t.Errorf("the client got %v, want %d 200, %d 500, %d 404", got, n-errs-missing, errs, missing)
	}
	waitFor(t, fmt.Sprintf("the ingester counting %d requests", n), func() bool {
		snap := s.snapshot(t)
		g := groupOf(&snap, s.group)
		return g != nil && g.RequestsTotal >= n && g.Restarts >= 3
	}, func() string {
		snap := s.snapshot(t)
		return fmt.Sprintf("groups %+v\ningest %+v\nevents %s\nprocesses %+v\n%s", snap.Groups, snap.Ingest, eventsSince(s.events(t), 0), snap.Processes, s.ErrorLog())
	})
	// Every process has reported its last interval once the group is back
	// to two running processes and nothing is in flight.
	waitFor(t, "two running processes again", func() bool {
		snap := s.snapshot(t)
		return len(running(&snap, s.group)) == 2
	})
	snap := s.snapshot(t)
	g := groupOf(&snap, s.group)
	if g.RequestsTotal != n || g.Requests["5xx"] != errs || g.Requests["4xx"] != missing || snap.Totals.Requests != n {
		t.Errorf("after recycling: %d requests (%v), want %d with %d 5xx and %d 4xx", g.RequestsTotal, g.Requests, n, errs, missing)
	}
	var byReason uint64
	for _, c := range g.RestartsByReason {
		byReason += c
	}
	if byReason != g.Restarts || g.RestartsByReason["crash"] != 0 {
		t.Errorf("restarts %d, by reason %v: want them all, none a crash", g.Restarts, g.RestartsByReason)
	}
	if g.ErrorRate <= 0 {
		t.Errorf("error rate %v with %d 500s in the window", g.ErrorRate, errs)
	}
	checkProcessOrder(t, &snap)
	t.Logf("after recycling: restarts %v, %d processes listed", g.RestartsByReason, len(snap.Processes))

	t.Run("history", func(t *testing.T) {
		// The series has closed steps only: wait for the one with the
		// last requests to close.
		var v telemetry.SeriesView
		var sum float64
		waitFor(t, "the requests in the series", func() bool {
			s.getJSON(t, "api/series?window=60&group="+s.group, &v)
			sum = 0
			for _, c := range []string{"2xx", "4xx", "5xx", "unknown"} {
				for _, x := range v.Throughput[c] {
					if x != nil {
						sum += *x * v.Step
					}
				}
			}
			return sum >= n/2
		})
		if len(v.Time) != 60 || sum < 1 {
			b, _ := json.Marshal(v)
			snap := s.snapshot(t)
			p, _ := json.Marshal(snap.Processes)
			t.Errorf("series: %d points, %v requests in them: %s\nprocesses %s\nevents %+v", len(v.Time), sum, b, p, s.events(t))
		}
		var restarts int
		for _, m := range v.Markers {
			if m.Kind == "restart" {
				restarts++
			}
		}
		if restarts == 0 {
			t.Errorf("no restart markers in %+v", v.Markers)
		}
		phase := "request"
		if strings.HasPrefix(s.version, "4.") {
			phase = "application" // 4.x has no request-phase histogram
		}
		var h telemetry.HistogramView
		s.getJSON(t, "api/histogram?window=300&phase="+phase+"&group="+s.group, &h)
		if h.Count != n {
			t.Errorf("histogram of %s: %d requests, want %d", phase, h.Count, n)
		}
		checkPossible(t, "histogram "+phase, h.P50, h.P95, h.P99, h.Min, h.Max, h.Mean, h.BelowResolution)
		l := g.Latency
		checkPossible(t, "snapshot latency", l.P50, l.P95, l.P99, nil, l.Max, nil, false)
		var tl []telemetry.Bar
		s.getJSON(t, "api/timeline?window=300", &tl)
		if len(tl) < 2+int(g.Restarts) {
			t.Errorf("timeline has %d bars, want one for each of %d processes", len(tl), 2+g.Restarts)
		}
		ev := s.events(t)
		kinds := map[string]int{}
		for _, e := range ev {
			kinds[e.Kind]++
		}
		if kinds["restarted"] != int(g.Restarts) || kinds["stopped"] < int(g.Restarts) {
			t.Errorf("events %v, restarts %d", kinds, g.Restarts)
		}
	})

	t.Run("capabilities", func(t *testing.T) {
		c := snap.Capabilities
		if c.Module != s.version {
			t.Errorf("capabilities name mod_wsgi %q, the module is %s", c.Module, s.version)
		}
		if strings.HasPrefix(s.version, "4.") {
			var what []string
			for _, m := range c.Missing {
				what = append(what, m.What)
				if !strings.Contains(m.Why, "mod_wsgi 6") {
					t.Errorf("missing %q: %q does not say what is needed", m.What, m.Why)
				}
			}
			w := strings.Join(what, ",")
			if c.Source != "reporter" || c.GC || c.GIL || !strings.Contains(w, "GC") || !strings.Contains(w, "GIL") ||
				!strings.Contains(w, "threads") || !strings.Contains(w, "request phase") {
				t.Errorf("4.x capabilities %+v", c)
			}
		} else if c.Source != "native" || len(c.Missing) != 0 || !c.RequestPhase {
			t.Errorf("mod_wsgi 6 capabilities %+v", c)
		}
		// Per-thread measures: all of them from mod_wsgi 6 (one entry
		// per --threads), none but completed counts from 4.x.
		for _, p := range snap.Processes {
			if p.State != "running" || p.Interval == 0 {
				continue // not reported yet
			}
			for _, th := range p.Threads {
				if c.Threads != (th.Busy != nil) || c.Threads != (th.CPU != nil) {
					t.Errorf("process %d thread %+v, capabilities say threads=%v", p.PID, th, c.Threads)
				}
			}
			if c.Threads && len(p.Threads) != 4 {
				t.Errorf("process %d: %d threads, want 4 (--threads 4)", p.PID, len(p.Threads))
			}
		}
	})

	t.Run("slow requests", func(t *testing.T) {
		// One finishes, then two run long while the snapshot is read.
		testenv.GetAll(t, httpClient, s.URL, []string{"/slow?s=0.5"}, 1)
		var wg sync.WaitGroup
		for _, d := range []string{"3", "3.5"} {
			wg.Add(1)
			go func(d string) {
				defer wg.Done()
				if resp, err := httpClient.Get(s.URL + "/slow?s=" + d); err == nil {
					resp.Body.Close()
				}
			}(d)
			time.Sleep(300 * time.Millisecond) // different starts
		}
		waitFor(t, "two active slow requests", func() bool {
			active := 0
			for _, r := range s.snapshot(t).SlowRequests {
				if r.State == "active" {
					active++
				}
			}
			return active == 2
		}, func() string { return fmt.Sprintf("%+v", s.snapshot(t).SlowRequests) })
		sr := s.snapshot(t).SlowRequests
		for i := 1; i < len(sr); i++ {
			a, b := sr[i-1], sr[i]
			if (a.State != "active" && b.State == "active") || (a.State == "active") == (b.State == "active") && a.Start.Before(b.Start) {
				t.Errorf("slow requests out of order at %d: %s %v then %s %v", i, a.State, a.Start, b.State, b.Start)
			}
		}
		if len(sr) < 3 || sr[2].State == "active" {
			t.Errorf("slow requests %+v: want two active then the completed one", sr)
		}
		wg.Wait()
	})

	t.Run("current rate", func(t *testing.T) {
		// Under a steady load the current rate shows it; once the load
		// ends it drops to nothing, while the window mean lingers. The
		// load is paced (20 requests/s) so that a process lives past its
		// first interval before --maximum-requests recycles it: the
		// current rate is the live processes' newest intervals, and one
		// recycled within its first interval never has one.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if resp, err := httpClient.Get(s.URL + "/ok"); err == nil {
					resp.Body.Close()
				}
			}
		}()
		stopLoad := sync.OnceFunc(func() { close(stop); wg.Wait() })
		defer stopLoad() // also when the wait gives up: no load left behind for the next checks
		waitFor(t, "current_throughput under load", func() bool {
			return s.snapshot(t).Totals.CurrentThroughput > 0
		})
		stopLoad()
		waitFor(t, "current_throughput back to 0", func() bool {
			snap := s.snapshot(t)
			return snap.Totals.CurrentThroughput == 0 && snap.Totals.Throughput > 0
		}, func() string { return fmt.Sprintf("%+v", s.snapshot(t).Totals) })
	})

	t.Run("uptime", func(t *testing.T) {
		// From the process's own start stamp: not before the process
		// existed (its start in /proc), not after it was last heard.
		checked := 0
		for _, p := range s.snapshot(t).Processes {
			if p.State != "running" {
				continue
			}
			born, err := procStart(int(p.PID))
			if os.IsNotExist(err) {
				continue // gone since the snapshot
			} else if err != nil {
				t.Fatal(err)
			}
			checked++
			if !p.StartKnown || p.Started.Before(born.Add(-time.Second)) || p.Started.After(p.LastSeen) {
				t.Errorf("process %d: started %v (known %v), /proc says %v, last seen %v", p.PID, p.Started, p.StartKnown, born, p.LastSeen)
			}
		}
		if checked == 0 {
			t.Error("no running process to check")
		}
		for _, e := range s.events(t) {
			if e.Kind == "stopped" && (e.Uptime == nil || *e.Uptime <= 0 || *e.Uptime > 60) {
				t.Errorf("stopped event with uptime %v: %+v", deref(e.Uptime), e)
			}
		}
	})

	for _, sig := range []syscall.Signal{syscall.SIGSEGV, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) { checkCrash(t, s, sig) })
	}
	s.Stop(syscall.SIGTERM)
	checkTelemetryGone(t, s.Root)
}

// checkPossible: percentiles within min and max, at most what the mean
// allows, null when below resolution.
func checkPossible(t *testing.T, what string, p50, p95, p99, min, max, mean *float64, below bool) {
	t.Helper()
	for i, p := range []*float64{p50, p95, p99} {
		q := []float64{0.5, 0.95, 0.99}[i]
		if p == nil {
			if !below {
				t.Errorf("%s: p%v null without below_resolution", what, q*100)
			}
			continue
		}
		if min != nil && *p < *min || max != nil && *p > *max {
			t.Errorf("%s: p%v = %v outside [%v, %v]", what, q*100, *p, deref(min), deref(max))
		}
		if mean != nil && *p > *mean/(1-q)*1.0000001 {
			t.Errorf("%s: p%v = %v impossible for a mean of %v", what, q*100, *p, *mean)
		}
	}
}

// procStart is when a process started, from /proc (clock ticks of 1/100 s
// after boot).
func procStart(pid int) (time.Time, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return time.Time{}, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ticks, err := strconv.ParseFloat(f[19], 64) // field 22
	if err != nil {
		return time.Time{}, fmt.Errorf("/proc/%d/stat: %v", pid, err)
	}
	st, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, err
	}
	for _, l := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(l, "btime "); ok {
			boot, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("/proc/stat btime: %v", err)
			}
			return time.Unix(boot, 0).Add(time.Duration(ticks / 100 * float64(time.Second))), nil
		}
	}
	return time.Time{}, fmt.Errorf("/proc/stat has no btime")
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// checkCrash kills one daemon process with sig: the ingester shows it
// lost (reason crash) within 5 s by its own clock, and the replacement
// Apache starts as a restart by reason crash, in the same slot.
func checkCrash(t *testing.T, s *telemetryServer, sig syscall.Signal) {
	// The baseline is a settled group: both processes running and every
	// stop so far replaced. A process recycled by the traffic before
	// (--maximum-requests) may have stopped with its replacement not yet
	// started; that restart, counted after the kill, is not the crash's.
	base := float64(time.Now().UnixNano()) / 1e9
	var before telemetry.Snapshot
	waitFor(t, "every stop replaced before the crash", func() bool {
		before = s.snapshot(t)
		g := groupOf(&before, s.group)
		return g != nil && len(running(&before, s.group)) == 2 && g.Restarts == sumCounts(g.Stops)
	}, func() string {
		return fmt.Sprintf("%+v\n%s", groupOf(&before, s.group), eventsSince(s.events(t), base-10))
	})
	g0 := groupOf(&before, s.group)
	var victim telemetry.ProcessView
	for _, p := range before.Processes {
		if p.Group == s.group && p.State == "running" {
			victim = p
			break
		}
	}
	if victim.PID == 0 {
		t.Fatalf("no running process: %+v", before.Processes)
	}
	killed := time.Now()
	if err := syscall.Kill(int(victim.PID), sig); err != nil {
		t.Fatal(err)
	}
	waitFor(t, fmt.Sprintf("process %d shown lost after %v", victim.PID, sig), func() bool {
		for _, e := range s.events(t) {
			if e.Kind == "lost" && e.PID == victim.PID {
				return true
			}
		}
		return false
	}, func() string { return fmt.Sprintf("%+v", s.events(t)) })
	for _, e := range s.events(t) {
		if e.Kind == "lost" && e.PID == victim.PID {
			if e.Reason != "crash" {
				t.Errorf("lost for %q, want crash", e.Reason)
			}
			if d := e.T - float64(killed.UnixNano())/1e9; d > 5 {
				t.Errorf("shown lost %.1f s after the kill, want within 5 s", d)
			}
		}
	}
	waitFor(t, "the replacement reporting", func() bool {
		snap := s.snapshot(t)
		g := groupOf(&snap, s.group)
		return g.RestartsByReason["crash"] == g0.RestartsByReason["crash"]+1 && len(running(&snap, s.group)) == 2
	}, func() string {
		snap := s.snapshot(t)
		return fmt.Sprintf("%+v\n%+v\n%s", groupOf(&snap, s.group), snap.Processes, s.ErrorLog())
	})
	snap := s.snapshot(t)
	g := groupOf(&snap, s.group)
	if g.Restarts != g0.Restarts+1 || g.Stops["crash"] != g0.Stops["crash"]+1 || sumCounts(g.Stops) != sumCounts(g0.Stops)+1 {
		t.Errorf("restarts %d → %d, crash stops %d → %d; stops %v → %v; events since the baseline %s", g0.Restarts, g.Restarts, g0.Stops["crash"], g.Stops["crash"],
			g0.Stops, g.Stops, eventsSince(s.events(t), base))
	}
	checkProcessOrder(t, &snap)
	var re *telemetry.Event
	for _, e := range s.events(t) {
		if e.Kind == "restarted" && e.Replaces == victim.PID {
			re = &e
			break
		}
	}
	// The slot is the lowest free one: the victim's, unless a recycled
	// sibling's freed a lower one meanwhile; never past the processes.
	if re == nil || re.Reason != "crash" || re.Slot > 1 {
		t.Errorf("restart event %+v: want reason crash in slot 0 or 1", re)
	}
	// The page and top read the same snapshot: the crashed process is
	// listed as lost, after the live ones.
	for _, p := range snap.Processes {
		if p.PID == victim.PID && (p.State != "lost" || p.StopReason != "crash") {
			t.Errorf("crashed process shown %+v", p)
		}
	}
	resp, err := http.Get(s.ui + "api/series?window=60&pid=" + strconv.Itoa(int(victim.PID)))
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("series of the lost process: %s", resp.Status)
		}
	}
}

// eventsSince: the events logged after t (Unix seconds), oldest first,
// as JSON.
func eventsSince(ev []telemetry.Event, t float64) string {
	var out []telemetry.Event
	for i := len(ev) - 1; i >= 0; i-- {
		if ev[i].T >= t {
			out = append(out, ev[i])
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func sumCounts(m map[string]uint64) uint64 {
	var n uint64
	for _, c := range m {
		n += c
	}
	return n
}
