package express

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// TelemetryOptions are mod_wsgi 6's telemetry (--help: Telemetry).
type TelemetryOptions struct {
	TelemetryService  string
	TelemetryInterval float64  // default 1.0
	TelemetryCaptures []string `opt:"telemetry-options"` // what it captures: WSGITelemetryOptions lines
	SlowRequests      float64  // -1: not given
	EnableTelemetry   bool
	TelemetryUIPort   int // default 8888
}

func defaultTelemetryOptions() TelemetryOptions {
	return TelemetryOptions{TelemetryInterval: 1.0, SlowRequests: -1, TelemetryUIPort: 8888}
}

// TelemetryPlan is where mod_wsgi sends its telemetry, and what it sends.
type TelemetryPlan struct {
	Service      string // WSGITelemetryService target; "" for none
	Interval     string
	Options      []string // WSGITelemetryOptions lines
	SlowRequests string   // WSGISlowRequests threshold, "" when not given
}

var reTelemetryOption = regexp.MustCompile(`^[+-]?[A-Za-z][A-Za-z0-9]*$`)

// telemetry checks the telemetry options, which need mod_wsgi 6.
func (r *resolver) telemetry() error {
	o, t := &r.o, &r.p.Telemetry
	def := defaultTelemetryOptions()
	for _, g := range []struct {
		name  string
		given bool
	}{
		{"telemetry-service", o.TelemetryService != ""},
		{"telemetry-interval", o.TelemetryInterval != def.TelemetryInterval},
		{"telemetry-options", len(o.TelemetryCaptures) > 0},
		{"slow-requests", o.SlowRequests != def.SlowRequests},
		{"enable-telemetry", o.EnableTelemetry},
		{"telemetry-ui-port", o.TelemetryUIPort != def.TelemetryUIPort},
	} {
		if !g.given {
			continue
		}
		if err := r.requireModule(g.name, newerModule); err != nil {
			return err
		}
	}
	if o.EnableTelemetry {
		return usagef("enable-telemetry", "the bundled telemetry ingester is not supported by this mod_wsgi-express; run mod_wsgi-telemetry yourself and pass --telemetry-service unix:/path/to/its/socket")
	}
	if o.TelemetryUIPort < 1 || o.TelemetryUIPort > 65535 {
		return usagef("telemetry-ui-port", "%d is not a TCP port; use a number from 1 to 65535", o.TelemetryUIPort)
	}
	if o.TelemetryService != "" {
		path, ok := strings.CutPrefix(o.TelemetryService, "unix:")
		if !ok || !filepath.IsAbs(path) || strings.ContainsAny(path, " \t\"'") {
			return usagef("telemetry-service", "%s is not a target of the form unix:/absolute/path/to/socket (remote udp: targets are not supported)", shortQuote(o.TelemetryService))
		}
		t.Service = o.TelemetryService
	}
	if o.TelemetryInterval <= 0 {
		return usagef("telemetry-interval", "%v is not a positive number of seconds", o.TelemetryInterval)
	}
	t.Interval = strconv.FormatFloat(o.TelemetryInterval, 'f', -1, 64)
	for _, opt := range o.TelemetryCaptures {
		for _, f := range strings.Fields(opt) {
			if !reTelemetryOption.MatchString(f) {
				return usagef("telemetry-options", "%s is not a telemetry option such as +CaptureUserAgent, -CaptureUserAgent, None or All", shortQuote(f))
			}
		}
		if strings.TrimSpace(opt) == "" {
			return usagef("telemetry-options", "needs a value such as +CaptureUserAgent")
		}
		t.Options = append(t.Options, strings.Join(strings.Fields(opt), " "))
	}
	if o.SlowRequests != def.SlowRequests {
		if o.SlowRequests < 0 {
			return usagef("slow-requests", "%v is negative; give a threshold in seconds", o.SlowRequests)
		}
		if o.TelemetryService == "" {
			return usagef("slow-requests", "reports through the telemetry service; add --telemetry-service unix:/path")
		}
		t.SlowRequests = strconv.FormatFloat(o.SlowRequests, 'f', -1, 64)
	}
	return nil
}
