package debug

import "errors"

// execApache: Windows cannot replace a process with another, and
// start-server refuses to run there before debug mode is reached (cmd).
func execApache(args, env []string) error {
	return errors.New("debug mode does not run on Windows")
}
