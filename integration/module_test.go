package integration

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

const (
	debianModules = "/usr/lib/apache2/modules"
	moduleLibPy   = "/usr/bin/python3" // Debian's Python 3.11, which mod_wsgi links
)

// helloApp answers with a fixed text and the Python prefix it runs in.
const helloApp = `import sys
def application(environ, start_response):
    body = ('hello from hand-written config\nprefix=%s\n' % sys.prefix).encode()
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [body]
`

// run runs the binary and fails unless it exits with want.
func run(t *testing.T, dir string, want int, args ...string) string {
	t.Helper()
	out, code := testenv.Run(t, dir, args...)
	if code != want {
		t.Fatalf("%s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
	}
	return out
}

// serveWithModuleLines writes a minimal Apache configuration by hand around
// the given module lines, starts Apache on it and returns what / answers.
func serveWithModuleLines(t *testing.T, lines string) string {
	t.Helper()
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), helloApp)
	port := testenv.FreePort(t)
	var conf strings.Builder
	fmt.Fprintf(&conf, `ServerRoot "%[1]s"
DefaultRuntimeDir "%[1]s"
PidFile "%[1]s/httpd.pid"
ErrorLog "%[1]s/error_log"
ServerName localhost
Listen 127.0.0.1:%[2]d
LoadModule mpm_event_module "%[3]s/mod_mpm_event.so"
LoadModule authz_core_module "%[3]s/mod_authz_core.so"
`, dir, port, debianModules)
	if os.Getuid() == 0 {
		conf.WriteString("User www-data\nGroup www-data\n")
	}
	conf.WriteString("# From mod_wsgi-express module-config:\n" + lines + "\n")
	// A daemon process group, as people configure: embedded mode on the
	// event MPM leaves children that take ten seconds to stop.
	fmt.Fprintf(&conf, `WSGISocketPrefix "%[1]s/wsgi"
WSGIDaemonProcess hello threads=2
WSGIProcessGroup hello
WSGIScriptAlias / "%[1]s/app.wsgi"
<Directory "%[1]s">
    Require all granted
</Directory>
`, dir)
	path := testenv.WriteFile(t, filepath.Join(dir, "httpd.conf"), conf.String())
	s := testenv.StartHTTPD(t, "/usr/sbin/apache2", path, dir, port)
	return s.MustGet("/")
}

// noVirtualenv leaves discovery nothing but the module under test: no
// virtualenv, and $MOD_WSGI_MODULE only when the tests run against a
// module of their own choosing (testenv.Module).
func noVirtualenv(t *testing.T) {
	t.Setenv("VIRTUAL_ENV", "")
	t.Setenv("MOD_WSGI_MODULE", testenv.Module())
}

