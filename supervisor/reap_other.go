//go:build !linux && !windows

package supervisor

import "os"

// reapOrphans: containers with this command as PID 1 are Linux ones.
func reapOrphans(apache int, stop <-chan struct{}) (poke func()) { return func() {} }

func reapSignals() []os.Signal { return nil }
