package express

import (
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

func TestTuningErrors(t *testing.T) {
	cases := []struct {
		option string
		mod    func(*Options)
	}{
		{"interrupt-timeout", func(o *Options) { o.InterruptTimeout = 3 }},
		{"switch-interval", func(o *Options) { o.SwitchInterval = 0.01 }},
		{"free-threading", func(o *Options) { o.FreeThreading = true }},
		{"telemetry-service", func(o *Options) { o.TelemetryService = "unix:/x" }},
		{"telemetry-interval", func(o *Options) { o.TelemetryInterval = 3 }},
		{"telemetry-options", func(o *Options) { o.TelemetryCaptures = []string{"+X"} }},
		{"slow-requests", func(o *Options) { o.SlowRequests = 1 }},
		{"telemetry-ui-port", func(o *Options) { o.TelemetryUIPort = 9000 }}, // telemetry_test.go has the others
		{"header-timeout", func(o *Options) { o.HeaderTimeout = -1 }},
		{"header-max-timeout", func(o *Options) { o.HeaderMaxTimeout = 15 }},
		{"header-max-timeout", func(o *Options) { o.HeaderMinRate = 0 }},
		{"body-max-timeout", func(o *Options) { o.BodyMaxTimeout = 5 }},
		{"body-min-rate", func(o *Options) { o.BodyMinRate = -5 }},
		{"send-buffer-size", func(o *Options) { o.SendBufferSize = 100 }},
		{"receive-buffer-size", func(o *Options) { o.ReceiveBufferSize = -1 }},
		{"header-buffer-size", func(o *Options) { o.HeaderBufferSize = 4096 }},
		{"response-buffer-size", func(o *Options) { o.ResponseBufferSize = 1000 }},
		{"restart-interval", func(o *Options) { o.RestartInterval = -1 }},
		{"cpu-time-limit", func(o *Options) { o.CPUTimeLimit = -1 }},
		{"eviction-timeout", func(o *Options) { o.EvictionTimeout = -2 }},
		{"response-socket-timeout", func(o *Options) { o.ResponseSocketTimeout = -1 }},
		{"ignore-activity", func(o *Options) { o.IgnoreActivity = []string{"health"} }},
		{"python-warnings", func(o *Options) { o.PythonWarnings = []string{"shout::DeprecationWarning"} }},
		{"python-warnings", func(o *Options) { o.PythonWarnings = []string{"ignore::Not-A-Class"} }},
		{"python-warnings", func(o *Options) { o.PythonWarnings = []string{"ignore::Warning:mod:x"} }},
		{"python-warnings", func(o *Options) { o.PythonWarnings = []string{"a:b:c:d:e:f"} }},
		{"python-eggs", func(o *Options) { o.PythonEggs = "/srv/app/hello.wsgi" }},
		{"python-eggs", func(o *Options) { o.PythonEggs = "/srv/app/hello.wsgi/sub" }},
		{"access-log-format", func(o *Options) { o.AccessLogFormat = "%h %Z" }},
		{"access-log-format", func(o *Options) { o.AccessLogFormat = "100%" }},
		{"access-log-format", func(o *Options) { o.AccessLogFormat = "  " }},
		{"access-log-format", func(o *Options) { o.AccessLogFormat = "%h\n%r" }},
		{"error-log-format", func(o *Options) { o.ErrorLogFormat = "%M\r" }},
		{"max-log-size", func(o *Options) { o.MaxLogSize = 0 }},
		{"startup-log-name", func(o *Options) { o.StartupLogName = "../x" }},
		{"rotatelogs-executable", func(o *Options) { o.RotatelogsExecutable = "/nonexistent" }},
		{"rotate-logs", func(o *Options) { o.RotateLogs = true }}, // no rotatelogs on the fake machine
	}
	for _, c := range cases {
		t.Run(c.option, func(t *testing.T) {
			h := fakeHost(t, debianLayout(), 0)
			o := DefaultOptions()
			o.EntryPoint = "hello.wsgi"
			c.mod(&o)
			_, err := Resolve(o, h)
			u, ok := err.(*fault.UsageError)
			if !ok || u.Option != c.option {
				t.Fatalf("error %v, want a usage error for --%s", err, c.option)
			}
			if strings.Contains(c.option, "telemetry") && c.option != "telemetry-ui-port" || c.option == "interrupt-timeout" || c.option == "switch-interval" || c.option == "free-threading" || c.option == "slow-requests" {
				if !strings.Contains(u.Msg, "6.0.0") || !strings.Contains(u.Msg, "4.9.4") {
					t.Errorf("version message does not name the versions: %s", u.Msg)
				}
			}
		})
	}
}

func TestFreeThreadingNeedsFreeThreadedPython(t *testing.T) {
	o := DefaultOptions()
	o.FreeThreading = true
	_, err := Resolve(o, fakehost.NewerModule(t, "6.0.0"))
	if u, ok := err.(*fault.UsageError); !ok || u.Option != "free-threading" || !strings.Contains(u.Msg, "free-threaded") {
		t.Fatalf("error %v, want --free-threading refused for a Python with a GIL", err)
	}
}

// With the terminal as the log, rotation is off and the startup log is
// the terminal too.
func TestRotateLogsOffOnTerminal(t *testing.T) {
	h := fakeHost(t, debianLayout(), 0) // no rotatelogs: must not be looked for
	o := DefaultOptions()
	o.LogToTerminal, o.RotateLogs, o.StartupLog, o.AccessLog = true, true, true, true
	p, err := Resolve(o, h)
	if err != nil {
		t.Fatal(err)
	}
	if p.Logging.ErrorLogTarget != "/dev/stderr" || p.Logging.AccessLogTarget != "/dev/stdout" || p.Logging.StartupLog != "/dev/stderr" {
		t.Errorf("terminal logging: error %q access %q startup %q", p.Logging.ErrorLogTarget, p.Logging.AccessLogTarget, p.Logging.StartupLog)
	}
}
