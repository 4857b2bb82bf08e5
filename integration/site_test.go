package integration

import (
	"crypto/md5"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// siteApp answers the feature tests: each path shows one thing the
// application saw.
const siteApp = `import os
import mod_wsgi

def application(environ, start_response):
    path = environ['PATH_INFO']
    headers = [('Content-Type', 'text/plain'), ('X-Method', environ['REQUEST_METHOD'])]
    if path == '/fail':
        start_response('500 Internal Server Error', headers)
        return [b'app-secret-body']
    if path == '/metrics':
        m = mod_wsgi.server_metrics()
        body = 'metrics=%s' % (type(m).__name__ if m is not None else 'None')
    elif path == '/post':
        body = 'got=' + environ['wsgi.input'].read().decode('latin-1')
    elif path == '/env':
        body = 'FROM_ENVVARS=%s' % os.environ.get('FROM_ENVVARS')
    elif path == '/method':
        body = environ['REQUEST_METHOD']
    else:
        body = '<html><body>' + 'hello from the app ' * 100 + '</body></html>'
        headers[0] = ('Content-Type', 'text/html')
    start_response('200 OK', headers)
    return [body.encode('utf-8')]
`

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := httpClient.Transport.(*http.Transport).RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func request(t *testing.T, method, url string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, req)
}

func init() {
	if httpClient.Transport == nil {
		httpClient.Transport = &http.Transport{}
	}
}

func wantCode(t *testing.T, s *testenv.Server, path string, want int, contains string) {
	t.Helper()
	code, body := s.Get(path)
	if code != want || !strings.Contains(body, contains) {
		t.Errorf("GET %s: %d %q, want %d containing %q\n--- error_log ---\n%s", path, code, trim(body), want, contains, s.ErrorLog())
	}
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// Directory index, error documents, and .htaccess ignored by default.
func TestStaticIndexErrorDocument(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "docs", "home.html"), "the home page")
	testenv.WriteFile(t, filepath.Join(dir, "docs", "missing.html"), "custom not found page")
	testenv.WriteFile(t, filepath.Join(dir, "docs", "sub", "a.txt"), "a")
	testenv.WriteFile(t, filepath.Join(dir, "docs", "locked", "f.txt"), "locked file")
	testenv.WriteFile(t, filepath.Join(dir, "docs", "locked", ".htaccess"), "Require all denied\n")
	s := testenv.Start(t, dir, "--application-type", "static", "--document-root", "docs",
		"--directory-index", "home.html", "--error-document", "404", "/missing.html")
	testenv.ConfigTest(t, s.Root)
	wantCode(t, s, "/", 200, "the home page")
	wantCode(t, s, "/nothing-here", 404, "custom not found page")
	wantCode(t, s, "/locked/f.txt", 200, "locked file") // .htaccess not read
	if code, body := s.Get("/sub/"); code == 200 || strings.Contains(body, "a.txt") {
		t.Errorf("GET /sub/ without --directory-listing: %d %q, want no listing", code, trim(body))
	}
}

// --directory-listing lists; --allow-override lets .htaccess deny.
func TestDirectoryListingAllowOverride(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "docs", "sub", "a-listed-file.txt"), "a")
	testenv.WriteFile(t, filepath.Join(dir, "docs", "locked", "f.txt"), "locked file")
	testenv.WriteFile(t, filepath.Join(dir, "docs", "locked", ".htaccess"), "Require all denied\n")
	s := testenv.Start(t, dir, "--application-type", "static", "--document-root", "docs",
		"--directory-listing", "--allow-override", "AuthConfig")
	wantCode(t, s, "/sub/", 200, "a-listed-file.txt")
	wantCode(t, s, "/locked/f.txt", 403, "")
}

