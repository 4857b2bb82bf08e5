package express

import "github.com/modwsgi-go/mod_wsgi-express/mpm"

// Plan is every value the templates and the launcher need, already decided.
// Templates hold no logic beyond choosing which sections to render.
type Plan struct {
	Version string
	O       Options // the options with defaults filled in and checked

	HTTPSPlan  // options_https.go
	SitePlan   // options_site.go
	TuningPlan // options_tuning.go
	ModulePlan // options_module.go
	DebugPlan  // debug.go

	// Files in the server root.
	ServerRoot string
	// DefaultServerRoot: no --server-root was given (the root is under $TMPDIR).
	DefaultServerRoot bool
	ConfigFile        string
	HandlerScript     string
	HandlerConfig     string
	RuntimeModule     string
	Apachectl         string
	Envvars           string
	RewriteConf       string
	PidFile           string
	LogDirectory      string
	ErrorLog          string // file path, or "" when logging to the terminal
	AccessLog         string // file path, "" when off or to the terminal
	DocumentRoot      string
	SocketPrefix      string

	// The machine.
	HTTPD      string
	ModulesDir string
	MimeTypes  string
	Shell      string
	Module     ModuleInfo
	PythonHome string // WSGIPythonHome: the module's Python or a matching virtualenv

	MPM           string
	MPMDirectives []mpm.Directive
	MPMSize       mpm.Sizing // what the directives amount to (summary)
	LoadModules   []LoadModule
	LoadFiles     []string

	// Who the children run as.
	RunningAsRoot bool
	User, Group   string // "" when not root: Apache keeps the current user
	UID, GID      int    // of User/Group, or of the current user
	AccountNote   string // said in the summary when an account was chosen

	// Network.
	Listen     string // host:port for the Listen directive
	ServerName string
	URL        string

	// The application.
	OperatingMode    string // daemon, embedded or debug
	EmbeddedMode     bool   // the application runs inside Apache's children
	ProcessGroup     string
	WSGIProcessGroup string // process-group= value: ProcessGroup, or %{GLOBAL} when embedded
	ApplicationGroup string
	PreloadHandler   bool // WSGIImportScript: load the application when a process starts
	DisplayName      string
	DaemonOptions    []string // WSGIDaemonProcess options, already quoted
	Static           bool     // --application-type static: no WSGI app

	// Processes is --processes, or in embedded mode without it the number
	// chosen from the CPUs (ProcessesFromCPUs); 0 means one, not multiprocess.
	Processes         int
	ProcessesFromCPUs bool
	CPUs              int // the CPUs the embedded-mode default was chosen for

	// Routing: either the app is mounted with WSGIScriptAlias at MountPoint,
	// or (a document root at /) unmatched files fall back to the app.
	RootFallback bool
	MountPoint   string
	URLAliases   []Alias
	SetEnv       []Pair
	PassEnv      []string
	Env          []Pair // exported to Apache by apachectl
	Locale       string

	Handler HandlerConfig
	Summary []SummaryLine
}

// LoadModule is one module to load.
type LoadModule struct{ Name, Path string }

// Alias maps a URL path to a file or directory.
type Alias struct {
	URL, Path string
	Dir       bool
}

// SummaryLine is one "Name : value" line printed before start.
type SummaryLine struct{ Name, Value string }

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
	Version          string   `json:"version"`
	DebugHandler              // debug.go: the development tools
}
