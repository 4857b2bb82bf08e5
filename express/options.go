package express

// Options holds what the user asked for, one field per command-line option,
// before any default is worked out or anything is checked. Fields are grouped
// by concern in embedded structs so each concern can live in its own file.
// Zero values mean "not given" unless the field's comment says otherwise.
type Options struct {
	ApplicationOptions
	NetworkOptions
	ProcessOptions
	TimeoutOptions
	LoggingOptions
	PathOptions
	EnvOptions
	DebugOptions
	HTTPSOptions  // options_https.go: HTTPS, virtual hosts, proxying
	SiteOptions   // options_site.go: static files, errors, access and auth, server features
	TuningOptions // options_tuning.go: remaining timeouts, buffers, version-gated options
	ModuleOptions // options_module.go: virtualenv and module selection extras
	// Version is stamped into generated files; set by the command layer.
	Version string `opt:"-"`
}

// Pair is the value of a two-argument option such as --setenv NAME VALUE.
type Pair struct{ Key, Value string }

// ApplicationOptions say what to serve and where.
type ApplicationOptions struct {
	EntryPoint       string   // positional argument or --entry-point
	ApplicationType  string   // script, module, paste, static (default script)
	CallableObject   string   // default "application"
	MountPoint       string   // default "/"
	URLAliases       []Pair   `opt:"url-alias"` // URL-PATH FILE-OR-DIR
	DocumentRoot     string   // --document-root
	WorkingDirectory string   // default: current directory
	PythonPaths      []string `opt:"python-path"`
	ApplicationGroup string   // default %{GLOBAL}
	ProcessGroup     string   // default HOST:PORT
	DisableReloading bool
	ReloadOnChanges  bool
}

// NetworkOptions are about listening and the virtual host.
type NetworkOptions struct {
	Host             string
	Port             int // default 8000
	ServerName       string
	LimitRequestBody int64 // default 10485760
	KeepAliveTimeout int   // default 2
	ServerBacklog    int   // default 500
	DaemonBacklog    int   // default 100
}

// ProcessOptions size the daemon processes and Apache's front end.
type ProcessOptions struct {
	Processes           int // 0: not given (one process, not multiprocess)
	Threads             int // default 5
	MaxClients          int // 0: derived
	MaximumRequests     int
	User                string
	Group               string
	ServerMPM           []string
	EmbeddedMode        bool
	OrphanInterpreter   bool    // WSGIDestroyInterpreter Off (mod_wsgi 4.9.1+)
	InitialWorkers      float64 // -1: not given
	MinimumSpareWorkers float64 // -1: not given
	MaximumSpareWorkers float64 // -1: not given
}

// TimeoutOptions are the daemon and connection timeouts, in seconds.
type TimeoutOptions struct {
	RequestTimeout    int // default 60
	SocketTimeout     int // default 60
	QueueTimeout      int // default 45
	ConnectTimeout    int // default 15
	StartupTimeout    int // default 15
	ShutdownTimeout   int // default 5
	GracefulTimeout   int // default 15
	InactivityTimeout int // default 0
	DeadlockTimeout   int // default 60
}

// LoggingOptions say where logs go and what they hold. Checked in
// options_tuning.go (resolveLogFormats) beyond what resolveLogging does.
type LoggingOptions struct {
	LogDirectory         string
	LogLevel             string // default warn
	LogToTerminal        bool
	AccessLog            bool
	ErrorLogName         string // default error_log
	AccessLogName        string // default access_log
	AccessLogFormat      string // common (default), combined, or a LogFormat string
	ErrorLogFormat       string // an ErrorLogFormat string
	StartupLog           bool   // httpd -E: startup errors to a file
	StartupLogName       string // default startup_log
	RotateLogs           bool   // logs through rotatelogs
	MaxLogSize           int    // MB, default 5
	RotatelogsExecutable string // default: found next to httpd or on PATH
	VerboseDebugging     bool   // hidden upstream: WSGIVerboseDebugging On
}

// PathOptions locate the server root and the programs and files it uses.
type PathOptions struct {
	ServerRoot       string
	PidFile          string
	HTTPDExecutable  string
	ModulesDirectory string
	MimeTypes        string
	ModWSGIModule    string // --mod-wsgi-module (new); also MOD_WSGI_MODULE
	PythonHome       string
	ShellExecutable  string // default: bash on PATH, else sh (defaultShell)
	SetupOnly        bool
}

// EnvOptions shape the environment the application sees.
type EnvOptions struct {
	Locale  string
	Lang    string
	SetEnv  []Pair   `opt:"setenv"`
	PassEnv []string `opt:"passenv"`
}

// DefaultOptions returns Options holding upstream's defaults, the same values
// the command-line flags start from.
func DefaultOptions() Options {
	return Options{
		ApplicationOptions: ApplicationOptions{
			ApplicationType: "script",
			CallableObject:  "application",
			MountPoint:      "/",
		},
		NetworkOptions: NetworkOptions{
			Port:             8000,
			LimitRequestBody: 10485760,
			KeepAliveTimeout: 2,
			ServerBacklog:    500,
			DaemonBacklog:    100,
		},
		ProcessOptions: ProcessOptions{
			Threads:             5,
			InitialWorkers:      -1,
			MinimumSpareWorkers: -1,
			MaximumSpareWorkers: -1,
		},
		TimeoutOptions: TimeoutOptions{
			RequestTimeout:  60,
			SocketTimeout:   60,
			QueueTimeout:    45,
			ConnectTimeout:  15,
			StartupTimeout:  15,
			ShutdownTimeout: 5,
			GracefulTimeout: 15,
			DeadlockTimeout: 60,
		},
		LoggingOptions: LoggingOptions{
			LogLevel:       "warn",
			ErrorLogName:   "error_log",
			AccessLogName:  "access_log",
			StartupLogName: "startup_log",
			MaxLogSize:     5,
		},
		SiteOptions:   defaultSiteOptions(),
		TuningOptions: defaultTuningOptions(),
	}
}
