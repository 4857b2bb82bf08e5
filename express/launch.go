package express

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Streams are the command's standard streams and whether stdout is a
// terminal, which decides how Apache is run.
type Streams struct {
	In         io.Reader
	Out, Err   io.Writer
	IsTerminal bool
}

// ExitError carries the exit status Apache ended with.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("apache exited with status %d", e.Code) }

// RuntimeError is a failure to start; commands exit with status 1.
type RuntimeError struct{ Msg string }

func (e *RuntimeError) Error() string { return e.Msg }

// apacheArgs is how start-server runs Apache: through the generated
// apachectl, in the foreground.
func apacheArgs(p *Plan) []string {
	return []string{p.Shell, p.Apachectl, "start", "-DFOREGROUND"}
}

// CheckPort fails when a listening port (--port, and --https-port when
// set) is taken, before Apache is run.
func CheckPort(p *Plan, h Host) error {
	type listener struct {
		addr, option string
		port         int
	}
	ls := []listener{{p.Listen, "port", p.O.Port}}
	if p.HTTPSListen != "" {
		ls = append(ls, listener{p.HTTPSListen, "https-port", p.O.HTTPSPort})
	}
	for _, l := range ls {
		if err := checkListen(p, h, l.addr, l.option, l.port); err != nil {
			return err
		}
	}
	return nil
}

func checkListen(p *Plan, h Host, listen, option string, port int) error {
	addr := listen
	if !strings.Contains(addr, ":") || strings.HasPrefix(addr, "[") && !strings.Contains(addr, "]:") {
		addr = ":" + addr
	}
	if h.PortFree(addr) {
		return nil
	}
	if _, real := h.(RealHost); real {
		// Say why, when it is not the port being taken.
		if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
		} else if errors.Is(err, syscall.EADDRNOTAVAIL) {
			return &RuntimeError{Msg: fmt.Sprintf("cannot listen on %s: %s is not an address of this machine; check --host", listen, p.O.Host)}
		} else if errors.Is(err, syscall.EACCES) {
			return &RuntimeError{Msg: fmt.Sprintf("cannot listen on port %d: ports below 1024 need root; choose another with --%s", port, option)}
		}
	}
	return &RuntimeError{Msg: fmt.Sprintf("port %d is already in use on %s; stop whatever listens there or choose another with --%s",
		port, firstNonEmpty(p.O.Host, "all interfaces"), option)}
}

