package express

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// testPEM makes a self-signed certificate and its key as PEM text.
func testPEM(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "www.example.test"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"www.example.test"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}))
}

// httpsLayout is debianLayout with the modules HTTPS and proxying load and
// certificates in /srv/app (server.crt/.key, ca.crt, other.key).
func httpsLayout(t *testing.T) layout {
	l := debianLayout()
	for _, m := range []string{"ssl", "socache_shmcb", "headers", "proxy", "proxy_http", "proxy_wstunnel", "http2"} {
		l.files["/usr/lib/apache2/modules/mod_"+m+".so"] = ""
	}
	cert, key := testPEM(t)
	ca, otherKey := testPEM(t)
	l.files["/srv/app/server.crt"], l.files["/srv/app/server.key"] = cert, key
	l.files["/srv/app/ca.crt"], l.files["/srv/app/other.key"] = ca, otherKey
	l.files["/srv/app/secret.key"] = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
	return l
}

func TestGoldenHTTPSConfigs(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Options)
	}{
		{"https-vhosts.conf", func(o *Options) {
			o.EntryPoint = "hello.wsgi"
			o.Host, o.Port = "127.0.0.1", 8080
			o.ServerName, o.ServerAliases = "www.example.test", []string{"*.example.test"}
			o.HTTPSPort, o.SSLCertificate = 8443, "server"
			o.SSLCACertificateFile, o.SSLVerifyClient = "ca.crt", []string{"/admin"}
			o.HTTPSOnly, o.HSTSPolicy, o.HTTP2, o.SSLEnvironment = true, "max-age=31536000; includeSubDomains", true, true
			o.ProxyMountPoints = []Pair{{"/api", "http://127.0.0.1:9000"}}
		}},
		{"https-plain.conf", func(o *Options) {
			o.EntryPoint = "hello.wsgi"
			o.HTTPSPort, o.SSLCertificateFile, o.SSLCertificateKeyFile = 443, "server.crt", "server.key"
		}},
		{"proxy.conf", func(o *Options) {
			o.EntryPoint = "hello.wsgi"
			o.ProxyMountPoints = []Pair{{"/api", "http://127.0.0.1:9000/"}, {"/api/v2/", "https://backend.test/v2"}, {"/ws", "ws://127.0.0.1:9001"}}
			o.ProxyVirtualHosts = []Pair{{"api.example.test", "http://127.0.0.1:9002"}}
			o.TrustProxyHeaders, o.TrustProxies = []string{"X-Forwarded-For", "X-Forwarded-Proto"}, []string{"127.0.0.1", "10.0.0.0/8"}
			o.ProxyTimeout = 300
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := fakeHost(t, httpsLayout(t), 0)
			o := DefaultOptions()
			o.Version = "test"
			c.mod(&o)
			p, err := Resolve(o, h)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name, renderFile(t, p, "httpd.conf"))
		})
	}
}

// Without any of these options the site is rendered as before, in the main
// server, and no module of theirs is loaded.
func TestHTTPSOptionsOffChangeNothing(t *testing.T) {
	p, err := Resolve(withVersion(DefaultOptions()), fakeHost(t, httpsLayout(t), 0))
	if err != nil {
		t.Fatal(err)
	}
	conf := string(renderFile(t, p, "httpd.conf"))
	for _, s := range []string{"<VirtualHost", "ssl_module", "proxy_module", "headers_module", "Protocols", "ProxyTimeout", "WSGITrusted"} {
		if strings.Contains(conf, s) {
			t.Errorf("default configuration has %q", s)
		}
	}
}

func withVersion(o Options) Options { o.Version = "test"; return o }

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
		h := fakeHost(t, httpsLayout(t), 0)
		o := withVersion(DefaultOptions())
		c.mod(&o)
		_, err := Resolve(o, h)
		u, ok := err.(*UsageError)
		if !ok || u.Option != c.option {
			t.Errorf("want a usage error naming --%s, got %v", c.option, err)
		}
	}
}

func TestHTTPSModulesMissing(t *testing.T) {
	l := httpsLayout(t)
	delete(l.files, "/usr/lib/apache2/modules/mod_http2.so")
	o := withVersion(DefaultOptions())
	o.HTTP2 = true
	_, err := Resolve(o, fakeHost(t, l, 0))
	if u, ok := err.(*UsageError); !ok || u.Option != "http2" || !strings.Contains(u.Msg, "mod_http2") {
		t.Errorf("missing mod_http2: %v", err)
	}
}
