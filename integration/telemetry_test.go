//go:build !windows

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
	"github.com/modwsgi-go/mod_wsgi-express/telemetry"
)

// telemetryModuleEnv names the mod_wsgi module the tests run against
// (scripts/test sets it for its run with mod_wsgi 6.0.5); unset, the
// module start-server finds (Debian's 4.9.4 here).
const telemetryModuleEnv = "MOD_WSGI_TEST_MODULE"

// telemetryModuleArgs are the start-server options that choose the module
// under test. A module asked for that is not there fails the test: a run
// meant for mod_wsgi 6 must not pass on 4.9.4.
func telemetryModuleArgs(t *testing.T) []string {
	t.Helper()
	m := os.Getenv(telemetryModuleEnv)
	if m == "" {
		return nil
	}
	if fi, err := os.Stat(m); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("$%s is %s, which is not a module file (%v)", telemetryModuleEnv, m, err)
	}
	return []string{"--mod-wsgi-module", m}
}

const telemetryApp = `import time
def application(environ, start_response):
    if environ['PATH_INFO'] == '/slow':
        time.sleep(0.8)
    status = '404 Not Found' if environ['PATH_INFO'] == '/missing' else '200 OK'
    start_response(status, [('Content-Type', 'text/plain')])
    return [b'telemetry\n']
`

// telemetryServer is start-server --enable-telemetry on free ports.
type telemetryServer struct {
	*testenv.Server
	ui      string // the web UI, http://127.0.0.1:PORT/
	group   string // the application's process group
	version string // of the module, from the summary
}

var reSummaryVersion = regexp.MustCompile(`mod_wsgi Module +: .* \(mod_wsgi ([0-9.]+)`)

func startTelemetry(t *testing.T, extra ...string) *telemetryServer {
	t.Helper()
	return startTelemetryApp(t, telemetryApp, extra...)
}

// startTelemetryApp is startTelemetry with the application app.
func startTelemetryApp(t *testing.T, app string, extra ...string) *telemetryServer {
	t.Helper()
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), app)
	ui := testenv.FreePort(t)
	args := append([]string{"app.wsgi", "--enable-telemetry", "--telemetry-ui-port", strconv.Itoa(ui)}, telemetryModuleArgs(t)...)
	s := testenv.Start(t, dir, append(args, extra...)...)
	ts := &telemetryServer{Server: s, ui: fmt.Sprintf("http://127.0.0.1:%d/", ui), group: fmt.Sprintf("127.0.0.1:%d", s.Port)}
	if !strings.Contains(s.Output(), "Telemetry URL    : "+ts.ui+" (") {
		t.Errorf("the summary does not give the telemetry URL %s:\n%s", ts.ui, s.Output())
	}
	m := reSummaryVersion.FindStringSubmatch(s.Output())
	if m == nil {
		t.Fatalf("no module version in the summary:\n%s", s.Output())
	}
	ts.version = m[1]
	return ts
}

func (s *telemetryServer) snapshot(t *testing.T) telemetry.Snapshot {
	t.Helper()
	var snap telemetry.Snapshot
	s.getJSON(t, "api/snapshot", &snap)
	return snap
}

func (s *telemetryServer) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := httpClient.Get(s.ui + path)
	if err != nil {
		t.Fatalf("GET %s: %v", s.ui+path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", s.ui+path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", s.ui+path, err)
	}
}

