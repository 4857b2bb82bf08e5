//go:build !windows

package supervisor

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
)

// Signals are the signals Launch acts on. The caller subscribes to them
// (signal.Notify) before Launch, so that none is lost or takes its default
// action in between, and hands the channel to Launch, which reads it until
// Apache has ended. As PID 1 they include SIGCHLD, for reaping.
func Signals() []os.Signal {
	return append([]os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGWINCH}, reapSignals()...)
}

// Launch runs Apache (through apachectl, in the foreground) as a child in
// its own process group and stays its parent until it exits, acting on the
// signals that arrive on sigs (subscribed to Signals).
//
// Why not exec Apache without a terminal, as upstream does: a process that
// has replaced itself cannot tell anyone why Apache failed to start. As the
// parent, the command watches the start: when Apache exits before its port
// answers, it prints the error-log lines written since the start and a
// one-line reason, and exits 1 with nothing left running. Once Apache is
// up, the command keeps what exec gave, and more: SIGTERM (and SIGWINCH
// when there is no controlling terminal) drains, letting the requests in
// flight finish for up to --graceful-stop-timeout (stop.go); SIGINT, a
// second SIGTERM and SIGHUP are forwarded; SIGUSR1 runs apachectl
// graceful, which restarts the application without dropping a request
// (graceful); the command
// exits with Apache's status; and Apache gets SIGTERM if the command is
// killed (Pdeathsig). Apache's own process
// group keeps a window resize (SIGWINCH to the terminal's foreground group)
// from stopping it. As PID 1 (a container's entrypoint) it also reaps
// orphans, as init must (reapOrphans).
func Launch(p *express.Plan, s iostreams.IOStreams, sigs <-chan os.Signal) error {
	if err := ClearStalePidFile(p); err != nil {
		return err
	}
	w := &watch{p: p, s: s, col: newPainter(s)}
	if p.Logging.ErrorLog != "" && !strings.HasPrefix(p.Logging.ErrorLog, "/dev/") {
		w.logFile = p.Logging.ErrorLog
	}
	w.offset = fileSize(w.logFile)
	if err := w.start(); err != nil {
		return err
	}
	// Whatever happens, nothing of this server outlives the command.
	defer syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
	stop := make(chan struct{})
	defer close(stop)
	w.reap = reapOrphans(w.cmd.Process.Pid, stop)
	return w.loop(sigs, stop)
}

// watch is one run of Apache under start-server.
type watch struct {
	p       *express.Plan
	s       iostreams.IOStreams
	col     painter
	cmd     *exec.Cmd
	done    chan error
	early   *headWriter // the start of Apache's stderr
	logFile string      // the error log, "" when it goes to the terminal
	offset  int64       // its size before the start
	up      bool        // Apache answered
	// The application's load, when it is preloaded (the readiness mark,
	// express/probes.go): "ready" is said once it loaded, never when it
	// failed. loaded reports the mark (nil once it did or when there is
	// none), slow that the load takes long, failed that it failed.
	loaded <-chan bool
	slow   <-chan time.Time
	failed bool
	said   bool // "Server is ready" was printed
	// trim fires once, trimDelay after "ready": start-up's memory is
	// given back (trimMemory).
	trim <-chan time.Time
	stop *stopping // the stop asked for, nil until then (stop.go)
	reap func()    // a SIGCHLD: look for orphans to reap (reapOrphans)
}

