package telemetry

// State is what the state file says while start-server runs the ingester
// (SERVER-ROOT/telemetry.json, express.TelemetryStateName): where the web
// UI answers and the socket listens, and which process runs them. top
// reads it to find a server's telemetry.
type State struct {
	URL    string `json:"url"`
	PID    int    `json:"pid"`
	Socket string `json:"socket"`
}