func (s *telemetryServer) metrics(t *testing.T) string {
	t.Helper()
	resp, err := httpClient.Get(s.ui + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// running is the pids of the group's running processes, as reported.
func running(snap *telemetry.Snapshot, group string) []int {
	var pids []int
	for _, p := range snap.Processes {
		if p.Group == group && p.State == "running" {
			pids = append(pids, int(p.PID))
		}
	}
	sort.Ints(pids)
	return pids
}

// waitReporting waits until the server has n daemon processes and the
// ingester lists exactly them as running (each says it started before it
// counts requests; Apache may answer before it has forked them all), and
// returns their pids.
func waitReporting(t *testing.T, s *telemetryServer, n int) []int {
	t.Helper()
	var pids []int
	waitFor(t, fmt.Sprintf("%d daemon processes reporting", n), func() bool {
		snap := s.snapshot(t)
		pids = daemonPIDs(s.Root)
		return len(pids) == n && fmt.Sprint(running(&snap, s.group)) == fmt.Sprint(pids)
	}, func() string {
		return fmt.Sprintf("%+v\ndaemon processes %v\n%s", s.snapshot(t).Processes, daemonPIDs(s.Root), s.ErrorLog())
	})
	return pids
}

func daemonPIDs(root string) []int {
	pids := testenv.DaemonPIDs(root)
	sort.Ints(pids)
	return pids
}

// TestTelemetry runs start-server --enable-telemetry with two daemon
// processes against real Apache and mod_wsgi, sends N requests, and checks
// what the ingester makes of them: a real Prometheus scraping /metrics
// counts N, promtool accepts the exposition, headless Chromium shows the
// processes on the live page (TestTelemetryTop reads them with top), and a
// flood of malformed datagrams changes no counter. Stopped with SIGTERM,
// it leaves no socket, state file or process.
func TestTelemetry(t *testing.T) {
	s := startTelemetry(t, "--processes", "2", "--threads", "3", "--telemetry-interval", "0.5", "--slow-requests", "0.5")
	sock := filepath.Join(s.Root, "telemetry.sock")

	t.Run("socket", func(t *testing.T) {
		fi, err := os.Lstat(sock)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
			t.Errorf("%s: mode %v, want a socket with mode 0660", sock, fi.Mode())
		}
		if os.Getuid() == 0 {
			// Apache's children run as www-data: they, and nobody else, send.
			if u := lookupUID(t, "www-data"); int(st.Uid) != u {
				t.Errorf("%s belongs to uid %d, want www-data (%d)", sock, st.Uid, u)
			}
		}
	})

	want := waitReporting(t, s, 2)

	// N requests, 4 at a time so both processes serve: one slow, two 404.
	paths := []string{"/slow", "/missing", "/missing"}
	for i := 0; i < 40; i++ {
		paths = append(paths, fmt.Sprintf("/r%d", i))
	}
	n := len(paths)
	testenv.GetAll(t, httpClient, s.URL, paths, 4)
	waitFor(t, fmt.Sprintf("the ingester counting %d requests", n), func() bool {
		return s.snapshot(t).Totals.Requests == uint64(n)
	}, func() string {
		snap := s.snapshot(t)
		return fmt.Sprintf("totals %+v ingest %+v", snap.Totals, snap.Ingest)
	})
	snap := s.snapshot(t)
	if g := groupOf(&snap, s.group); g == nil || g.Requests["2xx"] != uint64(n-2) || g.Requests["4xx"] != 2 || g.SlowRequests != 1 {
		t.Errorf("group %+v: want %d 2xx, 2 4xx and 1 slow request", g, n-2)
	}
	for _, p := range snap.Processes {
		if p.ModWSGIVersion != s.version {
			t.Errorf("process %d reports mod_wsgi %q, the module is %s", p.PID, p.ModWSGIVersion, s.version)
		}
	}

	t.Run("prometheus", func(t *testing.T) { checkPrometheus(t, s, n) })
	t.Run("promtool", func(t *testing.T) {
		cmd := exec.Command("promtool", "check", "metrics")
		cmd.Stdin = strings.NewReader(s.metrics(t))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	})
	t.Run("live page", func(t *testing.T) { checkLivePage(t, s, want, n) })
	t.Run("malformed datagrams", func(t *testing.T) { checkMalformed(t, s, sock, n) })

	s.Stop(syscall.SIGTERM)
	checkTelemetryGone(t, s.Root)
}

// TestTelemetryStopSignals: SIGINT, as Ctrl-C sends, and SIGTERM (above)
// leave nothing behind.
func TestTelemetryStopSignals(t *testing.T) {
	s := startTelemetry(t)
	if _, err := os.Lstat(filepath.Join(s.Root, "telemetry.sock")); err != nil {
		t.Fatal(err)
	}
	s.Stop(syscall.SIGINT)
	checkTelemetryGone(t, s.Root)
}

// A taken UI port is refused before anything is written, as a taken
// --port is.
func TestTelemetryUIPortTaken(t *testing.T) {
	testenv.Integration(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), telemetryApp)
	root := filepath.Join(dir, "root")
	out, code := testenv.Run(t, dir, append([]string{"start-server", "app.wsgi", "--host", "127.0.0.1", "--port", strconv.Itoa(testenv.FreePort(t)),
		"--server-root", root, "--enable-telemetry", "--telemetry-ui-port", strconv.Itoa(taken)}, telemetryModuleArgs(t)...)...)
	if code != 1 || !strings.Contains(out, fmt.Sprintf("port %d of the telemetry web UI is already in use", taken)) || !strings.Contains(out, "--telemetry-ui-port") {
		t.Errorf("exit status %d, want 1 and the taken port named:\n%s", code, out)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("the server root was written: %v", err)
	}
}

