package express

import (
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// HTTPSOptions are the HTTPS options (--help: HTTPS).
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
}

// HTTPSPlan is the HTTPS port and its certificate, HTTP/2, and the virtual
// hosts that carry the site once a server name, an HTTPS port or a proxied
// host name asks for them.
type HTTPSPlan struct {
	Port     int    // 0: no HTTPS
	URL      string // shown in the summary; "" without HTTPS
	Listen   string // Listen argument of the HTTPS port; "" without HTTPS
	Only     bool   // --https-only
	SSL      SSLFiles
	SSLCache string // SSLSessionCache argument
	HTTP2    bool

	// For the virtual hosts of the HTTPS port.
	HSTS         string   // checked --hsts-policy
	VerifyClient []string // URL paths that need a client certificate
	SSLEnv       bool     // --ssl-environment

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

var (
	reHSTS   = regexp.MustCompile(`^\s*[A-Za-z][A-Za-z0-9-]*(=([0-9A-Za-z-]+|"[^"%\\]*"))?(\s*;\s*[A-Za-z][A-Za-z0-9-]*(=([0-9A-Za-z-]+|"[^"%\\]*"))?)*\s*;?\s*$`)
	reMaxAge = regexp.MustCompile(`(?i)(^|;)\s*max-age=("?)[0-9]+("?)\s*(;|$)`)
)

// catchAllName names the first virtual host of a port, which answers
// requests for host names no other virtual host claims. .invalid is a
// reserved top-level domain, so no request names it on purpose.
const catchAllName = "unknown-host.invalid"

// https checks the HTTPS port, its certificate and the options that only
// HTTPS gives a meaning to.
func (r *resolver) https() error {
	o, hp := &r.o, &r.p.HTTPS
	if err := r.sslFiles(); err != nil {
		return err
	}
	on := o.HTTPSPort != 0
	if err := checkNeedsHTTPS(o, on); err != nil {
		return err
	}
	if o.HSTSPolicy != "" {
		if !reHSTS.MatchString(o.HSTSPolicy) || !reMaxAge.MatchString(o.HSTSPolicy) {
			return usagef("hsts-policy", "%s is not a Strict-Transport-Security value; give directives separated by ; with max-age first, such as \"max-age=31536000; includeSubDomains\"", shortQuote(o.HSTSPolicy))
		}
		hp.HSTS = o.HSTSPolicy
	}
	for _, v := range o.SSLVerifyClient {
		u, err := normURLPath("ssl-verify-client", v)
		if err != nil {
			return err
		}
		hp.VerifyClient = append(hp.VerifyClient, u)
	}
	if len(hp.VerifyClient) > 0 && o.SSLCACertificateFile == "" {
		return usagef("ssl-verify-client", "client certificates are checked against --ssl-ca-certificate-file, which is missing; add it with the PEM certificates of the CAs that sign them")
	}
	if o.SSLCACertificateFile != "" && len(hp.VerifyClient) == 0 {
		hp.VerifyClient = []string{"/"} // the CA file alone protects the whole site
	}
	hp.SSLEnv, hp.Only = o.SSLEnvironment, o.HTTPSOnly
	if !on {
		return nil
	}
	hp.Port = o.HTTPSPort
	if err := r.need("ssl", "https-port"); err != nil {
		return err
	}
	if err := r.need("socache_shmcb", "https-port"); err != nil {
		return err
	}
	if o.HSTSPolicy != "" {
		if err := r.need("headers", "hsts-policy"); err != nil {
			return err
		}
	}
	listenHost := bracketed(o.Host)
	hp.Listen = fmt.Sprint(o.HTTPSPort)
	if listenHost != "" {
		hp.Listen = fmt.Sprintf("%s:%d", listenHost, o.HTTPSPort)
	}
	hp.URL = siteURL("https", cmp.Or(o.ServerName, listenHost, "localhost"), o.HTTPSPort)
	return nil
}

// bracketed is a host as it stands before :PORT: an IPv6 address in
// brackets.
func bracketed(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
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

// sslFiles checks the port and certificate options together.
func (r *resolver) sslFiles() error {
	o := &r.o
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
	if err := r.certificate(); err != nil {
		return err
	}
	ssl := &r.p.HTTPS.SSL
	for _, f := range []struct {
		opt  string
		path *string
		v    string
	}{{"ssl-ca-certificate-file", &ssl.CAFile, o.SSLCACertificateFile}, {"ssl-certificate-chain-file", &ssl.ChainFile, o.SSLCertificateChainFile}} {
		if f.v == "" {
			continue
		}
		path := r.abs(f.v)
		data, err := r.h.ReadFile(path)
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

// certificate checks the server's certificate and key: both given, both
// readable, the key unencrypted, and a matching pair.
func (r *resolver) certificate() error {
	o := &r.o
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
	cert, key = r.abs(cert), r.abs(key)
	certPEM, err := r.h.ReadFile(cert)
	if err != nil {
		return usagef(certOpt, "cannot read the certificate %s (%v); give a readable PEM certificate file", cert, errText(err))
	}
	keyPEM, err := r.h.ReadFile(key)
	if err != nil {
		return usagef(keyOpt, "cannot read the private key %s (%v); give a readable PEM key file", key, errText(err))
	}
	if strings.Contains(string(keyPEM), "ENCRYPTED") {
		return usagef(keyOpt, "%s is encrypted, and Apache would stop to ask for its pass phrase; decrypt it (openssl pkey -in KEY -out KEY.plain) and give that file", key)
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return usagef(certOpt, "%s and %s are not a PEM certificate and its matching private key (%v)", cert, key, err)
	}
	r.p.HTTPS.SSL.CertificateFile, r.p.HTTPS.SSL.KeyFile = cert, key
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

// virtualHosts turns on HTTP/2 and lays out the virtual hosts: needed once
// there is a server name, an HTTPS port or a proxied host name; otherwise
// the main server serves the site.
func (r *resolver) virtualHosts() error {
	o, hp, px := &r.o, &r.p.HTTPS, &r.p.Proxying
	if o.HTTP2 {
		if r.p.Processes.MPM == "prefork" {
			return usagef("http2", "mod_http2 does not work with the prefork MPM; use --server-mpm event or --server-mpm worker")
		}
		if err := r.need("http2", "http2"); err != nil {
			return err
		}
		hp.HTTP2 = true
	}
	if hp.Port != 0 || px.sslBackends {
		// mod_ssl warns at every start without a session cache.
		hp.SSLCache = "shmcb:" + filepath.Join(r.p.Paths.ServerRoot, "ssl_scache") + "(512000)"
	}
	if o.ServerName == "" && hp.Port == 0 && len(px.hosts) == 0 {
		if len(px.mounts) > 0 {
			hp.VirtualHosts = []VirtualHost{{Scheme: "http", Port: o.Port, Site: true,
				Proxies: routesFor(px.mounts, "http", o.Port), SSLProxy: px.sslMounts}}
		}
		return nil
	}
	ports := []vhostPort{{"http", o.Port, false}}
	if hp.Port != 0 {
		ports = append(ports, vhostPort{"https", hp.Port, true})
	}
	for _, pt := range ports {
		hp.VirtualHosts = append(hp.VirtualHosts, r.portHosts(pt)...)
	}
	return nil
}

// vhostPort is one listening port and its scheme.
type vhostPort struct {
	scheme string
	n      int
	ssl    bool
}

// portHosts are the virtual hosts of one port: the site (under its server
// name, after a catch-all for other names), the www. parent's redirect,
// and each proxied host name.
func (r *resolver) portHosts(pt vhostPort) []VirtualHost {
	o, hp, px, nw := &r.o, &r.p.HTTPS, &r.p.Proxying, &r.p.Network
	var out []VirtualHost
	redirect := hp.Only && !pt.ssl
	scheme := strings.ToUpper(pt.scheme)
	base := VirtualHost{Addr: fmt.Sprintf("*:%d", pt.n), Scheme: pt.scheme, Port: pt.n, SSL: pt.ssl}
	if pt.ssl {
		base.VerifyClient, base.SSLEnv, base.HSTS = hp.VerifyClient, hp.SSLEnv, hp.HSTS
	}
	site := base
	site.Site, site.Proxies, site.SSLProxy = !redirect, routesFor(px.mounts, pt.scheme, pt.n), px.sslMounts
	what := "the site"
	if redirect {
		site.Proxies, site.SSLProxy = nil, false
		site.RedirectHTTPS, site.RedirectHost, site.RedirectPort = true, o.ServerName, hp.Port
		what = "redirected to HTTPS (--https-only)"
	}
	if o.ServerName != "" {
		out = append(out, r.catchAll(base, site, pt, what))
		site.ServerName, site.Aliases = o.ServerName, nw.Aliases
		site.Note = fmt.Sprintf("%s port %d: %s, as %s (--server-name%s).", scheme, pt.n, what, o.ServerName, map[bool]string{true: ", --server-alias", false: ""}[len(nw.Aliases) > 0])
		out = append(out, site)
		if nw.ParentDomain != "" {
			pv := base
			pv.VerifyClient, pv.HSTS, pv.SSLEnv = nil, "", false
			pv.ServerName = nw.ParentDomain
			target, tport := pt.scheme, pt.n
			if hp.Only {
				target, tport = "https", hp.Port
			}
			pv.RedirectTo = siteURL(target, o.ServerName, tport)
			pv.Note = fmt.Sprintf("%s port %d: %s is redirected to %s (--server-name starting with www.).", scheme, pt.n, nw.ParentDomain, o.ServerName)
			out = append(out, pv)
		}
	} else {
		site.Note = fmt.Sprintf("%s port %d: %s, for every host name.", scheme, pt.n, what)
		if pt.ssl {
			site.Note = fmt.Sprintf("HTTPS port %d (--https-port): %s, for every host name.", pt.n, what)
		}
		out = append(out, site)
	}
	for _, v := range px.hosts {
		out = append(out, r.proxiedHost(base, pt, v, redirect))
	}
	return out
}

// catchAll is the first virtual host of a port, which answers names
// nobody else claims: refused, or served to this machine's own clients.
func (r *resolver) catchAll(base, site VirtualHost, pt vhostPort, what string) VirtualHost {
	catch := base
	catch.ServerName = catchAllName
	if r.o.AllowLocalhost {
		catch = site
		catch.ServerName, catch.Aliases, catch.LocalOnly, catch.RedirectHost = catchAllName, nil, true, ""
		catch.Note = fmt.Sprintf("%s port %d: requests for other host names, %s for clients on this machine only (--allow-localhost).", strings.ToUpper(pt.scheme), pt.n, what)
		return catch
	}
	catch.Deny, catch.VerifyClient, catch.SSLEnv = true, nil, false
	catch.Note = fmt.Sprintf("%s port %d: requests for host names other than --server-name and --server-alias are refused (403); --allow-localhost would serve this machine's own clients.", strings.ToUpper(pt.scheme), pt.n)
	return catch
}
