package integration

import (
	"fmt"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// An include file as users of the Python mod_wsgi-express write them: it
// loads a module from ${MOD_WSGI_MODULES_DIRECTORY}, reads the server
// root's variables, puts a login on a URL with mod_auth_basic and
// mod_wsgi's auth provider, and mounts a second WSGI script in the
// application's daemon process group (in Apache's children in embedded
// mode, told by the EMBEDDED_MODE define).
const includeConf = `<IfModule !headers_module>
LoadModule headers_module ${MOD_WSGI_MODULES_DIRECTORY}/mod_headers.so
</IfModule>
Header set X-Root "${MOD_WSGI_SERVER_ROOT}"
<Location /private>
    AuthType Basic
    AuthName "private"
    AuthBasicProvider wsgi
    WSGIAuthUserScript @DIR@/auth.wsgi
    Require valid-user
</Location>
<Directory @DIR@>
    Require all granted
</Directory>
<IfDefine !EMBEDDED_MODE>
WSGIScriptAlias /other @DIR@/other.wsgi process-group=${MOD_WSGI_LISTENER_HOST}:${MOD_WSGI_HTTP_PORT} application-group=%{GLOBAL}
</IfDefine>
<IfDefine EMBEDDED_MODE>
WSGIScriptAlias /other @DIR@/other.wsgi process-group=%{GLOBAL} application-group=%{GLOBAL}
</IfDefine>
`

// The variables and defines of the server root, as include files use them.
const varsConf = `Header set X-Vars "${MOD_WSGI_MODULES_DIRECTORY}|${MOD_WSGI_SERVER_ROOT}|${MOD_WSGI_LISTENER_HOST}|${MOD_WSGI_HTTP_PORT}|${MOD_WSGI_HTTPS_PORT}|${MOD_WSGI_USER}|${MOD_WSGI_GROUP}|${MOD_WSGI_WORKING_DIRECTORY}"
<IfDefine MOD_WSGI_KEEP_ALIVE>
Header set X-Keep-Alive on
</IfDefine>
<IfDefine !MOD_WSGI_WITH_HTTPS>
Header set X-Plain-HTTP on
</IfDefine>
<IfDefine MOD_WSGI_MULTIPROCESS>
Header set X-Multiprocess on
</IfDefine>
<IfDefine MOD_WSGI_MPM_EXISTS_PREFORK_MODULE>
<IfDefine MOD_WSGI_MPM_ENABLE_EVENT_MODULE>
Header set X-MPM event
</IfDefine>
<IfDefine MOD_WSGI_MPM_ENABLE_WORKER_MODULE>
Header set X-MPM worker
</IfDefine>
</IfDefine>
<IfDefine EMBEDDED_MODE>
Header set X-Embedded on
</IfDefine>
`

const pathApp = `def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [('main script_name=%s path_info=%s\n' % (environ['SCRIPT_NAME'], environ['PATH_INFO'])).encode()]
`

func includeDir(t *testing.T) string {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), pathApp)
	testenv.WriteFile(t, filepath.Join(dir, "other.wsgi"), "def application(environ, start_response):\n    start_response('200 OK', [])\n    return [b'other\\n']\n")
	testenv.WriteFile(t, filepath.Join(dir, "auth.wsgi"), "def check_password(environ, user, password):\n    return user == 'u' and password == 'p'\n")
	testenv.WriteFile(t, filepath.Join(dir, "extra.conf"), strings.ReplaceAll(includeConf, "@DIR@", dir))
	testenv.WriteFile(t, filepath.Join(dir, "vars.conf"), varsConf)
	testenv.WriteFile(t, filepath.Join(dir, "site", "robots.txt"), "robots\n")
	return dir
}

func headerOf(t *testing.T, s *testenv.Server, path, name string) string {
	t.Helper()
	resp, err := http.Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get(name)
}

