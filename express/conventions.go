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
	https := ""
	if p.HTTPS.Port != 0 {
		https = strconv.Itoa(p.HTTPS.Port)
	}
	env := []Pair{
		{"MOD_WSGI_MODULES_DIRECTORY", p.Paths.ModulesDir},
		{"MOD_WSGI_SERVER_ROOT", p.Paths.ServerRoot},
		{"MOD_WSGI_LISTENER_HOST", cmp.Or(p.Network.Host, "localhost")},
		{"MOD_WSGI_HTTP_PORT", strconv.Itoa(p.Network.Port)},
		{"MOD_WSGI_HTTPS_PORT", https},
		{"MOD_WSGI_USER", p.Processes.RunUser},
		{"MOD_WSGI_GROUP", p.Processes.RunGroup},
		{"MOD_WSGI_WORKING_DIRECTORY", p.Application.WorkingDirectory},
	}
	var defines []string
	for _, d := range defineTable(p) {
		if d.on {
			defines = append(defines, d.name)
		}
	}
	return Conventions{Env: env, Defines: append(defines, mpmDefines(p)...)}
}

type define struct {
	name string
	on   bool
}

// defineTable is every define the Python tool sets, and when.
func defineTable(p *Plan) []define {
	pp, st, f, ac, l, hp := p.Processes, p.Static, p.Features, p.Access, p.Logging, p.HTTPS
	app := p.Application
	return []define{
		{"ORPHAN_INTERPRETER", pp.OrphanInterpreter},
		{"EMBEDDED_MODE", pp.Embedded && !p.Debug.Mode},
		{"ONE_PROCESS", p.Debug.Mode},
		{"MOD_WSGI_IMPORT_HANDLER_SCRIPT", app.Preload},
		{"MOD_WSGI_VIRTUAL_HOST", p.Network.NameGiven},
		{"MOD_WSGI_REDIRECT_WWW", p.Network.ParentDomain != ""},
		{"MOD_WSGI_WITH_HTTP2", hp.HTTP2},
		{"MOD_WSGI_WITH_HTTPS", hp.Port != 0},
		{"MOD_WSGI_VERIFY_CLIENT", hp.SSL.CAFile != ""},
		{"MOD_WSGI_CERTIFICATE_CHAIN", hp.SSL.ChainFile != ""},
		{"MOD_WSGI_SSL_ENVIRONMENT", hp.SSLEnv},
		{"MOD_WSGI_HTTPS_ONLY", hp.Only},
		{"MOD_WSGI_HSTS_POLICY", hp.HSTS != ""},
		{"MOD_WSGI_SERVER_ALIAS", len(p.Network.Aliases) > 0},
		{"MOD_WSGI_ALLOW_LOCALHOST", p.Network.AllowLocalhost},
		{"MOD_WSGI_STATIC_ONLY", app.Static},
		{"MOD_WSGI_ENABLE_SENDFILE", f.Sendfile},
		{"MOD_WSGI_SERVER_METRICS", f.Metrics},
		{"MOD_WSGI_SERVER_STATUS", f.Status},
		{"MOD_WSGI_TELEMETRY_SERVICE", p.Telemetry.Service != ""},
		{"MOD_WSGI_SLOW_REQUESTS", p.Telemetry.SlowRequests != ""},
		{"MOD_WSGI_SWITCH_INTERVAL", pp.SwitchInterval != ""},
		{"MOD_WSGI_FREE_THREADING", pp.FreeThreading},
		{"MOD_WSGI_TELEMETRY_OPTIONS", len(p.Telemetry.Options) > 0},
		{"MOD_WSGI_DIRECTORY_INDEX", st.DirectoryIndex != ""},
		{"MOD_WSGI_DIRECTORY_LISTING", st.Listing},
		{"MOD_WSGI_ERROR_LOG_FORMAT", l.ErrorLogFormat != ""},
		{"MOD_WSGI_ACCESS_LOG", l.AccessLog != ""},
		{"MOD_WSGI_ROTATE_LOGS", l.Rotatelogs != ""},
		{"MOD_WSGI_KEEP_ALIVE", p.Network.KeepAliveTimeout > 0},
		{"MOD_WSGI_COMPRESS_RESPONSES", f.Compress},
		{"MOD_WSGI_MULTIPROCESS", pp.Given > 0},
		{"MOD_WSGI_WITH_LISTENER_HOST", p.Network.Host != ""},
		{"MOD_WSGI_ERROR_OVERRIDE", st.ErrorOverride},
		{"MOD_WSGI_HOST_ACCESS", ac.HostAccess != ""},
		{"MOD_WSGI_AUTH_USER", ac.AuthUser != ""},
		{"MOD_WSGI_AUTH_GROUP", ac.AuthGroup != ""},
		{"MOD_WSGI_CHUNKED_REQUEST", f.Chunked},
		{"MOD_WSGI_WITH_PROXY", p.Proxying.Any},
		{"MOD_WSGI_WITH_PROXY_HEADERS", len(p.Proxying.TrustedProxyHeaders) > 0},
		{"MOD_WSGI_WITH_TRUSTED_PROXIES", len(p.Proxying.TrustedProxies) > 0},
		{"MOD_WSGI_WITH_PYTHON_PATH", len(app.PythonPaths) > 0},
		{"MOD_WSGI_WITH_SOCKET_PREFIX", p.Paths.SocketPrefixGiven},
		{"MOD_WSGI_DISABLE_RELOADING", app.DisableReloading},
		{"MOD_WSGI_CGID_SCRIPT", f.CGI && p.Modules.Has("cgid")},
		{"MOD_WSGI_CGI_SCRIPT", f.CGI && !p.Modules.Has("cgid")},
		{"MOD_WSGI_LOAD_PYTHON_DYLIB", len(p.Modules.LoadFiles) > 0},
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
