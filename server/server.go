// Package server runs start-server's server from the written plan to
// Apache's end: it owns the running server. It checks that nothing runs in
// the way, writes the server root, runs Apache (package supervisor, or
// package debug in debug mode) and the services that run beside it for as
// long as it runs (service.go: the telemetry ingester), owns the command's
// signals from before anything is written until Apache has ended, and
// stops the services, removing their files, whichever way the command
// ends: Apache's exit, a failed start, or a signal before or after Apache's
// launch.
//
// It sits above supervisor, debug, serverroot and telemetry, so that none
// of them needs to know of the others, and cmd only parses flags, calls Run
// and prints.
package server

import (
	"os"
	"os/signal"

	"github.com/modwsgi-go/mod_wsgi-express/debug"
	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
	"github.com/modwsgi-go/mod_wsgi-express/serverroot"
	"github.com/modwsgi-go/mod_wsgi-express/supervisor"
	"github.com/modwsgi-go/mod_wsgi-express/templates"
)

// Config is what Run needs: the plan, the files rendered from it, the
// command's streams and the machine.
type Config struct {
	Plan    *express.Plan
	Files   []templates.File
	IO      iostreams.IOStreams
	Machine discover.Machine
	// Launching, when set, is called once the server root is written and
	// the services have started, just before Apache is launched:
	// start-server prints its summary there.
	Launching func()
}

// Run runs the server until Apache ends, and returns the command's error:
//
//  1. Checks, before anything is written: no server runs from this server
//     root, and the port is free.
//  2. The command's signals are caught from here on (one signal.Notify,
//     for supervisor.Signals): until the launch a stop signal stops the
//     services and ends the command as the signal would have.
//  3. The services are provisioned (Provisioner): a port of their own is
//     bound, so that a taken one stops the start with nothing written.
//  4. The server root is written (serverroot.Write).
//  5. The services start (Service.Start): their files go into the server
//     root before Apache's processes look for them.
//  6. Launching is called, and Apache is launched: supervisor.Launch, which
//     reads the signals from then on, or, in debug mode, debug.Launch,
//     which replaces this process (the services are stopped first).
//  7. When Apache has ended, or anything above failed, the services stop,
//     in the reverse order, and then the signals are released.
func Run(c Config) error {
	p := c.Plan
	// Before writing: a server already running from this server root, or
	// on this port, must not have its files rewritten.
	if err := supervisor.CheckNotRunning(p); err != nil {
		return err
	}
	if err := supervisor.CheckPort(p, c.Machine); err != nil {
		return err
	}
	sigs, ends := subscribe()
	defer signal.Stop(sigs) // last: after the services have stopped
	r := newRun(services(c), sigs, ends, resignal)
	defer r.stop()
	if err := r.provision(); err != nil {
		return err
	}
	if err := serverroot.Write(p, c.Files); err != nil {
		return &fault.RuntimeError{Msg: err.Error()}
	}
	if err := r.start(); err != nil {
		return err
	}
	if c.Launching != nil {
		c.Launching()
	}
	if err := r.launch(); err != nil {
		return err
	}
	if p.Debug.Mode {
		// Apache replaces this process: nothing would be left to stop
		// the services, nor to receive the signals.
		r.stop()
		signal.Stop(sigs)
		return debug.Launch(p, c.IO)
	}
	return supervisor.Launch(p, c.IO, sigs)
}

// subscribe catches the signals supervisor.Launch acts on, from now until
// signal.Stop; ends are those that end the command before the launch.
func subscribe() (sigs chan os.Signal, ends []os.Signal) {
	ends = stopSignals() // before Notify, which un-ignores them
	sigs = make(chan os.Signal, 32)
	signal.Notify(sigs, supervisor.Signals()...)
	return sigs, ends
}
