package cmd

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

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

// topServer serves a store that heard one mod_wsgi 6 process of group
// "web" serve 7 requests on the first of its two threads, and writes a
// server root whose state file points to it.
func topServer(t *testing.T) (root, url string) {
	t.Helper()
	store := telemetry.NewStore(telemetry.Options{})
	now := float64(time.Now().UnixNano()) / 1e9
	for _, d := range []*telemetry.Datagram{
		{Header: telemetry.Header{Kind: telemetry.KindProcessStarted, PID: 4242, Seq: 1}, Records: []telemetry.Record{telemetry.Str(telemetry.FieldProcessGroup, "web"),
			telemetry.Str(telemetry.FieldModWSGIVersion, "6.0.5")}},
		{Header: telemetry.Header{Kind: telemetry.KindRequest, PID: 4242, Seq: 2}, Records: []telemetry.Record{telemetry.Str(telemetry.FieldProcessGroup, "web"),
			telemetry.F64(telemetry.FieldSamplePeriod, 1), telemetry.F64(telemetry.FieldTelemetryInterval, 1),
			telemetry.U64(telemetry.FieldRequestCount, 7), telemetry.U64(telemetry.StatusClassField+2, 7),
			telemetry.U64(telemetry.FieldThreadsMaximum, 2), telemetry.I32s(telemetry.FieldSlotCompleted, []int32{7, 0}),
			{ID: telemetry.FieldSlotBusyTime, Type: telemetry.TypeF64Array, F64s: []float64{0.5, 0}},
			{ID: telemetry.FieldSlotCPUTime, Type: telemetry.TypeF64Array, F64s: []float64{0.25, 0}}}},
	} {
		d.Version, d.Stamp = 1, now
		b, err := telemetry.Encode(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Ingest(b); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(telemetry.Handler(store))
	t.Cleanup(srv.Close)
	root = t.TempDir()
	state, _ := json.Marshal(telemetry.State{URL: srv.URL + "/", PID: os.Getpid()})
	os.WriteFile(filepath.Join(root, express.TelemetryStateName), state, 0o644)
	return root, srv.URL + "/"
}

// runTop runs mod_wsgi-express top with args, without a terminal.
func runTop(t *testing.T, args ...string) (code int, out, errOut string) {
	t.Helper()
	ios, _, o, e := iostreams.Test()
	code = Execute(&Factory{IO: ios, Machine: discover.RealMachine{}}, append([]string{"top"}, args...))
	return code, o.String(), e.String()
}

// Without a terminal top points to --once, the JSON and the metrics.
func TestTopNeedsTerminal(t *testing.T) {
	root, url := topServer(t)
	code, _, errOut := runTop(t, root)
	if code != 1 || !strings.Contains(errOut, "needs a terminal") || !strings.Contains(errOut, "top --once") || !strings.Contains(errOut, url+"metrics") {
		t.Errorf("exit %d, %q: want 1 and a terminal asked for", code, errOut)
	}
}

// top --once prints one screen of the view asked for, as plain text.
func TestTopOnce(t *testing.T) {
	root, _ := topServer(t)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"mod_wsgi-express top", "group all", "processes 1  requests 7", "processes by cpu: 1 live", "web", "4242", "running"}},
		{[]string{"--view", "latency", "--show-group", "web"}, []string{"group web", "requests 7", "latency by phase"}},
		{[]string{"--view", "slow"}, []string{"slow requests", "(no slow request)"}},
		{[]string{"--view", "events", "--sort", "pid"}, []string{"started", "web", "4242"}},
		{[]string{"--view", "threads"}, []string{"group all", "threads of 1 live processes by group, pid, thread",
			"GROUP                PID  THREAD  BUSY   CPU  REQS  RUNNING  LONGEST",
			"web                 4242 verdict  fine: threads busy 25% of the time, 0.00 cores of CPU\n",
			"web                 4242       0   50%   25%     7        -        -\n",
			"web                 4242       1    0%    0%     0        -        -\n"}},
	} {
		code, out, errOut := runTop(t, append(append([]string{"--once"}, c.args...), root)...)
		if code != 0 || errOut != "" {
			t.Errorf("top --once %v: exit %d, %s", c.args, code, errOut)
		}
		if strings.ContainsAny(out, "\x1b\r") {
			t.Errorf("top --once %v: control characters in %q", c.args, out)
		}
		pos := 0
		for _, w := range c.want {
			i := strings.Index(out[pos:], w)
			if i < 0 {
				t.Errorf("top --once %v: no %q after offset %d in:\n%s", c.args, w, pos, out)
				break
			}
			pos += i
		}
	}
}

// top --once --json prints GET /api/snapshot's JSON.
func TestTopOnceJSON(t *testing.T) {
	root, url := topServer(t)
	code, out, errOut := runTop(t, "--once", "--json", root)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, %s", code, errOut)
	}
	var snap telemetry.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil {
		t.Fatalf("not a snapshot: %v\n%s", err, out)
	}
	if snap.Totals.Requests != 7 || len(snap.Processes) != 1 || snap.Processes[0].PID != 4242 {
		t.Errorf("snapshot %+v: want the 7 requests of pid 4242", snap.Totals)
	}
	resp, err := http.Get(url + "api/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var api, got map[string]any
	json.NewDecoder(resp.Body).Decode(&api)
	json.Unmarshal([]byte(out), &got)
	if len(got) != len(api) {
		t.Errorf("keys %d, GET /api/snapshot has %d", len(got), len(api))
	}
	for k := range api {
		if _, ok := got[k]; !ok {
			t.Errorf("no %q in top's JSON", k)
		}
	}
}

// Bad values of top's own options exit 2, naming the option and what to
// give.
func TestTopUsage(t *testing.T) {
	root, _ := topServer(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--view", "charts"}, `--view: "charts" is not a view of top: give processes, latency, slow, events, threads`},
		{[]string{"--sort", "memory"}, `--sort: "memory" is not an order of top's processes: give cpu, rss, requests, busy, pid`},
		{[]string{"--json"}, "--json: the JSON is one snapshot, printed once: give --once --json"},
		{[]string{"--once", "--json", "--show-group", "web"}, "--show-group: --once --json prints the whole snapshot"},
		{[]string{"--once", "--show-group", "api"}, `--show-group: the server has no process group "api": give one of "web"`},
	} {
		code, out, errOut := runTop(t, append(c.args, root)...)
		if code != 2 || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("top %v: exit %d, %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

// The environment sets top's options as any other's.
func TestTopOptionsFromEnv(t *testing.T) {
	var got *TopOptions
	f, _, _ := testFactory(map[string]string{"MOD_WSGI_EXPRESS_VIEW": "events", "MOD_WSGI_EXPRESS_SHOW_GROUP": "web"})
	root := &cobra.Command{Use: "mod_wsgi-express", SilenceErrors: true, SilenceUsage: true}
	root.AddCommand(NewCmdTop(f, func(o *TopOptions) error { got = o; return nil }))
	enableConfig(root, f.Machine.Getenv, nil)
	root.SetArgs([]string{"top", "--once"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.View != "events" || got.Group != "web" || !got.Once || got.Sort != "cpu" {
		t.Errorf("options %+v", got)
	}
}
