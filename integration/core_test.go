// Package integration runs mod_wsgi-express against real Apache httpd and
// mod_wsgi on free loopback ports and checks the answers over HTTP.
package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// echoApp reports what the application saw, one key=value per line.
const echoApp = `import os
def application(environ, start_response):
    keys = ['SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING', 'mod_wsgi.process_group', 'FOO', 'BAR', 'wsgi.multiprocess']
    lines = ['%s=%s' % (k, environ.get(k)) for k in keys]
    lines.append('pid=%d' % os.getpid())
    lines.append('cwd=%s' % os.getcwd())
    if environ['PATH_INFO'] == '/slow':
        import time; time.sleep(0.3)
    body = ('\n'.join(lines) + '\n').encode('utf-8')
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [body]
`

func field(body, key string) string {
	for _, l := range strings.Split(body, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && k == key {
			return v
		}
	}
	return "<missing " + key + ">"
}

func TestScriptApp(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	s := testenv.Start(t, dir, "app.wsgi")
	testenv.ConfigTest(t, s.Root)
	body := s.MustGet("/hello/world?x=1")
	for k, want := range map[string]string{"SCRIPT_NAME": "", "PATH_INFO": "/hello/world", "QUERY_STRING": "x=1", "cwd": dir, "wsgi.multiprocess": "False"} {
		if got := field(body, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if pg := field(body, "mod_wsgi.process_group"); pg != fmt.Sprintf("127.0.0.1:%d", s.Port) {
		t.Errorf("process group %q: not running in the daemon process", pg)
	}
	for _, want := range []string{"Server URL", "Server Root", "Operating Mode   : daemon", "Request Capacity : 5 (1 process * 5 threads)"} {
		if !strings.Contains(s.Output(), want) {
			t.Errorf("summary lacks %q:\n%s", want, s.Output())
		}
	}
	s.Stop(syscall.SIGTERM)
}

func TestDefaultPageWithoutEntryPoint(t *testing.T) {
	s := testenv.Start(t, testenv.Dir(t))
	if body := s.MustGet("/"); !strings.Contains(body, "mod_wsgi-express is running") {
		t.Errorf("default page: %q", body)
	}
}

func TestModuleApp(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "mypkg", "__init__.py"), "")
	testenv.WriteFile(t, filepath.Join(dir, "mypkg", "web.py"), echoApp+`
def other(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'other callable']
`)
	t.Run("module", func(t *testing.T) {
		s := testenv.Start(t, dir, "--application-type", "module", "mypkg.web")
		testenv.ConfigTest(t, s.Root)
		if got := field(s.MustGet("/x"), "PATH_INFO"); got != "/x" {
			t.Errorf("PATH_INFO = %q", got)
		}
	})
	t.Run("module:callable", func(t *testing.T) {
		s := testenv.Start(t, dir, "--application-type", "module", "--entry-point", "mypkg.web:other")
		if got := s.MustGet("/"); got != "other callable" {
			t.Errorf("body = %q", got)
		}
	})
}

func TestStaticDirectory(t *testing.T) {
	dir := testenv.Dir(t)
	site := filepath.Join(dir, "site")
	testenv.WriteFile(t, filepath.Join(site, "index.html"), "<h1>home</h1>")
	testenv.WriteFile(t, filepath.Join(site, "css", "a.css"), "body{}")
	s := testenv.Start(t, dir, "--application-type", "static", "site")
	testenv.ConfigTest(t, s.Root)
	if got := s.MustGet("/css/a.css"); got != "body{}" {
		t.Errorf("a.css = %q", got)
	}
	if code, _ := s.Get("/missing"); code != 404 {
		t.Errorf("missing file: status %d, want 404", code)
	}
	for _, want := range []string{"Operating Mode   : static files", "Document Root    : " + site} {
		if !strings.Contains(s.Output(), want) {
			t.Errorf("summary lacks %q:\n%s", want, s.Output())
		}
	}
}

