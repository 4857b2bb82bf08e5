package express

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// ProxyingOptions pass requests on to other servers (--help: Proxying).
type ProxyingOptions struct {
	ProxyMountPoints  []Pair   `opt:"proxy-mount-point"`  // URL-PATH URL (also --proxy-url-alias)
	ProxyVirtualHosts []Pair   `opt:"proxy-virtual-host"` // HOSTNAME URL
	TrustProxyHeaders []string `opt:"trust-proxy-header"`
	TrustProxies      []string `opt:"trust-proxy"`
	ProxyTimeout      int      // --proxy-timeout; 0: Apache's default, the --socket-timeout value
}

// ProxyingPlan is what is proxied where, and which front-end proxies the
// application may believe.
type ProxyingPlan struct {
	Any bool // something is proxied
	// Timeout is written only when asked for and something is proxied.
	Timeout             int
	TrustedProxyHeaders []string
	TrustedProxies      []string

	// For the virtual hosts (https.go), which carry the routes.
	mounts      []mount  // --proxy-mount-point, longest path first
	hosts       []vproxy // --proxy-virtual-host
	sslMounts   bool     // some mount point's backend is https or wss
	sslBackends bool     // some backend, mounted or a whole host, is
}

// ProxyRoute is one ProxyPass: Path (ending in /) to URL (ending in /).
type ProxyRoute struct {
	Option       string // the option that asked for it, for the comment
	Arg          string // what the user gave, for the comment
	Path, URL    string
	Prefix       string // X-Forwarded-Prefix; "" for a whole host
	Bare         string // the path without its slash, redirected to Path; "" for /
	BareRegex    string
	Upgrade      bool // ProxyPass upgrade=websocket (http/https backends)
	ForwardPort  int
	ForwardProto string
}

type mount struct{ path, url, arg string }

type vproxy struct{ host, url string }

var reHeaderName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// proxying checks the proxy options and loads the modules they need.
func (r *resolver) proxying() error {
	o, px := &r.o, &r.p.Proxying
	var err error
	if px.mounts, err = proxyMounts(o); err != nil {
		return err
	}
	if px.hosts, err = r.proxyHosts(); err != nil {
		return err
	}
	px.Any = len(px.mounts) > 0 || len(px.hosts) > 0
	if o.ProxyTimeout < 0 {
		return usagef("proxy-timeout", "%d is negative; give a number of seconds", o.ProxyTimeout)
	}
	if px.Any {
		px.Timeout = o.ProxyTimeout
	}
	for _, hd := range o.TrustProxyHeaders {
		if !reHeaderName.MatchString(hd) {
			return usagef("trust-proxy-header", "%s is not an HTTP header name such as X-Forwarded-For", shortQuote(hd))
		}
		px.TrustedProxyHeaders = append(px.TrustedProxyHeaders, hd)
	}
	for _, ip := range o.TrustProxies {
		if net.ParseIP(ip) == nil {
			if _, _, err := net.ParseCIDR(ip); err != nil {
				return usagef("trust-proxy", "%s is not an IP address or subnet such as 10.0.0.1 or 10.0.0.0/8", shortQuote(ip))
			}
		}
		px.TrustedProxies = append(px.TrustedProxies, ip)
	}
	if !px.Any {
		return nil
	}
	return r.proxyModules()
}

// proxyHosts checks --proxy-virtual-host: host names of their own.
func (r *resolver) proxyHosts() ([]vproxy, error) {
	var out []vproxy
	taken := map[string]bool{strings.ToLower(r.p.Network.ServerName): true}
	for _, a := range r.p.Network.Aliases {
		taken[strings.ToLower(a)] = true
	}
	for _, pv := range r.o.ProxyVirtualHosts {
		if !reHostName.MatchString(pv.Key) {
			return nil, usagef("proxy-virtual-host", "%s is not a host name", shortQuote(pv.Key))
		}
		if taken[strings.ToLower(pv.Key)] {
			return nil, usagef("proxy-virtual-host", "%s is already a name of this server (--server-name, --server-alias or --host); proxy another host name", pv.Key)
		}
		taken[strings.ToLower(pv.Key)] = true
		u, err := checkProxyURL("proxy-virtual-host", pv.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, vproxy{pv.Key, u})
	}
	return out, nil
}

// proxyModules loads mod_proxy and what the backends' schemes need.
func (r *resolver) proxyModules() error {
	px := &r.p.Proxying
	wsTunnel := false
	for _, m := range px.mounts {
		px.sslMounts = px.sslMounts || secureURL(m.url)
		wsTunnel = wsTunnel || strings.HasPrefix(backendScheme(m.url), "ws")
	}
	px.sslBackends = px.sslMounts
	for _, v := range px.hosts {
		px.sslBackends = px.sslBackends || secureURL(v.url)
		wsTunnel = wsTunnel || strings.HasPrefix(backendScheme(v.url), "ws")
	}
	opt := "proxy-mount-point"
	if len(px.mounts) == 0 {
		opt = "proxy-virtual-host"
	}
	needs := []string{"proxy", "proxy_http", "headers"}
	if wsTunnel {
		needs = append(needs, "proxy_wstunnel")
	}
	if px.sslBackends {
		needs = append(needs, "ssl", "socache_shmcb")
	}
	for _, m := range needs {
		if err := r.need(m, opt); err != nil {
			return err
		}
	}
	return nil
}

