package express

import (
	"cmp"
	"strconv"
	"strings"
)

// Conventions are what configuration files written for the Python
// mod_wsgi-express rely on, with its names and meanings: the MOD_WSGI_*
// environment variables apachectl exports to Apache (an --include-file
// reads them as ${MOD_WSGI_SERVER_ROOT}, say), and the defines Apache is
// started with (-D NAME, tested with <IfDefine NAME>). docs/options.md
// lists them.
type Conventions struct {
	Env     []Pair   // exported by apachectl, after LANG and LC_ALL
	Defines []string // given to httpd as -DNAME
}

// conventions assembles the variables and defines from the sections.
func conventions(p *Plan) Conventions {
	var c Conventions
	for _, v := range envTable(p) {
		c.Env = append(c.Env, Pair{v.Name, v.value})
	}
	for _, d := range defineTable(p) {
		if d.on {
			c.Defines = append(c.Defines, d.Name)
		}
	}
	c.Defines = append(c.Defines, mpmDefines(p)...)
	return c
}

// Convention is one variable or define, with what it holds or when it is
// set, for the documentation.
type Convention struct {
	Name, Means string
	value       string
	on          bool
}

// ConventionsDoc lists the variables and the defines with their meaning.
func ConventionsDoc() (env, defines []Convention) {
	p := &Plan{}
	defines = append(defineTable(p),
		Convention{Name: "MOD_WSGI_MPM_ENABLE_<NAME>_MODULE", Means: "the MPM used, such as MOD_WSGI_MPM_ENABLE_EVENT_MODULE"},
		Convention{Name: "MOD_WSGI_MPM_EXISTS_<NAME>_MODULE", Means: "each MPM this Apache has (of those --server-mpm names, when given)"})
	return envTable(p), defines
}

// envTable is every variable apachectl exports, with its value.
func envTable(p *Plan) []Convention {
	https := ""
	if p.HTTPS.Port != 0 {
		https = strconv.Itoa(p.HTTPS.Port)
	}
	return []Convention{
		{"MOD_WSGI_MODULES_DIRECTORY", "Apache's modules directory", p.Paths.ModulesDir, true},
		{"MOD_WSGI_SERVER_ROOT", "the server root", p.Paths.ServerRoot, true},
		{"MOD_WSGI_LISTENER_HOST", "--host, else localhost", cmp.Or(p.Network.Host, "localhost"), true},
		{"MOD_WSGI_HTTP_PORT", "--port", strconv.Itoa(p.Network.Port), true},
		{"MOD_WSGI_HTTPS_PORT", "--https-port; empty without HTTPS (the Python tool writes None)", https, true},
		{"MOD_WSGI_USER", "the account Apache's children and the application run as", p.Processes.RunUser, true},
		{"MOD_WSGI_GROUP", "its group", p.Processes.RunGroup, true},
		{"MOD_WSGI_WORKING_DIRECTORY", "--working-directory, else the current directory", p.Application.WorkingDirectory, true},
	}
}

