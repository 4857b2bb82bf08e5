package telemetry

// ProcessExists is not known here: it answers true (processes are lost
// only when silent).
func ProcessExists(pid uint32) bool { return true }