func TestURLAliasAndDocumentRoot(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	testenv.WriteFile(t, filepath.Join(dir, "robots.txt"), "robots")
	testenv.WriteFile(t, filepath.Join(dir, "assets", "app.js"), "js!")
	testenv.WriteFile(t, filepath.Join(dir, "docs", "page.html"), "docroot page")
	s := testenv.Start(t, dir, "app.wsgi",
		"--url-alias", "/robots.txt", "robots.txt",
		"--url-alias", "/static", "assets",
		"--document-root", "docs")
	testenv.ConfigTest(t, s.Root)
	if got := s.MustGet("/robots.txt"); got != "robots" {
		t.Errorf("file alias: %q", got)
	}
	if got := s.MustGet("/static/app.js"); got != "js!" {
		t.Errorf("directory alias: %q", got)
	}
	if got := s.MustGet("/page.html"); got != "docroot page" {
		t.Errorf("document root file: %q", got)
	}
	if got := field(s.MustGet("/not/a/file"), "PATH_INFO"); got != "/not/a/file" {
		t.Errorf("fallback to app: PATH_INFO %q", got)
	}
	if got := field(s.MustGet("/"), "SCRIPT_NAME"); got != "" {
		t.Errorf("fallback to app at /: SCRIPT_NAME %q", got)
	}
}

func TestMountPoint(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	s := testenv.Start(t, dir, "app.wsgi", "--mount-point", "/sub/")
	body := s.MustGet("/sub/a/b")
	if sn, pi := field(body, "SCRIPT_NAME"), field(body, "PATH_INFO"); sn != "/sub" || pi != "/a/b" {
		t.Errorf("SCRIPT_NAME %q PATH_INFO %q, want /sub and /a/b", sn, pi)
	}
	if code, _ := s.Get("/elsewhere"); code != 404 {
		t.Errorf("outside the mount point: status %d, want 404", code)
	}
}

func TestSetenvAndPassenv(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	// Quotes, backslashes and Apache's ${...} and %{...} stay literal.
	tricky := `a "quoted" \value\ ${HOME} %{GLOBAL} $(id) ` + "`id`"
	t.Setenv("BAR", "from the server's environment")
	s := testenv.Start(t, dir, "app.wsgi", "--setenv", "FOO", tricky, "--passenv", "BAR")
	body := s.MustGet("/")
	if got := field(body, "FOO"); got != tricky {
		t.Errorf("FOO = %q, want %q", got, tricky)
	}
	if got := field(body, "BAR"); got != "from the server's environment" {
		t.Errorf("BAR = %q: --passenv did not pass the variable into the WSGI environ", got)
	}
}

func TestTwoProcesses(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	s := testenv.Start(t, dir, "app.wsgi", "--processes", "2", "--threads", "2")
	pids := map[string]bool{}
	var mu sync.Mutex
	for round := 0; round < 5 && len(pids) < 2; round++ {
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := s.MustGet("/slow")
				mu.Lock()
				pids[field(body, "pid")] = true
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	if len(pids) != 2 {
		t.Errorf("answers came from %d daemon processes (%v), want 2", len(pids), pids)
	}
	if got := field(s.MustGet("/"), "wsgi.multiprocess"); got != "True" {
		t.Errorf("wsgi.multiprocess = %q with --processes 2", got)
	}
}

func TestStopSignalsLeaveNothing(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := testenv.Dir(t)
			testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
			s := testenv.Start(t, dir, "app.wsgi", "--processes", "2")
			s.MustGet("/")
			s.Stop(sig) // fails the test if any process remains
		})
	}
}

