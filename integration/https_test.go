package integration

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// vhEnvApp reports the parts of the WSGI environ the HTTPS, virtual host and
// proxy options change, one key=value per line.
const vhEnvApp = `def application(environ, start_response):
    keys = ['wsgi.url_scheme', 'HTTPS', 'SSL_PROTOCOL', 'SSL_CLIENT_S_DN_CN', 'REMOTE_ADDR',
            'HTTP_HOST', 'HTTP_X_FORWARDED_FOR', 'SERVER_PROTOCOL', 'PATH_INFO']
    body = ''.join('%s=%s\n' % (k, environ.get(k)) for k in keys).encode('utf-8')
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [body]
`

type vhAnswer struct {
	code   int
	header http.Header
	body   string
	proto  int
}

// vhFetch requests url with client, sending Host host when not empty and
// the extra headers given as name, value pairs.
func vhFetch(t *testing.T, s *testenv.Server, c *http.Client, url, host string, hdr ...string) vhAnswer {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s (Host %q): %v\n--- error_log ---\n%s", url, host, err, s.ErrorLog())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return vhAnswer{resp.StatusCode, resp.Header, string(b), resp.ProtoMajor}
}

// vhPlainClient follows no redirects.
var vhPlainClient = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// vhSetup writes the app and a certificate for localhost and 127.0.0.1
// (as server.crt and server.key) in a new directory.
func vhSetup(t *testing.T) (dir string, cert *testenv.Cert) {
	t.Helper()
	dir = testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), vhEnvApp)
	cert = testenv.WriteCert(t, filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"), nil, "www.example.test", "example.test")
	return dir, cert
}

func vhMust(t *testing.T, a vhAnswer, key, want string) {
	t.Helper()
	if a.code != 200 {
		t.Fatalf("status %d, want 200; body %q", a.code, a.body)
	}
	if got := field(a.body, key); got != want {
		t.Errorf("%s = %q, want %q (body %q)", key, got, want, a.body)
	}
}

func TestHTTPSServesApp(t *testing.T) {
	dir, cert := vhSetup(t)
	testenv.WriteFile(t, filepath.Join(dir, "docs", "static.txt"), "static over https")
	hp := testenv.FreePort(t)
	s := testenv.Start(t, dir, "app.wsgi", "--https-port", strconv.Itoa(hp),
		"--ssl-certificate-file", "server.crt", "--ssl-certificate-key-file", "server.key", "--ssl-environment",
		"--document-root", "docs")
	testenv.ConfigTest(t, s.Root)
	c := testenv.HTTPSClient(cert.Pool(), false)
	a := vhFetch(t, s, c, fmt.Sprintf("https://127.0.0.1:%d/x", hp), "")
	vhMust(t, a, "wsgi.url_scheme", "https")
	if p := field(a.body, "SSL_PROTOCOL"); !strings.HasPrefix(p, "TLS") {
		t.Errorf("SSL_PROTOCOL = %q with --ssl-environment, want TLSv1.x", p)
	}
	if strings.Contains(s.ErrorLog(), "Session Cache is not configured") {
		t.Errorf("mod_ssl has no session cache:\n%s", s.ErrorLog())
	}
	// The site is the same on both ports: files of the document root
	// first, the application for the rest.
	if a := vhFetch(t, s, c, fmt.Sprintf("https://127.0.0.1:%d/static.txt", hp), ""); a.body != "static over https" {
		t.Errorf("static file over HTTPS: status %d body %q", a.code, a.body)
	}
	if a := vhFetch(t, s, vhPlainClient, s.URL+"/static.txt", ""); a.body != "static over https" {
		t.Errorf("static file over HTTP: status %d body %q", a.code, a.body)
	}
	// Plain HTTP still serves the same application.
	vhMust(t, vhFetch(t, s, vhPlainClient, s.URL+"/x", ""), "wsgi.url_scheme", "http")
	if want := fmt.Sprintf("Server URL (HTTPS) : https://127.0.0.1:%d/", hp); !strings.Contains(s.Output(), want) {
		t.Errorf("summary lacks %q:\n%s", want, s.Output())
	}
}