func defineTable(p *Plan) []Convention {
	pp, st, f, ac, l, hp := p.Processes, p.Static, p.Features, p.Access, p.Logging, p.HTTPS
	app := p.Application
	return []Convention{
		{Name: "ORPHAN_INTERPRETER", Means: "--orphan-interpreter", on: pp.OrphanInterpreter},
		{Name: "EMBEDDED_MODE", Means: "--embedded-mode (not debug mode)", on: pp.Embedded && !p.Debug.Mode},
		{Name: "ONE_PROCESS", Means: "debug mode (--debug-mode or an --enable-* tool)", on: p.Debug.Mode},
		{Name: "MOD_WSGI_IMPORT_HANDLER_SCRIPT", Means: "the application is loaded when a process starts (its --application-group is fixed)", on: app.Preload},
		{Name: "MOD_WSGI_VIRTUAL_HOST", Means: "--server-name", on: p.Network.NameGiven},
		{Name: "MOD_WSGI_REDIRECT_WWW", Means: "--server-name www.NAME (NAME is redirected to it)", on: p.Network.ParentDomain != ""},
		{Name: "MOD_WSGI_WITH_HTTP2", Means: "--http2", on: hp.HTTP2},
		{Name: "MOD_WSGI_WITH_HTTPS", Means: "--https-port", on: hp.Port != 0},
		{Name: "MOD_WSGI_VERIFY_CLIENT", Means: "--ssl-ca-certificate-file", on: hp.SSL.CAFile != ""},
		{Name: "MOD_WSGI_CERTIFICATE_CHAIN", Means: "--ssl-certificate-chain-file", on: hp.SSL.ChainFile != ""},
		{Name: "MOD_WSGI_SSL_ENVIRONMENT", Means: "--ssl-environment", on: hp.SSLEnv},
		{Name: "MOD_WSGI_HTTPS_ONLY", Means: "--https-only", on: hp.Only},
		{Name: "MOD_WSGI_HSTS_POLICY", Means: "--hsts-policy", on: hp.HSTS != ""},
		{Name: "MOD_WSGI_SERVER_ALIAS", Means: "--server-alias", on: len(p.Network.Aliases) > 0},
		{Name: "MOD_WSGI_ALLOW_LOCALHOST", Means: "--allow-localhost", on: p.Network.AllowLocalhost},
		{Name: "MOD_WSGI_STATIC_ONLY", Means: "--application-type static", on: app.Static},
		{Name: "MOD_WSGI_ENABLE_SENDFILE", Means: "--enable-sendfile", on: f.Sendfile},
		{Name: "MOD_WSGI_SERVER_METRICS", Means: "--server-metrics or --server-status", on: f.Metrics},
		{Name: "MOD_WSGI_SERVER_STATUS", Means: "--server-status", on: f.Status},
		{Name: "MOD_WSGI_TELEMETRY_SERVICE", Means: "--telemetry-service", on: p.Telemetry.Service != ""},
		{Name: "MOD_WSGI_SLOW_REQUESTS", Means: "--slow-requests", on: p.Telemetry.SlowRequests != ""},
		{Name: "MOD_WSGI_SWITCH_INTERVAL", Means: "--switch-interval", on: pp.SwitchInterval != ""},
		{Name: "MOD_WSGI_FREE_THREADING", Means: "--free-threading", on: pp.FreeThreading},
		{Name: "MOD_WSGI_TELEMETRY_OPTIONS", Means: "--telemetry-options", on: len(p.Telemetry.Options) > 0},
		{Name: "MOD_WSGI_DIRECTORY_INDEX", Means: "--directory-index", on: st.DirectoryIndex != ""},
		{Name: "MOD_WSGI_DIRECTORY_LISTING", Means: "--directory-listing", on: st.Listing},
		{Name: "MOD_WSGI_ERROR_LOG_FORMAT", Means: "--error-log-format", on: l.ErrorLogFormat != ""},
		{Name: "MOD_WSGI_ACCESS_LOG", Means: "--access-log", on: l.AccessLog != ""},
		{Name: "MOD_WSGI_ROTATE_LOGS", Means: "--rotate-logs (not to a terminal)", on: l.Rotatelogs != ""},
		{Name: "MOD_WSGI_KEEP_ALIVE", Means: "--keep-alive-timeout other than 0", on: p.Network.KeepAliveTimeout > 0},
		{Name: "MOD_WSGI_COMPRESS_RESPONSES", Means: "--compress-responses", on: f.Compress},
		{Name: "MOD_WSGI_MULTIPROCESS", Means: "--processes", on: pp.Given > 0},
		{Name: "MOD_WSGI_WITH_LISTENER_HOST", Means: "--host", on: p.Network.Host != ""},
		{Name: "MOD_WSGI_ERROR_OVERRIDE", Means: "--error-override", on: st.ErrorOverride},
		{Name: "MOD_WSGI_HOST_ACCESS", Means: "--host-access-script", on: ac.HostAccess != ""},
		{Name: "MOD_WSGI_AUTH_USER", Means: "--auth-user-script", on: ac.AuthUser != ""},
		{Name: "MOD_WSGI_AUTH_GROUP", Means: "--auth-group-script", on: ac.AuthGroup != ""},
		{Name: "MOD_WSGI_CHUNKED_REQUEST", Means: "--chunked-request", on: f.Chunked},
		{Name: "MOD_WSGI_WITH_PROXY", Means: "--proxy-mount-point or --proxy-virtual-host", on: p.Proxying.Any},
		{Name: "MOD_WSGI_WITH_PROXY_HEADERS", Means: "--trust-proxy-header", on: len(p.Proxying.TrustedProxyHeaders) > 0},
		{Name: "MOD_WSGI_WITH_TRUSTED_PROXIES", Means: "--trust-proxy", on: len(p.Proxying.TrustedProxies) > 0},
		{Name: "MOD_WSGI_WITH_PYTHON_PATH", Means: "--python-path", on: len(app.PythonPaths) > 0},
		{Name: "MOD_WSGI_WITH_SOCKET_PREFIX", Means: "--socket-prefix", on: p.Paths.SocketPrefixGiven},
		{Name: "MOD_WSGI_DISABLE_RELOADING", Means: "reloading is off (--disable-reloading, embedded or debug mode)", on: app.DisableReloading},
		{Name: "MOD_WSGI_CGID_SCRIPT", Means: "--with-cgi, through mod_cgid", on: f.CGI && p.Modules.Has("cgid")},
		{Name: "MOD_WSGI_CGI_SCRIPT", Means: "--with-cgi, through mod_cgi", on: f.CGI && !p.Modules.Has("cgid")},
		{Name: "MOD_WSGI_LOAD_PYTHON_DYLIB", Means: "libpython is loaded with LoadFile (it is outside the loader's path)", on: len(p.Modules.LoadFiles) > 0},
	}
}

// mpmDefines say which MPM is used (MOD_WSGI_MPM_ENABLE_<NAME>_MODULE) and
// which this Apache offers (MOD_WSGI_MPM_EXISTS_<NAME>_MODULE), among those
// --server-mpm prefers when it is given, as the Python tool does.
func mpmDefines(p *Plan) []string {
	out := []string{"MOD_WSGI_MPM_ENABLE_" + strings.ToUpper(p.Processes.MPM) + "_MODULE"}
	for _, m := range p.Processes.MPMs {
		out = append(out, "MOD_WSGI_MPM_EXISTS_"+strings.ToUpper(m)+"_MODULE")
	}
	return out
}

// ApacheEnv is what apachectl exports to Apache: the locale, then the
// MOD_WSGI_* variables.
func (p *Plan) ApacheEnv() []Pair {
	return append(append([]Pair{}, p.Environment.Exported...), p.Conventions.Env...)
}
