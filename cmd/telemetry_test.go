package cmd

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
	"github.com/modwsgi-go/mod_wsgi-express/telemetry"
)

func testIngesterPlan(t *testing.T, listen string) *express.Plan {
	dir := t.TempDir()
	p := &express.Plan{}
	p.Telemetry.Ingester = &express.TelemetryIngester{
		Socket: filepath.Join(dir, express.TelemetrySocketName), UID: -1, GID: -1,
		Listen: listen, URL: "http://" + listen + "/", StateFile: filepath.Join(dir, express.TelemetryStateName),
	}
	return p
}

// The ingester binds the UI, then the socket and the state file; stop
// removes both files.
func TestIngesterLifecycle(t *testing.T) {
	p := testIngesterPlan(t, "127.0.0.1:0")
	in := p.Telemetry.Ingester
	ing, err := listenTelemetry(p)
	if err != nil {
		t.Fatal(err)
	}
	in.URL = "http://" + ing.ln.Addr().String() + "/"
	if err := ing.start(); err != nil {
		ing.stop()
		t.Fatal(err)
	}
	fi, err := os.Lstat(in.Socket)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
		t.Errorf("socket %v, %v", fi, err)
	}
	st, err := readTelemetryState(filepath.Dir(in.StateFile))
	if err != nil || st.URL != in.URL || st.PID != os.Getpid() || st.Socket != in.Socket {
		t.Errorf("state %+v, %v", st, err)
	}
	snap, err := fetchSnapshot(httpClientForTest, in.URL)
	if err != nil || snap.Totals.Processes != 0 {
		t.Errorf("snapshot %+v, %v", snap, err)
	}
	ing.stop()
	ing.stop() // twice is harmless
	for _, f := range []string{in.Socket, in.StateFile} {
		if _, err := os.Lstat(f); !os.IsNotExist(err) {
			t.Errorf("%s left after stop: %v", f, err)
		}
	}
	if _, err := fetchSnapshot(httpClientForTest, in.URL); err == nil {
		t.Error("the UI still answers after stop")
	}
}

func TestIngesterPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = listenTelemetry(testIngesterPlan(t, l.Addr().String()))
	if _, ok := err.(*fault.RuntimeError); !ok || !strings.Contains(err.Error(), "already in use on 127.0.0.1") || !strings.Contains(err.Error(), "--telemetry-ui-port") {
		t.Fatalf("error %v, want the taken port and --telemetry-ui-port named", err)
	}
}

func TestTopWithoutTelemetry(t *testing.T) {
	root := t.TempDir()
	for _, c := range []struct {
		name, state, want string
	}{
		{"no server root", "", "no server root at"},
		{"no state file", "-", "no telemetry is running in"},
		{"gone", `{"url":"http://127.0.0.1:1/","pid":2147483647}`, "left by a start-server that is gone (pid 2147483647)"},
		{"not ours", `{}`, "not a telemetry state file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(root, strings.ReplaceAll(c.name, " ", "-"))
			if c.state != "" {
				os.Mkdir(dir, 0o755)
			}
			if c.state != "" && c.state != "-" {
				os.WriteFile(filepath.Join(dir, express.TelemetryStateName), []byte(c.state), 0o644)
			}
			var out bytes.Buffer
			err := topRun(&TopOptions{Host: discover.RealHost{}, IO: iostreams.IOStreams{In: strings.NewReader(""), Out: &out, Err: &out}, ServerRoot: dir})
			if _, ok := err.(*fault.RuntimeError); !ok || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// Without a terminal top points to the JSON and the metrics.
func TestTopNeedsTerminal(t *testing.T) {
	srv := httptest.NewServer(telemetry.Handler(telemetry.NewStore(telemetry.Options{})))
	defer srv.Close()
	root := t.TempDir()
	state, _ := json.Marshal(telemetryState{URL: srv.URL + "/", PID: os.Getpid()})
	os.WriteFile(filepath.Join(root, express.TelemetryStateName), state, 0o644)
	var out bytes.Buffer
	err := topRun(&TopOptions{Host: discover.RealHost{}, IO: iostreams.IOStreams{In: strings.NewReader(""), Out: &out, Err: &out}, ServerRoot: root})
	if err == nil || !strings.Contains(err.Error(), "needs a terminal") || !strings.Contains(err.Error(), srv.URL+"/metrics") {
		t.Errorf("error %v, want a terminal asked for", err)
	}
}

var httpClientForTest = &http.Client{Timeout: 5 * time.Second}
