package integration

import (
	"fmt"
	"slices"
	"strings"
)

// rq builds a request as it goes on the wire: HTTP/1.1 with Connection:
// close and Host host, or HTTP/1.0 without Host when host is "", then the
// header lines; a last line starting with a newline is the body (sent with
// its Content-Length).
func rq(name string, want int, method, target, host string, lines ...string) diffRequest {
	var b strings.Builder
	body := ""
	if n := len(lines); n > 0 && strings.HasPrefix(lines[n-1], "\n") {
		body, lines = lines[n-1][1:], lines[:n-1]
	}
	if host == "" {
		fmt.Fprintf(&b, "%s %s HTTP/1.0\r\n", method, target)
	} else {
		fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, host)
	}
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	if body != "" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n" + body)
	return diffRequest{name: name, raw: b.String(), want: want}
}

// keepAlive is r without Connection: close, for the Keep-Alive answer.
func keepAlive(r diffRequest) diffRequest {
	r.raw = strings.Replace(r.raw, "Connection: close\r\n", "", 1)
	return r
}

// overTLS is r sent to the HTTPS port.
func overTLS(r diffRequest) diffRequest {
	r.tls = true
	r.name += " (TLS)"
	return r
}

const local = "127.0.0.1:{port}"

// appRequests are requests the application answers, at prefix.
func appRequests(prefix string) []diffRequest {
	return []diffRequest{
		rq("GET with query", 200, "GET", prefix+"/a/b?x=1&y=%C3%A9", local),
		rq("HTTP/1.0 without Host", 200, "GET", prefix+"/nohost?q", ""),
		rq("Host without port", 200, "GET", prefix+"/p", "example.com"),
		rq("Host localhost with port", 200, "GET", prefix+"/p", "localhost:{port}"),
		rq("Basic Authorization", 200, "GET", prefix+"/auth", local, "Authorization: Basic dXNlcjpwYXNz"),
		rq("Bearer Authorization", 200, "GET", prefix+"/auth", local, "Authorization: Bearer abc.def-ghi"),
		rq("request headers", 200, "GET", prefix+"/h", local,
			"X-Custom: one", "X-Custom: two", "Accept-Language: fr", "Cookie: a=b; c=d",
			"X_Under_Score: u", "Proxy: http://evil.example", "User-Agent: diff/1", "Referer: http://r.example/"),
		rq("POST form", 200, "POST", prefix+"/form?x=1", local, "Content-Type: application/x-www-form-urlencoded", "\na=b&c=d"),
		rq("HEAD", 200, "HEAD", prefix+"/head", local),
		rq("encoded path", 200, "GET", prefix+"/%7Euser/a%20b;p=1", local),
		keepAlive(rq("keep-alive", 200, "GET", prefix+"/ka", local)),
		rq("HTTP/1.0 keep-alive", 200, "GET", prefix+"/ka", "", "Connection: keep-alive"),
		rq("application raises", 500, "GET", prefix+"/raise", local),
		rq("application's 404", 404, "GET", prefix+"/not-found", local),
		rq("application's relative redirect", 302, "GET", prefix+"/redirect", local),
		rq("application's headers", 200, "GET", prefix+"/cookies", local),
		rq("OPTIONS", 200, "OPTIONS", prefix+"/x", local),
		rq("TRACE", 200, "TRACE", prefix+"/x", local),
		rq("PUT", 200, "PUT", prefix+"/x", local, "Content-Type: text/plain", "\nput body"),
	}
}