// Launch runs Apache (through apachectl, in the foreground) as a child in
// its own process group and stays its parent until it exits.
//
// Why not exec Apache without a terminal, as upstream does: a process that
// has replaced itself cannot tell anyone why Apache failed to start. As the
// parent, the command watches the start: when Apache exits before its port
// answers, it prints the error-log lines written since the start and a
// one-line reason, and exits 1 with nothing left running. Once Apache is
// up, the command keeps what exec gave: the signals a container runtime or
// process manager sends (SIGINT, SIGTERM, SIGHUP, and SIGWINCH when there
// is no controlling terminal, Apache's graceful-stop) are forwarded, and
// SIGUSR1 restarts the application without dropping a request
// (restartDaemons); the command exits with Apache's status; and Apache
// gets SIGTERM if the command is killed (Pdeathsig). Apache's own process group keeps a window
// resize (SIGWINCH to the terminal's foreground group) from stopping it. As
// PID 1 (a container's entrypoint) it also reaps orphans, as init must
// (reapOrphans).
func Launch(p *Plan, s Streams) error {
	if err := clearStalePidFile(p); err != nil {
		return err
	}
	if p.DebugMode {
		return launchDebug(p, s)
	}
	logFile := ""
	if p.ErrorLog != "" && !strings.HasPrefix(p.ErrorLog, "/dev/") {
		logFile = p.ErrorLog
	}
	offset := fileSize(logFile)
	args := apacheArgs(p)
	cmd := exec.Command(args[0], args[1:]...)
	// Apache reports a configuration it cannot load (a module, a syntax
	// error) on stderr before its error log is open: keep the start of it
	// to explain a failure. WaitDelay bounds the wait for the copy when a
	// stray descendant keeps stderr open.
	early := &headWriter{max: 16 << 10}
	// The copies never stop on a write error (stdout closed, say).
	cmd.Stdout, cmd.Stderr = apacheStdout(s.Out), io.MultiWriter(keepDraining{s.Err}, early)
	cmd.WaitDelay = 2 * time.Second
	cmd.SysProcAttr = apacheProcAttr()
	forwardWinch := !hasControllingTerminal()
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGWINCH)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return &RuntimeError{Msg: fmt.Sprintf("starting Apache (%s): %v", args[0], err)}
	}
	pgid := cmd.Process.Pid
	// Whatever happens, nothing of this server outlives the command.
	defer syscall.Kill(-pgid, syscall.SIGKILL)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := make(chan struct{})
	defer close(stop)
	reapOrphans(cmd.Process.Pid, stop)
	ready := make(chan bool, 1)
	timeout := time.Duration(max(p.O.StartupTimeout, 5)) * time.Second
	go func() { ready <- waitReady(p, timeout, stop) }()
	col := newPainter(s)
	if s.IsTerminal {
		fmt.Fprintln(s.Out, col.paint(yellow, fmt.Sprintf("Waiting for Apache to answer on %s ...", p.URL)))
	}
	up := false
	// Watched from the start: an embedded-mode child that crashes loading
	// the application keeps the server from ever answering.
	var watch <-chan loadProblem
	if logFile != "" && !p.Static {
		watch = watchAppLoad(logFile, offset, stop)
	}
	// Apache drops a stop signal that arrives while it re-reads its
	// configuration (a restart): a stop is repeated until Apache is gone.
	var stopSig os.Signal
	var again <-chan time.Time
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGWINCH && !forwardWinch {
				continue
			}
			if sig == syscall.SIGUSR1 && restartDaemons(cmd.Process.Pid) {
				continue
			}
			cmd.Process.Signal(sig)
			if sig == syscall.SIGINT || sig == syscall.SIGTERM {
				stopSig = sig
				again = time.After(2 * time.Second)
			}
		case <-again:
			cmd.Process.Signal(stopSig)
			again = time.After(2 * time.Second)
		case ok := <-ready:
			ready = nil
			if ok {
				up = true
				url := p.URL
				if p.O.HTTPSOnly && p.HTTPSURL != "" {
					url = p.HTTPSURL // plain HTTP only redirects there
				}
				fmt.Fprintln(s.Out, col.paint(green, fmt.Sprintf("Server is ready at %s", url))+stopHint(s))
			} else {
				fmt.Fprintf(s.Err, "Warning: Apache is running but %s does not answer after %v; still waiting (error log: %s)\n", p.URL, timeout, firstNonEmpty(logFile, "the terminal"))
				again := make(chan bool, 1)
				go func() { again <- waitReady(p, 24*time.Hour, stop) }()
				ready = again
			}
		case prob := <-watch:
			watch = nil
			if prob.crash {
				fmt.Fprintln(s.Err, "Error: a server process was killed by a signal while the application started (a crash in the application or a C extension it loads?); Apache restarts it, and it may crash again. From "+logFile+":")
			} else {
				fmt.Fprintln(s.Err, "Error: the application failed to load; requests will answer 500 until it is fixed. From "+logFile+":")
			}
			for _, l := range prob.lines {
				fmt.Fprintln(s.Err, l)
			}
		case err := <-done:
			code := exitCode(cmd.ProcessState, err)
			if !up && stopSig == nil {
				return explainFailure(p, s, logFile, offset, code, early.String())
			}
			if code != 0 {
				if stopSig == nil {
					// Nobody here asked Apache to stop: say what happened.
					how := fmt.Sprintf("with status %d", code)
					if st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && st.Signaled() {
						how = fmt.Sprintf("killed by signal %d (%v)", int(st.Signal()), st.Signal())
					}
					fmt.Fprintf(s.Err, "Error: Apache exited unexpectedly, %s; see %s\n", how, firstNonEmpty(logFile, "the output above"))
				}
				return &ExitError{Code: code}
			}
			return nil
		}
	}
}

