package express

import (
	"path/filepath"
	"strings"
	"testing"
)

// The readiness probe waits for the application where it is loaded at
// process start, and answers as liveness where nothing loads before the
// first request: a static site, an interpreter named per request.
func TestProbesPlan(t *testing.T) {
	for _, c := range []struct {
		name  string
		mod   func(*Options)
		ready bool
	}{
		{"daemon", func(o *Options) {}, true},
		{"embedded", func(o *Options) { o.EmbeddedMode = true }, true},
		{"named group", func(o *Options) { o.ApplicationGroup = "shared" }, true},
		{"per-request interpreter", func(o *Options) { o.ApplicationGroup = "%{SERVER}" }, false},
		{"static", func(o *Options) { o.ApplicationType, o.EntryPoint = "static", "site" }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := DefaultOptions()
			o.EntryPoint = "hello.wsgi"
			c.mod(&o)
			p, err := Resolve(o, fakeHost(t, debianLayout(), 0))
			if err != nil {
				t.Fatal(err)
			}
			pr := p.Probes
			if pr.LivePath != LivePath || pr.ReadyPath != ReadyPath || pr.LiveFile != filepath.Join(p.Paths.ServerRoot, "alive.txt") {
				t.Errorf("probes %+v", pr)
			}
			if got := pr.ReadyFile != ""; got != c.ready {
				t.Errorf("readiness waits for the application: %v, want %v", got, c.ready)
			}
			if pr.ReadyFile != "" && (filepath.Dir(pr.ReadyFile) != pr.ReadyDir || filepath.Dir(pr.ReadyDir) != p.Paths.ServerRoot) {
				t.Errorf("ready file %s not in its directory %s in the server root", pr.ReadyFile, pr.ReadyDir)
			}
			if p.Handler.ReadyFile != pr.ReadyFile {
				t.Errorf("handler.json ready_file %q, want %q", p.Handler.ReadyFile, pr.ReadyFile)
			}
		})
	}
}

// --graceful-stop-timeout: default 8, 0 allowed (stop at once), negative
// refused naming the option.
func TestGracefulStopTimeout(t *testing.T) {
	o := DefaultOptions()
	o.EntryPoint = "hello.wsgi"
	p, err := Resolve(o, fakeHost(t, debianLayout(), 0))
	if err != nil {
		t.Fatal(err)
	}
	if p.Timeouts.GracefulStop != 8 {
		t.Errorf("default %d, want 8", p.Timeouts.GracefulStop)
	}
	o.GracefulStopTimeout = 0
	if p, err := Resolve(o, fakeHost(t, debianLayout(), 0)); err != nil || p.Timeouts.GracefulStop != 0 {
		t.Errorf("0: %v, %v", err, p)
	}
	o.GracefulStopTimeout = -1
	if _, err := Resolve(o, fakeHost(t, debianLayout(), 0)); err == nil || !strings.Contains(err.Error(), "graceful-stop-timeout") {
		t.Errorf("-1: %v, want an error naming --graceful-stop-timeout", err)
	}
}
