package integration

// What an application sees and what a client gets where the Python
// mod_wsgi-express and this one once differed (issue 22): the
// Authorization header, the port of a request that names none, the order
// of sys.path.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// environApp reports the environ keys a request asks for (?k=NAME&k=...),
// one NAME=value per line, and sys.path as path=a|b|c.
const environApp = `import sys
from urllib.parse import parse_qs
def application(environ, start_response):
    keys = parse_qs(environ.get('QUERY_STRING', '')).get('k', [])
    lines = ['%s=%s' % (k, environ.get(k)) for k in keys]
    lines.append('path=' + '|'.join(sys.path))
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [('\n'.join(lines) + '\n').encode('utf-8')]
`

// rawRequest sends req as it is to the server's port and returns the
// whole response (the request should close the connection: HTTP/1.0 or
// Connection: close).
func rawRequest(t *testing.T, port int, req string) *http.Response {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%q: %v", req, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	resp.Header.Set("X-Test-Body", strings.ReplaceAll(string(body), "\n", "\\n"))
	return resp
}

func bodyOf(resp *http.Response) string {
	return strings.ReplaceAll(resp.Header.Get("X-Test-Body"), "\\n", "\n")
}

// TestAuthorizationReachesApp: an application doing its own HTTP
// authentication gets the Authorization header, Basic or Bearer, in
// daemon and embedded mode, under a mount point and in the --server-name
// virtual host (WSGIPassAuthorization On, as the Python tool writes).
func TestAuthorizationReachesApp(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), environApp)
	for _, c := range []struct {
		name       string
		args       []string
		host, path string
	}{
		{"daemon", nil, "", "/"},
		{"embedded", []string{"--embedded-mode"}, "", "/"},
		{"mount-point", []string{"--mount-point", "/app"}, "", "/app/x"},
		{"server-name", []string{"--server-name", "example.test"}, "example.test", "/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := testenv.Start(t, dir, append([]string{"app.wsgi"}, c.args...)...)
			for _, auth := range []string{"Basic YWxpY2U6c2VjcmV0", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"} {
				host := cmp(c.host, fmt.Sprintf("127.0.0.1:%d", s.Port))
				resp := rawRequest(t, s.Port, fmt.Sprintf("GET %s?k=HTTP_AUTHORIZATION HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nConnection: close\r\n\r\n", c.path, host, auth))
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s\n--- error_log ---\n%s", resp.StatusCode, bodyOf(resp), s.ErrorLog())
				}
				if got := field(bodyOf(resp), "HTTP_AUTHORIZATION"); got != auth {
					t.Errorf("the application saw HTTP_AUTHORIZATION %q, want %q", got, auth)
				}
			}
		})
	}
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestPortOfARequestNamingNone: HTTP/1.0 without Host, or a Host without
// a port, is answered with the port the server listens on, in what the
// application sees (SERVER_PORT) and in Apache's own redirects (a
// directory without its slash), as the Python tool does; a trusted
// X-Forwarded-Port still wins.
func TestPortOfARequestNamingNone(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), environApp)
	testenv.WriteFile(t, filepath.Join(dir, "files", "sub", "index.html"), "sub\n")
	for _, c := range []struct {
		name string
		args []string
		host string // the Host header naming no port
		// want is the port such a request is answered with, "" for the
		// port listened on. In the --server-name virtual host the Python
		// tool answers 80 (Apache's default port for a ServerName without
		// one; a request without Host is refused there), and so does this
		// one: docs/migration.md.
		want string
	}{
		{"main-server", nil, "example.com", ""},
		{"server-name", []string{"--server-name", "example.com"}, "example.com", "80"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"app.wsgi", "--url-alias", "/files", filepath.Join(dir, "files"),
				"--trust-proxy-header", "X-Forwarded-Port", "--trust-proxy", "127.0.0.1"}, c.args...)
			s := testenv.Start(t, dir, args...)
			port := cmp(c.want, strconv.Itoa(s.Port))
			reqs := []string{"GET /?k=SERVER_PORT&k=SERVER_NAME HTTP/1.1\r\nHost: " + c.host + "\r\nConnection: close\r\n\r\n"}
			if c.want == "" {
				reqs = append(reqs, "GET /?k=SERVER_PORT&k=SERVER_NAME HTTP/1.0\r\n\r\n")
			}
			for _, req := range reqs {
				resp := rawRequest(t, s.Port, req)
				if got := field(bodyOf(resp), "SERVER_PORT"); resp.StatusCode != 200 || got != port {
					t.Errorf("%q: status %d, SERVER_PORT %q, want %s\n%s", req, resp.StatusCode, got, port, bodyOf(resp))
				}
			}
			resp := rawRequest(t, s.Port, "GET /files/sub HTTP/1.1\r\nHost: "+c.host+"\r\nConnection: close\r\n\r\n")
			want := "http://" + c.host + ":" + port + "/files/sub/"
			if port == "80" {
				want = "http://" + c.host + "/files/sub/"
			}
			if resp.StatusCode != 301 || resp.Header.Get("Location") != want {
				t.Errorf("/files/sub: status %d, Location %q, want 301 to %s", resp.StatusCode, resp.Header.Get("Location"), want)
			}
			// A port in the Host header, and a trusted proxy's, still win.
			resp = rawRequest(t, s.Port, "GET /?k=SERVER_PORT HTTP/1.1\r\nHost: "+c.host+":8080\r\nConnection: close\r\n\r\n")
			if got := field(bodyOf(resp), "SERVER_PORT"); got != "8080" {
				t.Errorf("Host %s:8080: SERVER_PORT %q, want 8080", c.host, got)
			}
			resp = rawRequest(t, s.Port, "GET /?k=SERVER_PORT HTTP/1.1\r\nHost: "+c.host+"\r\nX-Forwarded-Port: 443\r\nConnection: close\r\n\r\n")
			if got := field(bodyOf(resp), "SERVER_PORT"); got != "443" {
				t.Errorf("X-Forwarded-Port 443 from a trusted proxy: SERVER_PORT %q, want 443", got)
			}
		})
	}
}

