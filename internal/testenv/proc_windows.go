package testenv

import (
	"os"
	"os/exec"
)

// The servers these helpers run are Unix ones (start-server refuses to
// run on Windows); on Windows the helpers only compile, with no process
// groups: killGroup kills the one process.

func ownProcessGroup(cmd *exec.Cmd) {}

func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}
