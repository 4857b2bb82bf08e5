package cmd

import "os"

// Windows runs no server (start-server refuses), so these only let the
// commands that do run there compile.

func resignal(os.Signal) { os.Exit(1) }

// processGone cannot tell without opening the process: assume it runs.
func processGone(int) bool { return false }

var topSignals = []os.Signal{os.Interrupt}

func windowResized(os.Signal) bool { return false }