func TestHTTPSOnlyAndHSTS(t *testing.T) {
	dir, cert := vhSetup(t)
	hp := testenv.FreePort(t)
	// --ssl-certificate PREFIX means server.crt and server.key.
	s := testenv.Start(t, dir, "app.wsgi", "--https-port", strconv.Itoa(hp), "--ssl-certificate", "server",
		"--https-only", "--hsts-policy", "max-age=600; includeSubDomains")
	testenv.ConfigTest(t, s.Root)
	a := vhFetch(t, s, vhPlainClient, s.URL+"/some/path?q=1", "")
	if a.code != 302 && a.code != 301 {
		t.Fatalf("plain HTTP with --https-only: status %d, want a redirect; body %q", a.code, a.body)
	}
	if loc, want := a.header.Get("Location"), fmt.Sprintf("https://127.0.0.1:%d/some/path?q=1", hp); loc != want {
		t.Errorf("Location %q, want %q", loc, want)
	}
	c := testenv.HTTPSClient(cert.Pool(), false)
	a = vhFetch(t, s, c, fmt.Sprintf("https://127.0.0.1:%d/some/path", hp), "")
	vhMust(t, a, "wsgi.url_scheme", "https")
	if got := a.header.Get("Strict-Transport-Security"); got != "max-age=600; includeSubDomains" {
		t.Errorf("Strict-Transport-Security %q", got)
	}
}

func TestServerNameVirtualHosts(t *testing.T) {
	dir, _ := vhSetup(t)
	s := testenv.Start(t, dir, "app.wsgi", "--server-name", "www.example.test", "--server-alias", "alt.example.test",
		"--server-alias", "*.wild.test")
	testenv.ConfigTest(t, s.Root)
	// The URL printed names the server name, the one that is served (the
	// name is not in DNS: the request goes to 127.0.0.1 with its Host).
	want := fmt.Sprintf("http://www.example.test:%d/", s.Port)
	for _, line := range []string{"Server URL       : " + want, "Server is ready at " + want} {
		if !s.WaitOutput(line, 30*time.Second) {
			t.Errorf("output lacks %q:\n%s", line, s.Output())
		}
	}
	for _, host := range []string{"www.example.test", "alt.example.test", "a.wild.test"} {
		vhMust(t, vhFetch(t, s, vhPlainClient, s.URL+"/p", host), "HTTP_HOST", host)
	}
	// The parent domain of a www. name is redirected to it, path kept.
	a := vhFetch(t, s, vhPlainClient, s.URL+"/p/q", "example.test")
	if a.code != 301 {
		t.Errorf("parent domain: status %d, want 301", a.code)
	}
	if loc, want := a.header.Get("Location"), fmt.Sprintf("http://www.example.test:%d/p/q", s.Port); loc != want {
		t.Errorf("parent domain: Location %q, want %q", loc, want)
	}
	// Another host name reaches the catch-all virtual host, which refuses
	// it: Apache answers 403 Forbidden, without running the application.
	for _, host := range []string{"other.test", "127.0.0.1", "localhost"} {
		if a := vhFetch(t, s, vhPlainClient, s.URL+"/p", host); a.code != 403 || strings.Contains(a.body, "HTTP_HOST=") {
			t.Errorf("Host %s: status %d body %q, want 403 from Apache", host, a.code, a.body)
		}
	}

	t.Run("allow-localhost", func(t *testing.T) {
		s := testenv.Start(t, dir, "app.wsgi", "--server-name", "www.example.test", "--allow-localhost")
		for _, host := range []string{"localhost", "127.0.0.1", "other.test"} {
			vhMust(t, vhFetch(t, s, vhPlainClient, s.URL+"/p", host), "HTTP_HOST", host)
		}
		vhMust(t, vhFetch(t, s, vhPlainClient, s.URL+"/p", "www.example.test"), "HTTP_HOST", "www.example.test")
	})
}