// setup-server cannot receive the telemetry: it says so.
func TestTelemetrySetupServerRefused(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), telemetryApp)
	root := filepath.Join(dir, "root")
	out, code := testenv.Run(t, dir, append([]string{"setup-server", "app.wsgi", "--server-root", root, "--enable-telemetry"}, telemetryModuleArgs(t)...)...)
	if code != 2 || !strings.Contains(out, "--enable-telemetry") || !strings.Contains(out, "start-server") {
		t.Errorf("exit status %d, want 2 naming --enable-telemetry and start-server:\n%s", code, out)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("the server root was written: %v", err)
	}
}

func checkTelemetryGone(t *testing.T, root string) {
	t.Helper()
	for _, name := range []string{"telemetry.sock", "telemetry.json"} {
		if _, err := os.Lstat(filepath.Join(root, name)); !os.IsNotExist(err) {
			t.Errorf("%s left behind after the stop (%v)", name, err)
		}
	}
}

func groupOf(snap *telemetry.Snapshot, name string) *telemetry.GroupView {
	for i := range snap.Groups {
		if snap.Groups[i].Name == name {
			return &snap.Groups[i]
		}
	}
	return nil
}

func lookupUID(t *testing.T, name string) int {
	t.Helper()
	out, err := exec.Command("id", "-u", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return uid
}

// startBackground runs cmd in a process group of its own, killed (with
// anything it started) at cleanup and checked to leave nothing behind.
func startBackground(t *testing.T, cmd *exec.Cmd, marker string) *testenv.SyncBuffer {
	t.Helper()
	out := &testenv.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		testenv.AssertNoProcesses(t, cmd.Process.Pid, marker)
	})
	return out
}

// checkPrometheus has a real Prometheus scrape /metrics every second and
// asks it, over its HTTP API, for sum(mod_wsgi_requests_total).
func checkPrometheus(t *testing.T, s *telemetryServer, n int) {
	p := startPrometheus(t, s)
	var last string
	waitFor(t, fmt.Sprintf("Prometheus reporting sum(mod_wsgi_requests_total) == %d", n), func() bool {
		var r []promResult
		r, last = p.query(t, "sum(mod_wsgi_requests_total)")
		return len(r) == 1 && r[0].float() == float64(n)
	}, func() string {
		targets := ""
		if resp, err := httpClient.Get(p.api + "/api/v1/targets"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			targets = string(b)
		}
		return "last answer: " + last + "\ntargets: " + targets + "\nprometheus:\n" + p.out.String()
	})
}

// chromium runs headless Chromium with args and the project's flags, in
// a process group of its own, bounded in time.
func chromium(t *testing.T, args ...string) []byte {
	t.Helper()
	profile := testenv.Dir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	full := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile}, args...)
	cmd := exec.CommandContext(ctx, "chromium", full...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // helpers it left, if any
		testenv.AssertNoProcesses(t, cmd.Process.Pid, profile)
	}
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, tail(stderr.String(), 2000))
	}
	return stdout.Bytes()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

var reRow = regexp.MustCompile(`<tr>(.*?)</tr>`)

