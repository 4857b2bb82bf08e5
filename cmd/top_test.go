package cmd

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
	"github.com/modwsgi-go/mod_wsgi-express/telemetry"
)

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
			err := topRun(&TopOptions{Machine: discover.RealMachine{}, IO: iostreams.IOStreams{In: strings.NewReader(""), Out: &out, Err: &out}, ServerRoot: dir})
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
	state, _ := json.Marshal(telemetry.State{URL: srv.URL + "/", PID: os.Getpid()})
	os.WriteFile(filepath.Join(root, express.TelemetryStateName), state, 0o644)
	var out bytes.Buffer
	err := topRun(&TopOptions{Machine: discover.RealMachine{}, IO: iostreams.IOStreams{In: strings.NewReader(""), Out: &out, Err: &out}, ServerRoot: root})
	if err == nil || !strings.Contains(err.Error(), "needs a terminal") || !strings.Contains(err.Error(), srv.URL+"/metrics") {
		t.Errorf("error %v, want a terminal asked for", err)
	}
}
