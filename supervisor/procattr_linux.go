package supervisor

import "syscall"

// apacheProcAttr puts Apache in its own process group (a window resize sent
// to the terminal's foreground group must not reach it) and has the kernel
// send it SIGTERM if this command dies without stopping it.
func apacheProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
