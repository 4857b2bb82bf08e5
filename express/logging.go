package express

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/quote"
)

// LoggingOptions say where logs go and what they hold (--help: Logging).
type LoggingOptions struct {
	LogDirectory         string
	LogLevel             string // default warn
	LogToTerminal        bool
	AccessLog            bool
	ErrorLogName         string // default error_log
	AccessLogName        string // default access_log
	AccessLogFormat      string // common (default), combined, or a LogFormat string
	ErrorLogFormat       string // an ErrorLogFormat string
	StartupLog           bool   // httpd -E: startup errors to a file
	StartupLogName       string // default startup_log
	RotateLogs           bool   // logs through rotatelogs
	MaxLogSize           int    // MB, default 5
	RotatelogsExecutable string // default: found next to httpd or on PATH
	VerboseDebugging     bool   // hidden upstream: WSGIVerboseDebugging On
	Quiet                bool   // no errors, reloads or output from the error log on the terminal
}

func defaultLoggingOptions() LoggingOptions {
	return LoggingOptions{LogLevel: "warn", ErrorLogName: "error_log", AccessLogName: "access_log", StartupLogName: "startup_log", MaxLogSize: 5}
}

// LoggingPlan is where the logs go and their formats.
type LoggingPlan struct {
	Level     string
	Directory string
	ErrorLog  string // file path, or /dev/stderr when logging to the terminal
	AccessLog string // file path, /dev/stdout to the terminal, "" when off

	ErrorLogTarget      string // ErrorLog argument: a file or a "|..." pipe to rotatelogs
	AccessLogTarget     string // CustomLog target, when the access log is on
	AccessLogFormatName string // common, combined or custom
	CustomLogFormat     string // the custom LogFormat, when AccessLogFormatName is custom
	ErrorLogFormat      string
	StartupLog          string // httpd -E file, given to apachectl
	Rotatelogs          string // rotatelogs program, when --rotate-logs
	MaxLogSize          int    // MB, with Rotatelogs
	VerboseDebugging    bool
	// Follow: start-server, when its output is a terminal, shows what
	// the error log gets after start-up (tracebacks, reloads, crashes),
	// as a development server does: the log is a file (with Rotatelogs,
	// the newest of ErrorLog.*) and --quiet is not given.
	Follow bool
}

// Files are the log files Apache's parent keeps open (none when logs go
// to the terminal or through rotatelogs).
func (l LoggingPlan) Files() []string {
	var fs []string
	for _, f := range []struct{ path, target string }{{l.ErrorLog, l.ErrorLogTarget}, {l.AccessLog, l.AccessLogTarget}} {
		if f.path != "" && f.path == f.target && !strings.HasPrefix(f.path, "/dev/") {
			fs = append(fs, f.path)
		}
	}
	return fs
}

var (
	reLogLevel      = regexp.MustCompile(`^((emerg|alert|crit|error|warn|notice|info|debug|trace[1-8])|[a-z_0-9]+:(emerg|alert|crit|error|warn|notice|info|debug|trace[1-8]))$`)
	reLogIO         = regexp.MustCompile(`%[<>!0-9,]*(\{[^}]*\})?[<>]?([IOS]|\^F[BU])`)
	reLogFormatItem = regexp.MustCompile(`^%[<>]?[!]?[0-9,]*(\{[^}]*\})?[<>]?(\^t[io]|\^F[BU]|[A-Za-z%])`)
)

// logging decides where the logs go, their formats, rotation and the
// startup log.
func (r *resolver) logging() error {
	o, l := &r.o, &r.p.Logging
	if err := checkLogNames(o); err != nil {
		return err
	}
	l.Level, l.VerboseDebugging = o.LogLevel, o.VerboseDebugging
	l.Directory = r.p.Paths.ServerRoot
	if o.LogDirectory != "" {
		l.Directory = r.abs(o.LogDirectory)
	}
	if l.Directory != r.p.Paths.ServerRoot {
		r.addDir(OutputDir{Path: l.Directory, Parents: true})
	}
	toTerminal := o.LogToTerminal && o.LogDirectory == ""
	l.Follow = !toTerminal && !o.Quiet
	switch {
	case toTerminal:
		l.ErrorLog = "/dev/stderr"
		if o.AccessLog {
			l.AccessLog = "/dev/stdout"
		}
	default:
		l.ErrorLog = filepath.Join(l.Directory, o.ErrorLogName)
		if o.AccessLog {
			l.AccessLog = filepath.Join(l.Directory, o.AccessLogName)
		}
	}
	if err := r.logFormats(); err != nil {
		return err
	}
	if err := r.rotation(toTerminal); err != nil {
		return err
	}
	if o.StartupLog {
		l.StartupLog = filepath.Join(l.Directory, o.StartupLogName)
		if toTerminal {
			l.StartupLog = "/dev/stderr"
		}
	}
	return nil
}

