package templates

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

// --enable-telemetry with mod_wsgi 6: the module sends to start-server's
// socket, slow requests included; the runtime starts no reporter.
func TestEnableTelemetryNativeConfig(t *testing.T) {
	p := resolved(t, fakehost.NewerModule(t, "6.0.5"), withApp(func(o *express.Options) {
		o.EnableTelemetry, o.TelemetryInterval, o.SlowRequests = true, 0.5, 2
	}))
	conf := string(renderFile(t, p, "httpd.conf"))
	for _, want := range []string{
		"\n# Telemetry reporter, to start-server's ingester (--enable-telemetry,",
		"\nWSGITelemetryService \"unix:/tmp/mod_wsgi-localhost:8000:0/telemetry.sock\" interval=0.5\n",
		"\nWSGISlowRequests 2\n",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("httpd.conf lacks %q:\n%s", want, conf)
		}
	}
	if h := handlerJSON(t, p); h["telemetry"] != nil {
		t.Errorf("handler.json has telemetry %v", h["telemetry"])
	}
	if hasFile(t, p, "express_telemetry.py") {
		t.Error("the reporter is written for mod_wsgi 6")
	}
}

// --enable-telemetry with Debian's 4.9.4: no directive 4.x would refuse;
// handler.json has the runtime start the reporter, which is written
// beside it.
func TestEnableTelemetryReporterConfig(t *testing.T) {
	p := resolved(t, fakehost.New(t, fakehost.Debian(), 0), withApp(func(o *express.Options) {
		o.EnableTelemetry, o.SlowRequests = true, 2
	}))
	conf := string(renderFile(t, p, "httpd.conf"))
	for _, not := range []string{"WSGITelemetryService", "WSGISlowRequests", "WSGITelemetryOptions"} {
		if strings.Contains(conf, not) {
			t.Errorf("httpd.conf for mod_wsgi 4.9.4 has %s:\n%s", not, conf)
		}
	}
	want := map[string]any{"socket": "/tmp/mod_wsgi-localhost:8000:0/telemetry.sock", "interval": 1.0, "slow_requests": 2.0, "exit_wait": 3.0}
	got, _ := handlerJSON(t, p)["telemetry"].(map[string]any)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("handler.json telemetry %v, want %v", got, want)
			break
		}
	}
	if !hasFile(t, p, "express_telemetry.py") {
		t.Error("express_telemetry.py is not written beside the runtime")
	}
}

func handlerJSON(t *testing.T, p *express.Plan) map[string]any {
	t.Helper()
	var h map[string]any
	if err := json.Unmarshal(renderFile(t, p, "handler.json"), &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func hasFile(t *testing.T, p *express.Plan, name string) bool {
	t.Helper()
	files, err := Render(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name == name {
			return f.ChildRead && f.Mode == 0o640
		}
	}
	return false
}
