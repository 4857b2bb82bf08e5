//go:build !windows

package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
	"github.com/modwsgi-go/mod_wsgi-express/telemetry"
)

// TestTelemetryTop sends known traffic to a server with telemetry (two
// daemon processes of topThreads threads: N requests, one slow, two 404)
// and reads it with top: --once prints each view as text and --once --json
// the snapshot, without a terminal, both with the N requests sent; on a
// pseudo-terminal the live view shows them, keys switch views, sort and
// group, ? shows the help, and q quits.
func TestTelemetryTop(t *testing.T) {
	s := startTelemetry(t, "--processes", "2", "--threads", strconv.Itoa(topThreads), "--telemetry-interval", "0.5", "--slow-requests", "0.5")
	pids := waitReporting(t, s, 2)
	paths := []string{"/slow", "/missing", "/missing"}
	for i := 0; i < 30; i++ {
		paths = append(paths, fmt.Sprintf("/top%d", i))
	}
	n := len(paths)
	testenv.GetAll(t, httpClient, s.URL, paths, 4)
	waitFor(t, fmt.Sprintf("the ingester counting %d requests and the slow one", n), func() bool {
		snap := s.snapshot(t)
		g := groupOf(&snap, s.group)
		return snap.Totals.Requests == uint64(n) && g != nil && g.SlowRequests == 1
	}, func() string { return fmt.Sprintf("%+v", s.snapshot(t).Totals) })

	t.Run("once", func(t *testing.T) { checkTopOnce(t, s, pids, n) })
	t.Run("once json", func(t *testing.T) { checkTopOnceJSON(t, s, pids, n) })
	t.Run("live", func(t *testing.T) { checkTopLive(t, s, pids, n) })
}

// topThreads is --threads of TestTelemetryTop's server: the threads view
// lists as many of each process.
const topThreads = 3

// topOnce runs top --once with args, with no terminal: stdin is
// /dev/null and the output a pipe.
func topOnce(t *testing.T, s *telemetryServer, args ...string) string {
	t.Helper()
	cmd := testenv.Command(t, s.Root, append(append([]string{"top", "--once"}, args...), s.Root)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("top --once %v: %v\n%s", args, err, stderr.String())
	}
	if strings.ContainsAny(string(out), "\x1b\r") {
		t.Errorf("top --once %v printed control characters: %q", args, out)
	}
	return string(out)
}

// processRow matches a process's row of the processes view.
func processRow(group string, pid int) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(group) + ` +` + strconv.Itoa(pid) + ` +running `)
}

