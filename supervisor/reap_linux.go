package supervisor

import (
	"os"
	"os/signal"
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
// unless this process is PID 1, and stops when stop is closed.
func reapOrphans(apache int, stop <-chan struct{}) {
	if os.Getpid() != 1 {
		return
	}
	chld := make(chan os.Signal, 1)
	signal.Notify(chld, syscall.SIGCHLD)
	go func() {
		defer signal.Stop(chld)
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
