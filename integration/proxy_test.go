package integration

import (
	"bufio"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// backend is a second server, on loopback, that proxied requests reach.
// It answers with what it saw, and takes WebSocket upgrades, after which it
// echoes what it reads.
func vhBackend(t *testing.T, name string) *httptest.Server {
	b := httptest.NewServer(vhBackendHandler(name))
	t.Cleanup(b.Close)
	return b
}

// vhBackendHandler is what vhBackend serves.
func vhBackendHandler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
			conn, rw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
				base64.StdEncoding.EncodeToString(sum[:]))
			rw.Flush()
			conn.SetDeadline(time.Now().Add(20 * time.Second))
			line, err := rw.ReadString('\n')
			if err == nil {
				rw.WriteString(name + " echo " + line)
				rw.Flush()
			}
			return
		}
		fmt.Fprintf(w, "backend=%s\npath=%s\nprefix=%s\nfport=%s\nfscheme=%s\nfhost=%s\n", name, r.URL.Path,
			r.Header.Get("X-Forwarded-Prefix"), r.Header.Get("X-Forwarded-Port"),
			r.Header.Get("X-Forwarded-Scheme"), r.Header.Get("X-Forwarded-Host"))
	})
}

func TestProxyMountPoint(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), vhEnvApp)
	api, v2, ws := vhBackend(t, "api"), vhBackend(t, "v2"), vhBackend(t, "ws")
	// Apache checks that an https backend's certificate names the host of
	// its URL (SSLProxyCheckPeerName), by DNS name: hence localhost.
	tlsBackend := httptest.NewUnstartedServer(vhBackendHandler("tls"))
	bc := testenv.WriteCert(t, filepath.Join(dir, "backend.crt"), filepath.Join(dir, "backend.key"), nil)
	tlsBackend.TLS = &tls.Config{Certificates: []tls.Certificate{bc.TLS}}
	tlsBackend.StartTLS()
	t.Cleanup(tlsBackend.Close)
	tlsURL := strings.Replace(tlsBackend.URL, "127.0.0.1", "localhost", 1)
	s := testenv.Start(t, dir, "app.wsgi", "--proxy-mount-point", "/api", api.URL, "--proxy-mount-point", "/tls", tlsURL,
		"--proxy-url-alias", "/api/v2/", v2.URL+"/base/", "--proxy-timeout", "20",
		"--proxy-mount-point", "/ws", "ws"+strings.TrimPrefix(ws.URL, "http"))
	testenv.ConfigTest(t, s.Root)

	a := vhFetch(t, s, vhPlainClient, s.URL+"/api/hello", "")
	for k, want := range map[string]string{"backend": "api", "path": "/hello", "prefix": "/api", "fport": strconv.Itoa(s.Port),
		"fscheme": "http", "fhost": fmt.Sprintf("127.0.0.1:%d", s.Port)} {
		if got := field(a.body, k); got != want {
			t.Errorf("/api/hello: backend saw %s=%q, want %q (status %d)", k, got, want, a.code)
		}
	}
	a = vhFetch(t, s, vhPlainClient, s.URL+"/api/v2/x", "")
	if field(a.body, "backend") != "v2" || field(a.body, "path") != "/base/x" || field(a.body, "prefix") != "/api/v2" {
		t.Errorf("/api/v2/x: longer mount point should win, got %q", a.body)
	}
	// An https:// backend (SSLProxyEngine).
	a = vhFetch(t, s, vhPlainClient, s.URL+"/tls/t", "")
	if field(a.body, "backend") != "tls" || field(a.body, "path") != "/t" {
		t.Errorf("/tls/t: status %d %q, want the https backend\n%s", a.code, a.body, s.ErrorLog())
	}
	if strings.Contains(s.ErrorLog(), "Session Cache is not configured") {
		t.Errorf("mod_ssl has no session cache:\n%s", s.ErrorLog())
	}
	// The mount point without its slash is redirected to it.
	a = vhFetch(t, s, vhPlainClient, s.URL+"/api", "")
	if a.code != 302 || !strings.HasSuffix(a.header.Get("Location"), "/api/") {
		t.Errorf("/api: status %d Location %q, want 302 to /api/", a.code, a.header.Get("Location"))
	}
	// Everything else is still the application.
	vhMust(t, vhFetch(t, s, vhPlainClient, s.URL+"/apiary", ""), "PATH_INFO", "/apiary")
	// WebSocket upgrades pass through mount points, to http:// backends
	// (ProxyPass upgrade=websocket) and to ws:// ones (mod_proxy_wstunnel).
	vhWebSocket(t, s, "127.0.0.1", "/api/chat", "api")
	vhWebSocket(t, s, "127.0.0.1", "/ws/chat", "ws")
	conf := vhConf(t, s)
	if !strings.Contains(conf, "ProxyTimeout 20") {
		t.Errorf("--proxy-timeout 20 did not give ProxyTimeout 20")
	}
}

