package express

import (
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/telemetry/source"
)

// TelemetryOptions are mod_wsgi's telemetry (--help: Telemetry): sent to
// an ingester of the user's (--telemetry-service), or received by
// start-server itself (--enable-telemetry).
type TelemetryOptions struct {
	TelemetryService  string
	TelemetryInterval float64  // default 1.0
	TelemetryCaptures []string `opt:"telemetry-options"` // what it captures: WSGITelemetryOptions lines
	SlowRequests      float64  // -1: not given
	EnableTelemetry   bool
	TelemetryHost     string // default 127.0.0.1 (new)
	TelemetryUIPort   int    // default 8888
}

func defaultTelemetryOptions() TelemetryOptions {
	return TelemetryOptions{TelemetryInterval: 1.0, SlowRequests: -1, TelemetryHost: "127.0.0.1", TelemetryUIPort: 8888}
}

// TelemetryPlan is where mod_wsgi sends its telemetry, and what it sends.
type TelemetryPlan struct {
	Service      string // WSGITelemetryService target; "" for none
	Interval     string
	Options      []string // WSGITelemetryOptions lines
	SlowRequests string   // WSGISlowRequests threshold, "" when not given

	// Ingester is set with --enable-telemetry: start-server receives the
	// telemetry and serves it.
	Ingester *TelemetryIngester
}

// TelemetryIngester is what start-server runs for --enable-telemetry: the
// datagram socket it binds in the server root, and the web UI.
type TelemetryIngester struct {
	// Source: the module sends natively (mod_wsgi 6, WSGITelemetryService
	// at Socket), or the Python runtime's reporter sends for it (4.8 to
	// 5.x, told through handler.json).
	Source source.Source
	Socket string // the datagram socket, in the server root
	// UID and GID own the socket: the account the application runs as
	// (-1: start-server's own, when it is not root).
	UID, GID int
	// IntervalSeconds and SlowSeconds (0: none) are for the reporter.
	IntervalSeconds, SlowSeconds float64
	Listen                       string // host:port of the web UI
	URL                          string // the web UI's address, for people and for top
	StateFile                    string // where start-server says, while it runs, where the UI is
}

var reTelemetryOption = regexp.MustCompile(`^[+-]?[A-Za-z][A-Za-z0-9]*$`)

// minTelemetryInterval is the shortest interval WSGITelemetryService
// accepts.
const minTelemetryInterval = 0.5

// TelemetrySocketName and TelemetryStateName are the ingester's files in
// the server root, there only while start-server runs.
const (
	TelemetrySocketName = "telemetry.sock"
	TelemetryStateName  = "telemetry.json"
)

// telemetry checks the telemetry options. --telemetry-service and the
// directives need mod_wsgi 6; --enable-telemetry works from 4.8 on, with
// the Python reporter before 6.
func (r *resolver) telemetry() error {
	o, t := &r.o, &r.p.Telemetry
	def := defaultTelemetryOptions()
	intervalGiven := o.TelemetryInterval != def.TelemetryInterval
	slowGiven := o.SlowRequests != def.SlowRequests
	if o.EnableTelemetry && o.TelemetryService != "" {
		return usagef("enable-telemetry", "and --telemetry-service both say where telemetry goes: --enable-telemetry has start-server receive and serve it, --telemetry-service sends it to an ingester of yours; give one of them")
	}
	// Options of mod_wsgi 6's directives, refused by an older module
	// unless --enable-telemetry's reporter stands in for them. The ones
	// that refine --telemetry-service are named first.
	for _, g := range []struct {
		name  string
		given bool
	}{
		{"telemetry-interval", intervalGiven && !o.EnableTelemetry},
		{"slow-requests", slowGiven && !o.EnableTelemetry},
		{"telemetry-options", len(o.TelemetryCaptures) > 0},
		{"telemetry-service", o.TelemetryService != ""},
	} {
		if g.given {
			if err := r.requireModule(g.name, newerModule); err != nil {
				return err
			}
		}
	}
	if o.TelemetryService != "" {
		path, ok := strings.CutPrefix(o.TelemetryService, "unix:")
		if !ok || !filepath.IsAbs(path) || strings.ContainsAny(path, " \t\"'") {
			return usagef("telemetry-service", "%s is not a target of the form unix:/absolute/path/to/socket (remote udp: targets are not supported)", shortQuote(o.TelemetryService))
		}
		t.Service = o.TelemetryService
	}
	if o.TelemetryInterval < minTelemetryInterval {
		return usagef("telemetry-interval", "%v is too short: mod_wsgi samples every 0.5 seconds at most; give 0.5 or more", o.TelemetryInterval)
	}
	t.Interval = strconv.FormatFloat(o.TelemetryInterval, 'f', -1, 64)
	if intervalGiven && !o.EnableTelemetry && o.TelemetryService == "" {
		return usagef("telemetry-interval", "sets how often telemetry is sent, but it goes nowhere; add --enable-telemetry (or --telemetry-service unix:/path)")
	}
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
	if slowGiven {
		if o.SlowRequests < 0 {
			return usagef("slow-requests", "%v is negative; give a threshold in seconds", o.SlowRequests)
		}
		if o.TelemetryService == "" && !o.EnableTelemetry {
			return usagef("slow-requests", "reports through telemetry; add --enable-telemetry (or --telemetry-service unix:/path)")
		}
		t.SlowRequests = strconv.FormatFloat(o.SlowRequests, 'f', -1, 64)
	}
	return r.telemetryIngester()
}

