//go:build !windows

package debug

import "syscall"

// execApache replaces this process with args[0], which only returns on
// failure.
func execApache(args, env []string) error { return syscall.Exec(args[0], args, env) }
