package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// example copies examples/NAME into a directory Apache's children can
// read (the checkout may live under a private home directory).
func example(t *testing.T, name string) string {
	dir := filepath.Join(testenv.Dir(t), name)
	testenv.CopyDir(t, filepath.Join(testenv.RepoRoot(), "examples", name), dir)
	return dir
}

func TestExampleHello(t *testing.T) {
	s := testenv.Start(t, example(t, "hello"), "hello.wsgi")
	if got := s.MustGet("/"); got != "Hello from Apache and mod_wsgi!\n" {
		t.Errorf("hello: %q", got)
	}
}

func TestExampleFlask(t *testing.T) {
	s := testenv.Start(t, example(t, "flask"), "--application-type", "module", "app:app")
	if got := s.MustGet("/hello/apache"); got != "Hello, apache!\n" {
		t.Errorf("flask: %q", got)
	}
}

func TestExampleStatic(t *testing.T) {
	dir := example(t, "static")
	s := testenv.Start(t, dir, "--application-type", "static", dir)
	if got := s.MustGet("/"); !strings.Contains(got, "A static site served by Apache") {
		t.Errorf("static index: %q", got)
	}
	if got := s.MustGet("/style.css"); !strings.Contains(got, "font-family") {
		t.Errorf("style.css: %q", got)
	}
}

// djangoProject copies the example project and prepares it as a user
// would: migrate and collectstatic, with the runmodwsgi app importable.
func djangoProject(t *testing.T) (dir string, env []string) {
	testenv.Integration(t)
	dir = example(t, "django")
	env = append(os.Environ(),
		"PYTHONPATH="+filepath.Join(testenv.RepoRoot(), "python"),
		"PYTHONDONTWRITEBYTECODE=1",
		"MOD_WSGI_EXPRESS_BINARY="+testenv.Binary(t))
	for _, args := range [][]string{{"migrate", "--noinput"}, {"collectstatic", "--noinput"}} {
		cmd := exec.Command("/usr/bin/python3", append([]string{"manage.py"}, args...)...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("manage.py %v: %v\n%s", args, err, out)
		}
	}
	// The database and collected files are read by Apache's children.
	os.Chmod(filepath.Join(dir, "db.sqlite3"), 0o644)
	return dir, env
}

func TestDjangoRunmodwsgi(t *testing.T) {
	dir, env := djangoProject(t)
	port := testenv.FreePort(t)
	root := filepath.Join(testenv.Dir(t), "root")
	cmd := exec.Command("/usr/bin/python3", "manage.py", "runmodwsgi",
		"--port", strconv.Itoa(port), "--host", "127.0.0.1", "--server-root", root)
	cmd.Dir, cmd.Env = dir, env
	s := testenv.StartCommand(t, cmd, port, root)
	testenv.ConfigTest(t, root)

	if got := s.MustGet("/"); got != "Hello from Django on Apache and mod_wsgi!\n" {
		t.Errorf("index: %q", got)
	}
	if got := s.MustGet("/admin/login/"); !strings.Contains(got, "Django administration") {
		t.Errorf("admin login page: %.200q", got)
	}
	// DEBUG is off, so Django serves no static files: a 200 comes from
	// Apache. Django's responses carry X-Frame-Options (its clickjacking
	// middleware); Apache's do not.
	resp, err := httpClient.Get(s.URL + "/static/admin/css/base.css")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("admin CSS: status %d", resp.StatusCode)
	}
	if xfo := resp.Header.Get("X-Frame-Options"); xfo != "" {
		t.Errorf("admin CSS came through Django (X-Frame-Options %q), not Apache", xfo)
	}
	if !strings.Contains(s.Output(), "mysite.wsgi") {
		t.Errorf("summary does not show the entry point:\n%s", s.Output())
	}
}

func TestDjangoRunmodwsgiHelpAndErrors(t *testing.T) {
	dir, env := djangoProject(t)
	cmd := exec.Command("/usr/bin/python3", "manage.py", "runmodwsgi", "--help")
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("runmodwsgi --help: %v\n%s", err, out)
	}
	for _, want := range []string{"--port", "--reload-on-changes", "--setup-only", "WSGI_APPLICATION"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("runmodwsgi --help lacks %q", want)
		}
	}
	// Pass-through options reach start-server: --setup-only writes the
	// server root and returns.
	root := filepath.Join(testenv.Dir(t), "root")
	cmd = exec.Command("/usr/bin/python3", "manage.py", "runmodwsgi", "--setup-only", "--server-root", root, "--port", "8765")
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("runmodwsgi --setup-only: %v\n%s", err, out)
	}
	conf, err := os.ReadFile(filepath.Join(root, "httpd.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf), `Alias "/static" "`+filepath.Join(dir, "staticfiles")+`"`) {
		t.Errorf("STATIC_URL is not aliased to STATIC_ROOT in httpd.conf")
	}
	testenv.ConfigTest(t, root)

	cmd = exec.Command("/usr/bin/python3", "manage.py", "runmodwsgi")
	cmd.Dir = dir
	cmd.Env = append(env, "MOD_WSGI_EXPRESS_BINARY=/nonexistent/mod_wsgi-express")
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "MOD_WSGI_EXPRESS_BINARY") {
		t.Errorf("missing binary: err %v, output %q; want a failure naming MOD_WSGI_EXPRESS_BINARY", err, out)
	}
}

// The README's Django recipe: a virtualenv of the module's Python with
// the system's Django, `pip install ./python`, runmodwsgi from the venv.
// The application then runs with the venv as its Python home.
func TestDjangoPipInstallRecipe(t *testing.T) {
	dir, _ := djangoProject(t)
	venv := filepath.Join(testenv.Dir(t), "venv")
	pkg := filepath.Join(testenv.Dir(t), "python")
	testenv.CopyDir(t, filepath.Join(testenv.RepoRoot(), "python"), pkg) // pip builds in place
	for _, args := range [][]string{
		{"/usr/bin/python3", "-m", "venv", "--system-site-packages", venv},
		// Offline here: build with the system's setuptools, no index.
		{filepath.Join(venv, "bin", "pip"), "install", "-q", "--no-build-isolation", "--no-index", pkg},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	port := testenv.FreePort(t)
	root := filepath.Join(testenv.Dir(t), "root")
	cmd := exec.Command(filepath.Join(venv, "bin", "python"), "manage.py", "runmodwsgi",
		"--port", strconv.Itoa(port), "--host", "127.0.0.1", "--server-root", root)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MOD_WSGI_EXPRESS_BINARY="+testenv.Binary(t), "PYTHONDONTWRITEBYTECODE=1")
	s := testenv.StartCommand(t, cmd, port, root)
	if got := s.MustGet("/admin/login/"); !strings.Contains(got, "Django administration") {
		t.Errorf("admin login page: %.200q", got)
	}
	if !strings.Contains(s.Output(), "Python Home      : "+venv) {
		t.Errorf("the server does not run with the virtualenv as Python home:\n%s", s.Output())
	}
}