// telemetryIngester decides, for --enable-telemetry, the socket, how the
// module reports to it and where the web UI listens.
func (r *resolver) telemetryIngester() error {
	o, t := &r.o, &r.p.Telemetry
	def := defaultTelemetryOptions()
	if !o.EnableTelemetry {
		for _, g := range []struct {
			name  string
			given bool
		}{{"telemetry-host", o.TelemetryHost != def.TelemetryHost}, {"telemetry-ui-port", o.TelemetryUIPort != def.TelemetryUIPort}} {
			if g.given {
				return usagef(g.name, "is where the web UI of --enable-telemetry listens; add --enable-telemetry")
			}
		}
		return nil
	}
	mi := r.p.Paths.Module
	src, err := source.Of(mi.Version)
	if err != nil {
		return usagef("enable-telemetry", "%v (the module is %s; choose another with --mod-wsgi-module)", err, mi.Path)
	}
	switch {
	case r.p.Debug.Mode:
		return usagef("enable-telemetry", "debug mode runs Apache in place of mod_wsgi-express, so nothing would receive the telemetry; drop --enable-telemetry or the debug options")
	case r.p.Application.Static:
		return usagef("enable-telemetry", "a static site runs no application to report on; drop --enable-telemetry")
	}
	host := o.TelemetryHost
	if host != "" && !validHost(host) {
		return usagef("telemetry-host", "%s is not a host name or IP address", shortQuote(host))
	}
	port := o.TelemetryUIPort
	if port < 1 || port > 65535 {
		return usagef("telemetry-ui-port", "%d is not a TCP port; use a number from 1 to 65535", port)
	}
	for _, c := range []struct {
		option string
		port   int
	}{{"port", r.p.Network.Port}, {"https-port", r.p.HTTPS.Port}} {
		if c.port == port {
			return usagef("telemetry-ui-port", "%d is also --%s, where Apache listens; choose another port for the telemetry web UI", port, c.option)
		}
	}
	in := &TelemetryIngester{
		Source:          src,
		Socket:          filepath.Join(r.p.Paths.ServerRoot, TelemetrySocketName),
		UID:             -1,
		GID:             -1,
		IntervalSeconds: o.TelemetryInterval,
		Listen:          net.JoinHostPort(host, strconv.Itoa(port)),
		StateFile:       filepath.Join(r.p.Paths.ServerRoot, TelemetryStateName),
	}
	if o.SlowRequests > 0 {
		in.SlowSeconds = o.SlowRequests
	}
	if pp := r.p.Processes; pp.RunningAsRoot {
		in.UID, in.GID = pp.UID, pp.GID
	}
	if len(in.Socket) > maxSocketPath {
		return usagef("server-root", "%s is too long for the telemetry socket in it (%d characters at most); give a shorter directory", r.p.Paths.ServerRoot, maxSocketPath-len(TelemetrySocketName)-1)
	}
	urlHost := host
	switch urlHost {
	case "", "0.0.0.0":
		urlHost = "127.0.0.1"
	case "::":
		urlHost = "::1"
	}
	in.URL = fmt.Sprintf("http://%s/", net.JoinHostPort(urlHost, strconv.Itoa(port)))
	if src == source.Native {
		t.Service = "unix:" + in.Socket
	}
	if src == source.Reporter {
		// The reporter the runtime starts in each process (handler.json).
		r.pythonFile("express_telemetry.py")
	}
	t.Ingester = in
	return nil
}

// TelemetryHandler is the part of handler.json that has the Python runtime
// start the telemetry reporter in each process (modules before 6).
type TelemetryHandler struct {
	Socket       string  `json:"socket"`
	Interval     float64 `json:"interval"`
	SlowRequests float64 `json:"slow_requests"` // 0: not reported
	// ExitWait bounds the reporter's wait, after mod_wsgi's shutdown
	// callback, for the process's exit (when its requests are done) before
	// it sends the final interval anyway: within --shutdown-timeout, after
	// which mod_wsgi kills the process.
	ExitWait float64 `json:"exit_wait"`
}

// exitWait is TelemetryHandler.ExitWait for a --shutdown-timeout (0: none).
func exitWait(shutdownTimeout int) float64 {
	if shutdownTimeout <= 0 || shutdownTimeout >= 5 {
		return 3
	}
	return 0.6 * float64(shutdownTimeout)
}

// telemetryHandler is handler.json's telemetry, or nil when the module
// sends its own (or nothing is received).
func telemetryHandler(p *Plan) *TelemetryHandler {
	in := p.Telemetry.Ingester
	if in == nil || in.Source != source.Reporter {
		return nil
	}
	return &TelemetryHandler{Socket: in.Socket, Interval: in.IntervalSeconds, SlowRequests: in.SlowSeconds,
		ExitWait: exitWait(p.Timeouts.Shutdown)}
}