func checkTopOnce(t *testing.T, s *telemetryServer, pids []int, n int) {
	out := topOnce(t, s)
	for _, want := range []string{"mod_wsgi-express top", "group all", fmt.Sprintf("requests %d  slow 1", n), "processes by cpu: 2 live"} {
		if !strings.Contains(out, want) {
			t.Errorf("top --once: no %q in:\n%s", want, out)
		}
	}
	for _, pid := range pids {
		if !processRow(s.group, pid).MatchString(out) {
			t.Errorf("top --once: no running row for pid %d in:\n%s", pid, out)
		}
	}
	// The processes' requests add up to those sent.
	total := 0
	for _, m := range regexp.MustCompile(`(?m)^\S+ +\d+ +running +\S+ +(\d+) `).FindAllStringSubmatch(out, -1) {
		c, _ := strconv.Atoi(m[1])
		total += c
	}
	if total != n {
		t.Errorf("top --once: the processes' requests add up to %d, want %d:\n%s", total, n, out)
	}

	out = topOnce(t, s, "--view", "slow", "--show-group", s.group)
	if !regexp.MustCompile(`(?m)^completed .* GET +200 /slow$`).MatchString(out) || !strings.Contains(out, "group "+s.group) {
		t.Errorf("top --once --view slow: no completed GET /slow in:\n%s", out)
	}
	out = topOnce(t, s, "--view", "latency")
	// Each module times the application at least; the window's
	// distribution of a phase counts every request sent.
	if !strings.Contains(out, "latency by phase over the last") || !regexp.MustCompile(`(?m)^all +(application|request) +`+strconv.Itoa(n)+` `).MatchString(out) {
		t.Errorf("top --once --view latency: no phase counting %d requests in:\n%s", n, out)
	}
	out = topOnce(t, s, "--view", "events")
	for _, pid := range pids {
		if !strings.Contains(out, "process lifecycle events, newest first") ||
			!regexp.MustCompile(`(?m)^\S+ +started +`+regexp.QuoteMeta(s.group)+` .* `+strconv.Itoa(pid)+`( |$)`).MatchString(out) {
			t.Errorf("top --once --view events: no start of pid %d in:\n%s", pid, out)
		}
	}
	checkTopCapabilities(t, s, topOnce(t, s))

	// The verdicts of GET /api/gil just before and after: top's is one of
	// them (it may change between the two as samples age).
	var before, after []telemetry.GILGroup
	s.getJSON(t, "api/gil", &before)
	out = topOnce(t, s, "--view", "threads")
	s.getJSON(t, "api/gil", &after)
	if !s.native() {
		if _, body, _ := strings.Cut(out, "\n\n"); body != topThreadsMissing(t, s)+"\n" {
			t.Errorf("top --once --view threads: want the one line %q under the header:\n%s", topThreadsMissing(t, s), out)
		}
		return
	}
	if !strings.Contains(out, "threads of 2 live processes by group, pid, thread; verdict on the last 5 samples") {
		t.Errorf("top --once --view threads: no title in:\n%s", out)
	}
	snap := s.snapshot(t)
	if g := groupOf(&snap, s.group); g != nil && g.GIL != nil && !strings.Contains(out, "GIL of "+s.group+": ") {
		t.Errorf("top --once --view threads: no GIL contention of %s in:\n%s", s.group, out)
	}
	for _, pid := range pids {
		for _, r := range topThreadRows(s.group, pid) {
			if !r.MatchString(out) {
				t.Errorf("top --once --view threads: no line matching %s in:\n%s", r, out)
			}
		}
		// Threads 0 to topThreads-1, no other.
		var got, want []string
		for _, m := range regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(s.group)+` +`+strconv.Itoa(pid)+` +(\d+) `).FindAllStringSubmatch(out, -1) {
			got = append(got, m[1])
		}
		for i := 0; i < topThreads; i++ {
			want = append(want, strconv.Itoa(i))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("top --once --view threads: pid %d has threads %v, want 0 to %d:\n%s", pid, got, topThreads-1, out)
		}
		// The verdict is of the kind GET /api/gil gives the process (its
		// figures may have moved on).
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(s.group) + ` +` + strconv.Itoa(pid) + ` +verdict  ([^:]+): `).FindStringSubmatch(out)
		var kinds []string
		for _, gil := range [][]telemetry.GILGroup{before, after} {
			for _, g := range gil {
				for _, p := range g.Processes {
					if int(p.PID) == pid {
						kinds = append(kinds, strings.SplitN(p.Verdict, ":", 2)[0])
					}
				}
			}
		}
		if m == nil || len(kinds) != 2 || m[1] != kinds[0] && m[1] != kinds[1] {
			t.Errorf("top --once --view threads: pid %d's verdict %q, GET /api/gil's %q", pid, m, kinds)
		}
	}
}

// topThreadsMissing is the threads view's line before mod_wsgi 6: the
// snapshot's reason why per-thread measures need it.
func topThreadsMissing(t *testing.T, s *telemetryServer) string {
	t.Helper()
	for _, m := range s.snapshot(t).Capabilities.Missing {
		if m.What == "threads" {
			return "threads: " + m.Why
		}
	}
	t.Fatalf("mod_wsgi %s: the capabilities do not say why threads are missing", s.version)
	return ""
}

// topThreadRows match, in the threads view, a process's verdict and its
// topThreads threads with busy share, CPU, requests, running and longest.
func topThreadRows(group string, pid int) []*regexp.Regexp {
	head := `(?m)^` + regexp.QuoteMeta(group) + ` +` + strconv.Itoa(pid) + ` +`
	rows := []*regexp.Regexp{regexp.MustCompile(head + `verdict  (saturated|GIL-bound|idle|fine): \S`)}
	for i := 0; i < topThreads; i++ {
		rows = append(rows, regexp.MustCompile(head+strconv.Itoa(i)+` +\d+% +\d+% +\d+ +\S+ +\S+$`))
	}
	return rows
}

// checkTopCapabilities: with mod_wsgi before 6, top says what needs
// mod_wsgi 6, each measure with its reason, as the snapshot's
// capabilities list them; with mod_wsgi 6 it says nothing of it.
func checkTopCapabilities(t *testing.T, s *telemetryServer, out string) {
	c := s.snapshot(t).Capabilities
	major, _ := strconv.Atoi(strings.SplitN(s.version, ".", 2)[0])
	if c.Module != s.version || major < 6 && len(c.Missing) == 0 || major >= 6 && len(c.Missing) > 0 {
		t.Fatalf("mod_wsgi %s: capabilities %+v", s.version, c)
	}
	if says := strings.Contains(out, "needs mod_wsgi 6"); says != (major < 6) {
		t.Errorf("mod_wsgi %s: top says what needs mod_wsgi 6: %v, want %v:\n%s", s.version, says, major < 6, out)
	}
	for _, m := range c.Missing {
		if !strings.Contains(out, "  "+m.What+": "+m.Why+"\n") {
			t.Errorf("top --once does not give %q: %q:\n%s", m.What, m.Why, out)
		}
	}
}