func TestServerNameWithHTTPSOnly(t *testing.T) {
	dir, cert := vhSetup(t)
	hp := testenv.FreePort(t)
	s := testenv.Start(t, dir, "app.wsgi", "--server-name", "www.example.test", "--https-port", strconv.Itoa(hp),
		"--ssl-certificate", "server", "--https-only")
	testenv.ConfigTest(t, s.Root)
	for host, want := range map[string]string{
		"www.example.test": fmt.Sprintf("https://www.example.test:%d/a", hp),
		"example.test":     fmt.Sprintf("https://www.example.test:%d/a", hp),
	} {
		a := vhFetch(t, s, vhPlainClient, s.URL+"/a", host)
		if loc := a.header.Get("Location"); (a.code != 301 && a.code != 302) || loc != want {
			t.Errorf("Host %s over HTTP: status %d Location %q, want a redirect to %s", host, a.code, loc, want)
		}
	}
	for _, want := range []string{fmt.Sprintf("Server URL (HTTPS) : https://www.example.test:%d/", hp),
		fmt.Sprintf("Server is ready at https://www.example.test:%d/", hp)} {
		if !s.WaitOutput(want, 30*time.Second) {
			t.Errorf("output lacks %q:\n%s", want, s.Output())
		}
	}
	c := testenv.HTTPSClient(cert.Pool(), false)
	url := fmt.Sprintf("https://127.0.0.1:%d/a", hp)
	vhMust(t, vhFetch(t, s, c, url, "www.example.test"), "wsgi.url_scheme", "https")
	if a := vhFetch(t, s, c, url, "other.test"); a.code != 403 {
		t.Errorf("unknown host over HTTPS: status %d, want 403", a.code)
	}
}

func TestHTTP2(t *testing.T) {
	dir, cert := vhSetup(t)
	hp := testenv.FreePort(t)
	s := testenv.Start(t, dir, "app.wsgi", "--http2", "--https-port", strconv.Itoa(hp), "--ssl-certificate", "server")
	testenv.ConfigTest(t, s.Root)
	a := vhFetch(t, s, testenv.HTTPSClient(cert.Pool(), true), fmt.Sprintf("https://127.0.0.1:%d/", hp), "")
	if a.proto != 2 {
		t.Errorf("over TLS: HTTP/%d, want h2", a.proto)
	}
	vhMust(t, a, "SERVER_PROTOCOL", "HTTP/2.0")

	// h2c with prior knowledge on the plain port.
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Protocols: &protos}}
	a = vhFetch(t, s, h2c, s.URL+"/", "")
	if a.proto != 2 {
		t.Errorf("h2c: HTTP/%d, want 2", a.proto)
	}
}

