//go:build !windows

package telemetry

import (
	"errors"
	"syscall"
)

// ProcessExists reports whether a process with this pid exists on this
// host (signal 0: nothing is sent). A process of another user, which
// cannot be signalled, exists.
func ProcessExists(pid uint32) bool {
	if pid == 0 || pid > 1<<22 {
		return false
	}
	err := syscall.Kill(int(pid), 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