// withoutLibPythonLoadFile drops a first line "LoadFile" of the system's
// libpython3.11 from module-config's lines when the module under test names
// a run path (a pip-built module does): loading it first is redundant, but
// harmless, and the module lines say so explicitly on purpose. Debian's
// module names none, and then no LoadFile line may be printed.
func withoutLibPythonLoadFile(t *testing.T, lines string) string {
	t.Helper()
	first, rest, _ := strings.Cut(lines, "\n")
	if !strings.HasPrefix(first, "LoadFile ") || !strings.Contains(first, "/libpython3.11.so") {
		return lines
	}
	f, err := elf.Open(testenv.ModulePath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if paths, _ := f.DynString(elf.DT_RUNPATH); len(paths) == 0 {
		return lines
	}
	return rest
}

func TestModuleConfigInHandWrittenConfig(t *testing.T) {
	testenv.Integration(t)
	noVirtualenv(t)
	dir := testenv.Dir(t)
	module := testenv.ModulePath(t)
	lines := run(t, dir, 0, "module-config")
	want := "LoadModule wsgi_module \"" + module + "\"\nWSGIPythonHome \"/usr\"\n"
	if got := withoutLibPythonLoadFile(t, lines); got != want {
		t.Errorf("module-config printed\n%s\nwant\n%s", lines, want)
	}
	if loc := run(t, dir, 0, "module-location"); loc != module+"\n" {
		t.Errorf("module-location printed %q", loc)
	}
	body := serveWithModuleLines(t, lines)
	if !strings.Contains(body, "hello from hand-written config") || !strings.Contains(body, "prefix=/usr\n") {
		t.Errorf("answer %q", body)
	}
	if out, code := testenv.Run(t, dir, "module-config", "extra"); code != 2 {
		t.Errorf("module-config with an argument: exit %d, want 2\n%s", code, out)
	}
}

func TestInstallModule(t *testing.T) {
	testenv.Integration(t)
	noVirtualenv(t)
	dir := testenv.Dir(t)
	target := filepath.Join(dir, "modules")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	lines := run(t, dir, 0, "install-module", "--modules-directory", target)
	copyPath := filepath.Join(target, filepath.Base(testenv.ModulePath(t))) // the name it has, as upstream
	if !strings.Contains(lines, "LoadModule wsgi_module \""+copyPath+"\"\n") || !strings.Contains(lines, "WSGIPythonHome \"/usr\"") {
		t.Errorf("install-module printed\n%s", lines)
	}
	got, err := os.ReadFile(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(testenv.ModulePath(t))
	if !bytes.Equal(got, orig) {
		t.Error("the copy differs from the module")
	}
	body := serveWithModuleLines(t, lines)
	if !strings.Contains(body, "hello from hand-written config") {
		t.Errorf("answer %q", body)
	}
	if out, code := testenv.Run(t, dir, "install-module", "--modules-directory", filepath.Join(dir, "missing")); code != 2 || !strings.Contains(out, "--modules-directory") {
		t.Errorf("missing directory: exit %d\n%s", code, out)
	}
}

// venvApp imports a module found only in the virtualenv.
const venvApp = `import sys
import h6_only_in_venv
def application(environ, start_response):
    body = ('%s\nprefix=%s\n' % (h6_only_in_venv.MESSAGE, sys.prefix)).encode()
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [body]
`

// makeVenv makes a real virtualenv with the module's Python holding a
// package the system lacks.
func makeVenv(t *testing.T) string {
	t.Helper()
	venv := filepath.Join(testenv.Dir(t), "venv")
	if out, err := exec.Command(moduleLibPy, "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		t.Fatalf("python3 -m venv: %v\n%s", err, out)
	}
	testenv.WriteFile(t, filepath.Join(venv, "lib", "python3.11", "site-packages", "h6_only_in_venv.py"), "MESSAGE = 'imported from the virtualenv'\n")
	if err := exec.Command(moduleLibPy, "-c", "import h6_only_in_venv").Run(); err == nil {
		t.Fatal("the system Python has h6_only_in_venv: the test proves nothing")
	}
	return venv
}

func TestVirtualenvApp(t *testing.T) {
	testenv.Integration(t)
	noVirtualenv(t)
	venv := makeVenv(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), venvApp)
	check := func(t *testing.T, s *testenv.Server) {
		body := s.MustGet("/")
		if !strings.Contains(body, "imported from the virtualenv") || !strings.Contains(body, "prefix="+venv+"\n") {
			t.Errorf("answer %q, want the virtualenv's package and prefix %s", body, venv)
		}
		if !strings.Contains(s.Output(), "Python Home") || !strings.Contains(s.Output(), venv) {
			t.Errorf("summary does not name the virtualenv:\n%s", s.Output())
		}
	}
	t.Run("VIRTUAL_ENV", func(t *testing.T) {
		t.Setenv("VIRTUAL_ENV", venv)
		check(t, testenv.Start(t, dir, "app.wsgi"))
	})
	t.Run("python-executable", func(t *testing.T) {
		check(t, testenv.Start(t, dir, "app.wsgi", "--python-executable", filepath.Join(venv, "bin", "python")))
	})
	t.Run("module-config", func(t *testing.T) {
		t.Setenv("VIRTUAL_ENV", venv)
		lines := run(t, dir, 0, "module-config")
		if !strings.Contains(lines, "WSGIPythonHome \""+venv+"\"") {
			t.Errorf("module-config with a virtualenv printed\n%s", lines)
		}
	})
}

// fakeVenv312 is a virtualenv of Python 3.12, which this mod_wsgi was not
// built for.
func fakeVenv312(t *testing.T) string {
	venv := filepath.Join(testenv.Dir(t), "venv312")
	testenv.WriteFile(t, filepath.Join(venv, "pyvenv.cfg"), "home = /opt/python3.12/bin\ninclude-system-site-packages = false\nversion = 3.12.1\n")
	if err := os.MkdirAll(filepath.Join(venv, "lib", "python3.12", "site-packages"), 0o755); err != nil {
		t.Fatal(err)
	}
	return venv
}

func TestWrongVersionVirtualenv(t *testing.T) {
	testenv.Integration(t)
	noVirtualenv(t)
	venv := fakeVenv312(t)
	dir := testenv.Dir(t)
	t.Setenv("VIRTUAL_ENV", venv)
	out := run(t, dir, 2, "start-server", "--setup-only", "--server-root", filepath.Join(dir, "root"))
	for _, want := range []string{venv, "Python 3.12", "built for Python 3.11", "mod_wsgi built for Python 3.12", "virtualenv of Python 3.11"} {
		if !strings.Contains(out, want) {
			t.Errorf("error lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "root")); err == nil {
		t.Error("a server root was written despite the error")
	}
	t.Setenv("VIRTUAL_ENV", "")
	out = run(t, dir, 2, "module-config", "--python-executable", filepath.Join(venv, "bin", "python"))
	if !strings.Contains(out, "--python-executable") {
		t.Errorf("error does not name the option:\n%s", out)
	}
}

// doctorLine returns the doctor's line for a check.
func doctorLine(out, name string) string {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) > 1 && strings.HasPrefix(strings.TrimSpace(l[len(f[0]):]), name+" ") {
			return l
		}
	}
	return ""
}

func TestDoctorOKHere(t *testing.T) {
	testenv.Integration(t)
	noVirtualenv(t)
	dir := testenv.Dir(t)
	port := strconv.Itoa(testenv.FreePort(t))
	out := run(t, dir, 0, "doctor", "--host", "127.0.0.1", "--port", port, "--server-root", filepath.Join(dir, "root"))
	for _, name := range []string{"Apache", "modules directory", "MPM event", "MPM worker", "MPM prefork", "mod_wsgi module", "Python", "virtualenv", "mime.types", "port", "server root", "account", "module loads"} {
		l := doctorLine(out, name)
		if !strings.HasPrefix(l, "OK ") {
			t.Errorf("%s: line %q, want OK\n%s", name, l, out)
		}
	}
	for _, want := range []string{"Apache/2.4", "mod_wsgi " + testenv.ModuleVersion(t), "libpython3.11", "Python 3.11.", "home /usr", "www-data"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor does not say %q:\n%s", want, out)
		}
	}

	jsonOut, code := testenv.Run(t, dir, "doctor", "--json", "--host", "127.0.0.1", "--port", port)
	var r struct {
		OK     bool
		Checks []struct{ Name, Status, Detail, Fix string }
	}
	if err := json.Unmarshal([]byte(jsonOut), &r); err != nil || code != 0 {
		t.Fatalf("doctor --json: exit %d, %v\n%s", code, err, jsonOut)
	}
	if !r.OK || len(r.Checks) < 12 {
		t.Errorf("doctor --json: ok %v, %d checks", r.OK, len(r.Checks))
	}
	for _, c := range r.Checks {
		if c.Status != "OK" && c.Status != "WARN" {
			t.Errorf("check %+v", c)
		}
	}
}

