package server

import (
	"errors"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// events records what the fake services were asked to do, in order.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, s)
}

func (e *events) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.list)
}

// plain is a Service without Provision that records its calls.
type plain struct {
	name string
	ev   *events
}

func (p *plain) Start() error { p.ev.add(p.name + ".start"); return nil }
func (p *plain) Stop()        { p.ev.add(p.name + ".stop") }

// fake is a Service and a Provisioner that records its calls and fails
// where told.
type fake struct {
	name                     string
	ev                       *events
	failProvision, failStart bool
}

func (f *fake) Provision() error {
	f.ev.add(f.name + ".provision")
	if f.failProvision {
		return errors.New(f.name + " cannot provision")
	}
	return nil
}

func (f *fake) Start() error {
	f.ev.add(f.name + ".start")
	if f.failStart {
		return errors.New(f.name + " cannot start")
	}
	return nil
}

func (f *fake) Stop() { f.ev.add(f.name + ".stop") }

func testRun(t *testing.T, svcs ...Service) (*run, chan os.Signal, chan os.Signal) {
	sigs := make(chan os.Signal, 8)
	resent := make(chan os.Signal, 1)
	r := newRun(svcs, sigs, []os.Signal{syscall.SIGINT, syscall.SIGTERM}, func(s os.Signal) { resent <- s })
	t.Cleanup(r.stop)
	return r, sigs, resent
}

// Provisioned and started in order, stopped in the reverse order, once;
// a service without Provision is started and stopped all the same.
func TestRunOrder(t *testing.T) {
	ev := &events{}
	r, _, _ := testRun(t, &fake{name: "a", ev: ev}, &plain{name: "b", ev: ev}, &fake{name: "c", ev: ev})
	if err := r.provision(); err != nil {
		t.Fatal(err)
	}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	if err := r.launch(); err != nil {
		t.Fatal(err)
	}
	r.stop()
	r.stop()
	want := []string{"a.provision", "c.provision", "a.start", "b.start", "c.start", "c.stop", "b.stop", "a.stop"}
	if got := ev.get(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
}

// A failed Provision stops the services provisioned before it, and
// nothing after it is provisioned or started.
func TestRunProvisionFails(t *testing.T) {
	ev := &events{}
	r, _, _ := testRun(t, &fake{name: "a", ev: ev}, &fake{name: "b", ev: ev, failProvision: true}, &fake{name: "c", ev: ev})
	if err := r.provision(); err == nil || err.Error() != "b cannot provision" {
		t.Fatalf("error %v, want b's", err)
	}
	r.stop()
	want := []string{"a.provision", "b.provision", "a.stop"}
	if got := ev.get(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
}

// A failed Start stops every service provisioned, the failed one too.
func TestRunStartFails(t *testing.T) {
	ev := &events{}
	r, _, _ := testRun(t, &fake{name: "a", ev: ev}, &fake{name: "b", ev: ev, failStart: true}, &fake{name: "c", ev: ev})
	if err := r.provision(); err != nil {
		t.Fatal(err)
	}
	if err := r.start(); err == nil || err.Error() != "b cannot start" {
		t.Fatalf("error %v, want b's", err)
	}
	r.stop()
	want := []string{"a.provision", "b.provision", "c.provision", "a.start", "b.start", "c.stop", "b.stop", "a.stop"}
	if got := ev.get(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
}

// Before the launch a stop signal stops the services and is sent again
// (to end the command as it would have); another signal changes nothing.
// Should the command survive, the start ends as interrupted.
func TestRunSignalBeforeLaunch(t *testing.T) {
	ev := &events{}
	r, sigs, resent := testRun(t, &fake{name: "a", ev: ev})
	if err := r.provision(); err != nil {
		t.Fatal(err)
	}
	sigs <- syscall.SIGHUP // not a stop signal here
	sigs <- syscall.SIGTERM
	select {
	case sig := <-resent:
		if sig != syscall.SIGTERM {
			t.Errorf("sent again %v, want SIGTERM", sig)
		}
	case <-time.After(time.Minute):
		t.Fatal("the stop signal was not sent again")
	}
	if got, want := ev.get(), []string{"a.provision", "a.stop"}; !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if err := r.start(); err != errInterrupted {
		t.Errorf("start after the signal: %v, want interrupted", err)
	}
	if err := r.launch(); err != errInterrupted {
		t.Errorf("launch after the signal: %v, want interrupted", err)
	}
	r.stop()
	if got := ev.get(); len(got) != 2 {
		t.Errorf("calls after the stop %q, want no more", got)
	}
}

// After the launch the signals are left in the channel, for the
// supervisor.
func TestRunSignalsHandedOver(t *testing.T) {
	ev := &events{}
	r, sigs, resent := testRun(t, &fake{name: "a", ev: ev})
	if err := r.provision(); err != nil {
		t.Fatal(err)
	}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	if err := r.launch(); err != nil {
		t.Fatal(err)
	}
	sigs <- syscall.SIGINT
	select {
	case sig := <-sigs:
		if sig != syscall.SIGINT {
			t.Errorf("got %v, want SIGINT", sig)
		}
	case <-time.After(time.Minute):
		t.Fatal("the signal was taken before the supervisor")
	}
	if len(resent) != 0 {
		t.Error("a signal after the launch was sent again")
	}
	if got, want := ev.get(), []string{"a.provision", "a.start"}; !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q (no stop before the end)", got, want)
	}
}
