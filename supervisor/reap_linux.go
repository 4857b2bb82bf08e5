package supervisor

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// reapOrphans makes the command behave as an init process should when it is
// PID 1 (the entrypoint of a container): processes orphaned inside the
// container (a daemonised helper started by the application, a CGI script's
// child) are re-parented to it, and each must be waited for or it stays a
// zombie. Apache itself (apache) is left to exec.Cmd.Wait. It does nothing
// unless this process is PID 1, and stops when stop is closed. The returned
// poke asks for a look now: Launch calls it on SIGCHLD (reapSignals).
func reapOrphans(apache int, stop <-chan struct{}) (poke func()) {
	if os.Getpid() != 1 {
		return func() {}
	}
	chld := make(chan struct{}, 1)
	go func() {
		tick := time.NewTicker(5 * time.Second) // in case a SIGCHLD is merged away
		defer tick.Stop()
		for {
			reapAdopted(apache)
			select {
			case <-stop:
				return
			case <-chld:
			case <-tick.C:
			}
		}
	}()
	return func() {
		select {
		case chld <- struct{}{}:
		default: // a look is due already
		}
	}
}

// reapSignals is SIGCHLD as PID 1, when orphans are reaped.
func reapSignals() []os.Signal {
	if os.Getpid() != 1 {
		return nil
	}
	return []os.Signal{syscall.SIGCHLD}
}

// reapAdopted waits, without blocking, for every child of this process but
// apache: while Launch runs, every other child is an adopted orphan.
func reapAdopted(apache int) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return
	}
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			pid, err := strconv.Atoi(f)
			if err != nil || pid <= 0 || pid == apache {
				continue
			}
			var ws syscall.WaitStatus
			syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		}
	}
}
