package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
}

// NewCmdTop builds top. runF replaces the real run in tests.
func NewCmdTop(f *Factory, runF func(*TopOptions) error) *cobra.Command {
	opts := &TopOptions{IO: f.IO, Machine: f.Machine, Options: express.DefaultOptions()}
	c := &cobra.Command{
		Use:   "top [SERVER-ROOT]",
		Short: "Show the telemetry of a running server in the terminal, refreshed every second",
		Long: `Show what the processes of a server started with start-server --enable-telemetry
are doing: requests per second, latency percentiles, busy and total workers,
CPU and memory per process, and slow requests, redrawn in place every second.
q or Ctrl-C quits. SERVER-ROOT is the server's --server-root; without it, the
default server root of start-server with the same --host and --port.`,
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
	addOptionSubset(c.Flags(), &opts.Options, "host", "port")
	setGroupedHelp(c, f)
	return c
}

// topRun finds the server's telemetry and shows it until q, Ctrl-C or a
// stop signal.
func topRun(o *TopOptions) error {
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
	snap, err := client.Snapshot()
	if err != nil {
		return &fault.RuntimeError{Msg: fmt.Sprintf("the telemetry of %s does not answer at %s: %v", root, st.URL, err)}
	}
	in, out, ok := o.IO.Terminal()
	if !ok {
		return &fault.RuntimeError{Msg: fmt.Sprintf("top draws a live screen and needs a terminal; without one, read %sapi/snapshot (JSON) or %smetrics", st.URL, st.URL)}
	}
	if err := telemetry.Live(in, out, client, snap); err != nil {
		return &fault.RuntimeError{Msg: err.Error()}
	}
	return nil
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
