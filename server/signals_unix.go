//go:build !windows

package server

import (
	"os"
	"os/signal"
	"syscall"
)

// stopSignals are the signals that end the command before Apache's
// launch, as they would have had nobody caught them: SIGINT, SIGTERM and
// SIGHUP, less one the command was started with ignored (nohup, a
// background job). A Go program nobody subscribed SIGUSR1 for ignores it,
// and SIGWINCH and SIGCHLD are ignored by default: those change nothing
// before the launch. Call it before signal.Notify, which un-ignores.
func stopSignals() []os.Signal {
	var ends []os.Signal
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		if !signal.Ignored(sig) {
			ends = append(ends, sig)
		}
	}
	return ends
}

// resignal sends sig to this process again, its handler reset: the
// process ends as the signal would have ended it.
func resignal(sig os.Signal) {
	signal.Reset(sig)
	syscall.Kill(os.Getpid(), sig.(syscall.Signal))
}
