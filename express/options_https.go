package express

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
)

// HTTPSOptions are the HTTPS, virtual host and proxying options.
// --server-name itself is NetworkOptions.ServerName.
type HTTPSOptions struct {
	HTTPSPort               int      // --https-port (also the hidden --ssl-port); 0: no HTTPS
	SSLCertificateFile      string   // --ssl-certificate-file
	SSLCertificateKeyFile   string   // --ssl-certificate-key-file
	SSLCertificate          string   // --ssl-certificate PREFIX: PREFIX.crt and PREFIX.key
	SSLCACertificateFile    string   `opt:"ssl-ca-certificate-file"`
	SSLVerifyClient         []string `opt:"ssl-verify-client"` // URL paths needing a client certificate
	SSLCertificateChainFile string   // --ssl-certificate-chain-file
	SSLEnvironment          bool     // --ssl-environment: SSL_* variables in the WSGI environ
	HTTPSOnly               bool     // --https-only: plain HTTP is redirected to HTTPS
	HSTSPolicy              string   // --hsts-policy: Strict-Transport-Security value
	HTTP2                   bool     // --http2
	ServerAliases           []string `opt:"server-alias"`
	AllowLocalhost          bool     // --allow-localhost
	ProxyMountPoints        []Pair   `opt:"proxy-mount-point"`  // URL-PATH URL (also --proxy-url-alias)
	ProxyVirtualHosts       []Pair   `opt:"proxy-virtual-host"` // HOSTNAME URL
	TrustProxyHeaders       []string `opt:"trust-proxy-header"`
	TrustProxies            []string `opt:"trust-proxy"`
	ProxyTimeout            int      // --proxy-timeout; 0: Apache's default, the --socket-timeout value
}

// HTTPSPlan is what the HTTPS, virtual host and proxy templates need.
type HTTPSPlan struct {
	HTTPSURL    string // shown in the summary; "" without HTTPS
	HTTPSListen string // Listen argument of the HTTPS port; "" without HTTPS
	SSL         SSLFiles
	SSLCache    string // SSLSessionCache argument
	HTTP2       bool
	// ProxyTimeout is written only when asked for and something is proxied.
	ProxyTimeout        int
	TrustedProxyHeaders []string
	TrustedProxies      []string
	// VirtualHosts, when not empty, replace the main server's site: each is
	// one <VirtualHost> (or, with an empty Addr, the main server itself).
	VirtualHosts []VirtualHost
}

// SSLFiles are the certificate files, already checked and absolute.
type SSLFiles struct {
	CertificateFile, KeyFile, CAFile, ChainFile string
}