// TestPythonPathOrder: the working directory comes first in sys.path,
// then each --python-path in order, as in the Python tool (whose home=
// and python-path= put them there).
func TestPythonPathOrder(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), environApp)
	lib1, lib2 := filepath.Join(dir, "lib1"), filepath.Join(dir, "lib2")
	for _, d := range []string{lib1, lib2} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, mode := range [][]string{nil, {"--embedded-mode"}} {
		t.Run(fmt.Sprint("embedded=", len(mode) > 0), func(t *testing.T) {
			t.Parallel()
			s := testenv.Start(t, dir, append([]string{"app.wsgi", "--python-path", lib1, "--python-path", lib2}, mode...)...)
			path := strings.Split(field(s.MustGet("/"), "path"), "|")
			if len(path) < 3 || path[0] != dir || path[1] != lib1 || path[2] != lib2 {
				t.Errorf("sys.path starts %q, want %s, %s, %s", path[:min(3, len(path))], dir, lib1, lib2)
			}
		})
	}
}

// TestServiceScriptGetsPythonPath: a --service-script imports a module
// from the application's --python-path, as under the Python tool, and
// sees the working directory first in sys.path.
func TestServiceScriptGetsPythonPath(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), environApp)
	lib := filepath.Join(dir, "lib")
	testenv.WriteFile(t, filepath.Join(lib, "svc_helper.py"), "GREETING = 'hello from lib'\n")
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(out, 0o777)
	marker := filepath.Join(out, "service-ran")
	testenv.WriteFile(t, filepath.Join(dir, "service.py"), fmt.Sprintf(`import sys
try:
    import svc_helper
    said = svc_helper.GREETING
except Exception as e:
    said = 'failed: %%r' %% e
with open(%q, 'w') as f:
    f.write(said + '\n' + '|'.join(sys.path) + '\n')
`, marker))
	s := testenv.Start(t, dir, "app.wsgi", "--python-path", lib, "--service-script", "tasks", "service.py")
	testenv.ConfigTest(t, s.Root)
	var ran string
	testenv.Eventually(20*time.Second, func() string {
		b, _ := os.ReadFile(marker)
		ran = string(b)
		if ran == "" {
			return "no marker yet"
		}
		return ""
	})
	said, path, _ := strings.Cut(ran, "\n")
	if said != "hello from lib" {
		t.Fatalf("the service could not import from --python-path: %q\n--- error_log ---\n%s", said, s.ErrorLog())
	}
	if p := strings.Split(strings.TrimSpace(path), "|"); !slices.Contains(p, lib) {
		t.Errorf("the service's sys.path lacks %s: %q", lib, p)
	}
}