// Bad input: exit status 2, a message naming the option, and nothing
// written.
func TestValidationWritesNothing(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--setenv", "FOO", "a\nLoadModule evil /x.so"}, "--setenv"},
		{[]string{"--server-name", "x\r\nListen 1"}, "--server-name"},
		{[]string{"--mount-point", "no-slash"}, "--mount-point"},
		{[]string{"--port", "70000"}, "--port"},
		{[]string{"--threads", "0"}, "--threads"},
		{[]string{"--application-type", "bogus"}, "--application-type"},
		{[]string{"--url-alias", "/x"}, "--url-alias"},
		{[]string{"--log-level", "loud"}, "--log-level"},
		{[]string{"--callable-object", "app; import os"}, "--callable-object"},
		{[]string{"--initial-workers", "2"}, "--initial-workers"},
		{[]string{"--user", "no-such-user-here"}, "--user"},
		{[]string{"--no-such-flag"}, "no-such-flag"},
	}
	for _, c := range cases {
		root := filepath.Join(dir, "root")
		args := append([]string{"setup-server", "app.wsgi", "--server-root", root}, c.args...)
		out, code := testenv.Run(t, dir, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", c.args, code, out)
		}
		if !strings.Contains(out, c.want) {
			t.Errorf("%v: message does not name %s: %s", c.args, c.want, out)
		}
		if _, err := os.Stat(root); err == nil {
			t.Errorf("%v: server root was written despite the error", c.args)
			os.RemoveAll(root)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	testenv.Integration(t)
	for _, args := range [][]string{{}, {"no-such-command"}} {
		out, code := testenv.Run(t, testenv.Dir(t), args...)
		if code != 2 || !strings.Contains(out, "Usage") && !strings.Contains(out, "unknown command") {
			t.Errorf("%v: exit %d, output %q; want usage and exit 2", args, code, out)
		}
	}
}

func TestSetupServerIsRepeatable(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	root := filepath.Join(dir, "root")
	read := func() map[string][]byte {
		files := map[string][]byte{}
		ents, _ := os.ReadDir(root)
		for _, e := range ents {
			if !e.IsDir() {
				files[e.Name()], _ = os.ReadFile(filepath.Join(root, e.Name()))
			}
		}
		return files
	}
	args := []string{"setup-server", "app.wsgi", "--server-root", root, "--port", "8123", "--setenv", "A", "b"}
	if out, code := testenv.Run(t, dir, args...); code != 0 {
		t.Fatalf("setup-server: %d\n%s", code, out)
	}
	first := read()
	if out, code := testenv.Run(t, dir, args...); code != 0 {
		t.Fatalf("setup-server again: %d\n%s", code, out)
	}
	second := read()
	if len(first) < 6 {
		t.Fatalf("server root holds only %d files", len(first))
	}
	for name, data := range first {
		if !bytes.Equal(data, second[name]) {
			t.Errorf("%s differs between two runs with the same options", name)
		}
	}
	testenv.ConfigTest(t, root)
}

// A Paste Deploy application (Debian python3-pastedeploy): the .ini names
// a factory in a module beside it.
func TestPasteApp(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "pasteapp.py"), `
def make_app(global_config, **local_conf):
    greeting = local_conf.get('greeting', 'none')
    def app(environ, start_response):
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [('paste says %s' % greeting).encode()]
    return app
`)
	testenv.WriteFile(t, filepath.Join(dir, "site.ini"), "[app:main]\npaste.app_factory = pasteapp:make_app\ngreeting = hello\n")
	s := testenv.Start(t, dir, "--application-type", "paste", "site.ini", "--python-path", dir)
	testenv.ConfigTest(t, s.Root)
	if got := s.MustGet("/"); got != "paste says hello" {
		t.Errorf("paste app: %q", got)
	}
}

// Without paste.deploy importable, --application-type paste is refused
// before anything is written, with the install hint.
func TestPasteWithoutPasteDeploy(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "site.ini"), "[app:main]\npaste.app_factory = x:y\n")
	// A virtualenv of the module's Python without system site packages
	// cannot import Debian's paste.deploy.
	venv := filepath.Join(dir, "venv")
	if out, err := exec.Command("/usr/bin/python3", "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		t.Fatalf("venv: %v\n%s", err, out)
	}
	root := filepath.Join(dir, "root")
	out, code := testenv.Run(t, dir, "setup-server", "--application-type", "paste", "site.ini", "--python-home", venv, "--server-root", root)
	if code != 2 || !strings.Contains(out, "--application-type") || !strings.Contains(out, "paste.deploy") || !strings.Contains(out, "python3-pastedeploy") {
		t.Errorf("exit %d, output:\n%s\nwant exit 2 naming --application-type and how to install paste.deploy", code, out)
	}
	if _, err := os.Stat(root); err == nil {
		t.Error("a server root was written")
	}
}
