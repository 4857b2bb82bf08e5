package express

import "fmt"

// TimeoutsOptions are the daemon process, request and connection timeouts,
// in seconds (--help: Timeouts).
type TimeoutsOptions struct {
	RequestTimeout    int // default 60
	SocketTimeout     int // default 60
	QueueTimeout      int // default 45
	ConnectTimeout    int // default 15
	StartupTimeout    int // default 15
	ShutdownTimeout   int // default 5
	GracefulTimeout   int // default 15
	InactivityTimeout int // default 0
	DeadlockTimeout   int // default 60

	// mod_reqtimeout (RequestReadTimeout), in seconds and bytes per second.
	HeaderTimeout    int // default 15; 0 turns the header limit off
	HeaderMaxTimeout int // default 30
	HeaderMinRate    int // default 500
	BodyTimeout      int // default 15; 0 turns the body limit off
	BodyMaxTimeout   int // default 0: no maximum
	BodyMinRate      int // default 500

	// WSGIDaemonProcess options; 0 leaves mod_wsgi's own default.
	ResponseSocketTimeout int
	RestartInterval       int
	CPUTimeLimit          int
	EvictionTimeout       int
	InterruptTimeout      int // mod_wsgi 6.0.0

	IgnoreActivity []string // URL paths whose requests do not count as activity

	// GracefulStopTimeout bounds the drain on SIGTERM (default 8; 0: stop
	// at once). Ours: upstream's SIGTERM stops Apache at once.
	GracefulStopTimeout int
}

func defaultTimeoutsOptions() TimeoutsOptions {
	return TimeoutsOptions{
		RequestTimeout: 60, SocketTimeout: 60, QueueTimeout: 45, ConnectTimeout: 15, StartupTimeout: 15,
		ShutdownTimeout: 5, GracefulTimeout: 15, DeadlockTimeout: 60,
		HeaderTimeout: 15, HeaderMaxTimeout: 30, HeaderMinRate: 500, BodyTimeout: 15, BodyMinRate: 500,
		GracefulStopTimeout: 8,
	}
}

// TimeoutsPlan is every timeout, checked.
type TimeoutsPlan struct {
	// The daemon processes' timeouts (and Socket is Apache's Timeout).
	Request, Socket, Queue, Connect, Startup, Shutdown, Graceful, Inactivity, Deadlock int
	// Given only (0: mod_wsgi's default).
	ResponseSocket, RestartInterval, CPUTimeLimit, Eviction, Interrupt int

	RequestReadTimeout string   // RequestReadTimeout arguments; "" when mod_reqtimeout is missing
	IgnoreActivity     []string // <Location> paths with WSGIIgnoreActivity On

	// GracefulStop is how long a stop by SIGTERM lets requests in flight
	// finish (supervisor), and Apache's GracefulShutdownTimeout, which
	// bounds `apachectl graceful-stop` too; 0: SIGTERM stops at once.
	GracefulStop int
}

