package express

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// TuningOptions are the remaining daemon and connection tuning options,
// the Python runtime knobs, and the options that need a newer mod_wsgi
// (telemetry, GIL control). Zero values mean "not given" unless noted.
type TuningOptions struct {
	// mod_reqtimeout (RequestReadTimeout), in seconds and bytes per second.
	HeaderTimeout    int // default 15; 0 turns the header limit off
	HeaderMaxTimeout int // default 30
	HeaderMinRate    int // default 500
	BodyTimeout      int // default 15; 0 turns the body limit off
	BodyMaxTimeout   int // default 0: no maximum
	BodyMinRate      int // default 500

	// WSGIDaemonProcess options; 0 leaves mod_wsgi's own default.
	SendBufferSize        int
	ReceiveBufferSize     int
	HeaderBufferSize      int
	ResponseBufferSize    int
	ResponseSocketTimeout int
	RestartInterval       int
	CPUTimeLimit          int
	EvictionTimeout       int
	InterruptTimeout      int // mod_wsgi 6.0.0

	IgnoreActivity []string // URL paths whose requests do not count as activity
	PythonEggs     string   // default SERVER-ROOT/python-eggs
	PythonWarnings []string // -W style filters, WSGIPythonWarnings

	// mod_wsgi 6.0.0 additions.
	TelemetryService  string
	TelemetryInterval float64 // default 1.0
	TelemetryOptions  []string
	SlowRequests      float64 // -1: not given
	SwitchInterval    float64 // 0: not given
	FreeThreading     bool
	EnableTelemetry   bool
	TelemetryUIPort   int // default 8888
}

func defaultTuningOptions() TuningOptions {
	return TuningOptions{
		HeaderTimeout: 15, HeaderMaxTimeout: 30, HeaderMinRate: 500,
		BodyTimeout: 15, BodyMinRate: 500,
		TelemetryInterval: 1.0, SlowRequests: -1, TelemetryUIPort: 8888,
	}
}

// TuningPlan is what the "tuning" template and the logging section of
// httpd.conf need.
type TuningPlan struct {
	RequestReadTimeout string   // RequestReadTimeout arguments; "" when mod_reqtimeout is missing
	IgnoreActivity     []string // <Location> paths with WSGIIgnoreActivity On
	PythonWarnings     []string
	PythonEggs         string // directory; also the daemon's python-eggs option
	VerboseDebugging   bool

	// Logging.
	ErrorLogTarget      string // ErrorLog argument: a file or a "|..." pipe to rotatelogs
	AccessLogTarget     string // CustomLog target, when the access log is on
	AccessLogFormatName string // common, combined or custom
	CustomLogFormat     string // the custom LogFormat, when AccessLogFormatName is custom
	ErrorLogFormat      string
	StartupLog          string // httpd -E file, given to apachectl
	Rotatelogs          string // rotatelogs program, when --rotate-logs

	// mod_wsgi 6.0.0 directives.
	TelemetryService  string
	TelemetryInterval string
	TelemetryOptions  []string
	SlowRequests      string
	SwitchInterval    string
	FreeThreading     bool
}

// newerModule is the mod_wsgi version that introduced each option that
// older modules reject (release notes of mod_wsgi 6.0.0).
const newerModule = "6.0.0"

var (
	reTelemetryOption = regexp.MustCompile(`^[+-]?[A-Za-z][A-Za-z0-9]*$`)
	reWarnCategory    = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	reLogIO           = regexp.MustCompile(`%[<>!0-9,]*(\{[^}]*\})?[<>]?([IOS]|\^F[BU])`)
	reLogFormatItem   = regexp.MustCompile(`^%[<>]?[!]?[0-9,]*(\{[^}]*\})?[<>]?(\^t[io]|\^F[BU]|[A-Za-z%])`)
)

// resolveTuning checks this concern's options and fills its part of the plan.
func resolveTuning(o *Options, h Host, p *Plan) error {
	if err := resolveVersionGated(o, h, p); err != nil {
		return err
	}
	if err := resolveRequestReadTimeout(o, h, p); err != nil {
		return err
	}
	if err := resolveDaemonTuning(o, h, p); err != nil {
		return err
	}
	if err := resolveLogFormats(o, h, p); err != nil {
		return err
	}
	for _, u := range o.IgnoreActivity {
		path, err := normURLPath("ignore-activity", u)
		if err != nil {
			return err
		}
		p.IgnoreActivity = append(p.IgnoreActivity, path)
	}
	for _, w := range o.PythonWarnings {
		if err := checkWarningFilter(w); err != nil {
			return err
		}
	}
	p.PythonWarnings = o.PythonWarnings
	p.VerboseDebugging = o.VerboseDebugging
	return nil
}

