//go:build !windows

package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
	"github.com/modwsgi-go/mod_wsgi-express/telemetry"
)

// The ingester mod_wsgi's author ships, mod_wsgi-telemetry 6.0.5, vendored
// as its source (../shared/vendor/README.md) and run from it, never copied.
const upstreamTelemetry = "mod_wsgi-telemetry-6.0.5"

// upstreamIngester is mod_wsgi-telemetry's `serve`: its datagram socket
// and its HTTP API.
type upstreamIngester struct {
	sock string // unix datagram socket it binds
	api  string // http://127.0.0.1:PORT/
	src  string // its Python package's directory, for PYTHONPATH
	out  *testenv.SyncBuffer
}

// startUpstreamIngester extracts mod_wsgi-telemetry 6.0.5 into the test's
// directory and runs `serve` with Debian's Python on a unix socket and a
// free HTTP port, as ../shared/vendor/README.md says. It is stopped at
// cleanup (SIGTERM to its process group) and its socket removed: it
// leaves the file behind itself (ingest.py closes the socket, never
// unlinks it).
func startUpstreamIngester(t *testing.T) *upstreamIngester {
	t.Helper()
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import aiohttp").CombinedOutput(); err != nil {
		t.Fatalf("%s is run with %s, which cannot import aiohttp (%v: %s): install python3-aiohttp (scripts/install-deps does)",
			upstreamTelemetry, python, err, strings.TrimSpace(string(out)))
	}
	tarball := filepath.Join(filepath.Dir(testenv.RepoRoot()), "shared", "vendor", upstreamTelemetry+".tar.gz")
	if _, err := os.Stat(tarball); err != nil {
		t.Fatalf("%s's source is missing: %v (it is expected in ../shared/vendor relative to the repository root)", upstreamTelemetry, err)
	}
	dir := testenv.Dir(t)
	if out, err := exec.Command("tar", "-xzf", tarball, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("extracting %s: %v\n%s", tarball, err, out)
	}
	src := filepath.Join(dir, upstreamTelemetry, "src")
	up := &upstreamIngester{sock: filepath.Join(dir, "upstream.sock"), src: src}
	port := testenv.FreePort(t)
	up.api = fmt.Sprintf("http://127.0.0.1:%d/", port)
	// Runs after the process is stopped (cleanups run last first).
	t.Cleanup(func() {
		os.Remove(up.sock)
		if _, err := os.Lstat(up.sock); !os.IsNotExist(err) {
			t.Errorf("%s's socket %s left behind (%v)", upstreamTelemetry, up.sock, err)
		}
	})
	cmd := exec.Command(python, "-m", "mod_wsgi.telemetry.cli", "serve", "--listen", "unix:"+up.sock,
		"--http-port", strconv.Itoa(port), "--socket-group", "www-data", "--log-level", "WARNING")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PYTHONPATH="+src)
	up.out = startBackground(t, cmd, src)
	waitFor(t, upstreamTelemetry+" serving its API and socket", func() bool {
		_, err := os.Lstat(up.sock)
		return err == nil && up.stateOrNil() != nil
	}, up.out.String)
	return up
}

// upstreamState is GET /api/state (server.py api_state: Ingester.snapshot()
// in ingest.py), as much of it as the comparison reads.
type upstreamState struct {
	Processes []struct {
		PID              uint32 `json:"pid"`
		Hostname         string `json:"hostname"`
		ProcessGroup     string `json:"process_group"`
		ModWSGIVersion   string `json:"mod_wsgi_version"`
		PythonVersion    string `json:"python_version"`
		ApacheVersion    string `json:"apache_version"`
		MPMName          string `json:"mpm_name"`
		ProcessParentPID uint64 `json:"process_parent_pid"`
		Drops            uint64 `json:"drops"`
		// The periodic datagrams (kind request_metrics), the last 600 per
		// pid (ProcessState.samples); fields by wire.py's names.
		Samples []struct {
			Kind   string         `json:"kind"`
			Fields map[string]any `json:"fields"`
		} `json:"samples"`
	} `json:"processes"`
	// Keyed by (pid, log_id), else (pid, thread, start): an active
	// heartbeat is replaced by the request's completed record.
	SlowRequests []struct {
		Entry struct {
			PID        uint32  `json:"pid"`
			ThreadID   uint64  `json:"thread_id"`
			Method     string  `json:"method"`
			ScriptName string  `json:"script_name"`
			PathInfo   string  `json:"path_info"`
			StartStamp float64 `json:"start_stamp"`
			Duration   float64 `json:"duration"`
			State      int     `json:"state"` // 0 active, 1 completed
			Status     int     `json:"status"`
		} `json:"entry"`
	} `json:"slow_requests"`
	LifecycleEvents []struct {
		Kind                 string  `json:"kind"` // process_started, process_stopping, process_stopped
		PID                  uint32  `json:"pid"`
		Stamp                float64 `json:"stamp"`
		ProcessGroup         string  `json:"process_group"`
		ShutdownReason       string  `json:"shutdown_reason"`
		LifetimeRequestCount uint64  `json:"lifetime_request_count"`
	} `json:"lifecycle_events"`
	TotalReceived uint64 `json:"total_received"`
	DecodeErrors  uint64 `json:"decode_errors"`
}

