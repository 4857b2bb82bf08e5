package express

import (
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
	"github.com/modwsgi-go/mod_wsgi-express/telemetry/source"
)

// With Debian's 4.9.4, --enable-telemetry has the Python runtime report:
// nothing for Apache, the reporter's settings in handler.json.
func TestEnableTelemetryReporter(t *testing.T) {
	o := DefaultOptions()
	o.EntryPoint = "hello.wsgi"
	o.EnableTelemetry, o.TelemetryInterval, o.SlowRequests = true, 2, 0.75
	p, err := Resolve(o, fakeHost(t, debianLayout(), 0))
	if err != nil {
		t.Fatal(err)
	}
	in := p.Telemetry.Ingester
	root := p.Paths.ServerRoot
	if in == nil || in.Source != source.Reporter || in.Socket != root+"/telemetry.sock" ||
		in.StateFile != root+"/telemetry.json" || in.Listen != "127.0.0.1:8888" || in.URL != "http://127.0.0.1:8888/" {
		t.Fatalf("ingester %+v", in)
	}
	if in.UID != p.Processes.UID || in.GID != p.Processes.GID || in.UID == 0 {
		t.Errorf("socket owner %d:%d, want the application's account %d:%d", in.UID, in.GID, p.Processes.UID, p.Processes.GID)
	}
	if p.Telemetry.Service != "" {
		t.Errorf("WSGITelemetryService %q for a 4.9.4 module", p.Telemetry.Service)
	}
	h := p.Handler.Telemetry
	if h == nil || *h != (TelemetryHandler{Socket: in.Socket, Interval: 2, SlowRequests: 0.75, ExitWait: 3}) {
		t.Errorf("handler.json telemetry %+v", h)
	}
	// The reporter's wait for exit stays within --shutdown-timeout.
	for timeout, want := range map[int]float64{0: 3, 1: 0.6, 2: 1.2, 5: 3, 30: 3} {
		if got := exitWait(timeout); got != want {
			t.Errorf("exitWait(%d) = %v, want %v", timeout, got, want)
		}
	}
	if !hasSummary(p, "Telemetry URL", "http://127.0.0.1:8888/ (sent by the Python runtime") {
		t.Errorf("summary %v", p.Summary)
	}
}

// With mod_wsgi 6 the module sends to the socket itself.
func TestEnableTelemetryNative(t *testing.T) {
	o := DefaultOptions()
	o.EntryPoint = "hello.wsgi"
	o.EnableTelemetry, o.SlowRequests = true, 3
	o.TelemetryCaptures = []string{"+CaptureUserAgent"}
	o.TelemetryHost, o.TelemetryUIPort = "::1", 9100
	p, err := Resolve(o, fakehost.NewerModule(t, "6.0.5"))
	if err != nil {
		t.Fatal(err)
	}
	in := p.Telemetry.Ingester
	if in == nil || in.Source != source.Native || in.Listen != "[::1]:9100" || in.URL != "http://[::1]:9100/" {
		t.Fatalf("ingester %+v", in)
	}
	if p.Telemetry.Service != "unix:"+in.Socket || p.Telemetry.Interval != "1" || p.Telemetry.SlowRequests != "3" ||
		len(p.Telemetry.Options) != 1 {
		t.Errorf("telemetry plan %+v", p.Telemetry)
	}
	if p.Handler.Telemetry != nil {
		t.Errorf("handler.json starts the reporter with mod_wsgi 6: %+v", p.Handler.Telemetry)
	}
	if !hasSummary(p, "Telemetry URL", "http://[::1]:9100/ (sent by mod_wsgi)") {
		t.Errorf("summary %v", p.Summary)
	}
}

func TestTelemetryUIOnAllInterfaces(t *testing.T) {
	o := DefaultOptions()
	o.EnableTelemetry, o.TelemetryHost = true, ""
	p, err := Resolve(o, fakeHost(t, debianLayout(), 0))
	if err != nil {
		t.Fatal(err)
	}
	if in := p.Telemetry.Ingester; in.Listen != ":8888" || in.URL != "http://127.0.0.1:8888/" {
		t.Errorf("ingester %+v", in)
	}
}