// resolveVersionGated refuses, naming the option, what the module found is
// too old for, then checks the values.
func resolveVersionGated(o *Options, h Host, p *Plan) error {
	def := defaultTuningOptions()
	gated := []struct {
		name  string
		given bool
	}{
		{"telemetry-service", o.TelemetryService != ""},
		{"telemetry-interval", o.TelemetryInterval != def.TelemetryInterval},
		{"telemetry-options", len(o.TelemetryOptions) > 0},
		{"slow-requests", o.SlowRequests != def.SlowRequests},
		{"switch-interval", o.SwitchInterval != 0},
		{"free-threading", o.FreeThreading},
		{"enable-telemetry", o.EnableTelemetry},
		{"telemetry-ui-port", o.TelemetryUIPort != def.TelemetryUIPort},
		{"interrupt-timeout", o.InterruptTimeout != 0},
	}
	for _, g := range gated {
		if !g.given {
			continue
		}
		if err := requireModuleVersion(p, g.name, newerModule); err != nil {
			return err
		}
	}
	if o.InterruptTimeout < 0 {
		return usagef("interrupt-timeout", "%d is negative; use 0 (off) or a number of seconds", o.InterruptTimeout)
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
		p.TelemetryService = o.TelemetryService
	}
	if o.TelemetryInterval <= 0 {
		return usagef("telemetry-interval", "%v is not a positive number of seconds", o.TelemetryInterval)
	}
	p.TelemetryInterval = strconv.FormatFloat(o.TelemetryInterval, 'f', -1, 64)
	for _, t := range o.TelemetryOptions {
		for _, f := range strings.Fields(t) {
			if !reTelemetryOption.MatchString(f) {
				return usagef("telemetry-options", "%s is not a telemetry option such as +CaptureUserAgent, -CaptureUserAgent, None or All", shortQuote(f))
			}
		}
		if strings.TrimSpace(t) == "" {
			return usagef("telemetry-options", "needs a value such as +CaptureUserAgent")
		}
		p.TelemetryOptions = append(p.TelemetryOptions, strings.Join(strings.Fields(t), " "))
	}
	if o.SlowRequests != def.SlowRequests {
		if o.SlowRequests < 0 {
			return usagef("slow-requests", "%v is negative; give a threshold in seconds", o.SlowRequests)
		}
		if o.TelemetryService == "" {
			return usagef("slow-requests", "reports through the telemetry service; add --telemetry-service unix:/path")
		}
		p.SlowRequests = strconv.FormatFloat(o.SlowRequests, 'f', -1, 64)
	}
	if o.SwitchInterval != 0 {
		if o.SwitchInterval < 0 {
			return usagef("switch-interval", "%v is not a positive number of seconds", o.SwitchInterval)
		}
		p.SwitchInterval = strconv.FormatFloat(o.SwitchInterval, 'f', -1, 64)
		p.DaemonOptions = append(p.DaemonOptions, "switch-interval="+p.SwitchInterval)
	}
	if o.InterruptTimeout > 0 {
		p.DaemonOptions = append(p.DaemonOptions, fmt.Sprintf("interrupt-timeout=%d", o.InterruptTimeout))
	}
	if o.FreeThreading && p.Module.LibPython != "" && !strings.Contains(filepath.Base(p.Module.LibPython), p.Module.PythonVersion+"t") {
		return usagef("free-threading", "needs a free-threaded Python build (PEP 703, libpython%st), but %s uses %s", p.Module.PythonVersion, p.Module.Path, p.Module.LibPython)
	}
	p.FreeThreading = o.FreeThreading
	return nil
}