// timeouts checks the timeouts and builds RequestReadTimeout.
func (r *resolver) timeouts() error {
	o, t := &r.o, &r.p.Timeouts
	for _, c := range []struct {
		name   string
		v, min int
	}{
		{"request-timeout", o.RequestTimeout, 0}, {"socket-timeout", o.SocketTimeout, 1}, {"queue-timeout", o.QueueTimeout, 0},
		{"connect-timeout", o.ConnectTimeout, 0}, {"startup-timeout", o.StartupTimeout, 0},
		{"shutdown-timeout", o.ShutdownTimeout, 0}, {"graceful-timeout", o.GracefulTimeout, 0},
		{"inactivity-timeout", o.InactivityTimeout, 0}, {"deadlock-timeout", o.DeadlockTimeout, 0},
		{"graceful-stop-timeout", o.GracefulStopTimeout, 0},
	} {
		if err := atLeast(c.name, c.v, c.min); err != nil {
			return err
		}
	}
	t.Request = o.RequestTimeout
	t.Socket = o.SocketTimeout
	t.Queue = o.QueueTimeout
	t.Connect = o.ConnectTimeout
	t.Startup = o.StartupTimeout
	t.Shutdown = o.ShutdownTimeout
	t.Graceful = o.GracefulTimeout
	t.Inactivity = o.InactivityTimeout
	t.Deadlock = o.DeadlockTimeout
	t.GracefulStop = o.GracefulStopTimeout
	if o.InterruptTimeout != 0 {
		if err := r.requireModule("interrupt-timeout", newerModule); err != nil {
			return err
		}
	}
	if o.InterruptTimeout < 0 {
		return usagef("interrupt-timeout", "%d is negative; use 0 (off) or a number of seconds", o.InterruptTimeout)
	}
	for _, c := range []struct {
		name   string
		v, min int
	}{
		{"response-socket-timeout", o.ResponseSocketTimeout, 1}, {"restart-interval", o.RestartInterval, 1},
		{"cpu-time-limit", o.CPUTimeLimit, 1}, {"eviction-timeout", o.EvictionTimeout, 1},
	} {
		if err := daemonNumber(c.name, c.v, c.min); err != nil {
			return err
		}
	}
	t.ResponseSocket = o.ResponseSocketTimeout
	t.RestartInterval = o.RestartInterval
	t.CPUTimeLimit = o.CPUTimeLimit
	t.Eviction = o.EvictionTimeout
	t.Interrupt = o.InterruptTimeout
	if err := r.requestReadTimeout(); err != nil {
		return err
	}
	for _, u := range o.IgnoreActivity {
		path, err := normURLPath("ignore-activity", u)
		if err != nil {
			return err
		}
		t.IgnoreActivity = append(t.IgnoreActivity, path)
	}
	return nil
}

// requestReadTimeout builds mod_reqtimeout's RequestReadTimeout from the
// header and body options, checking them the way the module would.
func (r *resolver) requestReadTimeout() error {
	o := &r.o
	header, err := readTimeout("header", o.HeaderTimeout, o.HeaderMaxTimeout, o.HeaderMinRate)
	if err != nil {
		return err
	}
	body, err := readTimeout("body", o.BodyTimeout, o.BodyMaxTimeout, o.BodyMinRate)
	if err != nil {
		return err
	}
	if !r.available("reqtimeout") {
		def := defaultTimeoutsOptions()
		if o.HeaderTimeout != def.HeaderTimeout || o.HeaderMaxTimeout != def.HeaderMaxTimeout || o.HeaderMinRate != def.HeaderMinRate ||
			o.BodyTimeout != def.BodyTimeout || o.BodyMaxTimeout != def.BodyMaxTimeout || o.BodyMinRate != def.BodyMinRate {
			return usagef("header-timeout", "request read timeouts need Apache's mod_reqtimeout, which is not in %s nor compiled into %s", r.apache.Dir, r.apache.HTTPD)
		}
		return nil
	}
	r.p.Timeouts.RequestReadTimeout = header + " " + body
	return nil
}

// readTimeout is one part (header or body) of RequestReadTimeout.
func readTimeout(kind string, timeout, maxTimeout, rate int) (string, error) {
	for _, c := range []struct {
		name string
		v    int
	}{{kind + "-timeout", timeout}, {kind + "-max-timeout", maxTimeout}, {kind + "-min-rate", rate}} {
		if c.v < 0 {
			return "", usagef(c.name, "%d is negative; use 0 or more", c.v)
		}
	}
	if timeout == 0 {
		return kind + "=0", nil
	}
	s := fmt.Sprintf("%s=%d", kind, timeout)
	if maxTimeout > 0 {
		if maxTimeout <= timeout {
			return "", usagef(kind+"-max-timeout", "%d must be greater than --%s-timeout (%d), or 0 for no maximum", maxTimeout, kind, timeout)
		}
		if rate == 0 {
			return "", usagef(kind+"-max-timeout", "a maximum needs a minimum rate to extend the timeout by; give --%s-min-rate or use 0 for no maximum", kind)
		}
		s += fmt.Sprintf("-%d", maxTimeout)
	}
	if rate > 0 {
		s += fmt.Sprintf(",MinRate=%d", rate)
	}
	return s, nil
}
