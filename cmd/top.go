package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
	"github.com/modwsgi-go/mod_wsgi-express/telemetry"
)

// TopOptions are the inputs of top.
type TopOptions struct {
	IO         iostreams.IOStreams
	Host       discover.Host
	ServerRoot string
	// Options' --host and --port find the default server root, as
	// start-server names it.
	Options express.Options
}

// NewCmdTop builds top. runF replaces the real run in tests.
func NewCmdTop(f *Factory, runF func(*TopOptions) error) *cobra.Command {
	opts := &TopOptions{IO: f.IO, Host: f.Host, Options: express.DefaultOptions()}
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
		root = express.DefaultServerRoot(o.Host, o.Options.Host, o.Options.Port)
	}
	root = discover.Abs(o.Host, root)
	st, err := readTelemetryState(root)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 2 * time.Second}
	snap, err := fetchSnapshot(client, st.URL)
	if err != nil {
		return &fault.RuntimeError{Msg: fmt.Sprintf("the telemetry of %s does not answer at %s: %v", root, st.URL, err)}
	}
	in, inOK := o.IO.In.(*os.File)
	out, outOK := o.IO.Out.(*os.File)
	if !inOK || !outOK || !term.IsTerminal(int(in.Fd())) || !term.IsTerminal(int(out.Fd())) {
		return &fault.RuntimeError{Msg: fmt.Sprintf("top draws a live screen and needs a terminal; without one, read %sapi/snapshot (JSON) or %smetrics", st.URL, st.URL)}
	}
	saved, err := term.MakeRaw(int(in.Fd()))
	if err != nil {
		return &fault.RuntimeError{Msg: fmt.Sprintf("cannot put the terminal in raw mode: %v", err)}
	}
	// The alternate screen keeps what the terminal showed before; the
	// cursor is hidden while the view is drawn.
	io.WriteString(out, "\x1b[?1049h\x1b[?25l"+telemetry.ClearScreen)
	defer func() {
		io.WriteString(out, "\x1b[?25h\x1b[?1049l")
		term.Restore(int(in.Fd()), saved)
	}()

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, topSignals...)
	defer signal.Stop(sigs)
	keys := make(chan byte, 16)
	go func() {
		buf := make([]byte, 64)
		for {
			n, err := in.Read(buf)
			for _, b := range buf[:n] {
				keys <- b
			}
			if err != nil {
				close(keys)
				return
			}
		}
	}()
	var fetchErr error
	draw := func() {
		w, h, err := term.GetSize(int(out.Fd()))
		if err != nil {
			w, h = 80, 24
		}
		if fetchErr != nil {
			msg := fmt.Sprintf("mod_wsgi-express top: cannot reach the telemetry at %s: %v; retrying (q quits)", st.URL, fetchErr)
			io.WriteString(out, telemetry.ClearScreen+strings.TrimSpace(msg))
			return
		}
		io.WriteString(out, telemetry.RenderTop(snap, w, h))
	}
	draw()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case k, ok := <-keys:
			if !ok || k == 'q' || k == 'Q' || k == 3 || k == 4 { // Ctrl-C, Ctrl-D
				return nil
			}
		case sig := <-sigs:
			if !windowResized(sig) {
				return nil
			}
			draw()
		case <-tick.C:
			s, err := fetchSnapshot(client, st.URL)
			if err == nil {
				snap = s
			}
			fetchErr = err
			draw()
		}
	}
}

// fetchSnapshot reads GET URL/api/snapshot.
func fetchSnapshot(c *http.Client, url string) (*telemetry.Snapshot, error) {
	resp, err := c.Get(url + "api/snapshot")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", url+"api/snapshot", resp.Status)
	}
	var s telemetry.Snapshot
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&s); err != nil {
		return nil, fmt.Errorf("reading %s: %v", url+"api/snapshot", err)
	}
	return &s, nil
}