func TestSSLVerifyClient(t *testing.T) {
	dir, cert := vhSetup(t)
	ca := testenv.WriteCA(t, filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key"))
	client := testenv.WriteCert(t, filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key"), ca)
	hp := testenv.FreePort(t)
	s := testenv.Start(t, dir, "app.wsgi", "--https-port", strconv.Itoa(hp), "--ssl-certificate", "server",
		"--ssl-ca-certificate-file", "ca.crt", "--ssl-verify-client", "/secure", "--ssl-environment")
	testenv.ConfigTest(t, s.Root)
	base := fmt.Sprintf("https://127.0.0.1:%d", hp)
	anon := testenv.HTTPSClient(cert.Pool(), false)
	vhMust(t, vhFetch(t, s, anon, base+"/public", ""), "SSL_CLIENT_S_DN_CN", "None")
	if a := vhFetch(t, s, anon, base+"/secure/x", ""); a.code != 403 {
		t.Errorf("/secure without a client certificate: status %d, want 403", a.code)
	}
	// Per-path client certificates need TLS 1.2 renegotiation (Go does not
	// do TLS 1.3 post-handshake authentication).
	withCert := testenv.HTTPSClient(cert.Pool(), false)
	cfg := withCert.Transport.(*http.Transport).TLSClientConfig
	cfg.MaxVersion, cfg.Renegotiation = tls.VersionTLS12, tls.RenegotiateOnceAsClient
	cfg.Certificates = []tls.Certificate{client.TLS}
	vhMust(t, vhFetch(t, s, withCert, base+"/secure/x", ""), "SSL_CLIENT_S_DN_CN", "client")
}

func TestTrustProxyHeaders(t *testing.T) {
	dir, _ := vhSetup(t)
	s := testenv.Start(t, dir, "app.wsgi", "--trust-proxy-header", "X-Forwarded-For", "--trust-proxy", "127.0.0.1")
	testenv.ConfigTest(t, s.Root)
	vhMust(t, vhFetch(t, s, vhPlainClient, s.URL+"/", "", "X-Forwarded-For", "203.0.113.9"), "REMOTE_ADDR", "203.0.113.9")
	vhMust(t, vhFetch(t, s, vhPlainClient, s.URL+"/", ""), "REMOTE_ADDR", "127.0.0.1")

	t.Run("untrusted proxy", func(t *testing.T) {
		s := testenv.Start(t, dir, "app.wsgi", "--trust-proxy-header", "X-Forwarded-For", "--trust-proxy", "10.9.0.0/16")
		a := vhFetch(t, s, vhPlainClient, s.URL+"/", "", "X-Forwarded-For", "203.0.113.9")
		vhMust(t, a, "REMOTE_ADDR", "127.0.0.1")
		vhMust(t, a, "HTTP_X_FORWARDED_FOR", "None")
	})
}

func TestHTTPSOptionErrors(t *testing.T) {
	testenv.Integration(t)
	dir, _ := vhSetup(t)
	testenv.WriteFile(t, filepath.Join(dir, "other.key"), "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--https-port", "8000"}, "--https-port: 8000 is also --port"},
		{[]string{"--https-port", "70000", "--ssl-certificate", "server"}, "--https-port: 70000 is not a TCP port"},
		{[]string{"--https-port", "8443"}, "--https-port: HTTPS needs a certificate"},
		{[]string{"--ssl-certificate", "server"}, "--ssl-certificate: certificates are for HTTPS"},
		{[]string{"--https-port", "8443", "--ssl-certificate", "missing"}, "--ssl-certificate: cannot read the certificate"},
		{[]string{"--https-port", "8443", "--ssl-certificate-file", "server.crt", "--ssl-certificate-key-file", "other.key"}, "--ssl-certificate-key-file: " + dir + "/other.key is encrypted"},
		{[]string{"--https-only"}, "--https-only: applies to HTTPS"},
		{[]string{"--https-port", "8443", "--ssl-certificate", "server", "--hsts-policy", "forever"}, "--hsts-policy: \"forever\" is not"},
		{[]string{"--proxy-mount-point", "/api", "ftp://x/"}, "--proxy-mount-point: \"ftp://x/\": the scheme must be"},
		{[]string{"--proxy-mount-point", "api", "http://x/"}, "--proxy-mount-point: \"api\" must be a URL path"},
		{[]string{"--proxy-virtual-host", "a b", "http://x/"}, "--proxy-virtual-host: \"a b\" is not a host name"},
		{[]string{"--proxy-virtual-host", "h.test", "http://x/\"y"}, "--proxy-virtual-host: \"http://x/\\\"y\" must not contain"},
		{[]string{"--trust-proxy-header", "X Forwarded"}, "--trust-proxy-header: \"X Forwarded\" is not an HTTP header name"},
		{[]string{"--trust-proxy", "10.0.0.0/33"}, "--trust-proxy: \"10.0.0.0/33\" is not an IP address or subnet"},
		{[]string{"--server-name", "a.test", "--server-alias", "b/test"}, "--server-alias: \"b/test\" is not a host name"},
		{[]string{"--server-name", "www.", "--allow-localhost"}, "--server-name"},
		{[]string{"--proxy-mount-point", "/a", "http://x/"}, ""}, // a good one, for contrast
	} {
		args := append([]string{"setup-server", "--server-root", filepath.Join(dir, "root"), "app.wsgi"}, c.args...)
		out, code := testenv.Run(t, dir, args...)
		if c.want == "" {
			if code != 0 {
				t.Errorf("%q: exit %d, want 0:\n%s", c.args, code, out)
			}
			continue
		}
		if code != 2 || !strings.Contains(out, c.want) {
			t.Errorf("%q: exit %d, want 2 with %q; output:\n%s", c.args, code, c.want, out)
		}
	}
}