func checkTopOnceJSON(t *testing.T, s *telemetryServer, pids []int, n int) {
	out := topOnce(t, s, "--json")
	var snap telemetry.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil {
		t.Fatalf("top --once --json: %v\n%s", err, out)
	}
	g := groupOf(&snap, s.group)
	if snap.Totals.Requests != uint64(n) || g == nil || g.Requests["2xx"] != uint64(n-2) || g.Requests["4xx"] != 2 {
		t.Errorf("top --once --json: totals %+v, group %+v; want %d requests, %d 2xx and 2 4xx", snap.Totals, g, n, n-2)
	}
	if got := running(&snap, s.group); fmt.Sprint(got) != fmt.Sprint(pids) {
		t.Errorf("top --once --json: running %v, want %v", got, pids)
	}
	// The same keys as GET /api/snapshot.
	var fromTop, fromAPI map[string]json.RawMessage
	json.Unmarshal([]byte(out), &fromTop)
	s.getJSON(t, "api/snapshot", &fromAPI)
	for k := range fromAPI {
		if _, ok := fromTop[k]; !ok {
			t.Errorf("top --once --json has no %q", k)
		}
	}
	if len(fromTop) != len(fromAPI) {
		t.Errorf("top --once --json has %d keys, GET /api/snapshot %d", len(fromTop), len(fromAPI))
	}
}

// frames are the complete screens in what top wrote: each starts at the
// cursor's home and ends clearing below.
var reFrame = regexp.MustCompile(`(?s)\x1b\[H(.*?)\x1b\[J`)

func checkTopLive(t *testing.T, s *telemetryServer, pids []int, n int) {
	cmd := testenv.Command(t, s.Root, "top", s.Root)
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	out := &testenv.SyncBuffer{}
	copied := make(chan struct{})
	go func() { io.Copy(out, tty); close(copied) }()
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(done) }()
	defer func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
			<-done
		}
	}()
	// shows waits for a screen drawn after mark with every one of want
	// and none of not.
	shows := func(what string, mark int, want, not []string, rows ...*regexp.Regexp) {
		t.Helper()
		ok := func(frame string) bool {
			for _, w := range want {
				if !strings.Contains(frame, w) {
					return false
				}
			}
			for _, w := range not {
				if strings.Contains(frame, w) {
					return false
				}
			}
			text := strings.ReplaceAll(frame, "\x1b[K", "")
			for _, r := range rows {
				if !r.MatchString(strings.ReplaceAll(text, "\r\n", "\n")) {
					return false
				}
			}
			return true
		}
		waitFor(t, "top showing "+what, func() bool {
			for _, m := range reFrame.FindAllStringSubmatch(out.String()[mark:], -1) {
				if ok(m[1]) {
					return true
				}
			}
			return false
		}, func() string {
			frames := reFrame.FindAllStringSubmatch(out.String()[mark:], -1)
			if len(frames) == 0 {
				return fmt.Sprintf("no screen drawn: %q", out.String()[mark:])
			}
			return "last screen:\n" + strings.ReplaceAll(strings.ReplaceAll(frames[len(frames)-1][1], "\x1b[K", ""), "\r\n", "\n")
		})
	}
	press := func(key string) int {
		t.Helper()
		mark := len(out.String())
		if _, err := tty.Write([]byte(key)); err != nil {
			t.Fatal(err)
		}
		return mark
	}
	var rows []*regexp.Regexp
	for _, pid := range pids {
		rows = append(rows, processRow(s.group, pid))
	}
	// With mod_wsgi before 6 the header names what needs mod_wsgi 6, and
	// the help says why; mod_wsgi 6 reports the requests in flight.
	headWants := []string{"1-5 view  < > sort  g group  space pause  ? help  q quit"}
	helpWants := []string{"| mod_wsgi-express top: keys", "next process group"}
	if major, _ := strconv.Atoi(strings.SplitN(s.version, ".", 2)[0]); major < 6 {
		headWants = append(headWants, "mod_wsgi "+s.version+" here; needs mod_wsgi 6 (? says why): GC, GIL")
		helpWants = append(helpWants, "| Needs mod_wsgi 6:", "GC: mod_wsgi "+s.version+" does not")
	} else {
		headWants = append(headWants, "in flight 0")
	}
	shows("the header", 0, headWants, nil)
	shows("the processes and the requests sent", 0, []string{"mod_wsgi-express top", "[1 processes]", fmt.Sprintf("requests %d  slow 1", n),
		"processes by cpu: 2 live", "1-5 view  < > sort  g group  space pause  ? help  q quit"}, nil, rows...)
	// Refreshed in place every second, no key pressed.
	shows("the processes redrawn", len(out.String()), []string{"[1 processes]"}, nil, rows...)
	shows("the latency by phase", press("2"), []string{"[2 latency]", "latency by phase over the last", "PHASE"}, []string{"processes by cpu"},
		regexp.MustCompile(`(?m)^all +(application|request) +`+strconv.Itoa(n)+` `))
	shows("the slow request", press("3"), []string{"[3 slow requests]", "completed", "/slow"}, nil)
	shows("the events", press("4"), []string{"[4 events]", "process lifecycle events, newest first", "started", strconv.Itoa(pids[0]), strconv.Itoa(pids[1])}, nil)
	// The threads: each process's with mod_wsgi 6, else the line saying
	// they need it; Tab goes round to the processes.
	if s.native() {
		var threadRows []*regexp.Regexp
		for _, pid := range pids {
			threadRows = append(threadRows, topThreadRows(s.group, pid)...)
		}
		shows("the threads", press("5"), []string{"[5 threads]", "threads of 2 live processes", "THREAD"}, nil, threadRows...)
	} else {
		shows("the threads needing mod_wsgi 6", press("5"), []string{"[5 threads]", topThreadsMissing(t, s)}, []string{"THREAD"})
	}
	shows("the processes again", press("\t"), []string{"[1 processes]"}, nil, rows...)
	shows("the processes by rss", press(">"), []string{"processes by rss: 2 live"}, nil)
	shows("the help", press("?"), helpWants, nil)
	shows("the help closed", press("?"), []string{"processes by rss"}, []string{"top: keys"})
	shows("the application's group only", press("g"), []string{"group " + s.group, fmt.Sprintf("requests %d", n)}, nil, rows...)
	shows("every group again", press("g"), []string{"group all"}, nil)
	press("q")
	select {
	case <-done:
		if waitErr != nil {
			t.Errorf("top exited with %v after q, want status 0", waitErr)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("top still running 10 s after q")
	}
	select {
	case <-copied:
	case <-time.After(5 * time.Second):
	}
	if o := out.String(); !strings.HasSuffix(strings.TrimRight(o, "\r\n"), "\x1b[?25h\x1b[?1049l") {
		t.Errorf("top did not restore the cursor and screen on exit: ends %q", tail(o, 80))
	}
}

