package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
	"github.com/modwsgi-go/mod_wsgi-express/telemetry"
)

// TopOptions are the inputs of top.
type TopOptions struct {
	IO         iostreams.IOStreams
	Machine    discover.Machine
	ServerRoot string
	// Options' --host and --port find the default server root, as
	// start-server names it.
	Options express.Options
	Once    bool   // print one screen and exit
	JSON    bool   // with Once: the snapshot as GET /api/snapshot gives it
	Group   string // one process group's name; "" for all
	View    string
	Sort    string
}

// NewCmdTop builds top. runF replaces the real run in tests.
func NewCmdTop(f *Factory, runF func(*TopOptions) error) *cobra.Command {
	opts := &TopOptions{IO: f.IO, Machine: f.Machine, Options: express.DefaultOptions(),
		View: telemetry.ViewProcesses, Sort: telemetry.TopSortKeys[0]}
	c := &cobra.Command{
		Use:   "top [SERVER-ROOT]",
		Short: "Show the telemetry of a running server in the terminal, refreshed every second",
		Long: `Show what the processes of a server started with start-server --enable-telemetry
are doing, redrawn in place every second. The header gives requests per
second, latency percentiles, busy and total workers, and what the module
cannot report without mod_wsgi 6. Five views: 1 processes (state, uptime,
requests, latency, workers, CPU and memory of each, sorted by cpu, rss,
requests, busy or pid), 2 latency by phase (p50/p95/p99 of each phase the
module reports, over the window), 3 slow requests (active first), 4 events
(process starts and stops, with reasons), 5 threads (each live process's
verdict: saturated, GIL-bound, idle or fine, then its threads' busy share,
CPU and requests over the last interval, by group, pid and thread; needs
mod_wsgi 6). Keys: 1-5 or Tab switch views, < and > change the processes'
sort, g cycles through the process groups, space pauses, ? shows the help,
q or Ctrl-C quits.

--once prints the view as plain text and exits, with no terminal needed;
--once --json prints the snapshot as GET /api/snapshot gives it, for
scripts. SERVER-ROOT is the server's --server-root; without it, the default
server root of start-server with the same --host and --port.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ServerRoot = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return topRun(opts)
		},
	}
	b := addOptionSubset(c.Flags(), &opts.Options, "host", "port")
	b.in("Other")
	b.boolean(&opts.Once, "once", "print the view once as plain text, every row, and exit; no terminal needed")
	b.boolean(&opts.JSON, "json", "with --once: print the snapshot as JSON, as GET /api/snapshot gives it")
	b.str(&opts.Group, "show-group", "NAME", "show one process group only, named as the views name it (default: all; g cycles through them)")
	b.str(&opts.View, "view", "VIEW", "the view shown first, or printed by --once: processes, latency, slow, events or threads")
	b.str(&opts.Sort, "sort", "KEY", "the order of the processes view, largest first: cpu, rss, requests, busy, or pid (smallest first)")
	setGroupedHelp(c, f)
	return c
}

// checkTopOptions checks what does not need the server.
func checkTopOptions(o *TopOptions) error {
	if o.View == "" {
		o.View = telemetry.ViewProcesses
	}
	if o.Sort == "" {
		o.Sort = telemetry.TopSortKeys[0]
	}
	if !slices.Contains(telemetry.TopViews, o.View) {
		return fault.Usagef("view", "%q is not a view of top: give %s", o.View, strings.Join(telemetry.TopViews, ", "))
	}
	if !slices.Contains(telemetry.TopSortKeys, o.Sort) {
		return fault.Usagef("sort", "%q is not an order of top's processes: give %s", o.Sort, strings.Join(telemetry.TopSortKeys, ", "))
	}
	if o.JSON && !o.Once {
		return fault.Usagef("json", "the JSON is one snapshot, printed once: give --once --json")
	}
	if o.JSON && o.Group != "" {
		return fault.Usagef("show-group", "--once --json prints the whole snapshot, every group; leave --show-group out and pick the group from the JSON (its groups, processes and slow_requests name theirs)")
	}
	return nil
}

// topRun finds the server's telemetry and shows it until q, Ctrl-C or a
// stop signal, or prints it once.
func topRun(o *TopOptions) error {
	if err := checkTopOptions(o); err != nil {
		return err
	}
	root := o.ServerRoot
	if root == "" {
		root = express.DefaultServerRoot(o.Machine, o.Options.Host, o.Options.Port)
	}
	root = discover.Abs(o.Machine, root)
	st, err := readTelemetryState(root)
	if err != nil {
		return err
	}
	client := telemetry.NewClient(st.URL)
	unreachable := func(err error) error {
		return &fault.RuntimeError{Msg: fmt.Sprintf("the telemetry of %s does not answer at %s: %v", root, st.URL, err)}
	}
	if o.JSON {
		data, err := client.SnapshotJSON()
		if err != nil {
			return unreachable(err)
		}
		_, err = o.IO.Out.Write(data)
		return err
	}
	view := telemetry.TopState{View: o.View, Sort: o.Sort, Group: o.Group}
	var in, out *os.File
	if !o.Once {
		var ok bool
		if in, out, ok = o.IO.Terminal(); !ok {
			return &fault.RuntimeError{Msg: fmt.Sprintf("top draws a live screen and needs a terminal; without one, top --once prints one screen as text and top --once --json the snapshot (or read %sapi/snapshot or %smetrics)", st.URL, st.URL)}
		}
	}
	// Once, what the view shows; live, every view's data, as each second.
	fetch := telemetry.TopFetch{Phases: !o.Once || o.View == telemetry.ViewLatency, Events: !o.Once || o.View == telemetry.ViewEvents}
	data, err := client.Top(fetch, o.Group)
	if err != nil {
		return unreachable(err)
	}
	if err := checkGroup(o.Group, data.Snapshot); err != nil {
		return err
	}
	if o.Once {
		_, err := io.WriteString(o.IO.Out, telemetry.RenderTopText(data, view, 0))
		return err
	}
	if err := telemetry.Live(in, out, client, data, view); err != nil {
		return &fault.RuntimeError{Msg: err.Error()}
	}
	return nil
}

// checkGroup refuses a --show-group the server does not have, once it has
// heard of some.
func checkGroup(group string, snap *telemetry.Snapshot) error {
	if group == "" || len(snap.Groups) == 0 {
		return nil
	}
	var names []string
	for _, g := range snap.Groups {
		if g.Name == group {
			return nil
		}
		names = append(names, strconv.Quote(g.Name))
	}
	return fault.Usagef("show-group", "the server has no process group %q: give one of %s, or leave --show-group out for all", group, strings.Join(names, ", "))
}

// readTelemetryState reads the state file of a server root, saying what
// to do when there is no running telemetry there.
func readTelemetryState(root string) (*telemetry.State, error) {
	path := filepath.Join(root, express.TelemetryStateName)
	data, err := os.ReadFile(path)
	if err != nil {
		if _, serr := os.Stat(root); serr != nil {
			return nil, &fault.RuntimeError{Msg: fmt.Sprintf("no server root at %s: give the server root of a server started with start-server --enable-telemetry", root)}
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, &fault.RuntimeError{Msg: fmt.Sprintf("no telemetry is running in %s (it has no %s): start the server with start-server --enable-telemetry, or give top its server root", root, express.TelemetryStateName)}
		}
		return nil, &fault.RuntimeError{Msg: fmt.Sprintf("reading %s: %v", path, err)}
	}
	var st telemetry.State
	if err := json.Unmarshal(data, &st); err != nil || st.URL == "" {
		return nil, &fault.RuntimeError{Msg: fmt.Sprintf("%s is not a telemetry state file written by start-server", path)}
	}
	if st.PID > 0 {
		if processGone(st.PID) {
			return nil, &fault.RuntimeError{Msg: fmt.Sprintf("no telemetry is running in %s: %s was left by a start-server that is gone (pid %d); start the server again", root, express.TelemetryStateName, st.PID)}
		}
	}
	return &st, nil
}
