package templates

import (
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

func TestGoldenHTTPSConfigs(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*express.Options)
	}{
		{"https-vhosts.conf", func(o *express.Options) {
			o.EntryPoint = "hello.wsgi"
			o.Host, o.Port = "127.0.0.1", 8080
			o.ServerName, o.ServerAliases = "www.example.test", []string{"*.example.test"}
			o.HTTPSPort, o.SSLCertificate = 8443, "server"
			o.SSLCACertificateFile, o.SSLVerifyClient = "ca.crt", []string{"/admin"}
			o.HTTPSOnly, o.HSTSPolicy, o.HTTP2, o.SSLEnvironment = true, "max-age=31536000; includeSubDomains", true, true
			o.ProxyMountPoints = []express.Pair{{Key: "/api", Value: "http://127.0.0.1:9000"}}
		}},
		{"https-plain.conf", func(o *express.Options) {
			o.EntryPoint = "hello.wsgi"
			o.HTTPSPort, o.SSLCertificateFile, o.SSLCertificateKeyFile = 443, "server.crt", "server.key"
		}},
		{"proxy.conf", func(o *express.Options) {
			o.EntryPoint = "hello.wsgi"
			o.ProxyMountPoints = []express.Pair{{Key: "/api", Value: "http://127.0.0.1:9000/"}, {Key: "/api/v2/", Value: "https://backend.test/v2"}, {Key: "/ws", Value: "ws://127.0.0.1:9001"}}
			o.ProxyVirtualHosts = []express.Pair{{Key: "api.example.test", Value: "http://127.0.0.1:9002"}}
			o.TrustProxyHeaders, o.TrustProxies = []string{"X-Forwarded-For", "X-Forwarded-Proto"}, []string{"127.0.0.1", "10.0.0.0/8"}
			o.ProxyTimeout = 300
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := resolved(t, fakehost.New(t, fakehost.HTTPS(t), 0), c.mod)
			golden(t, c.name, renderFile(t, p, "httpd.conf"))
		})
	}
}

// Without any of these options the site is rendered as before, in the main
// server, and no module of theirs is loaded (mod_headers is loaded for
// included files, express/modules.go).
func TestHTTPSOptionsOffChangeNothing(t *testing.T) {
	p := resolved(t, fakehost.New(t, fakehost.HTTPS(t), 0), func(*express.Options) {})
	conf := string(renderFile(t, p, "httpd.conf"))
	for _, s := range []string{"<VirtualHost", "ssl_module", "proxy_module", "Protocols", "ProxyTimeout", "WSGITrusted"} {
		if strings.Contains(conf, s) {
			t.Errorf("default configuration has %q", s)
		}
	}
}