// An include written for the Python tool starts and takes effect: its
// variables, its modules, its login and its WSGIScriptAlias, which the
// application does not swallow; files of the document root win over the
// application too. In daemon and embedded mode, in the main server and in
// a --server-name virtual host.
func TestIncludeFileOfThePythonTool(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
	}{
		{"daemon", nil},
		{"embedded", []string{"--embedded-mode"}},
		{"virtual host", []string{"--server-name", "127.0.0.1", "--processes", "2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := includeDir(t)
			args := append([]string{"app.wsgi", "--document-root", "site", "--include-file", "extra.conf", "--include-file", "vars.conf"}, c.args...)
			s := testenv.Start(t, dir, args...)
			testenv.ConfigTest(t, s.Root)
			if body := s.MustGet("/x/y"); !strings.Contains(body, "main script_name= path_info=/x/y") {
				t.Errorf("/x/y: %q", body)
			}
			if body := s.MustGet("/other"); body != "other\n" {
				t.Errorf("/other: %q, want the include's script", body)
			}
			if body := s.MustGet("/robots.txt"); body != "robots\n" {
				t.Errorf("/robots.txt: %q, want the document root's file", body)
			}
			if code, _ := s.Get("/private"); code != 401 {
				t.Errorf("/private without a login: %d, want 401", code)
			}
			req, _ := http.NewRequest("GET", s.URL+"/private", nil)
			req.SetBasicAuth("u", "p")
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
				t.Errorf("/private with a login: %v %v\n%s", resp, err, s.ErrorLog())
			} else {
				resp.Body.Close()
			}
			if got := headerOf(t, s, "/", "X-Root"); got != s.Root {
				t.Errorf("X-Root %q, want the server root %s", got, s.Root)
			}
			user, group := "www-data", "www-data"
			if os.Getuid() != 0 {
				user, group = currentUser(t)
			}
			want := strings.Join([]string{"/usr/lib/apache2/modules", s.Root, "127.0.0.1", strconv.Itoa(s.Port), "", user, group, dir}, "|")
			if got := headerOf(t, s, "/", "X-Vars"); got != want {
				t.Errorf("X-Vars\n got %q\nwant %q", got, want)
			}
			mpmWant := map[bool]string{true: "worker", false: "event"}[c.name == "embedded"] // embedded mode prefers worker, daemon mode event
			for h, want := range map[string]string{"X-Keep-Alive": "on", "X-Plain-HTTP": "on", "X-MPM": mpmWant,
				"X-Multiprocess": map[bool]string{true: "on", false: ""}[c.name == "virtual host"], "X-Embedded": map[bool]string{true: "on", false: ""}[c.name == "embedded"]} {
				if got := headerOf(t, s, "/", h); got != want {
					t.Errorf("%s %q, want %q (defines of apachectl)", h, got, want)
				}
			}
		})
	}
}

// currentUser is the names of the account and group of this process.
func currentUser(t *testing.T) (string, string) {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Fatal(err)
	}
	return u.Username, g.Name
}

// The mount point without its slash is redirected to it (301), as the
// Python tool's document root does, and the application sees its URL path
// split at the mount point; the rest of the document root is its own.
func TestMountPointRedirect(t *testing.T) {
	dir := includeDir(t)
	s := testenv.Start(t, dir, "app.wsgi", "--mount-point", "/sub", "--document-root", "site")
	resp, err := testenvClient.Get(s.URL + "/sub")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != 301 || loc != fmt.Sprintf("http://127.0.0.1:%d/sub/", s.Port) {
		t.Errorf("GET /sub: %d Location %q, want 301 to /sub/", resp.StatusCode, loc)
	}
	for path, want := range map[string]string{"/sub/": "script_name=/sub path_info=/", "/sub/a/b": "script_name=/sub path_info=/a/b"} {
		if body := s.MustGet(path); !strings.Contains(body, want) {
			t.Errorf("%s: %q, want %q", path, body, want)
		}
	}
	if body := s.MustGet("/robots.txt"); body != "robots\n" {
		t.Errorf("/robots.txt: %q", body)
	}
	if code, _ := s.Get("/subway"); code != 404 {
		t.Errorf("/subway: %d, want 404 (not under the mount point)", code)
	}
}

var testenvClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