// start runs apachectl start -DFOREGROUND.
func (w *watch) start() error {
	p := w.p
	args := []string{p.Paths.Shell, p.Paths.Apachectl, "start", "-DFOREGROUND"}
	cmd := exec.Command(args[0], args[1:]...)
	// Apache reports a configuration it cannot load (a module, a syntax
	// error) on stderr before its error log is open: keep the start of it
	// to explain a failure. WaitDelay bounds the wait for the copy when a
	// stray descendant keeps stderr open. The copies never stop on a write
	// error (stdout closed, say).
	w.early = &headWriter{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = apacheStdout(w.s.Out), io.MultiWriter(keepDraining{w.s.Err}, w.early)
	cmd.WaitDelay = 2 * time.Second
	cmd.SysProcAttr = apacheProcAttr()
	if err := cmd.Start(); err != nil {
		return &fault.RuntimeError{Msg: fmt.Sprintf("starting Apache (%s): %v", args[0], err)}
	}
	w.cmd = cmd
	w.done = make(chan error, 1)
	go func() { w.done <- cmd.Wait() }()
	return nil
}

// loop waits for Apache to be ready, to exit or to be signalled.
func (w *watch) loop(sigs <-chan os.Signal, stop chan struct{}) error {
	p, s := w.p, w.s
	ready := make(chan bool, 1)
	timeout := time.Duration(max(p.Timeouts.Startup, 5)) * time.Second
	go func() { ready <- waitReady(p, timeout, stop) }()
	if s.IsTerminal {
		fmt.Fprintln(s.Out, w.col.paint(yellow, fmt.Sprintf("Waiting for Apache to answer on %s ...", p.Network.URL)))
	}
	// Watched from the start: an embedded-mode child that crashes loading
	// the application keeps the server from ever answering.
	var problems <-chan loadProblem
	if w.logFile != "" && !p.Application.Static {
		problems = watchAppLoad(w.logFile, w.offset, stop)
	}
	forwardWinch := !hasControllingTerminal()
	grace := p.Timeouts.GracefulStop > 0
	defer func() { w.stop.stopTimers() }()
	for {
		poll, resend, graceEnd, hard := w.stop.chans()
		select {
		case sig := <-sigs:
			w.signalled(sig, forwardWinch, grace)
		case <-poll:
			if w.stop.draining {
				w.drainTick()
			}
		case <-resend:
			w.resendTick()
		case <-graceEnd:
			w.graceOver()
		case <-hard:
			w.hardStop()
		case ok := <-ready:
			ready = w.readiness(ok, timeout, stop)
		case <-w.loaded:
			w.loaded, w.slow = nil, nil
			w.sayReady("")
		case <-w.slow:
			w.slow = nil
			if !w.failed {
				w.sayReady(" (the application is still loading)")
			}
		case prob := <-problems:
			problems = nil
			w.report(prob)
		case <-w.trim:
			w.trim = nil
			trimMemory()
		case err := <-w.done:
			return w.exited(err)
		}
	}
}

// signalled acts on a signal to the command (stop.go says how a stop
// goes).
func (w *watch) signalled(sig os.Signal, forwardWinch, grace bool) {
	isStopping := w.stop != nil
	switch {
	case sig == syscall.SIGCHLD:
		w.reap()
	case sig == syscall.SIGWINCH && !forwardWinch:
		// A window resize.
	case isStopping && (sig == syscall.SIGHUP || sig == syscall.SIGUSR1 || sig == syscall.SIGWINCH):
		// No restart while stopping, and a graceful stop is under way
		// or superseded.
	case sig == syscall.SIGUSR1:
		go w.graceful()
	case grace && !isStopping && (sig == syscall.SIGTERM || sig == syscall.SIGWINCH):
		w.drain()
	case sig == syscall.SIGINT || sig == syscall.SIGTERM:
		w.stopNow(sig)
	default:
		// SIGHUP; SIGWINCH with
		// --graceful-stop-timeout 0: Apache's own graceful stop.
		w.cmd.Process.Signal(sig)
	}
}

// readiness says the server is ready, or that it does not answer yet and
// the wait goes on (the returned channel).
func (w *watch) readiness(ok bool, timeout time.Duration, stop chan struct{}) chan bool {
	p, s := w.p, w.s
	if ok {
		w.up = true
		if f := p.Probes.ReadyFile; f != "" && w.logFile != "" {
			// Apache answers; the application is ready when it has
			// loaded, which a load failure in the error log may say it
			// will not (until it is fixed: the mark then appears).
			w.loaded = waitFile(f, stop)
			w.slow = time.After(appLoadWait)
			return nil
		}
		w.sayReady("")
		return nil
	}
	fmt.Fprintf(s.Err, "Warning: Apache is running but %s does not answer after %v; still waiting (error log: %s)\n", p.Network.URL, timeout, cmp.Or(w.logFile, "the terminal"))
	again := make(chan bool, 1)
	go func() { again <- waitReady(p, 24*time.Hour, stop) }()
	return again
}

// appLoadWait is how long "ready" waits for a preloaded application
// before saying it anyway, as still loading.
const appLoadWait = 30 * time.Second

// sayReady prints that the server is ready, once.
func (w *watch) sayReady(note string) {
	if w.said {
		return
	}
	w.said = true
	p, s := w.p, w.s
	url := p.Network.URL
	if p.HTTPS.Only && p.HTTPS.URL != "" {
		url = p.HTTPS.URL // plain HTTP only redirects there
	}
	fmt.Fprintln(s.Out, w.col.paint(green, fmt.Sprintf("Server is ready at %s%s", url, note))+stopHint(s))
	w.trim = time.After(trimDelay)
}

// trimDelay is how long after "ready" start-up's memory is given back:
// the watch for the application's load (watchAppLoad) is over by then,
// and the services have started.
const trimDelay = 15 * time.Second

// report prints an application that failed to load, or a crash, instead
// of "ready": Apache is up, but answers 500 (or restarts a crashing
// process) until the application is fixed.
func (w *watch) report(prob loadProblem) {
	w.failed = true
	url := w.p.Network.URL
	if prob.crash {
		fmt.Fprintln(w.s.Err, "Error: a server process was killed by a signal while the application started (a crash in the application or a C extension it loads?); Apache restarts it, and it may crash again. From "+w.logFile+":")
	} else if w.said {
		fmt.Fprintln(w.s.Err, "Error: the application failed to load; requests will answer 500 until it is fixed. From "+w.logFile+":")
	} else {
		fmt.Fprintf(w.s.Err, "Error: the application failed to load, so the server is not ready: Apache is up at %s and answers 500 until the application loads. Fix it and the next request loads it again (--reload-on-changes also restarts the processes when a file changes), and the server is said ready then. From %s:\n", url, w.logFile)
	}
	for _, l := range WithoutLoaderFrames(prob.lines, w.p.Paths.ServerRoot) {
		fmt.Fprintln(w.s.Err, l)
	}
}

// exited turns Apache's end into the command's: a failed start explained,
// an unexpected exit said, or Apache's status.
func (w *watch) exited(err error) error {
	code := exitCode(w.cmd.ProcessState, err)
	if st, ok := processStatus(w.cmd.ProcessState); ok && st.Signaled() {
		removeLeftovers(w.p.Paths.PidFile, w.p.Paths.SocketPrefix, w.cmd.Process.Pid)
	}
	// The application is not loaded any more (express/probes.go).
	if w.p.Probes.ReadyFile != "" {
		os.Remove(w.p.Probes.ReadyFile)
	}
	if !w.up && w.stop == nil {
		return explainFailure(w.p, w.s, w.logFile, w.offset, code, w.early.String())
	}
	if code == 0 {
		return nil
	}
	if w.stop == nil {
		// Nobody here asked Apache to stop: say what happened.
		how := fmt.Sprintf("with status %d", code)
		if st, ok := processStatus(w.cmd.ProcessState); ok && st.Signaled() {
			how = fmt.Sprintf("killed by signal %d (%v)", int(st.Signal()), st.Signal())
		}
		fmt.Fprintf(w.s.Err, "Error: Apache exited unexpectedly, %s; see %s\n", how, cmp.Or(w.logFile, "the output above"))
	}
	return &fault.ExitError{Code: code}
}

// processStatus is the wait status of an ended process, if known.
func processStatus(ps *os.ProcessState) (syscall.WaitStatus, bool) {
	if ps == nil {
		return 0, false
	}
	st, ok := ps.Sys().(syscall.WaitStatus)
	return st, ok
}

func stopHint(s iostreams.IOStreams) string {
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
func explainFailure(p *express.Plan, s iostreams.IOStreams, logFile string, offset int64, code int, stderr string) error {
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
	return &fault.RuntimeError{Msg: fmt.Sprintf("Apache failed to start (exit status %d): %s", code, reason)}
}

// failureReason recognises the usual causes in Apache's messages.
func failureReason(p *express.Plan, log string) string {
	switch {
	case strings.Contains(log, "Address already in use"):
		return fmt.Sprintf("port %d is already in use; stop whatever listens there or choose another with --port", p.Network.Port)
	case strings.Contains(log, "Permission denied: AH00072") || strings.Contains(log, "could not bind"):
		return fmt.Sprintf("could not listen on %s; ports below 1024 need root", p.Network.Listen)
	case strings.Contains(log, "AH00100"):
		return fmt.Sprintf("Apache could not write its pid file %s; its directory must exist and be writable (--pid-file)", p.Paths.PidFile)
	case strings.Contains(log, "Cannot load") || strings.Contains(log, "Can't locate API module") || strings.Contains(log, "undefined symbol"):
		return "a module would not load (see above); check --mod-wsgi-module and the Apache modules directory"
	case strings.Contains(log, "SSL") && (strings.Contains(log, "certificate") || strings.Contains(log, "private key") || strings.Contains(log, "Certificate")):
		return "the HTTPS certificate or key could not be used (see above)"
	}
	if log == "" {
		return "see Apache's messages above; `" + p.Paths.Apachectl + " configtest` checks the configuration"
	}
	return "see the error log lines above; `" + p.Paths.Apachectl + " configtest` checks the configuration"
}

// graceful runs apachectl graceful, which is what SIGUSR1 to start-server
// does: the application's daemon processes restart one after the other
// without dropping a request when Apache's configuration and logs are as
// it read them, else Apache restarts gracefully (see apachectl.tmpl).
func (w *watch) graceful() {
	cmd := exec.Command(w.p.Paths.Shell, w.p.Paths.Apachectl, "graceful")
	cmd.Stdout, cmd.Stderr = keepDraining{w.s.Err}, keepDraining{w.s.Err}
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(w.s.Err, "mod_wsgi-express: apachectl graceful: %v\n", err)
	}
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
