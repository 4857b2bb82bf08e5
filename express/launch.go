package express

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
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

// CheckPort fails when the listening port is taken, before Apache is run.
func CheckPort(p *Plan, h Host) error {
	addr := p.Listen
	if !strings.Contains(addr, ":") || strings.HasPrefix(addr, "[") && !strings.Contains(addr, "]:") {
		addr = ":" + addr
	}
	if !h.PortFree(addr) {
		return &RuntimeError{Msg: fmt.Sprintf("port %d is already in use on %s; stop whatever listens there or choose another with --port",
			p.O.Port, firstNonEmpty(p.O.Host, "all interfaces"))}
	}
	return nil
}

// Launch runs Apache. Without a terminal it replaces this process with
// Apache (through apachectl), so signals from a container runtime or
// process manager reach Apache directly; it returns only on failure. On a
// terminal Apache runs as a child in its own process group: the command
// forwards SIGINT, SIGTERM, SIGHUP and SIGUSR1, while a window resize
// (SIGWINCH, which Apache takes as graceful-stop) never reaches it.
func Launch(p *Plan, s Streams) error {
	if p.DebugMode {
		return launchDebug(p, s)
	}
	args := apacheArgs(p)
	if !s.IsTerminal {
		err := syscall.Exec(args[0], args, os.Environ())
		return &RuntimeError{Msg: fmt.Sprintf("running %s: %v", args[0], err)}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = s.Out, s.Err
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return &RuntimeError{Msg: fmt.Sprintf("starting Apache: %v", err)}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ready := make(chan bool, 1)
	go func() { ready <- waitReady(p, time.Duration(max(p.O.StartupTimeout, 5))*time.Second, done) }()
	fmt.Fprintf(s.Out, "Waiting for Apache to answer on %s ...\n", p.URL)
	for {
		select {
		case sig := <-sigs:
			cmd.Process.Signal(sig)
		case ok := <-ready:
			if ok {
				fmt.Fprintf(s.Out, "Server is ready at %s (Ctrl-C to stop)\n", p.URL)
			}
			ready = nil
		case err := <-done:
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
					return &ExitError{Code: 128 + int(st.Signal())}
				}
				return &ExitError{Code: ee.ExitCode()}
			}
			if err != nil {
				return &RuntimeError{Msg: err.Error()}
			}
			return nil
		}
	}
}

// waitReady polls the port until Apache accepts connections, it exits, or
// the timeout passes.
func waitReady(p *Plan, timeout time.Duration, _ <-chan error) bool {
	host := firstNonEmpty(p.O.Host, "127.0.0.1")
	addr := net.JoinHostPort(host, fmt.Sprint(p.O.Port))
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
