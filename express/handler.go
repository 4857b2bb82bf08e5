package express

// HandlerConfig is written as handler.json and read by the Python runtime in
// the server root. Values reach Python only through JSON, never as code.
type HandlerConfig struct {
	ApplicationType  string   `json:"application_type"` // script, module, paste, default
	EntryPoint       string   `json:"entry_point"`
	CallableObject   string   `json:"callable_object"`
	MountPoint       string   `json:"mount_point"`
	WorkingDirectory string   `json:"working_directory"`
	PythonPaths      []string `json:"python_paths"`
	ReloadOnChanges  bool     `json:"reload_on_changes"`
	DisableReloading bool     `json:"disable_reloading"`
	ServerRoot       string   `json:"server_root"`
	ReadyFile        string   `json:"ready_file"` // written once the application loaded (probes.go)
	Version          string   `json:"version"`
	DebugHandler              // the development tools
	// Telemetry has the runtime start the telemetry reporter
	// (--enable-telemetry with a module before 6); absent otherwise.
	Telemetry *TelemetryHandler `json:"telemetry,omitempty"`
}

// DebugHandler is the part of handler.json the Python runtime's
// development tools read.
type DebugHandler struct {
	DebugMode         bool   `json:"debug_mode"`
	EnableDebugger    bool   `json:"enable_debugger"`
	DebuggerStartup   bool   `json:"debugger_startup"`
	ProfilerDirectory string `json:"profiler_directory"`
	RecorderDirectory string `json:"recorder_directory"`
	CoverageDirectory string `json:"coverage_directory"`
}

// handlerConfig is handler.json for the plan: the application as the
// application step decided it, and the development tools.
func handlerConfig(p *Plan) HandlerConfig {
	a := p.Application
	typ := a.Type
	if typ == "script" && a.EntryPoint == "" {
		typ = "default" // the runtime's own page
	}
	mount := a.MountPoint
	if mount == "/" {
		mount = ""
	}
	return HandlerConfig{
		ApplicationType:  typ,
		EntryPoint:       a.EntryPoint,
		CallableObject:   a.Callable,
		MountPoint:       mount,
		WorkingDirectory: a.WorkingDirectory,
		PythonPaths:      a.PythonPaths,
		ReloadOnChanges:  a.ReloadOnChanges,
		DisableReloading: a.DisableReloading,
		ServerRoot:       p.Paths.ServerRoot,
		ReadyFile:        p.Probes.ReadyFile,
		Version:          p.Version,
		DebugHandler: DebugHandler{
			DebugMode:         p.Debug.Mode,
			EnableDebugger:    p.Debug.Debugger,
			DebuggerStartup:   p.Debug.DebuggerStartup,
			ProfilerDirectory: p.Debug.ProfilerDirectory,
			RecorderDirectory: p.Debug.RecorderDirectory,
			CoverageDirectory: p.Debug.CoverageDirectory,
		},
		Telemetry: telemetryHandler(p),
	}
}
