package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/telemetry"
)

// ingester is start-server's telemetry ingester (--enable-telemetry): the
// web UI, bound before anything is written so that a taken port stops the
// start as a taken --port does; the datagram socket in the server root;
// and, while start-server runs, a state file saying where the UI is (for
// top). stop removes the socket and the state file, whichever way
// start-server ends: its return (Apache stopped, failed or was signalled
// through the supervisor), or a signal that arrives before the
// supervisor watches for signals.
type ingester struct {
	in       *express.TelemetryIngester
	store    *telemetry.Store
	ln       net.Listener
	srv      *http.Server
	recv     *telemetry.Receiver
	sigs     chan os.Signal
	launched atomic.Bool
	done     chan struct{}
	mu       sync.Mutex // start and stop, which may come from a signal
	stopped  bool
}

// telemetryState is the state file, SERVER-ROOT/telemetry.json.
type telemetryState struct {
	URL    string `json:"url"`
	PID    int    `json:"pid"`
	Socket string `json:"socket"`
}

// listenTelemetry binds the web UI's port, before the server root is
// written.
func listenTelemetry(p *express.Plan) (*ingester, error) {
	in := p.Telemetry.Ingester
	ing := &ingester{in: in, sigs: make(chan os.Signal, 1), done: make(chan struct{})}
	// From here on a stop signal cleans up before it ends the command;
	// once Apache runs, the supervisor handles the signals (and Launch
	// returns, which stops this too).
	signal.Notify(ing.sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go ing.watchSignals()
	ln, err := net.Listen("tcp", in.Listen)
	if err != nil {
		ing.stop()
		return nil, uiListenError(in, err)
	}
	ing.ln = ln
	return ing, nil
}

// uiListenError says why the web UI cannot listen, naming the option to
// change.
func uiListenError(in *express.TelemetryIngester, err error) error {
	host, port, _ := net.SplitHostPort(in.Listen)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		where := host
		if where == "" {
			where = "all interfaces"
		}
		return &fault.RuntimeError{Msg: fmt.Sprintf("port %s of the telemetry web UI is already in use on %s; stop whatever listens there or choose another with --telemetry-ui-port", port, where)}
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return &fault.RuntimeError{Msg: fmt.Sprintf("cannot listen on %s for the telemetry web UI: %s is not an address of this machine; check --telemetry-host", in.Listen, host)}
	case errors.Is(err, syscall.EACCES):
		return &fault.RuntimeError{Msg: fmt.Sprintf("cannot listen on port %s for the telemetry web UI: ports below 1024 need root; choose another with --telemetry-ui-port", port)}
	}
	return &fault.RuntimeError{Msg: fmt.Sprintf("cannot listen on %s for the telemetry web UI (--telemetry-host, --telemetry-ui-port): %v", in.Listen, err)}
}

// start binds the datagram socket in the server root (which now exists),
// serves the web UI and writes the state file.
func (ing *ingester) start() error {
	ing.mu.Lock()
	defer ing.mu.Unlock()
	if ing.stopped {
		return &fault.RuntimeError{Msg: "interrupted"}
	}
	in := ing.in
	ing.store = telemetry.NewStore(telemetry.Options{})
	recv, err := telemetry.Listen(in.Socket, in.UID, in.GID, ing.store)
	if err != nil {
		return &fault.RuntimeError{Msg: err.Error()}
	}
	ing.recv = recv
	go recv.Serve()
	ing.srv = &http.Server{
		Handler:           telemetry.Handler(ing.store),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go ing.srv.Serve(ing.ln)
	state, err := json.Marshal(telemetryState{URL: in.URL, PID: os.Getpid(), Socket: in.Socket})
	if err != nil {
		return err
	}
	tmp := in.StateFile + ".tmp"
	os.Remove(tmp)
	if err := os.WriteFile(tmp, append(state, '\n'), 0o640); err != nil {
		return &fault.RuntimeError{Msg: fmt.Sprintf("writing %s: %v", in.StateFile, err)}
	}
	if err := os.Rename(tmp, in.StateFile); err != nil {
		os.Remove(tmp)
		return &fault.RuntimeError{Msg: fmt.Sprintf("writing %s: %v", in.StateFile, err)}
	}
	return nil
}

// launching is called just before Apache is launched: from then on the
// supervisor answers the stop signals.
func (ing *ingester) launching() { ing.launched.Store(true) }

// watchSignals ends the command on a stop signal that arrives before the
// launch, as the signal would have, once the files are removed.
func (ing *ingester) watchSignals() {
	for {
		select {
		case sig := <-ing.sigs:
			if ing.launched.Load() {
				continue // the supervisor has it too
			}
			ing.stop()
			signal.Reset(sig)
			resignal(sig)
			return
		case <-ing.done:
			return
		}
	}
}

// stop ends the web UI, closes and removes the socket and removes the
// state file. It is safe to call more than once.
func (ing *ingester) stop() {
	ing.mu.Lock()
	defer ing.mu.Unlock()
	if ing.stopped {
		return
	}
	ing.stopped = true
	signal.Stop(ing.sigs)
	close(ing.done)
	if ing.srv != nil {
		ing.srv.Close()
	} else if ing.ln != nil {
		ing.ln.Close()
	}
	if ing.recv != nil {
		ing.recv.Close()
	}
	os.Remove(ing.in.StateFile)
	os.Remove(ing.in.StateFile + ".tmp")
}

// readTelemetryState reads the state file of a server root, saying what
// to do when there is no running telemetry there.
func readTelemetryState(root string) (*telemetryState, error) {
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
	var st telemetryState
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
