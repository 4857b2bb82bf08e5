package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// The platform wheel pip-installed offline into a fresh virtualenv of
// Debian's Python: its mod_wsgi-express command serves hello and
// manage.py runmodwsgi serves the Django example, both with the virtualenv
// as Python home although nothing says so (no activation, no
// --python-home), with nothing on PATH, and with Debian's mod_wsgi.
// It is installed as the README says to offline: pip install --no-index
// --find-links DIR mod_wsgi_express, DIR holding the wheel of
// scripts/build-wheels --platform host.
func TestWheelInstallDebianModule(t *testing.T) {
	testenv.Integration(t)
	venv := testenv.Venv(t)
	cmd := exec.Command(filepath.Join(venv, "bin", "pip"), "install", "-q", "--no-index", "--no-cache-dir",
		"--find-links", filepath.Dir(testenv.Wheel(t)), "mod_wsgi_express")
	cmd.Env = append(os.Environ(), "PIP_DISABLE_PIP_VERSION_CHECK=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README's offline install: %v\n%s", err, out)
	}
	checkWheelInstall(t, venv, "/usr/lib/apache2/modules/mod_wsgi.so (mod_wsgi ")
}

// The same with mod_wsgi 6.0.5 pip-installed into the virtualenv first
// (built from the vendored sdist): the server uses that module, found in
// the virtualenv the command was installed in. The wheel is installed
// second, so its mod_wsgi-express command replaces the one mod_wsgi also
// installs.
func TestWheelInstallPipModule(t *testing.T) {
	testenv.Integration(t)
	venv := testenv.Venv(t, testenv.ModWSGISdist(t), testenv.Wheel(t))
	modules, _ := filepath.Glob(filepath.Join(venv, "lib", "python3*", "site-packages", "mod_wsgi", "server", "mod_wsgi*.so"))
	if len(modules) != 1 {
		t.Fatalf("pip install mod_wsgi put %d modules in the virtualenv, want 1: %q", len(modules), modules)
	}
	checkWheelInstall(t, venv, modules[0]+" (mod_wsgi 6.0.5, ")
}

// wheelEnv is the environment of a user who has not activated the
// virtualenv: no $VIRTUAL_ENV, nothing of this project on PATH or
// PYTHONPATH, Debian's Python first.
func wheelEnv(t *testing.T) []string {
	const path = "/usr/sbin:/usr/bin:/sbin:/bin"
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "PATH", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "MOD_WSGI_EXPRESS_BINARY", "MOD_WSGI_MODULE":
		default:
			env = append(env, kv)
		}
	}
	for _, d := range filepath.SplitList(path) {
		if _, err := os.Stat(filepath.Join(d, "mod_wsgi-express")); err == nil {
			t.Fatalf("%s/mod_wsgi-express exists: this test needs a PATH (%s) without the command", d, path)
		}
	}
	return append(env, "PATH="+path, "PYTHONDONTWRITEBYTECODE=1")
}

func checkWheelInstall(t *testing.T, venv, module string) {
	env := wheelEnv(t)
	command := filepath.Join(venv, "bin", "mod_wsgi-express")
	python := filepath.Join(venv, "bin", "python")
	version := regexp.MustCompile(`^mod_wsgi_express-([^-]+)-`).FindStringSubmatch(filepath.Base(testenv.Wheel(t)))[1]

	// The command is this project's (the binary stamped with the wheel's
	// version), with the exit status passed through; python -m runs it too.
	for _, argv := range [][]string{{command}, {python, "-m", "mod_wsgi_express"}} {
		cmd := exec.Command(argv[0], append(argv[1:], "version")...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "mod_wsgi-express "+version+"\n") {
			t.Fatalf("%q version: %v\n%s\nwant the bundled binary, version %s", argv, err, out, version)
		}
		if !strings.Contains(string(out), "mod_wsgi: ") || !strings.Contains(string(out), strings.Fields(module)[0]) {
			t.Errorf("%q version does not find the module %s:\n%s", argv, strings.Fields(module)[0], out)
		}
		cmd = exec.Command(argv[0], append(argv[1:], "start-server", "--processes", "many")...)
		cmd.Env = env
		out, _ = cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "--processes") {
			t.Errorf("%q start-server --processes many: exit %d, %q; want the binary's usage error, exit 2", argv, code, out)
		}
	}
	summary := func(s *testenv.Server) {
		t.Helper()
		for _, want := range []string{"Python Home      : " + venv + "\n", "mod_wsgi Module  : " + module} {
			if !strings.Contains(s.Output(), want) {
				t.Errorf("summary lacks %q:\n%s", want, s.Output())
			}
		}
	}

	t.Run("hello", func(t *testing.T) {
		dir := example(t, "hello")
		port := testenv.FreePort(t)
		root := filepath.Join(testenv.Dir(t), "root")
		cmd := exec.Command(command, "start-server", "hello.wsgi", "--port", strconv.Itoa(port), "--host", "127.0.0.1", "--server-root", root)
		cmd.Dir, cmd.Env = dir, env
		s := testenv.StartCommand(t, cmd, port, root)
		if got := s.MustGet("/"); got != "Hello from Apache and mod_wsgi!\n" {
			t.Errorf("hello: %q", got)
		}
		summary(s)
	})

	t.Run("django", func(t *testing.T) {
		dir := example(t, "django")
		for _, args := range [][]string{{"migrate", "--noinput"}, {"collectstatic", "--noinput"}} {
			cmd := exec.Command(python, append([]string{"manage.py"}, args...)...)
			cmd.Dir, cmd.Env = dir, env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("manage.py %v: %v\n%s", args, err, out)
			}
		}
		os.Chmod(filepath.Join(dir, "db.sqlite3"), 0o644)
		port := testenv.FreePort(t)
		root := filepath.Join(testenv.Dir(t), "root")
		cmd := exec.Command(python, "manage.py", "runmodwsgi", "--port", strconv.Itoa(port), "--host", "127.0.0.1", "--server-root", root)
		cmd.Dir, cmd.Env = dir, env
		s := testenv.StartCommand(t, cmd, port, root)
		if got := s.MustGet("/"); got != "Hello from Django on Apache and mod_wsgi!\n" {
			t.Errorf("index: %q", got)
		}
		if got := s.MustGet("/admin/login/"); !strings.Contains(got, "Django administration") {
			t.Errorf("admin login page: %.200q", got)
		}
		if got := s.MustGet("/static/admin/css/base.css"); !strings.Contains(got, "body") {
			t.Errorf("admin CSS: %.200q", got)
		}
		summary(s)
	})
}