// An application with a document root and most server features at once.
func TestSiteFeatures(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), siteApp)
	testenv.WriteFile(t, filepath.Join(dir, "docs", "oops.html"), "our own error page")
	testenv.WriteFile(t, filepath.Join(dir, "docs", "page.py"), "# handled by handler.py, never served as text\n")
	testenv.WriteFile(t, filepath.Join(dir, "handler.py"), `def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [('handled ' + environ['SCRIPT_FILENAME']).encode('utf-8')]
`)
	testenv.WriteFile(t, filepath.Join(dir, "extra.conf"), `<IfModule !headers_module>
LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so
</IfModule>
Header always set X-Included "yes"
`)
	s := testenv.Start(t, dir, "app.wsgi", "--document-root", "docs",
		"--error-override", "--error-document", "500", "/oops.html",
		"--add-handler", ".py", "handler.py",
		"--map-head-to-get", "on",
		"--compress-responses", "--server-status", "--server-metrics",
		"--chunked-request", "--enable-sendfile",
		"--include-file", "extra.conf")
	testenv.ConfigTest(t, s.Root)

	// --error-override with --error-document 500: the app's body is replaced.
	code, body := s.Get("/fail")
	if code != 500 || strings.Contains(body, "app-secret-body") || !strings.Contains(body, "our own error page") {
		t.Errorf("GET /fail: %d %q; want 500 with the error document", code, trim(body))
	}
	// --add-handler: the handler script gets the file.
	wantCode(t, s, "/page.py", 200, "handled "+filepath.Join(dir, "docs", "page.py"))
	// --map-head-to-get On: the app sees GET for HEAD.
	resp, _ := request(t, "HEAD", s.URL+"/method", nil)
	if got := resp.Header.Get("X-Method"); got != "GET" {
		t.Errorf("HEAD with --map-head-to-get On: app saw %q, want GET", got)
	}
	// --compress-responses.
	resp, raw := request(t, "GET", s.URL+"/", nil, "Accept-Encoding", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || strings.Contains(raw, "hello from the app") {
		t.Errorf("text/html with Accept-Encoding gzip: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	resp, _ = request(t, "GET", s.URL+"/method", nil, "Accept-Encoding", "identity")
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("compressed although the client did not accept it")
	}
	// --server-status.
	wantCode(t, s, "/server-status", 200, "Apache Server Status")
	// --server-metrics.
	wantCode(t, s, "/metrics", 200, "metrics=dict")
	// --chunked-request: a body without Content-Length reaches the app.
	pr, pw := io.Pipe()
	go func() { pw.Write([]byte("chunked-body-data")); pw.Close() }()
	req, _ := http.NewRequest("POST", s.URL+"/post", pr)
	resp, body = do(t, req)
	if resp.StatusCode != 200 || body != "got=chunked-body-data" {
		t.Errorf("chunked POST: %d %q (sent chunked: %v)", resp.StatusCode, body, req.ContentLength <= 0)
	}
	// --include-file.
	resp, _ = request(t, "GET", s.URL+"/method", nil)
	if resp.Header.Get("X-Included") != "yes" {
		t.Errorf("--include-file's Header directive not applied: headers %v", resp.Header)
	}
}

// Without the options, HEAD stays HEAD and chunked bodies are refused.
func TestSiteFeatureDefaults(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), siteApp)
	s := testenv.Start(t, dir, "app.wsgi")
	resp, _ := request(t, "HEAD", s.URL+"/method", nil)
	if got := resp.Header.Get("X-Method"); got != "HEAD" {
		t.Errorf("HEAD by default: app saw %q, want HEAD", got)
	}
	wantCode(t, s, "/metrics", 200, "metrics=None")
	resp, _ = request(t, "GET", s.URL+"/", nil, "Accept-Encoding", "gzip")
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("compressed without --compress-responses")
	}
	code, body := s.Get("/fail")
	if code != 500 || !strings.Contains(body, "app-secret-body") {
		t.Errorf("without --error-override the app's error body must pass: %d %q", code, body)
	}
	pr, pw := io.Pipe()
	go func() { pw.Write([]byte("chunked-body-data")); pw.Close() }()
	req, _ := http.NewRequest("POST", s.URL+"/post", pr)
	if resp, body := do(t, req); resp.StatusCode == 200 || strings.Contains(body, "chunked-body-data") {
		t.Errorf("chunked POST without --chunked-request reached the app: %d %q", resp.StatusCode, body)
	}
}