func (up *upstreamIngester) stateOrNil() *upstreamState {
	resp, err := httpClient.Get(up.api + "api/state")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var st upstreamState
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&st) != nil {
		return nil
	}
	return &st
}

func (up *upstreamIngester) state(t *testing.T) *upstreamState {
	t.Helper()
	st := up.stateOrNil()
	if st == nil {
		t.Fatalf("GET %sapi/state failed\n%s", up.api, up.out.String())
	}
	return st
}

// upstreamCounts is what mod_wsgi-telemetry's views make of its state,
// computed as they compute it: requests are the sum of the periodic
// samples' request_count (static/index.html, requestTotal and rcSum;
// tui.py _avg_rps), the classes the sum of status_Nxx_total
// (index.html s2xxSum...; tui.py _aggregate_header), a phase's count the
// sum of its *_time_buckets (tui.py _aggregate_buckets), bytes the sum of
// input_bytes_total and output_bytes_total (index.html inBytesSum,
// outBytesSum), a phase's extremes the smallest *_time_min and the
// largest *_time_max (tui.py _phase_min_max).
type upstreamCounts struct {
	requests uint64
	classes  [5]uint64 // 1xx..5xx
	perPID   map[uint32]uint64
	samples  uint64               // periodic datagrams kept
	phases   map[string]uint64    // requests in the phase's histogram
	buckets  map[string][]float64 // the phase's histogram, summed
	minima   map[string]float64
	maxima   map[string]float64
	inBytes  uint64
	outBytes uint64
	workers  map[uint32]uint64 // latest request_threads_maximum
	drops    uint64
	// Pids heard from with no process_stopped: its process list (and its
	// top's) keeps a stopped process until it has been silent for
	// STALE_SECONDS (300 s, ingest.py _gc_stale).
	live      []int
	started   map[uint32]float64
	stopped   map[uint32]string // shutdown_reason
	stopping  map[uint32]string
	completed int // slow requests completed
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

func (st *upstreamState) counts() upstreamCounts {
	c := upstreamCounts{perPID: map[uint32]uint64{}, phases: map[string]uint64{}, buckets: map[string][]float64{},
		minima: map[string]float64{}, maxima: map[string]float64{},
		workers: map[uint32]uint64{}, started: map[uint32]float64{}, stopped: map[uint32]string{}, stopping: map[uint32]string{}}
	for _, ev := range st.LifecycleEvents {
		switch ev.Kind {
		case "process_started":
			c.started[ev.PID] = ev.Stamp
		case "process_stopping":
			c.stopping[ev.PID] = ev.ShutdownReason
		case "process_stopped":
			c.stopped[ev.PID] = ev.ShutdownReason
		}
	}
	for _, p := range st.Processes {
		c.drops += p.Drops
		if _, gone := c.stopped[p.PID]; !gone {
			c.live = append(c.live, int(p.PID))
		}
		for _, s := range p.Samples {
			if s.Kind != "request_metrics" {
				continue
			}
			c.samples++
			f := s.Fields
			n := uint64(num(f["request_count"]))
			c.requests += n
			c.perPID[p.PID] += n
			for i := range c.classes {
				c.classes[i] += uint64(num(f[fmt.Sprintf("status_%dxx_total", i+1)]))
			}
			for _, ph := range telemetryPhases {
				if b, ok := f[ph+"_time_buckets"].([]any); ok && len(b) == telemetry.NumBuckets {
					if c.buckets[ph] == nil {
						c.buckets[ph] = make([]float64, telemetry.NumBuckets)
					}
					for i, x := range b {
						c.phases[ph] += uint64(num(x))
						c.buckets[ph][i] += num(x)
					}
				}
				if m, ok := f[ph+"_time_min"].(float64); ok {
					if old, seen := c.minima[ph]; !seen || m < old {
						c.minima[ph] = m
					}
				}
				if m, ok := f[ph+"_time_max"].(float64); ok && m > c.maxima[ph] {
					c.maxima[ph] = m
				}
			}
			c.inBytes += uint64(num(f["input_bytes_total"]))
			c.outBytes += uint64(num(f["output_bytes_total"]))
			if w, ok := f["request_threads_maximum"].(float64); ok {
				c.workers[p.PID] = uint64(w)
			}
		}
	}
	sort.Ints(c.live)
	for _, s := range st.SlowRequests {
		if s.Entry.State == 1 {
			c.completed++
		}
	}
	return c
}

// The phases both ingesters name alike (ours: telemetry.Phase's names;
// theirs: wire.py's *_time fields).
var telemetryPhases = []string{"server", "queue", "daemon", "application", "request", "gil_wait", "input_read", "output_write"}

// telemetryTee stands in for start-server's telemetry socket: each
// datagram the server's processes send is copied, unchanged and in
// order, to our ingester (its socket, still bound, under another name)
// and to mod_wsgi-telemetry's. start-server binds SERVER-ROOT/telemetry.sock
// itself, and both mod_wsgi 6 (httpd.conf's WSGITelemetryService) and the
// 4.x reporter (handler.json) send to that path with sendto() on each
// datagram (wsgi_telemetry.c; express_telemetry.py Reporter.send), so the
// tee takes the path over: it hard-links our bound socket to a second
// name, then renames its own socket, with our socket's mode and owner
// (0660, www-data), onto the path, which replaces it atomically. restore
// renames ours back (atomically again): from then on the processes send
// to ours alone, as before, and start-server removes its own socket when
// it stops.
type telemetryTee struct {
	conn          *net.UnixConn
	path, ours    string
	theirs        string
	done          chan struct{}
	restoreOnce   sync.Once
	mu            sync.Mutex
	forwarded     uint64
	byKind        map[telemetry.Kind]uint64
	seq           map[uint32]*teeSeq
	errs          []string
	restoredError error
}

func startTelemetryTee(t *testing.T, path, theirs string) *telemetryTee {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	dir := testenv.Dir(t)
	tmp := filepath.Join(dir, "tee.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: tmp, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tmp, fi.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(tmp, int(st.Uid), int(st.Gid)); err != nil {
		t.Fatal(err)
	}
	conn.SetReadBuffer(4 << 20)
	tee := &telemetryTee{conn: conn, path: path, ours: filepath.Join(dir, "ours.sock"), theirs: theirs,
		done: make(chan struct{}), byKind: map[telemetry.Kind]uint64{}, seq: map[uint32]*teeSeq{}}
	if err := os.Link(path, tee.ours); err != nil {
		conn.Close()
		t.Fatalf("linking our socket %s to %s: %v", path, tee.ours, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		conn.Close()
		os.Remove(tee.ours)
		t.Fatalf("putting the tee at %s: %v", path, err)
	}
	go tee.run()
	t.Cleanup(func() {
		if err := tee.restore(); err != nil {
			t.Error(err)
		}
	})
	return tee
}

func (tee *telemetryTee) run() {
	defer close(tee.done)
	ours := &net.UnixAddr{Name: tee.ours, Net: "unixgram"}
	theirs := &net.UnixAddr{Name: tee.theirs, Net: "unixgram"}
	buf := make([]byte, 1<<20)
	for {
		n, _, err := tee.conn.ReadFromUnix(buf)
		if err != nil {
			// restore's deadline: what was sent before it is read.
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				tee.fail("reading: %v", err)
			}
			return
		}
		d := buf[:n]
		for _, to := range []*net.UnixAddr{ours, theirs} {
			tee.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := tee.conn.WriteToUnix(d, to); err != nil {
				tee.fail("forwarding a %d-byte datagram to %s: %v", n, to.Name, err)
			}
		}
		tee.mu.Lock()
		tee.forwarded++
		if h, err := telemetry.Decode(d); err == nil {
			tee.byKind[h.Kind]++
			q := tee.seq[h.PID]
			if q == nil {
				q = &teeSeq{}
				tee.seq[h.PID] = q
			}
			q.note(h.Kind, h.Seq)
		} else {
			tee.failLocked("a datagram ours cannot decode: %v", err)
		}
		tee.mu.Unlock()
	}
}

func (tee *telemetryTee) fail(format string, args ...any) {
	tee.mu.Lock()
	defer tee.mu.Unlock()
	tee.failLocked(format, args...)
}

func (tee *telemetryTee) failLocked(format string, args ...any) {
	if len(tee.errs) < 10 {
		tee.errs = append(tee.errs, fmt.Sprintf(format, args...))
	}
}

// teeSeq follows one process's sequence numbers, which it numbers across
// every kind of datagram (wsgi_telemetry.c wsgi_telemetry_next_seq;
// express_telemetry.py Reporter.send). gaps counts the numbers missing
// among all of them, as ours counts lost datagrams (telemetry/store.go
// touch); periodicGaps the numbers missing between one periodic sample
// and the next, as mod_wsgi-telemetry counts a process's drops
// (ingest.py _handle: last_seq is only the periodic samples'), so there
// every other datagram (slow request, GC, STOPPING) in between counts as
// a drop.
type teeSeq struct {
	last, lastPeriodic uint32
	gaps, periodicGaps uint64
}

func (q *teeSeq) note(kind telemetry.Kind, seq uint32) {
	if q.last != 0 && seq > q.last+1 {
		q.gaps += uint64(seq - q.last - 1)
	}
	q.last = seq
	switch kind {
	case telemetry.KindProcess, telemetry.KindRequest, telemetry.KindServer:
		if q.lastPeriodic != 0 && seq > q.lastPeriodic+1 {
			q.periodicGaps += uint64(seq - q.lastPeriodic - 1)
		}
		q.lastPeriodic = seq
	}
}

// restore gives the path back to our socket and stops the tee, once,
// after it has forwarded what was sent to it before.
func (tee *telemetryTee) restore() error {
	tee.restoreOnce.Do(func() {
		if err := os.Rename(tee.ours, tee.path); err != nil {
			tee.restoredError = fmt.Errorf("giving %s back to our ingester: %v", tee.path, err)
		}
		tee.conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		<-tee.done
		tee.conn.Close()
	})
	return tee.restoredError
}

// teeCounts is what the tee forwarded.
type teeCounts struct {
	forwarded          uint64
	kinds              map[telemetry.Kind]uint64
	gaps, periodicGaps uint64
	errs               []string
}

func (tee *telemetryTee) counts() teeCounts {
	tee.mu.Lock()
	defer tee.mu.Unlock()
	c := teeCounts{forwarded: tee.forwarded, kinds: map[telemetry.Kind]uint64{}, errs: slices.Clone(tee.errs)}
	for k, v := range tee.byKind {
		c.kinds[k] = v
	}
	for _, q := range tee.seq {
		c.gaps += q.gaps
		c.periodicGaps += q.periodicGaps
	}
	return c
}

// TestTelemetryBesideUpstream feeds the same datagrams to our ingester
// (start-server --enable-telemetry) and to mod_wsgi-telemetry 6.0.5's,
// side by side, and compares what each makes of them: requests in all,
// by status class and per process, the live processes, their group and
// identity, starts and stops with their reasons, the slow request, the
// phase histograms' counts, bytes and workers, and that both took every
// datagram. With mod_wsgi 6 the datagrams are the module's own; with
// Debian's 4.9.4 they are our Python reporter's, in the same format.
func TestTelemetryBesideUpstream(t *testing.T) {
	testenv.Integration(t)
	up := startUpstreamIngester(t)
	const slowThreshold = 0.5
	s := startCoreTelemetry(t, "--processes", "2", "--threads", "4", "--telemetry-interval", "0.5",
		"--slow-requests", fmt.Sprint(slowThreshold))
	sock := filepath.Join(s.Root, "telemetry.sock")

	// The first processes report to ours alone: once both do, the tee
	// takes the socket's path and the application is restarted (SIGUSR1,
	// apachectl graceful: each daemon process replaced in turn), so both
	// ingesters hear the whole life of the processes that serve.
	first := waitReporting(t, s, 2)
	tee := startTelemetryTee(t, sock, up.sock)
	if err := s.Cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	var pids []int
	waitFor(t, "both daemon processes replaced, the new ones reporting to both and the old ones stopped", func() bool {
		pids = daemonPIDs(s.Root)
		if len(pids) != 2 || slices.ContainsFunc(pids, func(p int) bool { return slices.Contains(first, p) }) {
			return false
		}
		snap := s.snapshot(t)
		c := up.state(t).counts()
		return fmt.Sprint(running(&snap, s.group)) == fmt.Sprint(pids) && fmt.Sprint(c.live) == fmt.Sprint(pids) &&
			len(c.stopped) == 2
	}, func() string {
		snap := s.snapshot(t)
		return fmt.Sprintf("daemons %v (first %v)\nours: %+v\ntheirs: %+v\n%s", daemonPIDs(s.Root), first, snap.Processes, up.state(t).LifecycleEvents, s.ErrorLog())
	})

	// N requests, 4 at a time: 200s, 404s, 500s and one slow one.
	var paths []string
	const ok, missing, errs = 40, 4, 3
	for i := 0; i < ok; i++ {
		paths = append(paths, fmt.Sprintf("/ok?%d", i))
	}
	for i := 0; i < missing; i++ {
		paths = append(paths, "/missing")
	}
	for i := 0; i < errs; i++ {
		paths = append(paths, "/error")
	}
	paths = append(paths, "/slow?s=1.2")
	n := len(paths)
	got := testenv.GetAll(t, httpClient, s.URL, paths, 4)
	if got[200] != ok+1 || got[404] != missing || got[500] != errs {
		t.Fatalf("the client got %v, want %d 200, %d 404, %d 500", got, ok+1, missing, errs)
	}
	want := [5]uint64{0, ok + 1, 0, missing, errs}

	var snap telemetry.Snapshot
	var theirs *upstreamState
	var c upstreamCounts
	waitFor(t, fmt.Sprintf("both ingesters counting %d requests and the completed slow one", n), func() bool {
		snap = s.snapshot(t)
		theirs = up.state(t)
		c = theirs.counts()
		g := groupOf(&snap, s.group)
		return g != nil && g.RequestsTotal == uint64(n) && completedSlow(&snap) == 1 &&
			c.requests == uint64(n) && c.classes == want && c.completed == 1
	}, func() string {
		return fmt.Sprintf("ours: totals %+v groups %+v\ntheirs: %d requests, classes %v, %d slow completed\n%s",
			snap.Totals, snap.Groups, c.requests, c.classes, c.completed, up.out.String())
	})
	g := groupOf(&snap, s.group)
	t.Logf("mod_wsgi %s: ours %d requests %v, theirs %d requests %v (1xx..5xx); live %v",
		s.version, g.RequestsTotal, g.Requests, c.requests, c.classes, pids)

	t.Run("requests", func(t *testing.T) {
		// Ours counts a group's requests by the status classes when the
		// datagrams carry them (telemetry/sample.go applySample); theirs
		// shows request_count and the classes beside it. mod_wsgi 6 sends
		// both from one accumulator (wire.py 120-129: "Sum equals
		// request_count"); our 4.x reporter sends mod_wsgi's
		// request_count and its wrapper's classes, which agree once
		// every request is reported.
		if snap.Totals.Requests != uint64(n) || g.RequestsTotal != c.requests {
			t.Errorf("requests: ours %d (totals %d), theirs %d, sent %d", g.RequestsTotal, snap.Totals.Requests, c.requests, n)
		}
		for i, class := range []string{"1xx", "2xx", "3xx", "4xx", "5xx"} {
			if g.Requests[class] != c.classes[i] || c.classes[i] != want[i] {
				t.Errorf("%s: ours %d, theirs %d, sent %d", class, g.Requests[class], c.classes[i], want[i])
			}
		}
		if u := g.Requests["unknown"]; u != 0 {
			t.Errorf("ours counts %d requests of no class: every datagram carried the classes", u)
		}
	})

	t.Run("processes", func(t *testing.T) {
		if fmt.Sprint(running(&snap, s.group)) != fmt.Sprint(pids) || fmt.Sprint(c.live) != fmt.Sprint(pids) {
			t.Errorf("live processes: ours %v, theirs %v, Apache's daemons %v", running(&snap, s.group), c.live, pids)
		}
		byPID := map[uint32]*telemetry.ProcessView{}
		for i := range snap.Processes {
			byPID[snap.Processes[i].PID] = &snap.Processes[i]
		}
		var sum uint64
		for _, tp := range theirs.Processes {
			if !slices.Contains(pids, int(tp.PID)) {
				continue
			}
			op := byPID[tp.PID]
			if op == nil {
				t.Errorf("pid %d: theirs lists it, ours does not", tp.PID)
				continue
			}
			// Ours counts from the first datagram it hears (the STARTED
			// one here); theirs keeps each pid's last 600 samples, all of
			// them in this test.
			if op.Requests != c.perPID[tp.PID] {
				t.Errorf("pid %d requests: ours %d, theirs %d", tp.PID, op.Requests, c.perPID[tp.PID])
			}
			sum += op.Requests
			if op.Group != s.group || tp.ProcessGroup != s.group {
				t.Errorf("pid %d group: ours %q, theirs %q, want %q", tp.PID, op.Group, tp.ProcessGroup, s.group)
			}
			for _, f := range []struct{ what, ours, theirs string }{
				{"mod_wsgi version", op.ModWSGIVersion, tp.ModWSGIVersion},
				{"Python version", op.PythonVersion, tp.PythonVersion},
				{"Apache version", op.ApacheVersion, tp.ApacheVersion},
				{"MPM", op.MPM, tp.MPMName},
				{"hostname", op.Hostname, tp.Hostname},
			} {
				if f.ours != f.theirs {
					t.Errorf("pid %d %s: ours %q, theirs %q", tp.PID, f.what, f.ours, f.theirs)
				}
			}
			if op.ModWSGIVersion != s.version {
				t.Errorf("pid %d reports mod_wsgi %q, the module is %s", tp.PID, op.ModWSGIVersion, s.version)
			}
			if op.ParentPID != tp.ProcessParentPID || op.ParentPID == 0 {
				t.Errorf("pid %d parent: ours %d, theirs %d", tp.PID, op.ParentPID, tp.ProcessParentPID)
			}
			if op.Workers != c.workers[tp.PID] || op.Workers != 4 {
				t.Errorf("pid %d workers: ours %d, theirs %d, --threads 4", tp.PID, op.Workers, c.workers[tp.PID])
			}
			// Both take the process's start from its STARTED datagram's
			// stamp (ours: ProcessView.Started, StartKnown).
			stamp, ok := c.started[tp.PID]
			if !ok || !op.StartKnown || math.Abs(float64(op.Started.UnixNano())/1e9-stamp) > 1e-3 {
				t.Errorf("pid %d start: ours %v (known %v), theirs %v (heard %v)", tp.PID, op.Started, op.StartKnown,
					time.Unix(0, int64(stamp*1e9)), ok)
			}
		}
		if sum != uint64(n) {
			t.Errorf("the live processes' requests add up to %d, want %d", sum, n)
		}
	})

	t.Run("starts and stops", func(t *testing.T) {
		ev := s.events(t)
		ours := map[uint32]telemetry.Event{}
		oursStopping := map[uint32]string{}
		for _, e := range ev {
			switch e.Kind {
			case "started", "restarted":
				if _, ok := ours[e.PID]; !ok {
					ours[e.PID] = e
				}
			case "stopped":
				ours[e.PID] = e
			case "stopping":
				oursStopping[e.PID] = e.Reason
			}
		}
		for _, pid := range pids {
			if e, ok := ours[uint32(pid)]; !ok || (e.Kind != "started" && e.Kind != "restarted") {
				t.Errorf("pid %d: ours logs %+v, want its start", pid, e)
			}
			if _, ok := c.started[uint32(pid)]; !ok {
				t.Errorf("pid %d: theirs has no process_started", pid)
			}
		}
		// The replaced processes: ours heard them start, theirs joined at
		// the tee; both heard them stop, with the same reason. Ours keeps
		// reasons as label values and says "unknown" where the datagram
		// gives none (telemetry/text.go cleanReason; mod_wsgi 4.9.4 gives
		// none), where theirs keeps the empty string.
		ourReason := func(theirs string) string {
			if theirs == "" {
				return "unknown"
			}
			return theirs
		}
		for _, pid := range first {
			e := ours[uint32(pid)]
			reason, ok := c.stopped[uint32(pid)]
			if !ok || e.Kind != "stopped" || e.Reason != ourReason(reason) {
				t.Errorf("pid %d stop: ours %+v, theirs %q (heard %v)", pid, e, reason, ok)
			}
			r, theirsStopping := c.stopping[uint32(pid)]
			o, oursStopping := oursStopping[uint32(pid)]
			if theirsStopping != oursStopping || (theirsStopping && o != ourReason(r)) {
				t.Errorf("pid %d stopping: ours %q (heard %v), theirs %q (heard %v)", pid, o, oursStopping, r, theirsStopping)
			}
		}
		t.Logf("replaced processes' stop reasons: theirs %v, stopping %v", c.stopped, c.stopping)
	})

	t.Run("slow request", func(t *testing.T) {
		var ours []telemetry.SlowRequest
		for _, r := range snap.SlowRequests {
			if r.State == "completed" {
				ours = append(ours, r)
			}
		}
		var their []int
		for i, r := range theirs.SlowRequests {
			if r.Entry.State == 1 {
				their = append(their, i)
			}
		}
		if len(ours) != 1 || len(their) != 1 || g.SlowRequests != 1 {
			t.Fatalf("completed slow requests: ours %+v (counted %d), theirs %+v", ours, g.SlowRequests, theirs.SlowRequests)
		}
		o, th := ours[0], theirs.SlowRequests[their[0]].Entry
		if o.PID != th.PID || o.Thread != th.ThreadID || o.Path != th.ScriptName+th.PathInfo || o.Path != "/slow" ||
			o.Method != th.Method || o.Status != th.Status || o.Status != 200 {
			t.Errorf("slow request: ours %+v, theirs %+v", o, th)
		}
		if math.Abs(o.Duration-th.Duration) > 1e-6 || o.Duration < 1.2 ||
			math.Abs(float64(o.Start.UnixNano())/1e9-th.StartStamp) > 1e-3 {
			t.Errorf("slow request timing: ours start %v duration %v, theirs start %v duration %v",
				o.Start, o.Duration, time.Unix(0, int64(th.StartStamp*1e9)), th.Duration)
		}
	})

	t.Run("phases and bytes", func(t *testing.T) {
		// A phase's count is its histogram's total on both sides (ours:
		// PhaseView.Count, telemetry/sample.go addPhases), over every
		// request since the tee for theirs, since the start for ours:
		// the same requests here.
		reported := 0
		for _, ph := range g.Phases {
			if ph.Count != c.phases[ph.Phase] {
				t.Errorf("phase %s: ours counts %d, theirs %d", ph.Phase, ph.Count, c.phases[ph.Phase])
			}
			if ph.Count != 0 && ph.Count != uint64(n) {
				t.Errorf("phase %s counts %d requests, want %d", ph.Phase, ph.Count, n)
			}
			reported++
		}
		for ph, count := range c.phases {
			if count != 0 && !slices.ContainsFunc(g.Phases, func(p telemetry.PhaseView) bool { return p.Phase == ph }) {
				t.Errorf("phase %s: theirs counts %d, ours has none", ph, count)
			}
		}
		if reported < 4 {
			t.Errorf("ours reports %d phases: %+v", reported, g.Phases)
		}
		if g.InputBytes != c.inBytes || g.OutputBytes != c.outBytes {
			t.Errorf("bytes in/out: ours %d/%d, theirs %d/%d", g.InputBytes, g.OutputBytes, c.inBytes, c.outBytes)
		}
		t.Logf("phase counts: theirs %v; bytes in/out %d/%d", c.phases, c.inBytes, c.outBytes)
	})

	t.Run("latency", func(t *testing.T) { checkLatencyBesideUpstream(t, s, up, &snap, &c, n) })

	// Give the path back to ours: what follows goes to ours alone. Theirs
	// must then have received every datagram the tee forwarded, decoded
	// them all, and kept every periodic and lifecycle one (its ring
	// buffers, 600 samples per pid and 500 events, are not full here);
	// neither saw a gap in any process's sequence numbers (ours is asked
	// before: a datagram the tee forwards after one sent to ours directly
	// would look like a gap).
	lost := s.snapshot(t).Ingest.Lost
	if err := tee.restore(); err != nil {
		t.Fatal(err)
	}
	fw := tee.counts()
	if len(fw.errs) > 0 {
		t.Errorf("the tee: %s", strings.Join(fw.errs, "; "))
	}
	waitFor(t, fmt.Sprintf("theirs receiving all %d datagrams forwarded", fw.forwarded), func() bool {
		return up.state(t).TotalReceived == fw.forwarded
	}, func() string {
		return fmt.Sprintf("theirs received %d\n%s", up.state(t).TotalReceived, up.out.String())
	})
	theirs = up.state(t)
	c = theirs.counts()
	kinds := fw.kinds
	lifecycle := kinds[telemetry.KindProcessStarted] + kinds[telemetry.KindProcessStopping] + kinds[telemetry.KindProcessStopped]
	if theirs.DecodeErrors != 0 || c.samples != kinds[telemetry.KindRequest] || uint64(len(theirs.LifecycleEvents)) != lifecycle {
		t.Errorf("theirs: %d decode errors, %d periodic samples and %d lifecycle events kept of %d and %d forwarded (by kind %v)\n%s",
			theirs.DecodeErrors, c.samples, len(theirs.LifecycleEvents), kinds[telemetry.KindRequest], lifecycle, kinds, up.out.String())
	}
	// No datagram went missing on the way (ours counts gaps in each
	// process's numbers, before the tee too); theirs counts as dropped
	// the other kinds' numbers between two periodic samples.
	snap = s.snapshot(t)
	var dropped uint64
	for _, v := range snap.Ingest.Dropped {
		dropped += v
	}
	if dropped != 0 || lost != 0 || fw.gaps != 0 || c.drops != fw.periodicGaps {
		t.Errorf("ours dropped %v and lost %d; the tee saw %d numbers missing; theirs counts %d drops, want the %d other datagrams between periodic ones",
			snap.Ingest.Dropped, lost, fw.gaps, c.drops, fw.periodicGaps)
	}
	var accepted uint64
	for _, v := range snap.Ingest.Accepted {
		accepted += v
	}
	if accepted < fw.forwarded {
		t.Errorf("ours accepted %d datagrams, fewer than the %d forwarded", accepted, fw.forwarded)
	}
	t.Logf("forwarded %d datagrams (by kind %v); theirs received %d, counts %d drops; ours accepted %d (by kind %v, those before the tee too)",
		fw.forwarded, kinds, theirs.TotalReceived, c.drops, accepted, snap.Ingest.Accepted)

	s.Stop(syscall.SIGTERM)
	checkTelemetryGone(t, s.Root)
}

// completedSlow counts the snapshot's completed slow requests.
func completedSlow(snap *telemetry.Snapshot) int {
	n := 0
	for _, r := range snap.SlowRequests {
		if r.State == "completed" {
			n++
		}
	}
	return n
}

// checkLatencyBesideUpstream compares the latency percentiles and extremes
// of the whole request, as both show them at the top of their views:
// ours GET /api/histogram (the snapshot's latency, the page's and top's
// header), theirs its top's "lat:" line (tui.py _aggregate_header:
// _hdr_percentile over _aggregate_buckets of request_time_buckets, and
// _phase_min_max), run here on the same summed buckets. mod_wsgi 4.x has
// no whole-request histogram and no extremes: ours then shows the
// application phase's percentiles (Latency.Phase "application"), theirs
// nothing ("-").
func checkLatencyBesideUpstream(t *testing.T, s *telemetryServer, up *upstreamIngester, snap *telemetry.Snapshot, c *upstreamCounts, n int) {
	phase := "request"
	if !s.native() {
		phase = "application"
		if c.phases["request"] != 0 || len(c.minima) != 0 || len(c.maxima) != 0 {
			t.Errorf("mod_wsgi %s: theirs has %d requests in the request histogram, minima %v, maxima %v: the reporter sends none",
				s.version, c.phases["request"], c.minima, c.maxima)
		}
	}
	if snap.Totals.Latency.Phase != phase || snap.Totals.Latency.Count != uint64(n) || c.phases[phase] != uint64(n) {
		t.Errorf("ours shows the %s phase's latency over %d requests, theirs has %d in its %s histogram; want %s and %d",
			snap.Totals.Latency.Phase, snap.Totals.Latency.Count, c.phases[phase], phase, phase, n)
	}
	var h telemetry.HistogramView
	s.getJSON(t, "api/histogram?window=900&phase="+phase+"&group="+s.group, &h)
	if h.Count != uint64(n) || h.Coarse == s.native() || h.P50 == nil || h.P95 == nil || h.P99 == nil || h.Mean == nil {
		t.Fatalf("ours: %+v", h)
	}
	theirs := upstreamPercentiles(t, up, c.buckets[phase])

	// Extremes: mod_wsgi 6 sends each interval's exact minimum and
	// maximum; both keep the smallest and the largest.
	if s.native() {
		lo, okLo := c.minima[phase]
		hi, okHi := c.maxima[phase]
		if h.Min == nil || h.Max == nil || !okLo || !okHi || *h.Min != lo || *h.Max != hi || hi < 1.2 {
			t.Errorf("%s extremes: ours %s..%s, theirs %v..%v", phase, fmtOpt(h.Min), fmtOpt(h.Max), lo, hi)
		}
	} else if h.Min != nil || h.Max != nil {
		t.Errorf("ours has extremes %s..%s that mod_wsgi %s does not send", fmtOpt(h.Min), fmtOpt(h.Max), s.version)
	}

	// Percentiles: both interpolate linearly inside the bucket that holds
	// the quantile, so both fall in that bucket: one of the 65 buckets of
	// mod_wsgi 6 (whose first theirs takes to start at 1 ms and ours at
	// 0), or with 4.x one of its 16, 5 ms x 2^k, which our reporter moves
	// to the 65-bucket layout's bucket ending at the same bound
	// (express_telemetry.py convert_buckets, marked coarse for ours only:
	// theirs interpolates in that narrower bucket). Ours also keeps
	// estimates within the exact extremes and at most mean/(1-q)
	// (docs/telemetry.md), which may move it to that bound.
	for i, q := range []struct {
		name string
		q    float64
		ours float64
	}{{"p50", 0.50, *h.P50}, {"p95", 0.95, *h.P95}, {"p99", 0.99, *h.P99}} {
		th := theirs[i]
		if th == nil {
			t.Errorf("%s: theirs has none over %v", q.name, c.buckets[phase])
			continue
		}
		same := sameBucket(q.ours, *th, h.Coarse)
		for _, bound := range []*float64{h.Min, h.Max, ptr(*h.Mean / (1 - q.q))} {
			if bound != nil && math.Abs(q.ours-*bound) < 1e-12 {
				same = true // moved to a bound
			}
		}
		if !same {
			t.Errorf("%s %s: ours %v, theirs %v, not in one bucket", phase, q.name, q.ours, *th)
		}
	}
	g := func(v *float64) string {
		if v == nil {
			return "none"
		}
		return strconv.FormatFloat(*v, 'g', 6, 64)
	}
	lo, okLo := c.minima[phase]
	hi, okHi := c.maxima[phase]
	if !okLo {
		lo = math.NaN()
	}
	if !okHi {
		hi = math.NaN()
	}
	t.Logf("%s latency over %d requests, seconds: ours p50 %s p95 %s p99 %s min %s max %s (coarse %v); theirs p50 %s p95 %s p99 %s min %v max %v",
		phase, h.Count, g(h.P50), g(h.P95), g(h.P99), g(h.Min), g(h.Max), h.Coarse, g(theirs[0]), g(theirs[1]), g(theirs[2]), lo, hi)
}

func ptr(v float64) *float64 { return &v }

// upstreamPercentiles runs mod_wsgi-telemetry's own percentile estimate
// (tui.py _hdr_percentile, which its top's header uses) on a summed
// histogram: p50, p95 and p99, nil where it gives none.
func upstreamPercentiles(t *testing.T, up *upstreamIngester, buckets []float64) []*float64 {
	t.Helper()
	const script = `import json, sys
from mod_wsgi.telemetry.tui import _hdr_percentile
buckets = [int(c) for c in json.load(sys.stdin)]
print(json.dumps([_hdr_percentile(buckets, p) for p in (50, 95, 99)]))`
	if buckets == nil {
		buckets = make([]float64, telemetry.NumBuckets)
	}
	in, _ := json.Marshal(buckets)
	cmd := exec.Command("/usr/bin/python3", "-c", script)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+up.src)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s's _hdr_percentile: %v", upstreamTelemetry, err)
	}
	var p []*float64
	if err := json.Unmarshal(out, &p); err != nil || len(p) != 3 {
		t.Fatalf("%s's _hdr_percentile said %q (%v)", upstreamTelemetry, out, err)
	}
	return p
}

// sameBucket says whether a and b lie in one histogram bucket, bounds
// included: one of the 65 buckets, or with coarse counts one of
// mod_wsgi 4.x's (up to 5 ms, then up to 5 ms x 2^k).
func sameBucket(a, b float64, coarse bool) bool {
	if coarse {
		idx := func(v float64) (int, bool) { // bucket, and whether v is its upper bound
			if v <= 0.005 {
				return 0, v == 0.005
			}
			k := math.Ceil(math.Log2(v / 0.005))
			return int(k), math.Abs(v-0.005*math.Exp2(k)) < 1e-12
		}
		ia, ea := idx(a)
		ib, eb := idx(b)
		return ia == ib || (ia == ib+1 && eb) || (ib == ia+1 && ea)
	}
	ia, ib := telemetry.BucketIndex(a), telemetry.BucketIndex(b)
	// BucketIndex takes a bucket's upper bound for the next bucket's.
	atUpper := func(v float64, i int) bool { return math.Abs(v-telemetry.BucketUpperBound(i)) < 1e-12 }
	return ia == ib || (ia == ib+1 && atUpper(a, ib)) || (ib == ia+1 && atUpper(b, ia))
}
