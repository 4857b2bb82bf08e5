package integration

import "testing"

// optionSample is how the every-option test exercises one start-server
// option: the arguments to add (after the entry point) and any files they
// need, created in the test's directory first. Files whose names end in
// .crt/.key are made by the test as a self-signed pair when "@cert" is
// given as content.
type optionSample struct {
	Args  []string
	Files map[string]string
	// NeedsNewerModule marks an option of mod_wsgi 6: with a 4.x module
	// the test checks that it is refused with exit status 2 naming the
	// option and the mod_wsgi it needs; with 6.x it is checked like any
	// other (unless Refused).
	NeedsNewerModule bool
	// StartOnly marks an option that only start-server can carry out:
	// setup-server must refuse it with exit status 2, naming start-server,
	// and write nothing.
	StartOnly bool
	// Companions are options this one needs beside it to be accepted
	// (--slow-requests reports through a --telemetry-service). They are
	// added only where the option is expected to be accepted, so that a
	// refusal names the option itself.
	Companions []string
	// Refused, when set, is part of the reason this option is refused
	// with every module on this machine (dropped features, no mod_wsgi
	// documentation installed, no free-threaded Python): the test checks
	// exit status 2, the option named and the reason, and nothing written.
	Refused string
	// WritesNothing marks an option that reports and exits without
	// writing a server root (--print-config): the test checks exit 0 and
	// that nothing was written.
	WritesNothing bool
}

// optionSamples holds one sample per option, keyed by flag name. Each
// concern adds its own in an init function of its own test file.
var optionSamples = map[string]optionSample{}

func addSamples(t map[string]optionSample) {
	for k, v := range t {
		optionSamples[k] = v
	}
}

func init() {
	addSamples(map[string]optionSample{
		"application-type":      {Args: []string{"--application-type", "script"}},
		"entry-point":           {Args: []string{"--entry-point", "app.wsgi"}},
		"callable-object":       {Args: []string{"--callable-object", "application"}},
		"mount-point":           {Args: []string{"--mount-point", "/sub"}},
		"working-directory":     {Args: []string{"--working-directory", "."}},
		"python-path":           {Args: []string{"--python-path", "lib"}, Files: map[string]string{"lib/x.py": ""}},
		"application-group":     {Args: []string{"--application-group", "%{GLOBAL}"}},
		"process-group":         {Args: []string{"--process-group", "mygroup"}},
		"disable-reloading":     {Args: []string{"--disable-reloading"}},
		"reload-on-changes":     {Args: []string{"--reload-on-changes"}},
		"host":                  {Args: []string{"--host", "127.0.0.1"}},
		"port":                  {Args: []string{"--port", "8123"}},
		"server-name":           {Args: []string{"--server-name", "example.test"}},
		"limit-request-body":    {Args: []string{"--limit-request-body", "1000"}},
		"keep-alive-timeout":    {Args: []string{"--keep-alive-timeout", "0"}},
		"server-backlog":        {Args: []string{"--server-backlog", "100"}},
		"daemon-backlog":        {Args: []string{"--daemon-backlog", "50"}},
		"processes":             {Args: []string{"--processes", "2"}},
		"threads":               {Args: []string{"--threads", "3"}},
		"max-clients":           {Args: []string{"--max-clients", "40"}},
		"maximum-requests":      {Args: []string{"--maximum-requests", "100"}},
		"initial-workers":       {Args: []string{"--initial-workers", "0.5"}},
		"minimum-spare-workers": {Args: []string{"--minimum-spare-workers", "0.2"}},
		"maximum-spare-workers": {Args: []string{"--maximum-spare-workers", "0.8"}},
		"server-mpm":            {Args: []string{"--server-mpm", "worker"}},
		"user":                  {Args: []string{"--user", "www-data"}},
		"group":                 {Args: []string{"--group", "www-data"}},
		"embedded-mode":         {Args: []string{"--embedded-mode"}},
		"request-timeout":       {Args: []string{"--request-timeout", "30"}},
		"socket-timeout":        {Args: []string{"--socket-timeout", "30"}},
		"queue-timeout":         {Args: []string{"--queue-timeout", "30"}},
		"connect-timeout":       {Args: []string{"--connect-timeout", "10"}},
		"startup-timeout":       {Args: []string{"--startup-timeout", "10"}},
		"shutdown-timeout":      {Args: []string{"--shutdown-timeout", "3"}},
		"graceful-timeout":      {Args: []string{"--graceful-timeout", "10"}},
		"inactivity-timeout":    {Args: []string{"--inactivity-timeout", "300"}},
		"deadlock-timeout":      {Args: []string{"--deadlock-timeout", "30"}},
		"log-directory":         {Args: []string{"--log-directory", "logs"}},
		"log-level":             {Args: []string{"--log-level", "info"}},
		"log-to-terminal":       {Args: []string{"--log-to-terminal"}},
		"access-log":            {Args: []string{"--access-log"}},
		"error-log-name":        {Args: []string{"--error-log-name", "errors.log"}},
		"access-log-name":       {Args: []string{"--access-log-name", "access.log", "--access-log"}},
		"document-root":         {Args: []string{"--document-root", "docs"}, Files: map[string]string{"docs/index.html": "x"}},
		"url-alias":             {Args: []string{"--url-alias", "/s", "docs"}, Files: map[string]string{"docs/index.html": "x"}},
		"locale":                {Args: []string{"--locale", "C.UTF-8"}},
		"lang":                  {Args: []string{"--lang", "C.UTF-8"}},
		"setenv":                {Args: []string{"--setenv", "A", "b"}},
		"passenv":               {Args: []string{"--passenv", "HOME"}},
		"server-root":           {Args: nil}, // every sample sets it
		"pid-file":              {Args: []string{"--pid-file", "run/httpd.pid"}},
		"httpd-executable":      {Args: []string{"--httpd-executable", "/usr/sbin/apache2"}},
		"modules-directory":     {Args: []string{"--modules-directory", "/usr/lib/apache2/modules"}},
		"mime-types":            {Args: []string{"--mime-types", "/etc/mime.types"}},
		"mod-wsgi-module":       {Args: []string{"--mod-wsgi-module", "/usr/lib/apache2/modules/mod_wsgi.so"}},
		"python-home":           {Args: []string{"--python-home", "/usr"}},
		"shell-executable":      {Args: []string{"--shell-executable", "/bin/sh"}},
		"setup-only":            {Args: []string{"--setup-only"}},
		"debug-mode":            {Args: []string{"--debug-mode"}},
		"config":                {Args: []string{"--config", "express.yaml"}, Files: map[string]string{"express.yaml": "threads: 3\nsetenv:\n  - [GREETING, hello]\n"}},
		"print-config":          {Args: []string{"--print-config"}, WritesNothing: true},
	})
}

func TestSampleRegistryLoads(t *testing.T) {
	if len(optionSamples) < 50 {
		t.Fatalf("only %d option samples registered", len(optionSamples))
	}
}
