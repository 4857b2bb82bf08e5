package express

// Plan is every value the templates, the writer and the launcher need,
// already decided: one section per concern, each written by that concern's
// resolve step alone (its file holds both), then the parts several
// concerns contribute to (the modules to load, the daemon processes,
// handler.json, the summary), assembled once every step has run.
// Templates hold no logic beyond choosing which sections to render.
type Plan struct {
	Version string

	Debug       DebugPlan       // debugging.go
	Network     NetworkPlan     // network.go
	Application ApplicationPlan // application.go
	Paths       PathsPlan       // paths.go
	Processes   ProcessesPlan   // processes.go
	Environment EnvironmentPlan // environment.go
	HTTPS       HTTPSPlan       // https.go
	Proxying    ProxyingPlan    // proxying.go
	Static      StaticPlan      // static.go
	Access      AccessPlan      // access.go
	Features    FeaturesPlan    // features.go
	Logging     LoggingPlan     // logging.go
	Includes    IncludesPlan    // includes.go
	Services    ServicesPlan    // services.go
	Telemetry   TelemetryPlan   // telemetry.go
	Timeouts    TimeoutsPlan    // timeouts.go
	Probes      ProbesPlan      // probes.go: the liveness and readiness URLs

	Modules     ModulesPlan   // modules.go: what the steps need loaded
	Outputs     OutputsPlan   // outputs.go: the files and directories the steps asked for
	Daemon      DaemonProcess // daemon.go: the application's daemon process group
	Conventions Conventions   // conventions.go: MOD_WSGI_* variables and defines
	Handler     HandlerConfig // handler.go: handler.json
	Summary     []SummaryLine // summary.go: printed before start
}

// SummaryLine is one "Name : value" line printed before start.
type SummaryLine struct{ Name, Value string }
