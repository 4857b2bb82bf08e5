package telemetry

import "os"

// liveSignals end Live; Windows sends no window resize.
var liveSignals = []os.Signal{os.Interrupt}

func windowResized(os.Signal) bool { return false }
