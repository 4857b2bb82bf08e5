//go:build !linux && !windows

package supervisor

import "syscall"

// apacheProcAttr puts Apache in its own process group. There is no parent
// death signal outside Linux: the deferred kill of the group in Launch is
// what stops Apache when the command ends.
func apacheProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
