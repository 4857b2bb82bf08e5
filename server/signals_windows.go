package server

import "os"

// Windows runs no server (start-server refuses before Run), so these only
// let the package compile.

func stopSignals() []os.Signal { return []os.Signal{os.Interrupt} }

func resignal(os.Signal) { os.Exit(1) }
