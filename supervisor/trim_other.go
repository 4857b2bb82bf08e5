//go:build !linux && !windows

package supervisor

import "runtime/debug"

// trimMemory gives the Go heap's free pages back (trim_linux.go also drops
// the executable's pages start-up used).
func trimMemory() { debug.FreeOSMemory() }