// apacheStdout is what Apache gets as its stdout: our own stdout file
// when there is one, so access lines written there (--log-to-terminal)
// cost no copy. With --log-to-terminal Apache opens /dev/stdout, which for
// a regular file (start-server > log 2>&1) is a new open file of its own
// that appends; our file is switched to appending too, or our writes,
// at our own offset, would overwrite Apache's lines. Anything else is
// copied through a pipe.
func apacheStdout(out io.Writer) io.Writer {
	f, ok := out.(*os.File)
	if !ok {
		return keepDraining{out}
	}
	fi, err := f.Stat()
	if err != nil {
		return keepDraining{out} // closed, say
	}
	if fi.Mode().IsRegular() {
		if err := setAppend(f); err != nil {
			return keepDraining{out}
		}
	}
	return f
}

func setAppend(f *os.File) error {
	flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	_, err = unix.FcntlInt(f.Fd(), unix.F_SETFL, flags|unix.O_APPEND)
	return err
}

// keepDraining writes to w and reports success whatever happens, so the
// copy of a child's output keeps reading it.
type keepDraining struct{ w io.Writer }

func (k keepDraining) Write(p []byte) (int, error) {
	k.w.Write(p)
	return len(p), nil
}

func stopHint(s Streams) string {
	if s.IsTerminal {
		return " (Ctrl-C to stop)"
	}
	return ""
}

// exitCode is Apache's exit status, 128+N when killed by signal N. The
// process state counts, not err: Wait also reports a descendant that kept
// stderr open past WaitDelay.
func exitCode(ps *os.ProcessState, err error) int {
	if ps == nil {
		if err != nil {
			return 1
		}
		return 0
	}
	if st, ok := ps.Sys().(syscall.WaitStatus); ok && st.Signaled() {
		return 128 + int(st.Signal())
	}
	return ps.ExitCode()
}

// explainFailure prints what the error log gained since the start and one
// line saying why Apache did not come up.
func explainFailure(p *Plan, s Streams, logFile string, offset int64, code int, stderr string) error {
	var lines []string
	if logFile != "" {
		lines = newLines(logFile, offset)
		if len(lines) > 0 {
			if len(lines) > 40 {
				lines = lines[len(lines)-40:]
			}
			fmt.Fprintf(s.Err, "--- %s (new lines) ---\n", logFile)
			for _, l := range lines {
				fmt.Fprintln(s.Err, l)
			}
			fmt.Fprintln(s.Err, "---")
		}
	}
	reason := failureReason(p, stderr+strings.Join(lines, "\n"))
	msg := fmt.Sprintf("Apache failed to start (exit status %d): %s", code, reason)
	return &RuntimeError{Msg: msg}
}

// failureReason recognises the usual causes in Apache's messages.
func failureReason(p *Plan, log string) string {
	switch {
	case strings.Contains(log, "Address already in use"):
		return fmt.Sprintf("port %d is already in use; stop whatever listens there or choose another with --port", p.O.Port)
	case strings.Contains(log, "Permission denied: AH00072") || strings.Contains(log, "could not bind"):
		return fmt.Sprintf("could not listen on %s; ports below 1024 need root", p.Listen)
	case strings.Contains(log, "AH00100"):
		return fmt.Sprintf("Apache could not write its pid file %s; its directory must exist and be writable (--pid-file)", p.PidFile)
	case strings.Contains(log, "Cannot load") || strings.Contains(log, "Can't locate API module") || strings.Contains(log, "undefined symbol"):
		return "a module would not load (see above); check --mod-wsgi-module and the Apache modules directory"
	case strings.Contains(log, "SSL") && (strings.Contains(log, "certificate") || strings.Contains(log, "private key") || strings.Contains(log, "Certificate")):
		return "the HTTPS certificate or key could not be used (see above)"
	}
	if log == "" {
		return "see Apache's messages above; `" + p.Apachectl + " configtest` checks the configuration"
	}
	return "see the error log lines above; `" + p.Apachectl + " configtest` checks the configuration"
}