// checkLivePage loads the live page's Processes view in headless
// Chromium (--dump-dom), lets its script poll, and reads the DOM: a row
// per daemon process, the request count, no error. Then it takes a
// screenshot of the first view (copied to $MOD_WSGI_TEST_SCREENSHOT when
// set). TestTelemetryPage drives every view with chromedp.
func checkLivePage(t *testing.T, s *telemetryServer, pids []int, n int) {
	dom := string(chromium(t, "--virtual-time-budget=5000", "--dump-dom", s.ui+"#processes"))
	i := strings.Index(dom, `<table id="t-procs">`)
	if i < 0 {
		t.Fatalf("no process table in the page:\n%s", tail(dom, 4000))
	}
	table := dom[i:]
	table = table[:strings.Index(table, "</table>")]
	rows := map[int]string{}
	for _, m := range reRow.FindAllStringSubmatch(table, -1) {
		for _, pid := range pids {
			if strings.Contains(m[1], fmt.Sprintf(">%d</td>", pid)) {
				rows[pid] = m[1]
			}
		}
	}
	for _, pid := range pids {
		r := rows[pid]
		if !strings.Contains(r, ">"+s.group+"</td>") || !strings.Contains(r, ">running<") || !strings.Contains(r, ">"+s.version+"<") {
			t.Errorf("no row for process %d (group %s, running, mod_wsgi %s) in the page's process table:\n%s", pid, s.group, s.version, table)
		}
	}
	if !strings.Contains(dom, fmt.Sprintf(`<b id="k-req">%d</b>`, n)) {
		t.Errorf("the page does not show %d requests", n)
	}
	if strings.Contains(dom, `id="status" class="down"`) || !strings.Contains(dom, `<div id="status" class="">updated `) {
		j := strings.Index(dom, `id="status"`)
		t.Errorf("the page's status is not a successful update: %s", dom[j:j+200])
	}

	shot := filepath.Join(testenv.Dir(t), "telemetry.png")
	chromium(t, "--virtual-time-budget=5000", "--hide-scrollbars", "--window-size=1280,900", "--screenshot="+shot, s.ui)
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 900 {
		t.Errorf("screenshot is %v, want 1280×900", b)
	}
	if dst := os.Getenv("MOD_WSGI_TEST_SCREENSHOT"); dst != "" {
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkMalformed floods the socket with malformed datagrams, some made to
// change counters if they were taken: every one is counted as dropped,
// nothing else changes, and the server keeps serving.
func checkMalformed(t *testing.T, s *telemetryServer, sock string, n int) {
	before := s.snapshot(t)
	pid := uint32(running(&before, s.group)[0])
	header := telemetry.Header{Version: telemetry.WireVersion, Kind: telemetry.KindRequest, PID: pid, Seq: 1 << 30, Stamp: float64(time.Now().Unix())}
	sample := func(records ...telemetry.Record) []byte {
		b, err := telemetry.Encode(&telemetry.Datagram{Header: header, Records: append([]telemetry.Record{
			telemetry.Str(telemetry.FieldProcessGroup, s.group), telemetry.U64(telemetry.FieldRequestCount, 1000)}, records...)})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	valid := sample()
	badMagic := append([]byte("XSGI"), valid[4:]...)
	badVersion := append([]byte{}, valid...)
	badVersion[4] = 99
	badKind := append([]byte{}, valid...)
	badKind[5] = 200
	badType := append(append([]byte{}, valid...), 1, 0, 99)
	datagrams := [][]byte{
		valid[:10],           // short
		badMagic,             // bad magic
		badVersion,           // bad version
		badKind,              // bad kind
		badType,              // a record type nobody knows
		valid[:len(valid)-3], // truncated record
		sample(telemetry.F64(telemetry.FieldCapacityUtilization, -1)), // impossible value
		sample(telemetry.F64(telemetry.FieldCapacityUtilization, math.NaN())),
	}
	conn, err := net.Dial("unixgram", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const rounds = 300
	for i := 0; i < rounds; i++ {
		for _, d := range datagrams {
			if _, err := conn.Write(d); err != nil {
				t.Fatalf("sending: %v", err)
			}
		}
	}
	sent := uint64(rounds * len(datagrams))
	dropped := func(sn *telemetry.Snapshot) uint64 {
		var sum uint64
		for _, v := range sn.Ingest.Dropped {
			sum += v
		}
		return sum
	}
	var after telemetry.Snapshot
	waitFor(t, "every malformed datagram counted as dropped", func() bool {
		after = s.snapshot(t)
		return dropped(&after) >= dropped(&before)+sent
	}, func() string {
		return fmt.Sprintf("dropped %v before, %v after, %d sent", before.Ingest.Dropped, after.Ingest.Dropped, sent)
	})
	if got := dropped(&after) - dropped(&before); got != sent {
		t.Errorf("%d dropped, %d sent: %v", got, sent, after.Ingest.Dropped)
	}
	if after.Totals.Requests != uint64(n) || fmt.Sprint(running(&after, s.group)) != fmt.Sprint(running(&before, s.group)) {
		t.Errorf("after the flood: %d requests (want %d), processes %v (were %v)", after.Totals.Requests, n, running(&after, s.group), running(&before, s.group))
	}
	if g := groupOf(&after, s.group); g == nil || g.RequestsTotal != uint64(n) {
		t.Errorf("group after the flood: %+v", g)
	}
	if !strings.Contains(s.metrics(t), fmt.Sprintf(`mod_wsgi_requests_total{process_group=%q,class="2xx"} %d`, s.group, n-2)) {
		t.Errorf("/metrics changed:\n%s", s.metrics(t))
	}
	if code, _ := s.Get("/after-flood"); code != 200 {
		t.Errorf("GET after the flood: %d", code)
	}
	var procs []telemetry.ProcessView
	s.getJSON(t, "api/processes", &procs)
	if len(procs) == 0 {
		t.Error("the ingester lists no process after the flood")
	}
}