func TestTelemetryErrors(t *testing.T) {
	older := func(t *testing.T) fakehost.Host { return fakehost.NewerModule(t, "4.7.1") }
	newer := func(t *testing.T) fakehost.Host { return fakehost.NewerModule(t, "6.0.5") }
	debian := func(t *testing.T) fakehost.Host { return fakeHost(t, debianLayout(), 0) }
	cases := []struct {
		name, option string
		host         func(*testing.T) fakehost.Host
		mod          func(*Options)
		want         []string
	}{
		{"both ingesters", "enable-telemetry", newer, func(o *Options) { o.EnableTelemetry, o.TelemetryService = true, "unix:/run/t.sock" },
			[]string{"--telemetry-service", "one of them"}},
		{"module too old", "enable-telemetry", older, func(o *Options) { o.EnableTelemetry = true }, []string{"4.7.1", "4.8"}},
		{"interval too short", "telemetry-interval", debian, func(o *Options) { o.EnableTelemetry, o.TelemetryInterval = true, 0.4 }, []string{"0.4", "0.5"}},
		{"interval going nowhere", "telemetry-interval", newer, func(o *Options) { o.TelemetryInterval = 2 }, []string{"--enable-telemetry"}},
		{"interval needs 6 without the ingester", "telemetry-interval", debian, func(o *Options) { o.TelemetryInterval = 2 }, []string{"6.0.0", "4.9.4"}},
		{"slow requests going nowhere", "slow-requests", newer, func(o *Options) { o.SlowRequests = 2 }, []string{"--enable-telemetry"}},
		{"slow requests negative", "slow-requests", debian, func(o *Options) { o.EnableTelemetry, o.SlowRequests = true, -2 }, []string{"negative"}},
		{"captures need 6", "telemetry-options", debian, func(o *Options) { o.EnableTelemetry, o.TelemetryCaptures = true, []string{"+CaptureUserAgent"} }, []string{"6.0.0", "4.9.4"}},
		{"ui port alone", "telemetry-ui-port", debian, func(o *Options) { o.TelemetryUIPort = 9000 }, []string{"--enable-telemetry"}},
		{"ui host alone", "telemetry-host", debian, func(o *Options) { o.TelemetryHost = "::1" }, []string{"--enable-telemetry"}},
		{"ui host", "telemetry-host", debian, func(o *Options) { o.EnableTelemetry, o.TelemetryHost = true, "not a host!" }, []string{"not a host!"}},
		{"ui port range", "telemetry-ui-port", debian, func(o *Options) { o.EnableTelemetry, o.TelemetryUIPort = true, 70000 }, []string{"70000"}},
		{"ui port is the port", "telemetry-ui-port", debian, func(o *Options) { o.EnableTelemetry, o.TelemetryUIPort = true, 8000 }, []string{"--port"}},
		{"debug mode", "enable-telemetry", debian, func(o *Options) { o.EnableTelemetry, o.DebugMode = true, true }, []string{"debug mode"}},
		{"static", "enable-telemetry", debian, func(o *Options) {
			o.EnableTelemetry, o.ApplicationType, o.EntryPoint = true, "static", "/srv/app/static"
		}, []string{"static"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := DefaultOptions()
			o.EntryPoint = "hello.wsgi"
			c.mod(&o)
			_, err := Resolve(o, c.host(t))
			u, ok := err.(*fault.UsageError)
			if !ok || u.Option != c.option {
				t.Fatalf("error %v, want a usage error for --%s", err, c.option)
			}
			for _, w := range c.want {
				if !strings.Contains(u.Error(), w) {
					t.Errorf("%q does not say %q", u.Error(), w)
				}
			}
		})
	}
}

func hasSummary(p *Plan, name, prefix string) bool {
	for _, l := range p.Summary {
		if l.Name == name && strings.HasPrefix(l.Value, prefix) {
			return true
		}
	}
	return false
}
