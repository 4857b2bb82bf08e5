package server

import (
	"os"
	"slices"
	"sync"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
)

// A Service runs beside Apache for as long as start-server runs it (the
// telemetry ingester, and the terminal's log follower).
//
// To add one: write a type with Start and Stop (and Provision, if it must
// claim something before anything is written), decided from the Plan
// (express resolves its options into a Plan section, as for any concern),
// and append it in services below. Run does the rest: the order, the
// signals, and stopping it whichever way the command ends.
type Service interface {
	// Start runs the service. It is called once the server root is
	// written, before Apache is launched, so files it makes in the server
	// root are there when Apache's processes look for them. It must not
	// block: what runs, runs in goroutines of its own until Stop.
	Start() error
	// Stop ends the service and removes the files it made. It is called
	// once, after Apache has ended, or when the start failed or was
	// interrupted, for every service provisioned (whether its Start ran,
	// failed or succeeded), in the reverse order of the list. It reports
	// nothing: the command is ending.
	Stop()
}

// A Provisioner is a Service with something to claim before anything is
// written (a port), so that a failure stops the start with nothing
// written, as a taken --port does. A Provision that fails must release
// what it took: its Stop is not called.
type Provisioner interface {
	Provision() error
}

// services are the services the plan asks for, in start order.
func services(c Config) []Service {
	p := c.Plan
	var list []Service
	if in := p.Telemetry.Ingester; in != nil {
		list = append(list, &ingester{in: in})
	}
	if l := p.Logging; l.Follow && c.IO.IsTerminal && !p.Debug.Mode {
		// What the supervisor reports of the start (a load failure, a
		// crash: supervisor.watchAppLoad, 10 s) is not shown again.
		list = append(list, newFollower(l.ErrorLog, l.Rotatelogs != "", p.Paths.ServerRoot, c.IO.Err, os.Getenv("NO_COLOR") == "", 12*time.Second))
	}
	return list
}

// errInterrupted is a start stopped by a signal that did not end the
// command (one ignored when the command started).
var errInterrupted = &fault.RuntimeError{Msg: "interrupted"}

// run is the services of one Run and the signals until the launch: the
// main goroutine provisions and starts the services, while watch stops
// them on a stop signal.
type run struct {
	services []Service
	sigs     <-chan os.Signal
	ends     []os.Signal     // the signals that end the command before the launch
	resignal func(os.Signal) // ends the command as the signal would have

	mu          sync.Mutex // the services' state, from both goroutines
	provisioned int        // services[:provisioned] are to be stopped
	stopped     bool

	launched chan struct{} // closed at the launch: watch returns
	watched  chan struct{} // closed when watch has returned
	once     sync.Once
}

func newRun(services []Service, sigs <-chan os.Signal, ends []os.Signal, resignal func(os.Signal)) *run {
	r := &run{services: services, sigs: sigs, ends: ends, resignal: resignal,
		launched: make(chan struct{}), watched: make(chan struct{})}
	go r.watch()
	return r
}

// watch acts on the signals that arrive before the launch: one of ends
// stops the services and ends the command as it would have; the others
// change nothing, as when nobody catches them.
func (r *run) watch() {
	defer close(r.watched)
	for {
		select {
		case sig := <-r.sigs:
			if !slices.Contains(r.ends, sig) {
				continue
			}
			r.stopServices()
			r.resignal(sig)
			return
		case <-r.launched:
			return
		}
	}
}

// provision provisions the services in order, and stops at the first
// failure.
func (r *run) provision() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.services {
		if r.stopped {
			return errInterrupted
		}
		if p, ok := s.(Provisioner); ok {
			if err := p.Provision(); err != nil {
				return err
			}
		}
		r.provisioned++
	}
	return nil
}

// start starts the services in order, and stops at the first failure.
func (r *run) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.services[:r.provisioned] {
		if r.stopped {
			return errInterrupted
		}
		if err := s.Start(); err != nil {
			return err
		}
	}
	if r.stopped {
		return errInterrupted
	}
	return nil
}

// launch hands the signals over to Apache's launch: watch returns, and
// the signals it did not take wait in the channel for supervisor.Launch.
func (r *run) launch() error {
	r.endWatch()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return errInterrupted
	}
	return nil
}

func (r *run) endWatch() {
	r.once.Do(func() { close(r.launched) })
	<-r.watched
}

// stop ends watch and stops the services; a second call does nothing.
func (r *run) stop() {
	r.endWatch()
	r.stopServices()
}

// stopServices stops the services provisioned, last first.
func (r *run) stopServices() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	r.stopped = true
	for i := r.provisioned - 1; i >= 0; i-- {
		r.services[i].Stop()
	}
}