// resolveRequestReadTimeout builds mod_reqtimeout's RequestReadTimeout from
// the header and body options, checking them the way the module would.
func resolveRequestReadTimeout(o *Options, h Host, p *Plan) error {
	def := defaultTuningOptions()
	part := func(kind string, timeout, maxTimeout, rate int) (string, error) {
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
	header, err := part("header", o.HeaderTimeout, o.HeaderMaxTimeout, o.HeaderMinRate)
	if err != nil {
		return err
	}
	body, err := part("body", o.BodyTimeout, o.BodyMaxTimeout, o.BodyMinRate)
	if err != nil {
		return err
	}
	if !hasReqTimeout(h, p) {
		changed := o.HeaderTimeout != def.HeaderTimeout || o.HeaderMaxTimeout != def.HeaderMaxTimeout || o.HeaderMinRate != def.HeaderMinRate ||
			o.BodyTimeout != def.BodyTimeout || o.BodyMaxTimeout != def.BodyMaxTimeout || o.BodyMinRate != def.BodyMinRate
		if changed {
			return usagef("header-timeout", "request read timeouts need Apache's mod_reqtimeout, which is not in %s nor compiled into %s", p.ModulesDir, p.HTTPD)
		}
		return nil
	}
	p.RequestReadTimeout = header + " " + body
	return nil
}

func hasReqTimeout(h Host, p *Plan) bool {
	for _, m := range p.LoadModules {
		if m.Name == "reqtimeout_module" {
			return true
		}
	}
	out, err := h.Output(p.HTTPD, "-l")
	return err == nil && strings.Contains(string(out), "mod_reqtimeout.c")
}

// resolveDaemonTuning adds the daemon process options and the egg cache.
func resolveDaemonTuning(o *Options, h Host, p *Plan) error {
	type opt struct {
		name string
		v    int
		min  int // smallest non-zero value mod_wsgi accepts
	}
	for _, c := range []opt{
		{"send-buffer-size", o.SendBufferSize, 512},
		{"receive-buffer-size", o.ReceiveBufferSize, 512},
		{"header-buffer-size", o.HeaderBufferSize, 8192},
		{"response-buffer-size", o.ResponseBufferSize, 65536},
		{"response-socket-timeout", o.ResponseSocketTimeout, 1},
		{"restart-interval", o.RestartInterval, 1},
		{"cpu-time-limit", o.CPUTimeLimit, 1},
		{"eviction-timeout", o.EvictionTimeout, 1},
	} {
		if c.v < 0 {
			return usagef(c.name, "%d is negative; use 0 for mod_wsgi's default", c.v)
		}
		if c.v == 0 {
			continue
		}
		if c.v < c.min {
			return usagef(c.name, "%d is too small; mod_wsgi needs %d or more, or 0 for its default", c.v, c.min)
		}
		p.DaemonOptions = append(p.DaemonOptions, fmt.Sprintf("%s=%d", c.name, c.v))
	}
	eggs := filepath.Join(p.ServerRoot, "python-eggs")
	if o.PythonEggs != "" {
		eggs = absFrom(h, o.PythonEggs)
		if err := checkCreatableDir(h, eggs); err != nil {
			return usagef("python-eggs", "%v", err)
		}
		if err := checkGivenDir(h, p, "python-eggs", eggs); err != nil {
			return err
		}
	}
	p.PythonEggs = eggs
	p.DaemonOptions = append(p.DaemonOptions, ApacheOption("python-eggs", eggs))
	return nil
}

// checkCreatableDir accepts an existing directory, or a path whose nearest
// existing parent is a directory.
func checkCreatableDir(h Host, dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := h.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				if d == dir {
					return fmt.Errorf("%s exists and is not a directory", dir)
				}
				return fmt.Errorf("%s cannot be created: %s is not a directory", dir, d)
			}
			return nil
		}
		if d == filepath.Dir(d) {
			return fmt.Errorf("%s cannot be created", dir)
		}
	}
}

// checkWarningFilter checks a Python -W filter: action:message:category:module:lineno,
// every part after the action optional.
func checkWarningFilter(w string) error {
	bad := func(why string) error {
		return usagef("python-warnings", "%s is not a warnings filter of the form action:message:category:module:lineno (%s), for example ignore::DeprecationWarning", shortQuote(w), why)
	}
	parts := strings.Split(w, ":")
	if len(parts) > 5 {
		return bad("too many fields")
	}
	action := strings.TrimSpace(parts[0])
	ok := false
	for _, a := range []string{"default", "error", "ignore", "always", "module", "once"} {
		if action != "" && strings.HasPrefix(a, action) {
			ok = true
		}
	}
	if !ok {
		return bad("the action must be one of default, error, ignore, always, module or once")
	}
	if len(parts) > 2 {
		if c := strings.TrimSpace(parts[2]); c != "" && !reWarnCategory.MatchString(c) {
			return bad("the category must be a class name such as DeprecationWarning")
		}
	}
	if len(parts) > 4 {
		if l := strings.TrimSpace(parts[4]); l != "" {
			if n, err := strconv.Atoi(l); err != nil || n < 0 {
				return bad("the line number must be a number")
			}
		}
	}
	return nil
}

