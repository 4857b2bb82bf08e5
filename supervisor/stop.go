//go:build !windows

package supervisor

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// How start-server stops Apache.
//
// SIGTERM drains (--graceful-stop-timeout SECONDS, Plan.Timeouts.GracefulStop):
//
//  1. Apache gets SIGWINCH, its graceful stop: the parent and its children
//     close the listening sockets at once, so new connections are refused;
//     each child finishes the requests it has and then exits. Idle
//     keep-alive connections are closed; a response given while stopping
//     carries "Connection: close".
//  2. In daemon mode the mod_wsgi daemon processes keep running meanwhile:
//     mod_wsgi has the parent stop them (SIGTERM, then SIGKILL after 3
//     seconds) only when its configuration pool is destroyed, which is
//     after the graceful stop has waited for the children, so a request a
//     child is waiting on is answered. (Checked against Apache 2.4 and
//     mod_wsgi 4.9 and 6.0: the daemons are registered with
//     apr_pool_note_subprocess(APR_KILL_AFTER_TIMEOUT) on that pool.)
//  3. Apache's parent only looks at its children once a second; once none
//     of its MPM children is left, nothing is in flight, and it gets
//     SIGTERM so it ends now rather than at its next look (finish). The
//     daemon processes then get SIGTERM from Apache and end with Python's
//     normal shutdown.
//  4. If children are still there when the timeout passes, the requests
//     still running are cut (cut): the MPM children get SIGKILL, which
//     closes their clients' connections at once (a child waiting for a
//     stuck request ignores SIGTERM for up to 9 seconds), and the daemon
//     processes and Apache get SIGTERM; Apache then removes its pid file
//     and daemon sockets and exits 0, within about 3 seconds. Should it
//     not be gone backstop later, the whole process group gets SIGKILL
//     and the files Apache would have removed are removed here.
//
// Apache's own GracefulShutdownTimeout (timeouts.tmpl) is set to the same
// timeout, for `apachectl graceful-stop` and in case this command is gone.
//
// A second SIGTERM, or SIGINT, stops at once: Apache's stop, which closes
// every connection now (the deadline of a drain under way still applies).
// SIGWINCH without a terminal (an explicit graceful stop) drains as
// SIGTERM does. While stopping, SIGHUP and SIGUSR1 (restarts) are ignored:
// a daemon process restarted then would not be started again.

const (
	drainPoll   = 50 * time.Millisecond // how often a drain looks for Apache's children
	resendEvery = 2 * time.Second       // a stop signal Apache may have dropped is repeated
)

// stopping is the state of a stop once one was asked for.
type stopping struct {
	draining bool         // a graceful stop waits for requests in flight
	now      os.Signal    // the signal that ends Apache, repeated until it is gone
	poll     *time.Ticker // drain: are the children gone?
	resend   *time.Ticker // repeats the signal Apache may have dropped
	grace    *time.Timer  // the drain's deadline
	hard     *time.Timer  // the backstop after a cut
}

// chans are the stop's timers as channels for the watch loop's select;
// nil channels never fire.
func (st *stopping) chans() (poll, resend, grace, hard <-chan time.Time) {
	if st == nil {
		return
	}
	if st.poll != nil {
		poll = st.poll.C
	}
	if st.resend != nil {
		resend = st.resend.C
	}
	if st.grace != nil {
		grace = st.grace.C
	}
	if st.hard != nil {
		hard = st.hard.C
	}
	return
}

func (st *stopping) stopTimers() {
	if st == nil {
		return
	}
	if st.poll != nil {
		st.poll.Stop()
	}
	if st.resend != nil {
		st.resend.Stop()
	}
	if st.grace != nil {
		st.grace.Stop()
	}
	if st.hard != nil {
		st.hard.Stop()
	}
}

// drain starts a graceful stop bounded by the --graceful-stop-timeout.
func (w *watch) drain() {
	grace := time.Duration(w.p.Timeouts.GracefulStop) * time.Second
	st := &stopping{draining: true}
	st.poll = time.NewTicker(drainPoll)
	st.resend = time.NewTicker(resendEvery)
	st.grace = time.NewTimer(grace)
	w.stop = st
	w.cmd.Process.Signal(syscall.SIGWINCH)
	fmt.Fprintf(w.s.Out, "Stopping: new connections are refused, requests in flight have up to %ds to finish (--graceful-stop-timeout); %s again stops at once.\n",
		w.p.Timeouts.GracefulStop, map[bool]string{true: "Ctrl-C or SIGTERM", false: "SIGTERM or SIGINT"}[w.s.IsTerminal])
}

// stopNow stops Apache at once with sig (SIGINT, SIGTERM), repeated
// until Apache is gone: Apache drops a stop signal that arrives while it
// re-reads its configuration (a restart). A drain's deadline still
// applies.
func (w *watch) stopNow(sig os.Signal) {
	if w.stop == nil {
		w.stop = &stopping{}
	}
	w.stop.draining = false
	w.finish(sig)
}