// checkLogNames checks the level and the file names of the logs.
func checkLogNames(o *Options) error {
	for _, lv := range strings.Fields(o.LogLevel) {
		if !reLogLevel.MatchString(lv) {
			return usagef("log-level", "%s is not a log level; use emerg, alert, crit, error, warn, notice, info, debug or trace1..trace8 (optionally module:level)", shortQuote(lv))
		}
	}
	if strings.TrimSpace(o.LogLevel) == "" {
		return usagef("log-level", "needs a level such as warn or info")
	}
	for _, n := range []struct{ opt, v string }{{"error-log-name", o.ErrorLogName}, {"access-log-name", o.AccessLogName}, {"startup-log-name", o.StartupLogName}} {
		if n.v == "" || strings.Contains(n.v, "/") || n.v == "." || n.v == ".." {
			return usagef(n.opt, "%s must be a plain file name", shortQuote(n.v))
		}
	}
	if o.MaxLogSize < 1 {
		return usagef("max-log-size", "%d is too small; give the size in MB at which logs rotate, 1 or more", o.MaxLogSize)
	}
	return nil
}

// logFormats checks the access and error log formats; byte counts and
// time to first byte in a custom format come from mod_logio.
func (r *resolver) logFormats() error {
	o, l := &r.o, &r.p.Logging
	switch o.AccessLogFormat {
	case "", "common":
		l.AccessLogFormatName = "common"
	case "combined":
		l.AccessLogFormatName = "combined"
	default:
		if err := checkLogFormat("access-log-format", o.AccessLogFormat); err != nil {
			return err
		}
		l.AccessLogFormatName, l.CustomLogFormat = "custom", o.AccessLogFormat
		if o.AccessLog && reLogIO.MatchString(o.AccessLogFormat) {
			r.want("logio")
		}
	}
	if o.ErrorLogFormat != "" {
		if strings.TrimSpace(o.ErrorLogFormat) == "" {
			return usagef("error-log-format", "needs a format such as \"[%%t] [%%l] %%M\"")
		}
		l.ErrorLogFormat = o.ErrorLogFormat
	}
	return nil
}

// rotation sends the logs through rotatelogs (--rotate-logs), except to a
// terminal.
func (r *resolver) rotation(toTerminal bool) error {
	o, l := &r.o, &r.p.Logging
	rotate := o.RotateLogs && !toTerminal
	if o.RotatelogsExecutable != "" || rotate {
		exe, err := r.findRotatelogs()
		if err != nil {
			return err
		}
		if rotate {
			l.Rotatelogs, l.MaxLogSize = exe, o.MaxLogSize
		}
	}
	l.ErrorLogTarget, l.AccessLogTarget = l.ErrorLog, l.AccessLog
	if !rotate {
		return nil
	}
	// "|$" has Apache run the pipe through the shell, so the quoted paths
	// hold any character; exec leaves rotatelogs alone in it.
	pipe := func(file string) string {
		return "|$exec " + quote.Shell(l.Rotatelogs) + " " + quote.Shell(file+".%Y-%m-%d-%H_%M_%S") + " " + fmt.Sprintf("%dM", o.MaxLogSize)
	}
	l.ErrorLogTarget = pipe(l.ErrorLog)
	if l.AccessLog != "" {
		l.AccessLogTarget = pipe(l.AccessLog)
	}
	return nil
}

// findRotatelogs is --rotatelogs-executable, or rotatelogs next to httpd,
// in apxs's SBINDIR, on PATH, or where distributions put it.
func (r *resolver) findRotatelogs() (string, error) {
	o, h := &r.o, r.h
	isExe := func(f string) bool {
		fi, err := h.Stat(f)
		return err == nil && !fi.IsDir() && fi.Mode().Perm()&0o111 != 0
	}
	if o.RotatelogsExecutable != "" {
		exe := r.abs(o.RotatelogsExecutable)
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
	httpd := r.p.Paths.HTTPD
	candidates := []string{filepath.Join(filepath.Dir(httpd), "rotatelogs")}
	if sbin := discover.ApxsVars(h)["SBINDIR"]; sbin != "" {
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
	return "", usagef("rotate-logs", "no rotatelogs program found next to %s or on PATH; install Apache's utilities (Debian: apt-get install apache2-utils) or pass --rotatelogs-executable", httpd)
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