// resolveLogFormats finishes the logging plan that resolveLogging began:
// formats, rotation through rotatelogs and the startup log.
func resolveLogFormats(o *Options, h Host, p *Plan) error {
	switch o.AccessLogFormat {
	case "", "common":
		p.AccessLogFormatName = "common"
	case "combined":
		p.AccessLogFormatName = "combined"
	default:
		if err := checkLogFormat("access-log-format", o.AccessLogFormat); err != nil {
			return err
		}
		p.AccessLogFormatName, p.CustomLogFormat = "custom", o.AccessLogFormat
		// Byte counts and time to first byte come from mod_logio.
		if o.AccessLog && reLogIO.MatchString(o.AccessLogFormat) && moduleNamesIn(h, p.ModulesDir)["mod_logio.so"] {
			p.LoadModules = append(p.LoadModules, LoadModule{"logio_module", filepath.Join(p.ModulesDir, "mod_logio.so")})
		}
	}
	if o.ErrorLogFormat != "" {
		if strings.TrimSpace(o.ErrorLogFormat) == "" {
			return usagef("error-log-format", "needs a format such as \"[%%t] [%%l] %%M\"")
		}
		p.ErrorLogFormat = o.ErrorLogFormat
	}
	if o.MaxLogSize < 1 {
		return usagef("max-log-size", "%d is too small; give the size in MB at which logs rotate, 1 or more", o.MaxLogSize)
	}
	if o.StartupLogName == "" || strings.Contains(o.StartupLogName, "/") || o.StartupLogName == "." || o.StartupLogName == ".." {
		return usagef("startup-log-name", "%s must be a plain file name", shortQuote(o.StartupLogName))
	}
	toTerminal := o.LogToTerminal && o.LogDirectory == ""
	rotate := o.RotateLogs && !toTerminal
	if o.RotatelogsExecutable != "" || rotate {
		exe, err := findRotatelogs(o, h, p)
		if err != nil {
			return err
		}
		if rotate {
			p.Rotatelogs = exe
		}
	}
	p.ErrorLogTarget, p.AccessLogTarget = p.ErrorLog, p.AccessLog
	if rotate {
		// "|$" has Apache run the pipe through the shell, so the quoted
		// paths hold any character; exec leaves rotatelogs alone in it.
		pipe := func(file string) string {
			return "|$exec " + ShellQuote(p.Rotatelogs) + " " + ShellQuote(file+".%Y-%m-%d-%H_%M_%S") + " " + fmt.Sprintf("%dM", o.MaxLogSize)
		}
		p.ErrorLogTarget = pipe(p.ErrorLog)
		if p.AccessLog != "" {
			p.AccessLogTarget = pipe(p.AccessLog)
		}
	}
	if o.StartupLog {
		if toTerminal {
			p.StartupLog = "/dev/stderr"
		} else {
			p.StartupLog = filepath.Join(p.LogDirectory, o.StartupLogName)
		}
	}
	return nil
}

// findRotatelogs is --rotatelogs-executable, or rotatelogs next to httpd,
// in apxs's SBINDIR, on PATH, or where distributions put it.
func findRotatelogs(o *Options, h Host, p *Plan) (string, error) {
	isExe := func(f string) bool {
		fi, err := h.Stat(f)
		return err == nil && !fi.IsDir() && fi.Mode().Perm()&0o111 != 0
	}
	if o.RotatelogsExecutable != "" {
		exe := absFrom(h, o.RotatelogsExecutable)
		if !filepath.IsAbs(o.RotatelogsExecutable) && !strings.Contains(o.RotatelogsExecutable, "/") {
			if found, err := h.LookPath(o.RotatelogsExecutable); err == nil {
				exe = found
			}
		}
		if !isExe(exe) {
			return "", usagef("rotatelogs-executable", "%s is not an executable file", exe)
		}
		return exe, nil
	}
	candidates := []string{filepath.Join(filepath.Dir(p.HTTPD), "rotatelogs")}
	if sbin := apxsVars(h)["SBINDIR"]; sbin != "" {
		candidates = append(candidates, filepath.Join(sbin, "rotatelogs"))
	}
	if found, err := h.LookPath("rotatelogs"); err == nil {
		candidates = append(candidates, found)
	}
	candidates = append(candidates, "/usr/bin/rotatelogs", "/usr/sbin/rotatelogs", "/usr/local/bin/rotatelogs")
	for _, c := range candidates {
		if isExe(c) {
			return c, nil
		}
	}
	return "", usagef("rotate-logs", "no rotatelogs program found next to %s or on PATH; install Apache's utilities (Debian: apt-get install apache2-utils) or pass --rotatelogs-executable", p.HTTPD)
}

// checkLogFormat checks the %-directives of a custom LogFormat string so a
// typo is reported here rather than by Apache at start.
func checkLogFormat(option, f string) error {
	if strings.TrimSpace(f) == "" {
		return usagef(option, "needs common, combined or a LogFormat string such as \"%%h %%t \\\"%%r\\\" %%>s\"")
	}
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		m := reLogFormatItem.FindStringSubmatch(f[i:])
		if m == nil {
			return usagef(option, "%s has an incomplete %%-directive at position %d", shortQuote(f), i+1)
		}
		if len(m[2]) == 1 && m[2] != "%" && !strings.Contains("aABbcCDefhHiklLmnopPqrRsStTuUvVxXIOS", m[2]) {
			return usagef(option, "%%%s in %s is not an Apache log format directive", m[2], shortQuote(f))
		}
		i += len(m[0]) - 1
	}
	return nil
}
