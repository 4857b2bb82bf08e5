package templates

import (
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

func TestTuningGolden(t *testing.T) {
	p := resolved(t, fakehost.NewerModule(t, "6.0.0"), withApp(func(o *express.Options) {
		o.AccessLog, o.AccessLogFormat = true, `%h "%r" %>s ${NOT_A_VAR}`
		o.ErrorLogFormat = `[%t] [%l] %M`
		o.RotateLogs, o.MaxLogSize = true, 20
		o.StartupLog = true
		o.HeaderTimeout, o.HeaderMaxTimeout, o.HeaderMinRate = 10, 0, 0
		o.BodyTimeout = 0
		o.RestartInterval, o.CPUTimeLimit, o.EvictionTimeout = 3600, 300, 20
		o.SendBufferSize, o.ReceiveBufferSize, o.HeaderBufferSize, o.ResponseBufferSize, o.ResponseSocketTimeout = 1024, 2048, 16384, 131072, 30
		o.IgnoreActivity = []string{"/health/", "/ping"}
		o.PythonWarnings = []string{"ignore::DeprecationWarning", `default:say "hi"`}
		o.PythonEggs = "/srv/app/eggs"
		o.VerboseDebugging = true
		o.InterruptTimeout = 5
		o.TelemetryService, o.TelemetryInterval = "unix:/run/telemetry.sock", 2.5
		o.TelemetryCaptures = []string{"+CaptureUserAgent", "-Other  +More"}
		o.SlowRequests = 0
		o.SwitchInterval = 0.002
	}))
	golden(t, "tuning-mod-wsgi-6.conf", renderFile(t, p, "httpd.conf"))
	ctl := string(renderFile(t, p, "apachectl"))
	if !strings.Contains(ctl, "-E '/tmp/mod_wsgi-localhost:8000:0/startup_log' -k \"$ACMD\"") {
		t.Errorf("apachectl does not pass the startup log to httpd:\n%s", ctl)
	}
}
