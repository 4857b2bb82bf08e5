package server

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/telemetry"
)

func testIngester(t *testing.T, listen string) *ingester {
	dir := t.TempDir()
	return &ingester{in: &express.TelemetryIngester{
		Socket: filepath.Join(dir, express.TelemetrySocketName), UID: -1, GID: -1,
		Listen: listen, URL: "http://" + listen + "/", StateFile: filepath.Join(dir, express.TelemetryStateName),
	}}
}

// The ingester binds the UI, then the socket and the state file; Stop
// removes both files and ends the UI.
func TestIngesterLifecycle(t *testing.T) {
	ing := testIngester(t, "127.0.0.1:0")
	in := ing.in
	if err := ing.Provision(); err != nil {
		t.Fatal(err)
	}
	in.URL = "http://" + ing.ln.Addr().String() + "/"
	if err := ing.Start(); err != nil {
		ing.Stop()
		t.Fatal(err)
	}
	fi, err := os.Lstat(in.Socket)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
		t.Errorf("socket %v, %v", fi, err)
	}
	var st telemetry.State
	data, err := os.ReadFile(in.StateFile)
	if err != nil || json.Unmarshal(data, &st) != nil || st.URL != in.URL || st.PID != os.Getpid() || st.Socket != in.Socket {
		t.Errorf("state %+v from %q, %v", st, data, err)
	}
	if fi, err := os.Stat(in.StateFile); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("state file %v, %v; want mode 0640", fi, err)
	}
	snap, err := telemetry.NewClient(in.URL).Snapshot()
	if err != nil || snap.Totals.Processes != 0 {
		t.Errorf("snapshot %+v, %v", snap, err)
	}
	ing.Stop()
	for _, f := range []string{in.Socket, in.StateFile} {
		if _, err := os.Lstat(f); !os.IsNotExist(err) {
			t.Errorf("%s left after stop: %v", f, err)
		}
	}
	if _, err := telemetry.NewClient(in.URL).Snapshot(); err == nil {
		t.Error("the UI still answers after stop")
	}
}

// A taken UI port is a runtime error naming the option to change.
func TestIngesterPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	err = testIngester(t, l.Addr().String()).Provision()
	if _, ok := err.(*fault.RuntimeError); !ok || !strings.Contains(err.Error(), "already in use on 127.0.0.1") || !strings.Contains(err.Error(), "--telemetry-ui-port") {
		t.Fatalf("error %v, want the taken port and --telemetry-ui-port named", err)
	}
}

// Stopped before it started (a failed start, a signal before the launch),
// the ingester releases the UI's port.
func TestIngesterStopBeforeStart(t *testing.T) {
	ing := testIngester(t, "127.0.0.1:0")
	if err := ing.Provision(); err != nil {
		t.Fatal(err)
	}
	addr := ing.ln.Addr().String()
	ing.Stop()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the UI's port is still taken after Stop: %v", err)
	}
	l.Close()
}
