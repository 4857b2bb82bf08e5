package integration

// Samples for the logging extras, request read timeouts, daemon tuning and
// the options that need mod_wsgi 6 (express/logging.go, timeouts.go,
// processes.go, telemetry.go).
func init() {
	addSamples(map[string]optionSample{
		"access-log-format":       {Args: []string{"--access-log", "--access-log-format", `%h %t "%r" %>s %{User-Agent}i`}},
		"error-log-format":        {Args: []string{"--error-log-format", "[%t] [%l] [pid %P] %M"}},
		"startup-log":             {Args: []string{"--startup-log"}},
		"startup-log-name":        {Args: []string{"--startup-log", "--startup-log-name", "boot.log"}},
		"rotate-logs":             {Args: []string{"--rotate-logs", "--access-log"}},
		"max-log-size":            {Args: []string{"--rotate-logs", "--max-log-size", "2"}},
		"rotatelogs-executable":   {Args: []string{"--rotate-logs", "--rotatelogs-executable", "/usr/bin/rotatelogs"}},
		"verbose-debugging":       {Args: []string{"--verbose-debugging"}},
		"header-timeout":          {Args: []string{"--header-timeout", "10"}},
		"header-max-timeout":      {Args: []string{"--header-max-timeout", "40"}},
		"header-min-rate":         {Args: []string{"--header-min-rate", "100"}},
		"body-timeout":            {Args: []string{"--body-timeout", "0"}},
		"body-max-timeout":        {Args: []string{"--body-max-timeout", "60"}},
		"body-min-rate":           {Args: []string{"--body-min-rate", "1000"}},
		"response-socket-timeout": {Args: []string{"--response-socket-timeout", "20"}},
		"restart-interval":        {Args: []string{"--restart-interval", "3600"}},
		"cpu-time-limit":          {Args: []string{"--cpu-time-limit", "600"}},
		"eviction-timeout":        {Args: []string{"--eviction-timeout", "10"}},
		"ignore-activity":         {Args: []string{"--inactivity-timeout", "60", "--ignore-activity", "/health", "--ignore-activity", "/ping"}},
		"send-buffer-size":        {Args: []string{"--send-buffer-size", "65536"}},
		"receive-buffer-size":     {Args: []string{"--receive-buffer-size", "65536"}},
		"header-buffer-size":      {Args: []string{"--header-buffer-size", "65536"}},
		"response-buffer-size":    {Args: []string{"--response-buffer-size", "131072"}},
		"python-eggs":             {Args: []string{"--python-eggs", "eggs"}},
		"python-warnings":         {Args: []string{"--python-warnings", "ignore::DeprecationWarning", "--python-warnings", "error:::mymodule"}},

		// mod_wsgi 6.0.0 additions: refused with a 4.x module (Debian's
		// 4.9.4), accepted with 6.x (scripts/test's pip-built 6.0.5).
		"interrupt-timeout":  {Args: []string{"--interrupt-timeout", "5"}, NeedsNewerModule: true},
		"switch-interval":    {Args: []string{"--switch-interval", "0.002"}, NeedsNewerModule: true},
		"telemetry-service":  {Args: []string{"--telemetry-service", "unix:/tmp/telemetry.sock"}, NeedsNewerModule: true},
		"telemetry-interval": {Args: []string{"--telemetry-interval", "2"}, Companions: []string{"--telemetry-service", "unix:/tmp/telemetry.sock"}, NeedsNewerModule: true},
		"telemetry-options":  {Args: []string{"--telemetry-options", "+CaptureUserAgent"}, NeedsNewerModule: true},
		"slow-requests":      {Args: []string{"--slow-requests", "5"}, Companions: []string{"--telemetry-service", "unix:/tmp/telemetry.sock"}, NeedsNewerModule: true},
		// Refused with 6.x too: Python 3.11 here is not a free-threaded
		// build.
		"free-threading": {Args: []string{"--free-threading"}, NeedsNewerModule: true, Refused: "free-threaded"},

		// start-server receives the telemetry of --enable-telemetry
		// (telemetry_test.go runs it); setup-server refuses it.
		"enable-telemetry":  {Args: []string{"--enable-telemetry"}, StartOnly: true},
		"telemetry-ui-port": {Args: []string{"--enable-telemetry", "--telemetry-ui-port", "9999"}, StartOnly: true},
		"telemetry-host":    {Args: []string{"--enable-telemetry", "--telemetry-host", "::1"}, StartOnly: true},
	})
}