// waitReady polls the port until Apache answers an HTTP request, stop
// closes, or the timeout passes. A connection alone is not enough: Apache
// listens before it writes its pid file and starts its children, and may
// still fail in between. "OPTIONS *" is answered by Apache itself, not by
// the application, so a slow application start does not delay readiness.
// The access log leaves it out (httpd.conf.tmpl matches its User-Agent).
func waitReady(p *Plan, timeout time.Duration, stop <-chan struct{}) bool {
	host := firstNonEmpty(p.O.Host, "127.0.0.1")
	addr := net.JoinHostPort(host, fmt.Sprint(p.O.Port))
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if Answers(addr) {
			return true
		}
		select {
		case <-stop:
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

// StartupCheckAgent is the User-Agent of the readiness check; httpd.conf
// keeps requests with it out of the access log.
const StartupCheckAgent = "mod_wsgi-express startup check"

// Answers reports whether an HTTP server at addr answers "OPTIONS *"
// within half a second with a status line: start-server's readiness check,
// which tests use too.
func Answers(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := io.WriteString(c, "OPTIONS * HTTP/1.0\r\nUser-Agent: "+StartupCheckAgent+"\r\n\r\n"); err != nil {
		return false
	}
	buf := make([]byte, 5)
	_, err = io.ReadFull(c, buf)
	return err == nil && string(buf) == "HTTP/"
}

// What mod_wsgi logs when the handler script, which loads the
// application, raises (appLoadFailure) or calls sys.exit at import
// (appLoadExit), and what Apache logs when one of its processes, a daemon
// running the application included, is killed by a signal (a crash).
const (
	appLoadFailure = "Failed to exec Python script file"
	appLoadExit    = "exception raised when doing exec of Python script file"
	processCrash   = "AH00052: child pid "
)

// loadProblem is what watchAppLoad found: the log lines and whether a
// process crashed (rather than the application raising).
type loadProblem struct {
	crash bool
	lines []string
}

func isLoadFailure(l string) bool {
	return strings.Contains(l, appLoadFailure) || strings.Contains(l, appLoadExit)
}

// watchAppLoad follows the error log for a while after the start and
// sends the first application load failure (mod_wsgi's message and the
// traceback after it) or process crash it sees. In daemon mode neither
// stops Apache: mod_wsgi retries on each request, which answers 500, and
// Apache restarts a crashed daemon, which may crash again.
func watchAppLoad(logFile string, offset int64, stop <-chan struct{}) <-chan loadProblem {
	out := make(chan loadProblem, 1)
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		var got []string
		crash := false
		settle := time.Time{}
		for time.Now().Before(deadline) {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			lines := newLines(logFile, offset)
			got, crash = nil, false
			for i, l := range lines {
				if isLoadFailure(l) {
					got = lines[i:]
					// Only the first failure: up to the next one.
					for j := 1; j < len(got); j++ {
						if isLoadFailure(got[j]) {
							got = got[:j]
							break
						}
					}
					break
				}
				if strings.Contains(l, processCrash) && strings.Contains(l, "exit signal") {
					got, crash = []string{l}, true
					break
				}
			}
			if got != nil {
				// Let the whole traceback arrive, then send it.
				if settle.IsZero() {
					settle = time.Now().Add(300 * time.Millisecond)
				} else if time.Now().After(settle) {
					break
				}
			}
		}
		if got != nil {
			if !crash {
				got = wsgiErrorLines(got)
			}
			out <- loadProblem{crash: crash, lines: got}
		}
	}()
	return out
}

// wsgiErrorLines keeps mod_wsgi's lines (the message and traceback),
// stopping at 60.
func wsgiErrorLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, ":error]") || strings.Contains(l, "[wsgi:") {
			out = append(out, l)
		}
		if len(out) == 60 {
			break
		}
	}
	return out
}

