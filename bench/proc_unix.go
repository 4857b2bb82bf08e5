//go:build !windows

package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// ownProcessGroup starts cmd in a process group of its own.
func ownProcessGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// kill kills process pid.
func kill(pid int) { syscall.Kill(pid, syscall.SIGKILL) }

// sigUSR1 has our start-server restart the application.
var sigUSR1 = syscall.SIGUSR1

// setRcvbuf sets a socket's receive buffer (SO_RCVBUF).
func setRcvbuf(fd uintptr, n int) error {
	return syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
}

// raiseFileLimit lifts the soft limit of open files to the hard one: the
// idle scenario holds thousands of connections (the servers inherit it).
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			fmt.Fprintln(os.Stderr, "bench: raising the open-files limit:", err)
		}
	}
}
