//go:build !windows

package telemetry

import (
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// reporterDir holds the Python reporter, express_telemetry.py.
var reporterDir = filepath.Join("..", "templates", "python")

// pythonCmd runs the system Python with the reporter importable.
func pythonCmd(args ...string) *exec.Cmd {
	// Read the Python sources here so go test's cache notices when they
	// change (it cannot see what the Python subprocess reads).
	for _, dir := range []string{reporterDir, filepath.Join("testdata", "python")} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && filepath.Ext(p) == ".py" {
				os.ReadFile(p)
			}
			return nil
		})
	}
	cmd := exec.Command(python(), args...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+reporterDir, "PYTHONDONTWRITEBYTECODE=1")
	return cmd
}

// TestPythonReporter runs the reporter's Python unit tests.
func TestPythonReporter(t *testing.T) {
	cmd := pythonCmd("-W", "error::ResourceWarning", "-m", "unittest", "discover", "-v", "-s", filepath.Join("testdata", "python"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python unit tests failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "\nOK") {
		t.Fatalf("unexpected output:\n%s", out)
	}
}

// roundTrip is run by Python: the reporter, given a stand-in mod_wsgi
// 4.9.4 (the values are what Debian's module returned), sends to the Go
// receiver: STARTED, two intervals, a slow request, STOPPING (at the
// shutdown callback), the final interval and STOPPED.
const roundTrip = `
import sys, express_telemetry as et
RM = {"application_time": 0.002, "application_time_buckets": [9, 1] + [0] * 14,
      "capacity_utilization": 0.25, "cpu_system_time": 0.01, "cpu_user_time": 0.04,
      "daemon_time": 0.0005, "daemon_time_buckets": [10] + [0] * 15,
      "memory_max_rss": 14213120, "memory_rss": 14274560, "queue_time": 0.0001,
      "queue_time_buckets": [10] + [0] * 15, "request_count": 10, "request_threads_active": 2,
      "request_threads_buckets": [6, 4, 0, 0], "request_threads_maximum": 4,
      "request_threads_started": 2, "request_throughput": 10.0, "sample_period": 1.0,
      "server_time": 0.0003, "server_time_buckets": [10] + [0] * 15}
class Module:
    version = (4, 9, 4)
    process_group = "app"
    calls = 0
    cpu = 0.0
    def request_metrics(self):
        self.calls += 1
        if self.calls > 1:
            self.cpu += 0.5  # per interval, whoever else reads process_metrics()
        return {} if self.calls == 1 else dict(RM)
    def process_metrics(self):
        return {"cpu_user_time": self.cpu, "cpu_system_time": 0.0, "request_count": 30, "active_requests": 0}
    def subscribe_shutdown(self, callback):
        self.shutdown = callback

class Clock:
    now = 1700000000.0
    def __call__(self):
        return self.now
clock = Clock()
tracker = et._Tracker(clock)
et._tracker = tracker
module = Module()
reporter = et.Reporter(sys.argv[1], 60, 1.0, module, tracker=tracker, clock=clock).start()
app = et.instrument(lambda environ, sr: sr("404 Not Found", []) or iter([b""]))
for path in ("/a", "/b"):
    app({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda *a: None).close()
reporter.tick()
slow = app({"PATH_INFO": "/slow", "REQUEST_METHOD": "POST", "mod_wsgi.request_id": "r1"}, lambda *a: None)
clock.now += 2.5
reporter.tick()
module.shutdown("process_stopping", shutdown_reason="maximum_requests")
slow.close()  # finishes after mod_wsgi's shutdown callback
reporter._at_exit()  # as mod_wsgi runs atexit once the requests are done
print("sent", reporter.seq, "errors", reporter.send_errors)
`

// TestPythonRoundTrip: what the Python reporter encodes, the Go side
// decodes and aggregates as intended.
func TestPythonRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.sock")
	s := NewStore(Options{})
	r, err := Listen(path, -1, -1, s)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go r.Serve()
	out, err := pythonCmd("-c", roundTrip, path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "sent 8 errors 0") {
		t.Fatalf("reporter: %v\n%s", err, out)
	}
	waitFor(t, 5*time.Second, func() string {
		if in := s.Snapshot().Ingest; in.Accepted["process_stopped"] != 1 {
			return "no STOPPED datagram yet: " + fmtMap(in.Accepted) + " dropped " + fmtMap(in.Dropped)
		}
		return ""
	})
	snap := s.Snapshot()
	in := snap.Ingest
	if in.Accepted["process_started"] != 1 || in.Accepted["process_stopping"] != 1 || in.Accepted["request"] != 3 || in.Accepted["slow_request"] != 2 ||
		in.Lost != 0 || in.UnknownFields != 0 || fmtMap(in.Dropped) != "" {
		t.Errorf("ingest %+v", in)
	}
	g := groupView(t, &snap, "app")
	// Statuses come from instrument(): two 404s, then the slow one,
	// counted in the final interval.
	if g.Requests["4xx"] != 3 || g.RequestsTotal != 3 || g.Starts != 1 || g.Stops["maximum_requests"] != 1 {
		t.Errorf("group requests %v total %d starts %d stops %v", g.Requests, g.RequestsTotal, g.Starts, g.Stops)
	}
	if math.Abs(g.CPUSeconds-1.5) > 1e-9 { // cumulative 0.5, 1.0, 1.5
		t.Errorf("cpu seconds %v, want 1.5", g.CPUSeconds)
	}
	app := phaseView(g, "application")
	if app == nil || app.Count != 30 || math.Abs(app.Sum-0.06) > 1e-9 || *app.P50 > 0.005 {
		t.Errorf("application phase %+v", app)
	}
	if phaseView(g, "request") != nil {
		t.Error("a request-phase histogram from 4.x, which has none")
	}
	m := metrics(s)
	for _, want := range []string{
		`mod_wsgi_request_duration_seconds_bucket{process_group="app",phase="application",le="0.005"} 27`,
		`mod_wsgi_request_duration_seconds_bucket{process_group="app",phase="application",le="0.01"} 30`,
		`mod_wsgi_request_duration_seconds_bucket{process_group="app",phase="queue",le="0.005"} 30`,
		`mod_wsgi_requests_total{process_group="app",class="4xx"} 3`,
	} {
		if !strings.Contains(m, "\n"+want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	if len(snap.Processes) != 1 {
		t.Fatalf("processes %+v", snap.Processes)
	}
	p := snap.Processes[0]
	if p.State != "stopped" || p.ModWSGIVersion != "4.9.4" || !p.StartKnown || p.Workers != 4 || p.Capacity != 0.25 || p.RSS != 14274560 {
		t.Errorf("process %+v", p)
	}
	// The lifecycle: started, stopping at the shutdown callback (the slow
	// request still in flight), stopped at exit.
	var kinds []string
	for _, e := range s.Events(0) {
		kinds = append(kinds, e.Kind)
		if e.Kind == "stopping" && (e.Reason != "maximum_requests" || e.InFlight == nil || *e.InFlight != 0) {
			t.Errorf("stopping event %+v", e)
		}
	}
	if got := strings.Join(kinds, " "); got != "stopped stopping started" {
		t.Errorf("events newest first %q, want stopped stopping started", got)
	}
	if len(snap.SlowRequests) != 1 {
		t.Fatalf("slow requests %+v", snap.SlowRequests)
	}
	sr := snap.SlowRequests[0]
	if sr.State != "completed" || sr.Status != 404 || sr.Duration != 2.5 || sr.Method != "POST" || sr.Path != "/slow" || sr.LogID != "r1" || sr.Group != "app" {
		t.Errorf("slow request %+v", sr)
	}
}