func fileSize(path string) int64 {
	if path == "" {
		return 0
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// newLines returns the complete lines of path after offset.
func newLines(path string, offset int64) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() < offset {
		offset = 0 // the log was replaced
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil
	}
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// clearStalePidFile removes a pid file left by a server that is gone.
// apachectl start refuses (and exits 0) when the pid file names a live
// process, whichever process it is; a pid is only trusted when that
// process is an Apache running this server root's configuration.
func clearStalePidFile(p *Plan) error {
	if _, err := os.Stat(p.PidFile); err != nil {
		return nil
	}
	if err := CheckNotRunning(p); err != nil {
		return err
	}
	if err := os.Remove(p.PidFile); err != nil && !os.IsNotExist(err) {
		return &RuntimeError{Msg: fmt.Sprintf("removing the stale pid file %s: %v", p.PidFile, err)}
	}
	return nil
}

// CheckNotRunning fails when an Apache is already running this server
// root's configuration. start-server checks it, and the port, before
// writing anything: rewriting the files of a running server would switch
// it to the new options at its next restart.
func CheckNotRunning(p *Plan) error {
	data, err := os.ReadFile(p.PidFile)
	if err != nil {
		return nil
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err == nil && pid > 0 && pidRunsConfig(pid, p.ConfigFile) {
		return &RuntimeError{Msg: fmt.Sprintf("a server for %s is already running (pid %d); stop it first with %s stop, or give this one its own --server-root", p.ServerRoot, pid, p.Apachectl)}
	}
	return nil
}

// pidRunsConfig reports whether process pid is alive and runs with conf
// as its configuration file (httpd -f CONF).
func pidRunsConfig(pid int, conf string) bool {
	cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return false
	}
	if stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat")); err == nil {
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && bytes.HasPrefix(stat[i+1:], []byte(" Z")) {
			return false
		}
	}
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	for i, a := range args {
		if a == "-f" && i+1 < len(args) && args[i+1] == conf {
			return true
		}
	}
	return false
}

// restartDaemons gives SIGUSR1 to the mod_wsgi daemon processes of the
// Apache with pid apache, and reports whether there were any. Each daemon
// stops taking requests, finishes those it runs (up to its graceful
// timeout) and exits; Apache starts a new one on the same listening
// socket, so requests waiting for it are served by the new process and
// none is dropped, and the new process loads the application afresh.
//
// This is what SIGUSR1 to start-server does in daemon mode, rather than
// Apache's graceful restart: mod_wsgi names its daemon sockets after
// Apache's generation, so a graceful restart of Apache replaces them, and
// requests that old-generation children had queued to the daemons fail
// (500, or 503 "Unable to connect"). `apachectl graceful` still does that,
// to reload the Apache configuration. In embedded mode there are no
// daemons and SIGUSR1 goes to Apache.
func restartDaemons(apache int) bool {
	ents, _ := os.ReadDir("/proc")
	found := false
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The fields after the command name, which is in parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		if f := strings.Fields(string(stat[i+1:])); len(f) < 2 || f[1] != strconv.Itoa(apache) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if bytes.HasPrefix(cmdline, []byte("(wsgi:")) {
			syscall.Kill(pid, syscall.SIGUSR1)
			found = true
		}
	}
	return found
}

// hasControllingTerminal reports whether the process has one; without one
// (a container, a service manager) SIGWINCH can only come from someone
// asking for Apache's graceful stop, so it is forwarded.
func hasControllingTerminal() bool {
	f, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// Colours, only on a terminal (stdout: stderr may be a file, so it gets
// none) and never with NO_COLOR set.
const (
	green  = "32"
	yellow = "33"
)

type painter struct{ on bool }

func newPainter(s Streams) painter {
	return painter{on: s.IsTerminal && os.Getenv("NO_COLOR") == ""}
}

func (c painter) paint(code, text string) string {
	if !c.on {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
}

func (w *headWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - w.b.Len(); room > 0 {
		w.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (w *headWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
