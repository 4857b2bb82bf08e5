//go:build !windows

package main

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts cmd in a process group of its own.
func ownProcessGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// kill kills process pid.
func kill(pid int) { syscall.Kill(pid, syscall.SIGKILL) }

// sigUSR1 has our start-server restart the application.
var sigUSR1 = syscall.SIGUSR1