func TestProxyVirtualHost(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), vhEnvApp)
	b := vhBackend(t, "vhost")
	s := testenv.Start(t, dir, "app.wsgi", "--proxy-virtual-host", "backend.test", b.URL)
	testenv.ConfigTest(t, s.Root)
	a := vhFetch(t, s, vhPlainClient, s.URL+"/some/where", "backend.test")
	if field(a.body, "backend") != "vhost" || field(a.body, "path") != "/some/where" || field(a.body, "fhost") != "backend.test" {
		t.Errorf("Host backend.test: want the backend, got status %d %q", a.code, a.body)
	}
	// Other host names are the application, as without the option.
	vhMust(t, vhFetch(t, s, vhPlainClient, s.URL+"/x", "other.test"), "HTTP_HOST", "other.test")
	vhMust(t, vhFetch(t, s, vhPlainClient, s.URL+"/x", ""), "PATH_INFO", "/x")

	// A WebSocket upgrade reaches the backend, and the connection is then
	// a tunnel to it.
	vhWebSocket(t, s, "backend.test", "/chat", "vhost")
}

func TestProxyVirtualHostHTTPS(t *testing.T) {
	dir, cert := vhSetup(t)
	b := vhBackend(t, "secure")
	hp := testenv.FreePort(t)
	s := testenv.Start(t, dir, "app.wsgi", "--proxy-virtual-host", "backend.test", b.URL,
		"--https-port", strconv.Itoa(hp), "--ssl-certificate", "server", "--proxy-mount-point", "/m", b.URL)
	testenv.ConfigTest(t, s.Root)
	c := testenv.HTTPSClient(cert.Pool(), false)
	a := vhFetch(t, s, c, fmt.Sprintf("https://127.0.0.1:%d/y", hp), "backend.test")
	if field(a.body, "backend") != "secure" || field(a.body, "fscheme") != "https" || field(a.body, "fport") != strconv.Itoa(hp) {
		t.Errorf("Host backend.test over HTTPS: status %d %q", a.code, a.body)
	}
	a = vhFetch(t, s, c, fmt.Sprintf("https://127.0.0.1:%d/m/z", hp), "")
	if field(a.body, "path") != "/z" || field(a.body, "fscheme") != "https" {
		t.Errorf("/m/z over HTTPS: status %d %q", a.code, a.body)
	}
}

func vhConf(t *testing.T, s *testenv.Server) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Root, "httpd.conf"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// vhWebSocket sends a WebSocket upgrade for path with Host host, expects
// the backend's 101 answer, then a line echoed by backend name through the
// tunnel.
func vhWebSocket(t *testing.T, s *testenv.Server, host, path, name string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, host)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("upgrade %s: %v\n%s", path, err, s.ErrorLog())
	}
	if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("upgrade %s: status %d headers %v body %q, want 101 from the backend", path, resp.StatusCode, resp.Header, body)
	}
	fmt.Fprintf(conn, "ping\n")
	line, err := r.ReadString('\n')
	if want := name + " echo ping\n"; err != nil || line != want {
		t.Errorf("through the tunnel of %s: %q, %v; want %q", path, line, err, want)
	}
	// The backend has closed its end: Apache closes the client's.
	if rest, err := io.ReadAll(r); err != nil || len(rest) > 0 {
		t.Errorf("after the tunnel's end: read %q, %v; want end of stream", rest, err)
	}
}

// A backend on a UNIX socket (unix:/path|http://localhost/), as mod_wsgi
// 6's guide runs WebSocket and ASGI sidecars: proxied, WebSocket upgrades
// included.
func TestProxyUnixSocketBackend(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), vhEnvApp)
	sock := filepath.Join(dir, "backend.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	// Apache's children connect as their own account.
	if err := os.Chmod(sock, 0o777); err != nil {
		t.Fatal(err)
	}
	b := &http.Server{Handler: vhBackendHandler("uds")}
	go b.Serve(l)
	t.Cleanup(func() { b.Close() })
	s := testenv.Start(t, dir, "app.wsgi", "--proxy-mount-point", "/uds", "unix:"+sock+"|http://localhost/")
	testenv.ConfigTest(t, s.Root)
	a := vhFetch(t, s, vhPlainClient, s.URL+"/uds/hello", "")
	if field(a.body, "backend") != "uds" || field(a.body, "path") != "/hello" || field(a.body, "prefix") != "/uds" {
		t.Errorf("/uds/hello: status %d %q, want the UNIX socket backend\n%s", a.code, a.body, s.ErrorLog())
	}
	vhWebSocket(t, s, "127.0.0.1", "/uds/chat", "uds")
	vhMust(t, vhFetch(t, s, vhPlainClient, s.URL+"/other", ""), "PATH_INFO", "/other")
}
