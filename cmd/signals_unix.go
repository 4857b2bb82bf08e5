//go:build !windows

package cmd

import (
	"errors"
	"os"
	"syscall"
)

// resignal sends sig to this process again, its handler reset: the
// process ends as the signal would have ended it.
func resignal(sig os.Signal) {
	syscall.Kill(os.Getpid(), sig.(syscall.Signal))
}

// processGone reports whether no process has this pid.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// topSignals end top, or (windowResized) redraw it.
var topSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGWINCH}

func windowResized(sig os.Signal) bool { return sig == syscall.SIGWINCH }