// --auth-type Digest: a real Digest exchange against get_realm_hash.
func TestDigestAuth(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), siteApp)
	testenv.WriteFile(t, filepath.Join(dir, "users.py"), `import hashlib
def get_realm_hash(environ, user, realm):
    if user != 'carol':
        return None
    return hashlib.md5(('%s:%s:%s' % (user, realm, 'digest-pw')).encode()).hexdigest()
`)
	s := testenv.Start(t, dir, "app.wsgi", "--auth-user-script", "users.py", "--auth-type", "Digest")
	resp, _ := request(t, "GET", s.URL+"/method", nil)
	challenge := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != 401 || !strings.HasPrefix(challenge, "Digest ") {
		t.Fatalf("no credentials: %d %q, want 401 with a Digest challenge", resp.StatusCode, challenge)
	}
	params := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(challenge, "Digest "), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		params[k] = strings.Trim(v, "\"")
	}
	h := func(s string) string { return fmt.Sprintf("%x", md5.Sum([]byte(s))) }
	answer := func(user, pass string) int {
		ha1 := h(user + ":" + params["realm"] + ":" + pass)
		ha2 := h("GET:/method")
		cnonce, nc := "0a4f113b", "00000001"
		response := h(strings.Join([]string{ha1, params["nonce"], nc, cnonce, "auth", ha2}, ":"))
		req, _ := http.NewRequest("GET", s.URL+"/method", nil)
		req.Header.Set("Authorization", fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="/method", algorithm=MD5, response="%s", qop=auth, nc=%s, cnonce="%s"`,
			user, params["realm"], params["nonce"], response, nc, cnonce))
		resp, _ := do(t, req)
		return resp.StatusCode
	}
	if code := answer("carol", "digest-pw"); code != 200 {
		t.Errorf("right Digest credentials: %d, want 200\n%s", code, s.ErrorLog())
	}
	if code := answer("carol", "wrong"); code != 401 {
		t.Errorf("wrong Digest password: %d, want 401", code)
	}
}

// Host access, Basic auth with a user script, and a group check.
func TestAccessAndAuth(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), siteApp)
	testenv.WriteFile(t, filepath.Join(dir, "access.py"), `def allow_access(environ, host):
    return not environ['REQUEST_URI'].startswith('/denied')
`)
	testenv.WriteFile(t, filepath.Join(dir, "users.py"), `USERS = {'alice': 'wonderland', 'bob': 'builder'}
def check_password(environ, user, password):
    if user not in USERS:
        return None
    return USERS[user] == password
`)
	testenv.WriteFile(t, filepath.Join(dir, "groups.py"), `def groups_for_user(environ, user):
    return ['staff'] if user == 'alice' else ['guests']
`)
	s := testenv.Start(t, dir, "app.wsgi", "--host-access-script", "access.py",
		"--auth-user-script", "users.py", "--auth-group-script", "groups.py", "--auth-group", "staff")
	testenv.ConfigTest(t, s.Root)
	get := func(path, user, pass string) (int, http.Header) {
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, _ := do(t, req)
		return resp.StatusCode, resp.Header
	}
	if code, h := get("/method", "", ""); code != 401 || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("no credentials: %d %q, want 401 with a Basic challenge\n%s", code, h.Get("WWW-Authenticate"), s.ErrorLog())
	}
	if code, _ := get("/method", "alice", "wonderland"); code != 200 {
		t.Errorf("alice, right password, in group staff: %d, want 200\n%s", code, s.ErrorLog())
	}
	if code, _ := get("/method", "alice", "wrong"); code != 401 {
		t.Errorf("wrong password: %d, want 401", code)
	}
	if code, _ := get("/method", "nobody", "x"); code != 401 {
		t.Errorf("unknown user: %d, want 401", code)
	}
	if code, _ := get("/method", "bob", "builder"); code != 401 && code != 403 {
		t.Errorf("bob is not in group staff: %d, want 401 or 403", code)
	}
	if code, _ := get("/denied/x", "alice", "wonderland"); code != 403 {
		t.Errorf("host access script denies /denied: %d, want 403", code)
	}
}

// CGI, rewrite rules, envvars script, a service, socket prefix and the
// Apache process name.
func TestSiteProcessesAndFiles(t *testing.T) {
	dir := testenv.Dir(t)
	out := filepath.Join(dir, "out")
	sock := filepath.Join(dir, "sock")
	for _, d := range []string{out, sock} {
		os.MkdirAll(d, 0o755)
	}
	os.Chmod(out, 0o777)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), siteApp)
	testenv.WriteFile(t, filepath.Join(dir, "docs", "new.txt"), "the new text")
	cgi := testenv.WriteFile(t, filepath.Join(dir, "docs", "hello.cgi"), "#!/bin/sh\necho 'Content-Type: text/plain'\necho\necho \"cgi says hi\"\n")
	os.Chmod(cgi, 0o755)
	testenv.WriteFile(t, filepath.Join(dir, "rules.conf"), "RewriteRule ^old-name$ new.txt [L]\n")
	testenv.WriteFile(t, filepath.Join(dir, "env.sh"), "FROM_ENVVARS=hello-from-envvars\n")
	svc := fmt.Sprintf("svc%d", os.Getpid())
	marker := filepath.Join(out, "service-ran")
	testenv.WriteFile(t, filepath.Join(dir, "service.py"), fmt.Sprintf(`import os, threading, time
import sys
with open(%q, 'w') as f:
    f.write('pid=%%d' %% os.getpid())
sys.stderr.write('service-output-line\n')
sys.stderr.flush()
def loop():
    while True:
        time.sleep(1)
threading.Thread(target=loop, daemon=True).start()
`, marker))
	s := testenv.Start(t, dir, "app.wsgi", "--document-root", "docs", "--with-cgi",
		"--rewrite-rules", "rules.conf", "--envvars-script", "env.sh",
		"--service-script", svc, "service.py", "--service-log-file", svc, "service.log",
		"--socket-prefix", "sock", "--process-name", "mwe-site-test-parent")
	testenv.ConfigTest(t, s.Root)
	wantCode(t, s, "/hello.cgi", 200, "cgi says hi")
	wantCode(t, s, "/old-name", 200, "the new text")
	wantCode(t, s, "/env", 200, "FROM_ENVVARS=hello-from-envvars")
	wantCode(t, s, "/method", 200, "GET")
	if socks, _ := filepath.Glob(filepath.Join(sock, "wsgi.*")); len(socks) == 0 {
		t.Errorf("no mod_wsgi socket in --socket-prefix %s", sock)
	}
	pid, _ := os.ReadFile(filepath.Join(s.Root, "httpd.pid"))
	cmdline, _ := os.ReadFile(filepath.Join("/proc", strings.TrimSpace(string(pid)), "cmdline"))
	argv0 := strings.SplitN(string(cmdline), "\x00", 2)[0]
	if strings.TrimRight(argv0, " ") != "mwe-site-test-parent" {
		t.Errorf("Apache parent's argv[0] is %q, want mwe-site-test-parent", argv0)
	}
	// Padded so mod_wsgi can write the daemon's display name in full.
	if !daemonNamed(fmt.Sprintf("(wsgi:127.0.0.1:%d:0)", s.Port)) {
		t.Errorf("no daemon process shows its full display name:\n%s", strings.Join(testenv.Processes(0, "(wsgi:"), "\n"))
	}
	var ran []byte
	for i := 0; i < 100 && len(ran) == 0; i++ {
		ran, _ = os.ReadFile(marker)
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.HasPrefix(string(ran), "pid=") {
		t.Fatalf("the service did not run (marker %q)\n%s", ran, s.ErrorLog())
	}
	var slog []byte
	for i := 0; i < 100 && !strings.Contains(string(slog), "service-output-line"); i++ {
		slog, _ = os.ReadFile(filepath.Join(s.Root, "service.log"))
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(string(slog), "service-output-line") {
		t.Errorf("--service-log-file: the service's output is not in service.log: %q", slog)
	}
	if strings.Contains(s.ErrorLog(), "service-output-line") {
		t.Errorf("--service-log-file: the service's output went to the main error log")
	}
	s.Stop(syscall.SIGTERM)
	if left := testenv.Processes(0, "service:"+svc); len(left) > 0 {
		t.Errorf("service process left after stop: %v", left)
	}
	if socks, _ := filepath.Glob(filepath.Join(sock, "wsgi.*")); len(socks) != 0 {
		t.Logf("sockets left in %s: %v", sock, socks)
	}
}

// --enable-docs serves the documentation installed beside a pip-style
// module, and fails clearly when there is none.
func TestEnableDocs(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), siteApp)
	out, code := testenv.Run(t, dir, "setup-server", "app.wsgi", "--server-root", filepath.Join(dir, "r1"), "--enable-docs")
	if code != 2 || !strings.Contains(out, "--enable-docs") {
		t.Errorf("--enable-docs without installed docs: exit %d, %q; want 2 naming the option", code, out)
	}
	pkg := filepath.Join(dir, "site-packages", "mod_wsgi")
	so, err := os.ReadFile(testenv.ModulePath(t))
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, filepath.Join(pkg, "docs", "index.html"), "mod_wsgi docs index")
	mod := filepath.Join(pkg, "server", "mod_wsgi-py311.so")
	os.MkdirAll(filepath.Dir(mod), 0o755)
	if err := os.WriteFile(mod, so, 0o755); err != nil {
		t.Fatal(err)
	}
	s := testenv.Start(t, dir, "app.wsgi", "--mod-wsgi-module", mod, "--enable-docs")
	wantCode(t, s, "/__wsgi__/docs/", 200, "mod_wsgi docs index")
}

// Bad values: exit status 2 naming the option, nothing written.
func TestSiteValidation(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	testenv.WriteFile(t, filepath.Join(dir, "h.py"), "")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--error-document", "200", "/x.html"}, "--error-document"},
		{[]string{"--error-document", "404", "x.html"}, "--error-document"},
		{[]string{"--add-handler", "py", "h.py"}, "--add-handler"},
		{[]string{"--add-handler", ".py", "missing.py"}, "--add-handler"},
		{[]string{"--map-head-to-get", "maybe"}, "--map-head-to-get"},
		{[]string{"--auth-type", "Bearer", "--auth-user-script", "h.py"}, "--auth-type"},
		{[]string{"--auth-group", "a b"}, "--auth-group"},
		{[]string{"--auth-group-script", "h.py"}, "--auth-group-script"},
		{[]string{"--host-access-script", "nope.py"}, "--host-access-script"},
		{[]string{"--allow-override", "Everything"}, "--allow-override"},
		{[]string{"--directory-index", "../x"}, "--directory-index"},
		{[]string{"--with-php5"}, "--with-php5"},
		{[]string{"--include-file", "nope.conf"}, "--include-file"},
		{[]string{"--rewrite-rules", "nope.conf"}, "--rewrite-rules"},
		{[]string{"--envvars-script", "nope.sh"}, "--envvars-script"},
		{[]string{"--service-script", "bad name", "h.py"}, "--service-script"},
		{[]string{"--service-log-file", "other", "x.log"}, "--service-log-file"},
		{[]string{"--socket-prefix", "no-such-dir"}, "--socket-prefix"},
		{[]string{"--process-name", "x", "--shell-executable", "/bin/dash"}, "--process-name"},
	}
	for _, c := range cases {
		root := filepath.Join(dir, "root")
		args := append([]string{"setup-server", "app.wsgi", "--server-root", root}, c.args...)
		out, code := testenv.Run(t, dir, args...)
		if code != 2 || !strings.Contains(out, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 naming %s", c.args, code, out, c.want)
		}
		if _, err := os.Stat(root); err == nil {
			t.Errorf("%v: server root written despite the error", c.args)
			os.RemoveAll(root)
		}
	}
}

// daemonNamed reports whether a process's argv[0] is exactly name.
func daemonNamed(name string) bool {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.TrimRight(strings.SplitN(string(b), "\x00", 2)[0], " ") == name {
			return true
		}
	}
	return false
}

// By default the Apache parent is named "apache2 (mod_wsgi-express)" and
// daemon processes show their full display names.
func TestDefaultProcessName(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), siteApp)
	s := testenv.Start(t, dir, "app.wsgi")
	s.MustGet("/method")
	pid, _ := os.ReadFile(filepath.Join(s.Root, "httpd.pid"))
	cmdline, _ := os.ReadFile(filepath.Join("/proc", strings.TrimSpace(string(pid)), "cmdline"))
	if argv0 := strings.SplitN(string(cmdline), "\x00", 2)[0]; strings.TrimRight(argv0, " ") != "apache2 (mod_wsgi-express)" {
		t.Errorf("Apache parent's argv[0] is %q, want \"apache2 (mod_wsgi-express)\"", argv0)
	}
	if !daemonNamed(fmt.Sprintf("(wsgi:127.0.0.1:%d:0)", s.Port)) {
		t.Errorf("no daemon process shows its full display name:\n%s", strings.Join(testenv.Processes(0, "(wsgi:"), "\n"))
	}
}

// --rewrite-rules without a document root: the rules still see every
// request, and everything else reaches the application.
func TestRewriteRulesWithoutDocumentRoot(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), siteApp)
	testenv.WriteFile(t, filepath.Join(dir, "rules.conf"), "RewriteRule ^old-place$ /method [R=302,L]\n")
	s := testenv.Start(t, dir, "app.wsgi", "--rewrite-rules", "rules.conf")
	resp, _ := request(t, "GET", s.URL+"/old-place", nil)
	if resp.StatusCode != 302 || !strings.HasSuffix(resp.Header.Get("Location"), "/method") {
		t.Errorf("GET /old-place: %d Location %q, want a 302 to /method\n%s", resp.StatusCode, resp.Header.Get("Location"), s.ErrorLog())
	}
	wantCode(t, s, "/method", 200, "GET")
	wantCode(t, s, "/deep/path", 200, "hello from the app")
}