// proxyMounts checks --proxy-mount-point (and --proxy-url-alias).
func proxyMounts(o *Options) ([]mount, error) {
	var out []mount
	seen := map[string]bool{}
	for _, pm := range o.ProxyMountPoints {
		path, err := normURLPath("proxy-mount-point", pm.Key)
		if err != nil {
			return nil, err
		}
		if strings.Contains(path, "%") {
			return nil, usagef("proxy-mount-point", "%s: give the path without %%-escapes", shortQuote(path))
		}
		if seen[path] {
			return nil, usagef("proxy-mount-point", "%s is given twice; each URL path can be proxied to one place", path)
		}
		seen[path] = true
		u, err := checkProxyURL("proxy-mount-point", pm.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, mount{path, u, pm.Key + " " + pm.Value})
	}
	// Longer paths first, so /api/v2 wins over /api.
	slices.SortStableFunc(out, func(a, b mount) int { return len(b.path) - len(a.path) })
	return out, nil
}

// routesFor renders the proxy mounts for one virtual host.
func routesFor(ms []mount, scheme string, port int) []ProxyRoute {
	var out []ProxyRoute
	for _, m := range ms {
		r := ProxyRoute{Option: "--proxy-mount-point", Arg: m.arg, Path: m.path, URL: m.url,
			Prefix: m.path, Upgrade: upgradable(m.url), ForwardPort: port, ForwardProto: scheme}
		if m.path != "/" {
			r.Path = m.path + "/"
			r.Bare = m.path
			r.BareRegex = "^" + regexp.QuoteMeta(m.path) + "$"
		} else {
			r.Prefix = ""
		}
		out = append(out, r)
	}
	return out
}

// proxiedHost is the virtual host of one --proxy-virtual-host on a port:
// every request proxied, or redirected to HTTPS with --https-only.
func (r *resolver) proxiedHost(base VirtualHost, pt vhostPort, v vproxy, redirect bool) VirtualHost {
	pv := base
	pv.VerifyClient = nil
	pv.ServerName = v.host
	if redirect {
		pv.RedirectHTTPS, pv.RedirectHost, pv.RedirectPort = true, v.host, r.p.HTTPS.Port
		pv.Note = fmt.Sprintf("%s port %d: %s is redirected to HTTPS (--proxy-virtual-host, --https-only).", strings.ToUpper(pt.scheme), pt.n, v.host)
		return pv
	}
	pv.Note = fmt.Sprintf("%s port %d: %s is proxied to %s (--proxy-virtual-host).", strings.ToUpper(pt.scheme), pt.n, v.host, v.url)
	pv.SSLProxy = secureURL(v.url)
	pv.Proxies = []ProxyRoute{{Path: "/", URL: v.url, Upgrade: upgradable(v.url),
		ForwardPort: pt.n, ForwardProto: pt.scheme}}
	return pv
}

// checkProxyURL checks a backend URL and returns it ending in a slash: an
// http, https, ws or wss URL, or a backend on a UNIX socket in mod_proxy's
// form unix:/path/app.sock|http://localhost/ (the host names nothing but
// the Host header; mod_wsgi 6's WebSocket and ASGI guide runs sidecars so).
func checkProxyURL(option, raw string) (string, error) {
	if strings.ContainsAny(raw, " \t\"'\\<>?#") {
		return "", usagef(option, "%s must not contain spaces, quotes, backslashes, <, >, ? or #; give a URL such as http://127.0.0.1:9000/", shortQuote(raw))
	}
	target := raw
	if socket, rest, ok := strings.Cut(raw, "|"); ok || strings.HasPrefix(raw, "unix:") {
		path, isUnix := strings.CutPrefix(socket, "unix:")
		if !isUnix || !ok || !filepath.IsAbs(path) || strings.ContainsAny(path, "|%") {
			return "", usagef(option, "%s is not a UNIX socket backend of the form unix:/path/app.sock|http://localhost/", shortQuote(raw))
		}
		target = rest
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", usagef(option, "%s is not a URL such as http://127.0.0.1:9000/ or unix:/path/app.sock|http://localhost/", shortQuote(raw))
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
	default:
		return "", usagef(option, "%s: the scheme must be http, https, ws or wss", shortQuote(raw))
	}
	hostname := u.Hostname()
	if !reHostName.MatchString(hostname) && net.ParseIP(hostname) == nil {
		return "", usagef(option, "%s: %s is not a host name or IP address", shortQuote(raw), shortQuote(hostname))
	}
	if u.User != nil {
		return "", usagef(option, "%s: user names and passwords in backend URLs are not supported", shortQuote(raw))
	}
	return strings.TrimRight(raw, "/") + "/", nil
}

// backendScheme is the scheme a backend is spoken to in: a URL's own, or
// that of the URL after the socket of a unix: backend.
func backendScheme(u string) string {
	if _, rest, ok := strings.Cut(u, "|"); ok {
		u = rest
	}
	scheme, _, _ := strings.Cut(u, ":")
	return scheme
}

// ProxiesShortestFirst is Proxies in the opposite order, for the <Location>
// blocks: a later block overrides an earlier one, so the longest path comes
// last, while ProxyPass lines take the first match and go longest first.
func (v VirtualHost) ProxiesShortestFirst() []ProxyRoute {
	out := slices.Clone(v.Proxies)
	slices.Reverse(out)
	return out
}

// secureURL reports whether a backend is reached over TLS.
func secureURL(u string) bool { s := backendScheme(u); return s == "https" || s == "wss" }

// upgradable reports whether a backend is spoken to in HTTP, whose
// WebSocket upgrades ProxyPass passes (upgrade=websocket); ws and wss
// backends go through mod_proxy_wstunnel.
func upgradable(u string) bool { s := backendScheme(u); return s == "http" || s == "https" }