// TestTelemetryTopEvents recycles a daemon process with
// --maximum-requests and checks that top --once --view events shows each
// event of GET /api/events: the starts, and the stop of the process that
// served its maximum with the requests it served.
func TestTelemetryTopEvents(t *testing.T) {
	s := startTelemetry(t, "--processes", "1", "--threads", "1", "--maximum-requests", "5", "--telemetry-interval", "0.5")
	var first []int
	waitFor(t, "the daemon process reporting", func() bool {
		snap := s.snapshot(t)
		first = running(&snap, s.group)
		return len(first) == 1
	})
	paths := make([]string, 8)
	for i := range paths {
		paths[i] = fmt.Sprintf("/e%d", i)
	}
	testenv.GetAll(t, httpClient, s.URL, paths, 1)
	var events []telemetry.Event
	stopped := func() *telemetry.Event {
		for i, e := range events {
			if int(e.PID) == first[0] && e.Kind != "started" && e.Kind != "stopping" {
				return &events[i]
			}
		}
		return nil
	}
	waitFor(t, "the first process's stop in the event log", func() bool {
		s.getJSON(t, "api/events", &events)
		return stopped() != nil
	}, func() string { return fmt.Sprintf("events %+v", events) })
	out := topOnce(t, s, "--view", "events")
	s.getJSON(t, "api/events", &events)
	for _, e := range events {
		row := `(?m)^\S+ +` + regexp.QuoteMeta(e.Kind) + ` +` + regexp.QuoteMeta(s.group) + ` +` + strconv.Itoa(e.Slot) + ` +` + strconv.Itoa(int(e.PID)) + `( |$)`
		if !regexp.MustCompile(row).MatchString(out) {
			t.Errorf("top --once --view events: no %s of pid %d in:\n%s", e.Kind, e.PID, out)
		}
	}
	// The stop says how many requests the process served: its maximum.
	if e := stopped(); e == nil || e.Requests == nil || *e.Requests != 5 {
		t.Errorf("stop event %+v: want 5 requests served", e)
	} else if !regexp.MustCompile(`(?m)^\S+ +` + regexp.QuoteMeta(e.Kind) + ` .* ` + strconv.Itoa(first[0]) + ` .* 5( +\d+)?$`).MatchString(out) {
		t.Errorf("top --once --view events: the stop of pid %d does not show 5 requests:\n%s", first[0], out)
	}
}
