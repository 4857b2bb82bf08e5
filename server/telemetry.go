package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/internal/atomicfile"
	"github.com/modwsgi-go/mod_wsgi-express/telemetry"
)

// ingester is the telemetry ingester of --enable-telemetry, a Service: the
// web UI, bound before anything is written so that a taken port stops the
// start as a taken --port does (Provision); the datagram socket in the
// server root, the UI served, and a state file saying where the UI is, for
// top (Start); all closed and removed by Stop.
type ingester struct {
	in   *express.TelemetryIngester
	ln   net.Listener
	srv  *http.Server
	recv *telemetry.Receiver
	stop chan struct{} // ends the store's ticker
}

// Provision binds the web UI's port.
func (ing *ingester) Provision() error {
	ln, err := net.Listen("tcp", ing.in.Listen)
	if err != nil {
		return uiListenError(ing.in, err)
	}
	ing.ln = ln
	return nil
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

// Start binds the datagram socket in the server root (which now exists),
// serves the web UI and writes the state file.
func (ing *ingester) Start() error {
	in := ing.in
	// The processes run on this host: a pid that vanished is a crash.
	store := telemetry.NewStore(telemetry.Options{
		Step:  time.Duration(in.IntervalSeconds * float64(time.Second)),
		Alive: telemetry.ProcessExists,
	})
	recv, err := telemetry.Listen(in.Socket, in.UID, in.GID, store)
	if err != nil {
		return &fault.RuntimeError{Msg: err.Error()}
	}
	ing.recv = recv
	go recv.Serve()
	ing.stop = make(chan struct{})
	go func(stop <-chan struct{}) {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				store.Tick()
			}
		}
	}(ing.stop)
	ing.srv = &http.Server{
		Handler:           telemetry.Handler(store),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go ing.srv.Serve(ing.ln)
	state, err := json.Marshal(telemetry.State{URL: in.URL, PID: os.Getpid(), Socket: in.Socket})
	if err != nil {
		return err
	}
	if err := atomicfile.Write(in.StateFile, append(state, '\n'), 0o640, nil); err != nil {
		return &fault.RuntimeError{Msg: fmt.Sprintf("writing %s: %v", in.StateFile, err)}
	}
	return nil
}

// Stop ends the web UI, closes and removes the socket and removes the
// state file.
func (ing *ingester) Stop() {
	if ing.srv != nil {
		ing.srv.Close()
	} else if ing.ln != nil {
		ing.ln.Close()
	}
	if ing.recv != nil {
		ing.recv.Close()
	}
	if ing.stop != nil {
		close(ing.stop)
		ing.stop = nil
	}
	os.Remove(ing.in.StateFile)
}