func TestDoctorFailures(t *testing.T) {
	testenv.Integration(t)
	noVirtualenv(t)
	dir := testenv.Dir(t)
	port := strconv.Itoa(testenv.FreePort(t))
	base := []string{"doctor", "--host", "127.0.0.1", "--port", port}

	t.Run("missing module", func(t *testing.T) {
		out := run(t, dir, 1, append(base, "--mod-wsgi-module", "/nonexistent")...)
		l := doctorLine(out, "mod_wsgi module")
		if !strings.HasPrefix(l, "FAIL") || !strings.Contains(l, "/nonexistent") || !strings.Contains(l, "Fix: ") {
			t.Errorf("line %q\n%s", l, out)
		}
	})
	t.Run("wrong-version virtualenv", func(t *testing.T) {
		t.Setenv("VIRTUAL_ENV", fakeVenv312(t))
		out := run(t, dir, 1, base...)
		l := doctorLine(out, "virtualenv")
		for _, want := range []string{"FAIL", "Python 3.12", "built for Python 3.11", "Fix: ", "mod_wsgi built for Python 3.12", "virtualenv of Python 3.11"} {
			if !strings.Contains(l, want) {
				t.Errorf("line lacks %q: %q", want, l)
			}
		}
	})
	t.Run("busy port", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		busy := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		out := run(t, dir, 1, "doctor", "--host", "127.0.0.1", "--port", busy)
		l := doctorLine(out, "port")
		if !strings.HasPrefix(l, "FAIL") || !strings.Contains(l, busy) || !strings.Contains(l, "Fix: ") || !strings.Contains(l, "--port") {
			t.Errorf("line %q\n%s", l, out)
		}
		jsonOut, code := testenv.Run(t, dir, "doctor", "--json", "--host", "127.0.0.1", "--port", busy)
		var r struct {
			OK     bool
			Checks []struct{ Name, Status, Fix string }
		}
		if err := json.Unmarshal([]byte(jsonOut), &r); err != nil || code != 1 || r.OK {
			t.Fatalf("doctor --json: exit %d, ok %v, %v\n%s", code, r.OK, err, jsonOut)
		}
	})
	t.Run("module for another Python", func(t *testing.T) {
		// A stand-in mod_wsgi linking libpython3.12, which is not installed.
		other := filepath.Join(testenv.RepoRoot(), "internal", "fakehost", "testdata", "elf", "mod_wsgi-py312.so")
		out := run(t, dir, 1, append(base, "--mod-wsgi-module", other)...)
		l := doctorLine(out, "mod_wsgi module")
		for _, want := range []string{"FAIL", "libpython3.12.so.1.0", "Fix: ", "Python 3.12"} {
			if !strings.Contains(l, want) {
				t.Errorf("line lacks %q: %q", want, l)
			}
		}
		out = run(t, dir, 2, "start-server", "--setup-only", "--server-root", filepath.Join(dir, "root"), "--mod-wsgi-module", other)
		if !strings.Contains(out, "libpython3.12.so.1.0") || !strings.Contains(out, "built for Python 3.12") {
			t.Errorf("start-server error:\n%s", out)
		}
	})
	t.Run("usage error", func(t *testing.T) {
		run(t, dir, 2, "doctor", "--no-such-flag")
	})
	// A value no machine accepts exits 2, as start-server would, and the
	// report still shows every other check.
	t.Run("bad value", func(t *testing.T) {
		out := run(t, dir, 2, "doctor", "--port", "0")
		if l := doctorLine(out, "port"); !strings.HasPrefix(l, "FAIL") || !strings.Contains(l, "--port") || !strings.Contains(l, "Fix: ") {
			t.Errorf("port line %q", l)
		}
		if !strings.HasPrefix(doctorLine(out, "Apache"), "OK") || !strings.Contains(out, "option's value is wrong") {
			t.Errorf("doctor --port 0:\n%s", out)
		}
		// A control character stops the checks at once: nothing else is
		// looked at with such a value.
		out = run(t, dir, 2, "doctor", "--host", "a\nb")
		if l := doctorLine(out, "options"); !strings.HasPrefix(l, "FAIL") || !strings.Contains(l, "--host") {
			t.Errorf("doctor --host 'a\\nb':\n%s", out)
		}
		jsonOut, code := testenv.Run(t, dir, "doctor", "--json", "--port", "70000")
		var r struct {
			OK       bool `json:"ok"`
			BadInput bool `json:"bad_input"`
		}
		if err := json.Unmarshal([]byte(jsonOut), &r); err != nil || code != 2 || !r.BadInput {
			t.Errorf("doctor --json --port 70000: exit %d, %+v, %v\n%s", code, r, err, jsonOut)
		}
	})
}
