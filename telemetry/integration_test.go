//go:build !windows

package telemetry

import (
	"fmt"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

const debianModules = "/usr/lib/apache2/modules"

// reporterApp loads the reporter the way a server's Python runtime would:
// it starts the process's reporter and instruments the application.
const reporterApp = `import sys, time
sys.path.insert(0, %[1]q)
import express_telemetry
express_telemetry.start(%[2]q, interval=0.5, slow_threshold=0.5)

def _application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/slow":
        time.sleep(1.0)
    status = "404 Not Found" if path == "/missing" else "200 OK"
    start_response(status, [("Content-Type", "text/plain")])
    return [b"ok"]

application = express_telemetry.instrument(_application)
`

// TestDebianModuleReporter runs real Apache with Debian's mod_wsgi 4.9.4,
// whose processes report through the Python reporter to a Receiver:
// after N requests the store counts N, by class, with their phases, the
// slow one, and the processes' stops when Apache stops.
func TestDebianModuleReporter(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	src, err := os.ReadFile(filepath.Join(reporterDir, "express_telemetry.py"))
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, filepath.Join(dir, "express_telemetry.py"), string(src))
	sock := filepath.Join(dir, "telemetry.sock")
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), fmt.Sprintf(reporterApp, dir, sock))

	uid := -1
	if os.Getuid() == 0 {
		u, err := user.Lookup("www-data")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ = strconv.Atoi(u.Uid)
	}
	store := NewStore(Options{})
	r, err := Listen(sock, uid, -1, store)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		r.Close()
		if _, err := os.Lstat(sock); !os.IsNotExist(err) {
			t.Errorf("socket file left behind: %v", err)
		}
	}()
	go r.Serve()

	port := testenv.FreePort(t)
	var conf strings.Builder
	fmt.Fprintf(&conf, `ServerRoot "%[1]s"
DefaultRuntimeDir "%[1]s"
PidFile "%[1]s/httpd.pid"
ErrorLog "%[1]s/error_log"
ServerName localhost
Listen 127.0.0.1:%[2]d
LoadModule mpm_event_module "%[3]s/mod_mpm_event.so"
LoadModule authz_core_module "%[3]s/mod_authz_core.so"
LoadModule wsgi_module "%[3]s/mod_wsgi.so"
`, dir, port, debianModules)
	if os.Getuid() == 0 {
		conf.WriteString("User www-data\nGroup www-data\n")
	}
	fmt.Fprintf(&conf, `WSGISocketPrefix "%[1]s/wsgi"
WSGIDaemonProcess tele processes=2 threads=4
WSGIProcessGroup tele
WSGIApplicationGroup %%{GLOBAL}
WSGIScriptAlias / "%[1]s/app.wsgi"
<Directory "%[1]s">
    Require all granted
</Directory>
`, dir)
	srv := testenv.StartHTTPD(t, "/usr/sbin/apache2", testenv.WriteFile(t, filepath.Join(dir, "httpd.conf"), conf.String()), dir, port)

	// N requests, some concurrent so both processes serve: 40 found, 5
	// missing, 1 slow.
	paths := []string{"/slow"}
	for i := 0; i < 40; i++ {
		paths = append(paths, "/x")
	}
	for i := 0; i < 5; i++ {
		paths = append(paths, "/missing")
	}
	testenv.GetAll(t, http.DefaultClient, srv.URL, paths, 4)

	var snap Snapshot
	waitFor(t, 15*time.Second, func() string {
		snap = store.Snapshot()
		if snap.Totals.Requests != uint64(len(paths)) || len(snap.SlowRequests) == 0 || snap.SlowRequests[0].State != "completed" {
			return fmt.Sprintf("store counts %d requests (want %d), slow %+v; ingest %+v\n--- error_log ---\n%s",
				snap.Totals.Requests, len(paths), snap.SlowRequests, snap.Ingest, srv.ErrorLog())
		}
		// mod_wsgi 4.x accounts a request's phases once it has finished
		// sending it, which may fall in the reporter's next interval after
		// the one that counted the request.
		for _, g := range snap.Groups {
			for _, ph := range g.Phases {
				if ph.Count != uint64(len(paths)) {
					return fmt.Sprintf("%s phase counts %d requests (want %d)", ph.Phase, ph.Count, len(paths))
				}
			}
		}
		return ""
	})
	g := groupView(t, &snap, "tele")
	if g.Requests["2xx"] != 41 || g.Requests["4xx"] != 5 || g.SlowRequests != 1 {
		t.Errorf("requests %v, slow %d", g.Requests, g.SlowRequests)
	}
	if app := phaseView(g, "application"); app == nil || app.Count != uint64(len(paths)) || app.Sum < 1 {
		t.Errorf("application phase %+v, want %d requests taking over 1 s in all", app, len(paths))
	}
	for _, ph := range []string{"server", "queue", "daemon"} {
		if p := phaseView(g, ph); p == nil || p.Count != uint64(len(paths)) {
			t.Errorf("%s phase %+v", ph, p)
		}
	}
	sr := snap.SlowRequests[0]
	if sr.Path != "/slow" || sr.Status != 200 || sr.Duration < 1 || sr.Group != "tele" || sr.LogID == "" {
		t.Errorf("slow request %+v", sr)
	}
	running := 0
	for _, p := range snap.Processes {
		if p.ModWSGIVersion != "4.9.4" || p.Workers != 4 || !p.StartKnown || p.RSS == 0 {
			t.Errorf("process %+v", p)
		}
		if p.State == "running" {
			running++
		}
	}
	if running == 0 || running != int(g.Starts) {
		t.Errorf("%d running processes, %d starts", running, g.Starts)
	}
	var dropped uint64
	for _, n := range snap.Ingest.Dropped {
		dropped += n
	}
	if dropped != 0 || snap.Ingest.UnknownFields != 0 {
		t.Errorf("ingest %+v", snap.Ingest)
	}
	if m := metrics(store); !strings.Contains(m, fmt.Sprintf(`mod_wsgi_requests_total{process_group="tele",class="2xx"} 41`)) {
		t.Errorf("metrics:\n%s", m)
	}

	// Stopping Apache: each process sends its final interval and STOPPED.
	srv.Stop(syscall.SIGTERM)
	waitFor(t, 10*time.Second, func() string {
		snap = store.Snapshot()
		g := groupView(t, &snap, "tele")
		var stops uint64
		for _, n := range g.Stops {
			stops += n
		}
		if stops != g.Starts || snap.Totals.Processes != 0 {
			return fmt.Sprintf("starts %d, stops %v, live %d", g.Starts, g.Stops, snap.Totals.Processes)
		}
		return ""
	})
	if g := groupView(t, &snap, "tele"); g.Stops["lost"] != 0 || g.RequestsTotal != uint64(len(paths)) {
		t.Errorf("after the stop: stops %v, requests %d", g.Stops, g.RequestsTotal)
	}
}