// drainTick is one look at Apache's children during a drain: with none
// left nothing is in flight, and Apache is told to end now.
func (w *watch) drainTick() {
	st := w.stop
	children, _, ok := apacheWorkers(w.cmd.Process.Pid)
	if !ok || len(children) > 0 {
		return
	}
	// SIGTERM ends Apache's graceful-stop wait; with no child left it
	// cuts nothing.
	st.draining = false
	w.finish(syscall.SIGTERM)
}

// finish has Apache end now, repeating sig until it is gone.
func (w *watch) finish(sig os.Signal) {
	st := w.stop
	st.now = sig
	if st.poll != nil {
		st.poll.Stop()
		st.poll = nil
	}
	if st.resend != nil {
		st.resend.Stop()
	}
	st.resend = time.NewTicker(resendEvery)
	w.cmd.Process.Signal(sig)
}

// resendTick repeats a stop signal Apache may have dropped: the stop at
// once until Apache is gone; the graceful stop's SIGWINCH only while
// Apache's pid file still names it, since Apache removes it as its
// graceful stop begins, and a second SIGWINCH would end the wait and cut
// the requests.
func (w *watch) resendTick() {
	st := w.stop
	if st.now != nil {
		w.cmd.Process.Signal(st.now)
		return
	}
	if st.draining && pidFileNames(w.p.Paths.PidFile, w.cmd.Process.Pid) {
		w.cmd.Process.Signal(syscall.SIGWINCH)
	}
}

// graceOver cuts what still runs when the drain's time is up.
func (w *watch) graceOver() {
	st := w.stop
	st.grace = nil
	if st.poll != nil {
		st.poll.Stop()
		st.poll = nil
	}
	apache := w.cmd.Process.Pid
	children, daemons, _ := apacheWorkers(apache)
	if len(children) > 0 {
		fmt.Fprintf(w.s.Err, "Warning: Apache's children had not finished after %ds (--graceful-stop-timeout); they are stopped, and requests still running are cut.\n", w.p.Timeouts.GracefulStop)
		for _, pid := range children {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	for _, pid := range daemons {
		syscall.Kill(pid, syscall.SIGTERM)
	}
	st.draining = false
	if st.now == nil {
		w.finish(syscall.SIGTERM)
	}
	st.hard = time.NewTimer(Backstop)
}

// hardStop kills what is left of the server, should Apache not have ended
// after a cut.
func (w *watch) hardStop() {
	st := w.stop
	st.hard = nil
	fmt.Fprintf(w.s.Err, "Warning: Apache did not end within %v of the cut; killing it.\n", Backstop)
	syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
}

// pidFileNames reports whether the pid file holds pid.
func pidFileNames(path string, pid int) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return err == nil && n == pid
}

// apacheWorkers lists the children of the Apache parent process apache
// that hold requests: its MPM children, forked without exec and so with
// Apache's own command line (mod_cgid's daemon, when loaded, looks the
// same and is counted with them), and the mod_wsgi daemon processes, whose
// command line starts with their display name "(wsgi:". Other children
// (piped loggers) are neither. ok is false when /proc cannot tell.
func apacheWorkers(apache int) (children, daemons []int, ok bool) {
	parent, found := ReadProc(apache)
	if !found || len(parent.Args) == 0 {
		return nil, nil, false
	}
	pids, ok := childPIDs(apache)
	if !ok {
		return nil, nil, false
	}
	for _, pid := range pids {
		c, found := ReadProc(pid)
		if !found || c.State == "Z" || c.State == "X" {
			continue
		}
		switch {
		case len(c.Args) > 0 && strings.HasPrefix(c.Args[0], "(wsgi:"):
			daemons = append(daemons, pid)
		case len(c.Args) == 0 || slices.Equal(c.Args, parent.Args):
			// No command line: a process caught between fork and exec,
			// or ending; counted, to be safe.
			children = append(children, pid)
		}
	}
	return children, daemons, true
}

// childPIDs lists the children of pid, from /proc/PID/task/*/children, or
// by a scan of /proc where the kernel does not offer that file.
func childPIDs(pid int) ([]int, bool) {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "task")
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil, false
	}
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, t.Name(), "children"))
		if err != nil {
			return scanChildren(pid), true
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out, true
}

func scanChildren(pid int) []int {
	var out []int
	for _, p := range Processes() {
		if p.PPID == pid {
			out = append(out, p.PID)
		}
	}
	return out
}

// removeLeftovers removes what an Apache killed by a signal could not:
// its pid file and the mod_wsgi daemon sockets and locks it made
// (WSGISocketPrefix.PID.*).
func removeLeftovers(pidFile, socketPrefix string, apache int) {
	if pidFileNames(pidFile, apache) {
		os.Remove(pidFile)
	}
	if socketPrefix == "" {
		return
	}
	matches, _ := filepath.Glob(socketPrefix + "." + strconv.Itoa(apache) + ".*")
	for _, m := range matches {
		os.Remove(m)
	}
}