// VirtualHost is one <VirtualHost> block of the generated configuration.
type VirtualHost struct {
	Note       string // comment naming the options that produced it
	Addr       string // "*:8000"; "" means the main server (no block)
	ServerName string // "" inherits the global ServerName
	Aliases    []string
	Scheme     string // http or https
	Port       int
	SSL        bool
	Site       bool   // serve the site (application, static files) here
	Deny       bool   // refuse every request (403)
	LocalOnly  bool   // only clients on this machine (--allow-localhost)
	HSTS       string // Strict-Transport-Security value
	// RedirectHTTPS sends every request to HTTPS: the target is
	// https://HOST:PORT with HOST the server name, or the request's host when
	// RedirectHost is empty.
	RedirectHTTPS bool
	RedirectHost  string
	RedirectPort  int
	// RedirectTo sends every request to the same path under this URL
	// (the parent domain of a www. server name).
	RedirectTo   string
	Proxies      []ProxyRoute
	SSLProxy     bool     // some backend is https or wss
	VerifyClient []string // URL paths that need a client certificate
	SSLEnv       bool
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

var (
	reHeaderName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	reAliasName  = regexp.MustCompile(`^[A-Za-z0-9*?]([A-Za-z0-9.*?-]*[A-Za-z0-9*?])?$`)
	reHSTS       = regexp.MustCompile(`^\s*[A-Za-z][A-Za-z0-9-]*(=([0-9A-Za-z-]+|"[^"%\\]*"))?(\s*;\s*[A-Za-z][A-Za-z0-9-]*(=([0-9A-Za-z-]+|"[^"%\\]*"))?)*\s*;?\s*$`)
	reMaxAge     = regexp.MustCompile(`(?i)(^|;)\s*max-age=("?)[0-9]+("?)\s*(;|$)`)
)

// catchAllName names the first virtual host of a port, which answers
// requests for host names no other virtual host claims. .invalid is a
// reserved top-level domain, so no request names it on purpose.
const catchAllName = "unknown-host.invalid"

// resolveHTTPS checks the HTTPS, virtual host and proxy options and lays
// out the virtual hosts.
func resolveHTTPS(o *Options, h Host, p *Plan) error {
	if err := resolveSSLFiles(o, h, p); err != nil {
		return err
	}
	https := o.HTTPSPort != 0
	if err := checkNeedsHTTPS(o, https); err != nil {
		return err
	}
	if o.HSTSPolicy != "" {
		if !reHSTS.MatchString(o.HSTSPolicy) || !reMaxAge.MatchString(o.HSTSPolicy) {
			return usagef("hsts-policy", "%s is not a Strict-Transport-Security value; give directives separated by ; with max-age first, such as \"max-age=31536000; includeSubDomains\"", shortQuote(o.HSTSPolicy))
		}
	}
	var verify []string
	for _, v := range o.SSLVerifyClient {
		u, err := normURLPath("ssl-verify-client", v)
		if err != nil {
			return err
		}
		verify = append(verify, u)
	}
	if len(verify) > 0 && o.SSLCACertificateFile == "" {
		return usagef("ssl-verify-client", "client certificates are checked against --ssl-ca-certificate-file, which is missing; add it with the PEM certificates of the CAs that sign them")
	}
	if o.SSLCACertificateFile != "" && len(verify) == 0 {
		verify = []string{"/"} // the CA file alone protects the whole site
	}

	// Host names.
	for _, a := range o.ServerAliases {
		if !reAliasName.MatchString(a) {
			return usagef("server-alias", "%s is not a host name (letters, digits, - and ., with * or ? as wildcards)", shortQuote(a))
		}
	}
	// Without --server-name every host name is served, so --server-alias and
	// --allow-localhost have nothing to add (as upstream, they are accepted).
	parent := ""
	if o.ServerName != "" && strings.HasPrefix(strings.ToLower(o.ServerName), "www.") {
		parent = o.ServerName[4:]
		if !reHostName.MatchString(parent) {
			return usagef("server-name", "%s starts with www. but the rest is not a domain to redirect from", shortQuote(o.ServerName))
		}
	}

	// Proxying.
	mounts, err := proxyMounts(o)
	if err != nil {
		return err
	}
	type vproxy struct{ host, url string }
	var vproxies []vproxy
	taken := map[string]bool{strings.ToLower(p.ServerName): true}
	for _, a := range o.ServerAliases {
		taken[strings.ToLower(a)] = true
	}
	for _, pv := range o.ProxyVirtualHosts {
		if !reHostName.MatchString(pv.Key) {
			return usagef("proxy-virtual-host", "%s is not a host name", shortQuote(pv.Key))
		}
		if taken[strings.ToLower(pv.Key)] {
			return usagef("proxy-virtual-host", "%s is already a name of this server (--server-name, --server-alias or --host); proxy another host name", pv.Key)
		}
		taken[strings.ToLower(pv.Key)] = true
		u, err := checkProxyURL("proxy-virtual-host", pv.Value)
		if err != nil {
			return err
		}
		vproxies = append(vproxies, vproxy{pv.Key, u})
	}
	proxying := len(mounts) > 0 || len(vproxies) > 0
	if o.ProxyTimeout < 0 {
		return usagef("proxy-timeout", "%d is negative; give a number of seconds", o.ProxyTimeout)
	}
	if proxying {
		p.ProxyTimeout = o.ProxyTimeout
	}
	for _, hd := range o.TrustProxyHeaders {
		if !reHeaderName.MatchString(hd) {
			return usagef("trust-proxy-header", "%s is not an HTTP header name such as X-Forwarded-For", shortQuote(hd))
		}
		p.TrustedProxyHeaders = append(p.TrustedProxyHeaders, hd)
	}
	for _, ip := range o.TrustProxies {
		if net.ParseIP(ip) == nil {
			if _, _, err := net.ParseCIDR(ip); err != nil {
				return usagef("trust-proxy", "%s is not an IP address or subnet such as 10.0.0.1 or 10.0.0.0/8", shortQuote(ip))
			}
		}
		p.TrustedProxies = append(p.TrustedProxies, ip)
	}

	// Modules.
	need := func(mod, option string) error { return loadHTTPSModule(h, p, mod, option) }
	if https {
		if err := need("ssl", "https-port"); err != nil {
			return err
		}
		if err := need("socache_shmcb", "https-port"); err != nil {
			return err
		}
		p.SSLCache = "shmcb:" + filepath.Join(p.ServerRoot, "ssl_scache") + "(512000)"
	}
	if o.HSTSPolicy != "" {
		if err := need("headers", "hsts-policy"); err != nil {
			return err
		}
	}
	// sslProxy: some mount point's backend is https or wss (the site's
	// virtual hosts need SSLProxyEngine); anySSL also counts proxied hosts.
	sslProxy, anySSL, wsTunnel := false, false, false
	for _, m := range mounts {
		sslProxy = sslProxy || secureURL(m.url)
		wsTunnel = wsTunnel || strings.HasPrefix(m.url, "ws")
	}
	anySSL = sslProxy
	for _, v := range vproxies {
		anySSL = anySSL || secureURL(v.url)
		wsTunnel = wsTunnel || strings.HasPrefix(v.url, "ws")
	}
	if proxying {
		opt := "proxy-mount-point"
		if len(mounts) == 0 {
			opt = "proxy-virtual-host"
		}
		for _, m := range []string{"proxy", "proxy_http", "headers"} {
			if err := need(m, opt); err != nil {
				return err
			}
		}
		if wsTunnel {
			if err := need("proxy_wstunnel", opt); err != nil {
				return err
			}
		}
		if anySSL {
			if err := need("ssl", opt); err != nil {
				return err
			}
			if err := need("socache_shmcb", opt); err != nil {
				return err
			}
			// mod_ssl warns at every start without a session cache.
			p.SSLCache = "shmcb:" + filepath.Join(p.ServerRoot, "ssl_scache") + "(512000)"
		}
	}
	if o.HTTP2 {
		if p.MPM == "prefork" {
			return usagef("http2", "mod_http2 does not work with the prefork MPM; use --server-mpm event or --server-mpm worker")
		}
		if err := need("http2", "http2"); err != nil {
			return err
		}
		p.HTTP2 = true
	}

	// Virtual hosts: needed once there is a server name, an HTTPS port or a
	// proxied host name; otherwise the main server serves the site.
	if o.ServerName == "" && !https && len(vproxies) == 0 {
		if len(mounts) > 0 {
			p.VirtualHosts = []VirtualHost{{Scheme: "http", Port: o.Port, Site: true,
				Proxies: routesFor(mounts, "http", o.Port), SSLProxy: sslProxy}}
		}
		return nil
	}
	listenHost := ""
	if o.Host != "" {
		listenHost = o.Host
		if strings.Contains(listenHost, ":") {
			listenHost = "[" + listenHost + "]"
		}
	}
	addr := func(port int) string { return fmt.Sprintf("*:%d", port) }
	type port struct {
		scheme string
		n      int
		ssl    bool
	}
	ports := []port{{"http", o.Port, false}}
	if https {
		ports = append(ports, port{"https", o.HTTPSPort, true})
		if listenHost != "" {
			p.HTTPSListen = fmt.Sprintf("%s:%d", listenHost, o.HTTPSPort)
		} else {
			p.HTTPSListen = fmt.Sprint(o.HTTPSPort)
		}
		p.HTTPSURL = siteURL("https", firstNonEmpty(o.ServerName, listenHost, "localhost"), o.HTTPSPort)
	}
	hostURL := func(scheme, host string, n int) string {
		if (scheme == "http" && n == 80) || (scheme == "https" && n == 443) {
			return fmt.Sprintf("%s://%s/", scheme, host)
		}
		return fmt.Sprintf("%s://%s:%d/", scheme, host, n)
	}
	for _, pt := range ports {
		redirect := o.HTTPSOnly && !pt.ssl
		base := VirtualHost{Addr: addr(pt.n), Scheme: pt.scheme, Port: pt.n, SSL: pt.ssl}
		if pt.ssl {
			base.VerifyClient, base.SSLEnv, base.HSTS = verify, o.SSLEnvironment, o.HSTSPolicy
		}
		site := base
		site.Site, site.Proxies, site.SSLProxy = !redirect, routesFor(mounts, pt.scheme, pt.n), sslProxy
		if redirect {
			site.Proxies, site.SSLProxy = nil, false
			site.RedirectHTTPS, site.RedirectHost, site.RedirectPort = true, o.ServerName, o.HTTPSPort
		}
		what := "the site"
		if redirect {
			what = "redirected to HTTPS (--https-only)"
		}
		if o.ServerName != "" {
			// The first virtual host of a port answers names nobody else
			// claims: refused, or served to this machine's own clients.
			catch := base
			catch.ServerName = catchAllName
			if o.AllowLocalhost {
				catch = site
				catch.ServerName, catch.Aliases, catch.LocalOnly, catch.RedirectHost = catchAllName, nil, true, ""
				catch.Note = fmt.Sprintf("%s port %d: requests for other host names, %s for clients on this machine only (--allow-localhost).", strings.ToUpper(pt.scheme), pt.n, what)
			} else {
				catch.Deny, catch.VerifyClient, catch.SSLEnv = true, nil, false
				catch.Note = fmt.Sprintf("%s port %d: requests for host names other than --server-name and --server-alias are refused (403); --allow-localhost would serve this machine's own clients.", strings.ToUpper(pt.scheme), pt.n)
			}
			p.VirtualHosts = append(p.VirtualHosts, catch)
			site.ServerName, site.Aliases = o.ServerName, o.ServerAliases
			site.Note = fmt.Sprintf("%s port %d: %s, as %s (--server-name%s).", strings.ToUpper(pt.scheme), pt.n, what, o.ServerName, map[bool]string{true: ", --server-alias", false: ""}[len(o.ServerAliases) > 0])
			p.VirtualHosts = append(p.VirtualHosts, site)
			if parent != "" {
				pv := base
				pv.VerifyClient, pv.HSTS, pv.SSLEnv = nil, "", false
				pv.ServerName = parent
				target := pt.scheme
				tport := pt.n
				if o.HTTPSOnly {
					target, tport = "https", o.HTTPSPort
				}
				pv.RedirectTo = hostURL(target, o.ServerName, tport)
				pv.Note = fmt.Sprintf("%s port %d: %s is redirected to %s (--server-name starting with www.).", strings.ToUpper(pt.scheme), pt.n, parent, o.ServerName)
				p.VirtualHosts = append(p.VirtualHosts, pv)
			}
		} else {
			site.Note = fmt.Sprintf("%s port %d: %s, for every host name.", strings.ToUpper(pt.scheme), pt.n, what)
			if pt.ssl {
				site.Note = fmt.Sprintf("HTTPS port %d (--https-port): %s, for every host name.", pt.n, what)
			}
			p.VirtualHosts = append(p.VirtualHosts, site)
		}
		for _, v := range vproxies {
			pv := base
			pv.VerifyClient = nil
			pv.ServerName = v.host
			if redirect {
				pv.RedirectHTTPS, pv.RedirectHost, pv.RedirectPort = true, v.host, o.HTTPSPort
				pv.Note = fmt.Sprintf("%s port %d: %s is redirected to HTTPS (--proxy-virtual-host, --https-only).", strings.ToUpper(pt.scheme), pt.n, v.host)
			} else {
				pv.Note = fmt.Sprintf("%s port %d: %s is proxied to %s (--proxy-virtual-host).", strings.ToUpper(pt.scheme), pt.n, v.host, v.url)
				pv.SSLProxy = secureURL(v.url)
				pv.Proxies = []ProxyRoute{{Path: "/", URL: v.url, Upgrade: strings.HasPrefix(v.url, "http"),
					ForwardPort: pt.n, ForwardProto: pt.scheme}}
			}
			p.VirtualHosts = append(p.VirtualHosts, pv)
		}
	}
	return nil
}

// checkNeedsHTTPS fails for options that mean nothing without HTTPS.
func checkNeedsHTTPS(o *Options, https bool) error {
	if https {
		return nil
	}
	for _, c := range []struct {
		name string
		set  bool
	}{
		{"https-only", o.HTTPSOnly}, {"hsts-policy", o.HSTSPolicy != ""},
		{"ssl-verify-client", len(o.SSLVerifyClient) > 0}, {"ssl-environment", o.SSLEnvironment},
	} {
		if c.set {
			return usagef(c.name, "applies to HTTPS, which is off; add --https-port NUMBER and a certificate (--ssl-certificate PREFIX, or --ssl-certificate-file and --ssl-certificate-key-file)")
		}
	}
	return nil
}

// resolveSSLFiles checks the port and certificate options together.
func resolveSSLFiles(o *Options, h Host, p *Plan) error {
	certOpt := ""
	for _, c := range []struct{ name, v string }{
		{"ssl-certificate", o.SSLCertificate}, {"ssl-certificate-file", o.SSLCertificateFile},
		{"ssl-certificate-key-file", o.SSLCertificateKeyFile}, {"ssl-ca-certificate-file", o.SSLCACertificateFile},
		{"ssl-certificate-chain-file", o.SSLCertificateChainFile},
	} {
		if c.v != "" && certOpt == "" {
			certOpt = c.name
		}
	}
	if o.HTTPSPort == 0 {
		if certOpt != "" {
			return usagef(certOpt, "certificates are for HTTPS, which is off; add --https-port NUMBER (such as 8443)")
		}
		return nil
	}
	if o.HTTPSPort < 1 || o.HTTPSPort > 65535 {
		return usagef("https-port", "%d is not a TCP port; use a number from 1 to 65535", o.HTTPSPort)
	}
	if o.HTTPSPort == o.Port {
		return usagef("https-port", "%d is also --port; HTTP and HTTPS need different ports", o.HTTPSPort)
	}
	cert, key := o.SSLCertificateFile, o.SSLCertificateKeyFile
	certOpt, keyOpt := "ssl-certificate-file", "ssl-certificate-key-file"
	if o.SSLCertificate != "" {
		if cert != "" || key != "" {
			return usagef("ssl-certificate", "give either --ssl-certificate PREFIX or --ssl-certificate-file and --ssl-certificate-key-file, not both")
		}
		cert, key = o.SSLCertificate+".crt", o.SSLCertificate+".key"
		certOpt, keyOpt = "ssl-certificate", "ssl-certificate"
	}
	if cert == "" || key == "" {
		return usagef("https-port", "HTTPS needs a certificate and its private key; add --ssl-certificate PREFIX (for PREFIX.crt and PREFIX.key) or --ssl-certificate-file and --ssl-certificate-key-file")
	}
	cert, key = absFrom(h, cert), absFrom(h, key)
	certPEM, err := h.ReadFile(cert)
	if err != nil {
		return usagef(certOpt, "cannot read the certificate %s (%v); give a readable PEM certificate file", cert, errText(err))
	}
	keyPEM, err := h.ReadFile(key)
	if err != nil {
		return usagef(keyOpt, "cannot read the private key %s (%v); give a readable PEM key file", key, errText(err))
	}
	if strings.Contains(string(keyPEM), "ENCRYPTED") {
		return usagef(keyOpt, "%s is encrypted, and Apache would stop to ask for its pass phrase; decrypt it (openssl pkey -in KEY -out KEY.plain) and give that file", key)
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return usagef(certOpt, "%s and %s are not a PEM certificate and its matching private key (%v)", cert, key, err)
	}
	p.SSL.CertificateFile, p.SSL.KeyFile = cert, key
	for _, f := range []struct {
		opt  string
		path *string
		v    string
	}{{"ssl-ca-certificate-file", &p.SSL.CAFile, o.SSLCACertificateFile}, {"ssl-certificate-chain-file", &p.SSL.ChainFile, o.SSLCertificateChainFile}} {
		if f.v == "" {
			continue
		}
		path := absFrom(h, f.v)
		data, err := h.ReadFile(path)
		if err != nil {
			return usagef(f.opt, "cannot read %s (%v); give a readable PEM file of certificates", path, errText(err))
		}
		if !x509.NewCertPool().AppendCertsFromPEM(data) {
			return usagef(f.opt, "%s holds no PEM certificate; give a file of -----BEGIN CERTIFICATE----- blocks", path)
		}
		*f.path = path
	}
	return nil
}

// errText is an error without the path it repeats.
func errText(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

type mount struct{ path, url, arg string }

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
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j].path) > len(out[j-1].path); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// routesFor renders the proxy mounts for one virtual host.
func routesFor(ms []mount, scheme string, port int) []ProxyRoute {
	var out []ProxyRoute
	for _, m := range ms {
		r := ProxyRoute{Option: "--proxy-mount-point", Arg: m.arg, Path: m.path, URL: m.url,
			Prefix: m.path, Upgrade: strings.HasPrefix(m.url, "http"), ForwardPort: port, ForwardProto: scheme}
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

// checkProxyURL checks a backend URL and returns it ending in a slash.
func checkProxyURL(option, raw string) (string, error) {
	if strings.ContainsAny(raw, " \t\"'\\<>?#") {
		return "", usagef(option, "%s must not contain spaces, quotes, backslashes, <, >, ? or #; give a URL such as http://127.0.0.1:9000/", shortQuote(raw))
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", usagef(option, "%s is not a URL such as http://127.0.0.1:9000/", shortQuote(raw))
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

// loadHTTPSModule adds mod_NAME to the modules to load, unless it is loaded
// already or compiled into httpd.
func loadHTTPSModule(h Host, p *Plan, name, option string) error {
	id := name + "_module"
	for _, m := range p.LoadModules {
		if m.Name == id {
			return nil
		}
	}
	path := filepath.Join(p.ModulesDir, "mod_"+name+".so")
	if fileExists(h, path) {
		p.LoadModules = append(p.LoadModules, LoadModule{id, path})
		return nil
	}
	if out, err := h.Output(p.HTTPD, "-l"); err == nil && strings.Contains(string(out), "mod_"+name+".c") {
		return nil
	}
	return usagef(option, "needs Apache's mod_%s, which is neither in %s nor compiled into %s; install it (on Debian and Ubuntu it comes with apache2)", name, p.ModulesDir, p.HTTPD)
}

// ProxiesShortestFirst is Proxies in the opposite order, for the <Location>
// blocks: a later block overrides an earlier one, so the longest path comes
// last, while ProxyPass lines take the first match and go longest first.
func (v VirtualHost) ProxiesShortestFirst() []ProxyRoute {
	out := make([]ProxyRoute, 0, len(v.Proxies))
	for i := len(v.Proxies) - 1; i >= 0; i-- {
		out = append(out, v.Proxies[i])
	}
	return out
}

// secureURL reports whether a backend URL is reached over TLS.
func secureURL(u string) bool { return strings.HasPrefix(u, "https:") || strings.HasPrefix(u, "wss:") }