// diffScenarios are the option sets compared.
var diffScenarios = []diffScenario{
	{
		name:     "daemon mode",
		args:     []string{"app.wsgi"},
		requests: appRequests(""),
	},
	{
		name: "daemon mode, server requests",
		args: []string{"app.wsgi"},
		requests: []diffRequest{
			rq("OPTIONS *", 200, "OPTIONS", "*", local),
			rq("liveness URL", 200, "GET", "/.mod_wsgi-express/live", local),
			rq("server-status", 200, "GET", "/server-status", local),
			rq("absolute-form target", 200, "GET", "http://example.com/abs?x=1", local),
			rq("Host in capitals", 200, "GET", "/caps", "EXAMPLE.COM:{port}"),
		},
	},
	{
		name:    "every interface",
		args:    []string{"app.wsgi"},
		anyHost: true,
		requests: []diffRequest{
			rq("GET", 200, "GET", "/a?x=1", local),
			rq("HTTP/1.0 without Host", 200, "GET", "/a", ""),
			rq("Host without port", 200, "GET", "/a", "example.com"),
		},
	},
	{
		name:     "embedded mode",
		args:     []string{"app.wsgi", "--embedded-mode"},
		requests: appRequests(""),
	},
	{
		name: "mount point",
		args: []string{"app.wsgi", "--mount-point", "/sub", "--document-root", "{dir}/htdocs"},
		files: map[string]string{
			"htdocs/robots.txt":        "robots\n",
			"htdocs/static/index.html": "<p>static</p>\n",
			"htdocs/static/app.css":    "body{}\n",
			"htdocs/sub/page.txt":      "a file under the mount point\n",
			"htdocs/empty/":            "",
		},
		requests: append(appRequests("/sub"),
			rq("mount point without slash", 301, "GET", "/sub", local),
			rq("mount point without slash, with query", 301, "GET", "/sub?x=1", local),
			rq("mount point with slash", 200, "GET", "/sub/", local),
			rq("file under the mount point", 200, "GET", "/sub/page.txt", local),
			rq("outside the mount point", 404, "GET", "/elsewhere", local),
			rq("root", 404, "GET", "/", local),
			rq("document root file", 200, "GET", "/robots.txt", local),
			rq("document root directory without slash", 301, "GET", "/static", local),
			rq("document root directory without slash, no Host", 301, "GET", "/static", ""),
			rq("document root directory without slash, Host without port", 301, "GET", "/static?q=1", "example.com"),
			rq("document root directory index", 200, "GET", "/static/", local),
			rq("document root stylesheet", 200, "GET", "/static/app.css", local),
			rq("document root stylesheet, conditional", 304, "GET", "/static/app.css", local, "If-Modified-Since: Mon, 06 May 2024 07:08:09 GMT"),
			rq("document root directory without index", 404, "GET", "/empty/", local),
		),
	},
	{
		name: "url alias",
		args: []string{"app.wsgi", "--document-root", "{dir}/htdocs", "--url-alias", "/media", "{dir}/media",
			"--url-alias", "/favicon.ico", "{dir}/icon.ico"},
		files: map[string]string{
			"htdocs/static/index.html": "<p>static</p>\n",
			"htdocs/.hidden.txt":       "hidden\n",
			"htdocs/.htaccess":         "Require all denied\n",
			"media/a.txt":              "media a\n",
			"media/sub/b.txt":          "media b\n",
			"media/sub/index.html":     "<p>media index</p>\n",
			"icon.ico":                 "icon",
		},
		requests: append(appRequests(""),
			rq("alias file", 200, "GET", "/media/a.txt", local),
			rq("document root dot file", 200, "GET", "/.hidden.txt", local),
			rq("document root .htaccess", 200, "GET", "/.htaccess", local),
			rq("alias directory without slash", 301, "GET", "/media/sub", local),
			rq("alias directory without slash, no Host", 301, "GET", "/media/sub", ""),
			rq("alias directory without slash, Host without port", 301, "GET", "/media/sub", "example.com"),
			rq("alias directory with slash", 200, "GET", "/media/sub/", local),
			rq("alias top without slash", 301, "GET", "/media", local),
			rq("alias missing file", 404, "GET", "/media/missing.txt", local),
			rq("alias of a file", 200, "GET", "/favicon.ico", local),
			rq("document root directory without slash", 301, "GET", "/static", local),
			rq("document root directory without slash, no Host", 301, "GET", "/static", ""),
		),
	},
	{
		name: "trusted proxy",
		args: []string{"app.wsgi", "--trust-proxy", "127.0.0.1",
			"--trust-proxy-header", "X-Forwarded-For", "--trust-proxy-header", "X-Forwarded-Host",
			"--trust-proxy-header", "X-Forwarded-Port", "--trust-proxy-header", "X-Forwarded-Proto",
			"--trust-proxy-header", "X-Script-Name"},
		requests: append(appRequests(""), proxyRequests()...),
	},
	{
		name: "trusted proxy under a mount point",
		args: []string{"app.wsgi", "--mount-point", "/sub", "--trust-proxy", "127.0.0.0/8",
			"--trust-proxy-header", "X-Script-Name", "--trust-proxy-header", "X-Forwarded-Proto",
			"--trust-proxy-header", "X-Forwarded-Host"},
		requests: []diffRequest{
			rq("X-Script-Name", 200, "GET", "/sub/a/b?x=1", local, "X-Script-Name: /prefix", "X-Forwarded-Proto: https", "X-Forwarded-Host: public.example"),
			rq("X-Script-Name at the mount point", 200, "GET", "/sub/", local, "X-Script-Name: /prefix"),
			rq("no proxy headers", 200, "GET", "/sub/a", local),
		},
	},
	{
		name: "untrusted proxy",
		args: []string{"app.wsgi", "--trust-proxy", "10.9.8.0/24",
			"--trust-proxy-header", "X-Forwarded-For", "--trust-proxy-header", "X-Forwarded-Host",
			"--trust-proxy-header", "X-Forwarded-Port", "--trust-proxy-header", "X-Forwarded-Proto"},
		requests: proxyRequests(),
	},
	{
		name: "proxy headers from any client",
		args: []string{"app.wsgi", "--trust-proxy-header", "X-Real-IP", "--trust-proxy-header", "X-Forwarded-Server",
			"--trust-proxy-header", "X-Forwarded-Scheme"},
		requests: proxyRequests(),
	},
	{
		name: "processes and threads",
		args: []string{"app.wsgi", "--processes", "2", "--threads", "1", "--python-path", "{dir}/lib",
			"--python-path", "{dir}/lib2", "--working-directory", "{dir}/work", "--setenv", "DIFF_VAR", "a value"},
		files: map[string]string{"lib/": "", "lib2/": "", "work/": ""},
		requests: []diffRequest{
			rq("GET", 200, "GET", "/a?x=1", local),
		},
	},
	{
		name: "embedded mode, processes and threads",
		args: []string{"app.wsgi", "--embedded-mode", "--processes", "2", "--threads", "1", "--python-path", "{dir}/lib",
			"--working-directory", "{dir}/work"},
		files: map[string]string{"lib/": "", "work/": ""},
		requests: []diffRequest{
			rq("GET", 200, "GET", "/a?x=1", local),
		},
	},
	{
		name:    "proxy mount point",
		args:    []string{"app.wsgi", "--proxy-mount-point", "/api", "{backend}/backend"},
		backend: true,
		requests: []diffRequest{
			rq("proxied", 200, "GET", "/api/x/y?q=1", local, "Authorization: Bearer tok", "X-Custom: c"),
			rq("proxied, Host without port", 200, "GET", "/api/x", "example.com"),
			rq("proxied, the client's own X-Forwarded-*", 200, "GET", "/api/x", local,
				"X-Forwarded-Scheme: https", "X-Forwarded-Port: 443", "X-Forwarded-Prefix: /evil", "X-Forwarded-Host: evil.example"),
			rq("proxied, HTTP/1.0 without Host", 200, "GET", "/api/x", ""),
			rq("proxied POST", 200, "POST", "/api/form", local, "Content-Type: text/plain", "\nbody"),
			rq("mount point without slash", 302, "GET", "/api", local),
			rq("mount point without slash, Host without port", 302, "GET", "/api", "example.com"),
			rq("mount point without slash, no Host", 302, "GET", "/api?q=1", ""),
			rq("application beside it", 200, "GET", "/other", local),
		},
	},
	{
		name: "compression and limits",
		args: []string{"app.wsgi", "--compress-responses", "--document-root", "{dir}/htdocs", "--limit-request-body", "64",
			"--keep-alive-timeout", "7"},
		files: map[string]string{
			"htdocs/page.html": strings.Repeat("<p>compressible text</p>\n", 200),
			"htdocs/data.json": strings.Repeat(`{"compressible": "json"}`+"\n", 200),
			"htdocs/image.png": strings.Repeat("\x89PNG not really", 200),
		},
		requests: []diffRequest{
			rq("HTML", 200, "GET", "/page.html", local, "Accept-Encoding: gzip, deflate"),
			rq("HTML without Accept-Encoding", 200, "GET", "/page.html", local),
			rq("JSON", 200, "GET", "/data.json", local, "Accept-Encoding: gzip"),
			rq("image", 200, "GET", "/image.png", local, "Accept-Encoding: gzip"),
			rq("application", 200, "GET", "/app", local, "Accept-Encoding: gzip"),
			rq("body within the limit", 200, "POST", "/app", local, "Content-Type: text/plain", "\n"+strings.Repeat("x", 64)),
			rq("body over the limit", 413, "POST", "/app", local, "Content-Type: text/plain", "\n"+strings.Repeat("x", 65)),
			keepAlive(rq("keep-alive", 200, "GET", "/page.html", local)),
		},
	},
	{
		name:  "module entry point",
		args:  []string{"--application-type", "module", "diffmod", "--mount-point", "/m"},
		files: map[string]string{"diffmod.py": diffApp},
		requests: []diffRequest{
			rq("GET", 200, "GET", "/m/a?x=1", local),
			rq("mount point without slash", 301, "GET", "/m", "example.com"),
		},
	},
	{
		name: "static site",
		args: []string{"--application-type", "static", "{dir}/site"},
		files: map[string]string{
			"site/index.html":     "<p>home</p>\n",
			"site/dir/index.html": "<p>dir</p>\n",
			"site/style.css":      "p{}\n",
		},
		requests: []diffRequest{
			rq("index", 200, "GET", "/", local),
			rq("file", 200, "GET", "/style.css", local),
			rq("directory without slash", 301, "GET", "/dir", local),
			rq("directory without slash, no Host", 301, "GET", "/dir", ""),
			rq("directory without slash, Host without port", 301, "GET", "/dir?q=1", "example.com"),
			rq("missing", 404, "GET", "/missing", local),
		},
	},
	{
		name: "server name and aliases",
		args: []string{"app.wsgi", "--server-name", "www.example.test", "--server-alias", "alt.example.test",
			"--server-alias", "*.wild.example.test", "--document-root", "{dir}/htdocs"},
		files: map[string]string{"htdocs/static/index.html": "<p>static</p>\n"},
		requests: []diffRequest{
			rq("server name with port", 200, "GET", "/a?x=1", "www.example.test:{port}"),
			rq("server name without port", 200, "GET", "/a", "www.example.test"),
			rq("alias", 200, "GET", "/a", "alt.example.test:{port}"),
			rq("wildcard alias", 200, "GET", "/a", "x.wild.example.test"),
			rq("parent domain", 301, "GET", "/some/page?q=1", "example.test:{port}"),
			rq("parent domain without port", 301, "GET", "/", "example.test"),
			rq("other name", 403, "GET", "/a", "other.example.test"),
			rq("address", 403, "GET", "/a", local),
			rq("localhost", 403, "GET", "/a", "localhost:{port}"),
			rq("HTTP/1.0 without Host", 403, "GET", "/a", ""),
			rq("Bearer Authorization", 200, "GET", "/auth", "www.example.test:{port}", "Authorization: Bearer t0k3n"),
			rq("directory without slash", 301, "GET", "/static", "www.example.test:{port}"),
			rq("directory without slash, Host without port", 301, "GET", "/static", "www.example.test"),
		},
	},
	{
		name: "server name allowing localhost",
		args: []string{"app.wsgi", "--server-name", "app.example.test", "--allow-localhost"},
		requests: []diffRequest{
			rq("server name", 200, "GET", "/a", "app.example.test:{port}"),
			rq("address", 200, "GET", "/a", local),
			rq("localhost", 200, "GET", "/a", "localhost:{port}"),
			rq("other name", 200, "GET", "/a", "other.example.test"),
			rq("HTTP/1.0 without Host", 200, "GET", "/a", ""),
		},
	},
	{
		name: "https",
		args: []string{"app.wsgi", "--server-name", "localhost", "--https-port", "{https}",
			"--ssl-certificate-file", "{shared}/server.crt", "--ssl-certificate-key-file", "{shared}/server.key",
			"--document-root", "{dir}/htdocs"},
		https: true,
		files: map[string]string{"htdocs/static/index.html": "<p>static</p>\n"},
		requests: []diffRequest{
			overTLS(rq("GET", 200, "GET", "/a/b?x=1", "localhost:{https}")),
			overTLS(rq("Host without port", 200, "GET", "/a", "localhost")),
			overTLS(rq("Basic Authorization", 200, "GET", "/auth", "localhost:{https}", "Authorization: Basic dXNlcjpwYXNz")),
			overTLS(rq("directory without slash", 301, "GET", "/static", "localhost:{https}")),
			overTLS(rq("directory without slash, Host without port", 301, "GET", "/static", "localhost")),
			overTLS(rq("forwarded proto ignored", 200, "GET", "/a", "localhost:{https}", "X-Forwarded-Proto: http")),
			rq("plain HTTP", 200, "GET", "/a", "localhost:{port}"),
			rq("plain HTTP directory without slash", 301, "GET", "/static", "localhost:{port}"),
			rq("plain HTTP, address", 403, "GET", "/a", local),
		},
	},
	{
		name: "https only",
		args: []string{"app.wsgi", "--server-name", "localhost", "--https-port", "{https}", "--https-only",
			"--hsts-policy", "max-age=60",
			"--ssl-certificate-file", "{shared}/server.crt", "--ssl-certificate-key-file", "{shared}/server.key"},
		https: true,
		requests: []diffRequest{
			overTLS(rq("GET", 200, "GET", "/a/b?x=1", "localhost:{https}")),
			rq("plain HTTP redirected", 302, "GET", "/a/b?x=1", "localhost:{port}"),
			rq("plain HTTP redirected, Host without port", 302, "GET", "/a", "localhost"),
		},
	},
}

