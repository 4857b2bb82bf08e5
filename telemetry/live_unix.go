//go:build !windows

package telemetry

import (
	"os"
	"syscall"
)

// liveSignals end Live, or (windowResized) redraw it.
var liveSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGWINCH}

func windowResized(sig os.Signal) bool { return sig == syscall.SIGWINCH }
