//go:build !windows

package testenv

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup has cmd start in a process group of its own, keeping
// whatever else its SysProcAttr says.
func ownProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}

// killGroup kills every process of group pgid.
func killGroup(pgid int) { syscall.Kill(-pgid, syscall.SIGKILL) }