// proxyRequests carry the headers a front-end proxy sets.
func proxyRequests() []diffRequest {
	return []diffRequest{
		rq("X-Forwarded-*", 200, "GET", "/p?x=1", local,
			"X-Forwarded-For: 203.0.113.7, 198.51.100.2", "X-Forwarded-Host: public.example:8443",
			"X-Forwarded-Port: 8443", "X-Forwarded-Proto: https", "X-Script-Name: /prefix",
			"X-Real-IP: 192.0.2.9", "X-Forwarded-Server: fwd.example", "X-Forwarded-Scheme: https"),
		rq("X-Real-IP and X-Forwarded-Server", 200, "GET", "/p", local,
			"X-Real-IP: 192.0.2.9", "X-Forwarded-Server: fwd.example", "X-Forwarded-Scheme: https"),
		rq("X-Forwarded-For only", 200, "GET", "/p", "example.com", "X-Forwarded-For: 203.0.113.7"),
	}
}

// diffKnown are the differences kept on purpose, each with its reason
// (docs/migration.md, "Differences the differential suite checks", lists
// them for users). scenario, request: "" matches any, else names separated
// by |; field as diffFields
// names it; modules: 0 for any module of ours, else the major version of
// ours it applies to (the Python tool always runs its own 6.0.5).
var diffKnown = []diffKnownEntry{
	// What the mod_wsgi module decides: ours runs Debian's 4.9.4 unless
	// the run chooses 6.0.5, the Python tool always its own 6.0.5.
	{field: "env GATEWAY_INTERFACE", module: 4, reason: "mod_wsgi 4.x passes Apache's CGI variables GATEWAY_INTERFACE, PATH_TRANSLATED and SERVER_SIGNATURE; 6.x leaves them out"},
	{field: "env PATH_TRANSLATED", module: 4, reason: "as GATEWAY_INTERFACE"},
	{field: "env SERVER_SIGNATURE", module: 4, reason: "as GATEWAY_INTERFACE"},
	{field: "env mod_wsgi.enable_sendfile", module: 4, reason: "mod_wsgi 4.x's own keys, gone in 6.x"},
	{field: "env mod_wsgi.ignore_activity", module: 4, reason: "mod_wsgi 4.x's own keys, gone in 6.x"},
	{field: "env mod_wsgi.script_reloading", module: 4, reason: "mod_wsgi 4.x's own keys, gone in 6.x"},
	{scenario: "untrusted proxy", request: "X-Forwarded-*", field: "env HTTP_X_FORWARDED_PORT", module: 4,
		reason: "mod_wsgi 4.9.4 leaves X-Forwarded-Port from a proxy it does not trust in the environ; 6.x drops it with the other proxy headers"},

	// This tool's choices.
	{scenario: "trusted proxy under a mount point|module entry point", field: "env SCRIPT_FILENAME",
		reason: "the Python tool creates the mount point's directory in the document root (docs/migration.md), so Apache maps the URL one directory further; the application's SCRIPT_NAME and PATH_INFO are the same"},
	{scenario: "trusted proxy under a mount point|module entry point", field: "env mod_wsgi.script_name", reason: "as SCRIPT_FILENAME"},
	{scenario: "trusted proxy under a mount point|module entry point", field: "env mod_wsgi.path_info", reason: "as SCRIPT_FILENAME"},
	{scenario: "server name allowing localhost", request: "HTTP/1.0 without Host", field: "env SERVER_NAME",
		reason: "a request naming no host reaches the catch-all virtual host, whose placeholder name is unknown-host.invalid (a reserved domain) here and _wsgi_ there"},
	{scenario: "daemon mode, server requests", request: "liveness URL", field: "*",
		reason: "Apache answers the liveness and readiness URLs under /.mod_wsgi-express/ itself; under the Python tool they are the application's (docs/migration.md, Probes)"},
	{scenario: "proxy mount point", request: "mount point without slash, no Host|mount point without slash, Host without port", field: "header Location",
		reason: "ours redirects a proxy mount point named without its slash as Apache's other redirects do (the scheme, the host named and the port listened on); the Python tool writes http://, then the Host header as sent: no port when it names none, no host at all without one, http:// over HTTPS"},
	{scenario: "proxy mount point", request: "mount point without slash, no Host|mount point without slash, Host without port", field: "body", reason: "as Location: Apache's redirect page names it"},
	{scenario: "proxy mount point", field: "env header X-Forwarded-Scheme",
		reason: "ours always sets X-Forwarded-Scheme (http or https) for the backend; the Python tool sets it over HTTPS only, and passes a client's own X-Forwarded-Scheme: https through over plain HTTP"},
}

// diffKnownEntry is one entry of diffKnown.
type diffKnownEntry struct {
	scenario, request, field string
	module                   int
	reason                   string
}

func (k diffKnownEntry) applies(major int) bool { return k.module == 0 || k.module == major }

// knownIndex is the index in diffKnown of the entry covering field of
// request in scenario, or -1.
func knownIndex(scenario, request, field string, major int) int {
	for i, k := range diffKnown {
		if k.applies(major) && oneOf(k.scenario, scenario) && oneOf(k.request, request) && matchField(k.field, field) {
			return i
		}
	}
	return -1
}

// oneOf says whether name is one of names (separated by |), or names is "".
func oneOf(names, name string) bool {
	return names == "" || slices.Contains(strings.Split(names, "|"), name)
}

// matchField matches a field name, or every field with a prefix given as
// "env mod_wsgi.*".
func matchField(pattern, field string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(field, p)
	}
	return pattern == field
}
