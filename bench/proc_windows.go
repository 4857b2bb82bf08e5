package main

import (
	"os"
	"os/exec"
	"syscall"
)

// The benchmarks run servers that start-server runs on Unix only; on
// Windows this command only compiles: no process groups, and no SIGUSR1
// (sending a signal other than Kill fails there).

func ownProcessGroup(cmd *exec.Cmd) {}

func kill(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}

// sigUSR1 is the number SIGUSR1 has on Linux; Process.Signal refuses
// every signal but Kill on Windows.
var sigUSR1 = syscall.Signal(0x1e)

func setRcvbuf(fd uintptr, n int) error { return nil }

func raiseFileLimit() {}
