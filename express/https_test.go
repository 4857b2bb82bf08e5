package express

import (
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

func TestHTTPSOptionErrors(t *testing.T) {
	https := func(o *Options) { o.HTTPSPort, o.SSLCertificate = 8443, "server" }
	cases := []struct {
		option string // the option the error must name
		mod    func(*Options)
	}{
		{"https-port", func(o *Options) { o.HTTPSPort = 8443 }},
		{"https-port", func(o *Options) { https(o); o.HTTPSPort = 8000 }},
		{"https-port", func(o *Options) { https(o); o.HTTPSPort = 65536 }},
		{"ssl-certificate", func(o *Options) { o.SSLCertificate = "server" }},
		{"ssl-certificate-chain-file", func(o *Options) { o.SSLCertificateChainFile = "ca.crt" }},
		{"ssl-certificate", func(o *Options) { https(o); o.SSLCertificateFile = "server.crt" }},
		{"ssl-certificate", func(o *Options) { https(o); o.SSLCertificate = "missing" }},
		{"ssl-certificate-key-file", func(o *Options) {
			o.HTTPSPort, o.SSLCertificateFile, o.SSLCertificateKeyFile = 8443, "server.crt", "secret.key"
		}},
		{"ssl-certificate-file", func(o *Options) {
			o.HTTPSPort, o.SSLCertificateFile, o.SSLCertificateKeyFile = 8443, "server.crt", "other.key"
		}},
		{"ssl-ca-certificate-file", func(o *Options) { https(o); o.SSLCACertificateFile = "server.key" }},
		{"https-only", func(o *Options) { o.HTTPSOnly = true }},
		{"hsts-policy", func(o *Options) { o.HSTSPolicy = "max-age=1" }},
		{"hsts-policy", func(o *Options) { https(o); o.HSTSPolicy = "includeSubDomains" }},
		{"hsts-policy", func(o *Options) { https(o); o.HSTSPolicy = "max-age=1; %{x}e" }},
		{"ssl-environment", func(o *Options) { o.SSLEnvironment = true }},
		{"ssl-verify-client", func(o *Options) { o.SSLVerifyClient = []string{"/a"} }},
		{"ssl-verify-client", func(o *Options) {
			https(o)
			o.SSLVerifyClient, o.SSLCACertificateFile = []string{"a"}, "ca.crt"
		}},
		{"ssl-verify-client", func(o *Options) { https(o); o.SSLVerifyClient = []string{"/a"} }},
		{"http2", func(o *Options) { o.HTTP2, o.ServerMPM = true, []string{"prefork"} }},
		{"server-alias", func(o *Options) { o.ServerName, o.ServerAliases = "a.test", []string{"b test"} }},
		{"proxy-mount-point", func(o *Options) { o.ProxyMountPoints = []Pair{{"/a", "http://x/ y"}} }},
		{"proxy-mount-point", func(o *Options) { o.ProxyMountPoints = []Pair{{"/a", "unix:/run/s.sock"}} }},
		{"proxy-mount-point", func(o *Options) { o.ProxyMountPoints = []Pair{{"/a", "unix:run/s.sock|http://localhost/"}} }},
		{"proxy-mount-point", func(o *Options) { o.ProxyMountPoints = []Pair{{"/a", "unix:/run/s.sock|ftp://localhost/"}} }},
		{"proxy-mount-point", func(o *Options) { o.ProxyMountPoints = []Pair{{"/a", "unix:/run/s.sock|"}} }},
		{"proxy-mount-point", func(o *Options) { o.ProxyMountPoints = []Pair{{"/a", "/run/s.sock|http://localhost/"}} }},
		{"proxy-mount-point", func(o *Options) { o.ProxyMountPoints = []Pair{{"/a", "http://u:p@x/"}} }},
		{"proxy-mount-point", func(o *Options) { o.ProxyMountPoints = []Pair{{"/a%20b", "http://x/"}} }},
		{"proxy-mount-point", func(o *Options) { o.ProxyMountPoints = []Pair{{"/a", "http://x/"}, {"/a/", "http://y/"}} }},
		{"proxy-virtual-host", func(o *Options) { o.ProxyVirtualHosts = []Pair{{"localhost", "http://x/"}} }},
		{"proxy-virtual-host", func(o *Options) { o.ProxyVirtualHosts = []Pair{{"a.test", "http://x/?q"}} }},
		{"trust-proxy-header", func(o *Options) { o.TrustProxyHeaders = []string{"X-Forwarded-For:"} }},
		{"trust-proxy", func(o *Options) { o.TrustProxies = []string{"10.0.0.300"} }},
		{"proxy-timeout", func(o *Options) { o.ProxyTimeout = -1 }},
	}
	for _, c := range cases {
		h := fakeHost(t, fakehost.HTTPS(t), 0)
		o := withVersion(DefaultOptions())
		c.mod(&o)
		_, err := Resolve(o, h)
		u, ok := err.(*fault.UsageError)
		if !ok || u.Option != c.option {
			t.Errorf("want a usage error naming --%s, got %v", c.option, err)
		}
	}
}

func TestHTTPSModulesMissing(t *testing.T) {
	l := fakehost.HTTPS(t)
	delete(l.Files, "/usr/lib/apache2/modules/mod_http2.so")
	o := withVersion(DefaultOptions())
	o.HTTP2 = true
	_, err := Resolve(o, fakeHost(t, l, 0))
	if u, ok := err.(*fault.UsageError); !ok || u.Option != "http2" || !strings.Contains(u.Msg, "mod_http2") {
		t.Errorf("missing mod_http2: %v", err)
	}
}

func withVersion(o Options) Options { o.Version = "test"; return o }

// A backend on a UNIX socket, in mod_proxy's unix:PATH|URL form: proxied
// with WebSocket upgrades when its URL is http, through mod_proxy_wstunnel
// when ws.
func TestProxyUnixSocket(t *testing.T) {
	o := withVersion(DefaultOptions())
	o.ProxyMountPoints = []Pair{{"/app", "unix:/run/app.sock|http://localhost"}, {"/ws", "unix:/run/ws.sock|ws://localhost/"}}
	p, err := Resolve(o, fakeHost(t, fakehost.HTTPS(t), 0))
	if err != nil {
		t.Fatal(err)
	}
	routes := p.HTTPS.VirtualHosts[0].Proxies
	if len(routes) != 2 || routes[0].URL != "unix:/run/app.sock|http://localhost/" || !routes[0].Upgrade ||
		routes[1].URL != "unix:/run/ws.sock|ws://localhost/" || routes[1].Upgrade {
		t.Errorf("routes %+v", routes)
	}
	if !p.Modules.Has("proxy_wstunnel") || p.Modules.Has("ssl") {
		t.Errorf("modules %v", p.Modules.All())
	}
}
