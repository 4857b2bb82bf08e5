package express

import (
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

func TestDiscoverLayouts(t *testing.T) {
	cases := []struct {
		name                             string
		l                                layout
		httpd, modules, mime, module     string
		version, python, libpython, home string
		loadFile                         bool
		lines                            []string
	}{
		{"debian", debianLayout(), "/usr/sbin/apache2", "/usr/lib/apache2/modules", "/etc/mime.types",
			"/usr/lib/apache2/modules/mod_wsgi.so", "4.9.4", "3.11", "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0", "/usr", false,
			[]string{`LoadModule wsgi_module "/usr/lib/apache2/modules/mod_wsgi.so"`, `WSGIPythonHome "/usr"`}},
		{"fedora", fakehost.Fedora(), "/usr/sbin/httpd", "/usr/lib64/httpd/modules", "/etc/mime.types",
			"/usr/lib64/httpd/modules/mod_wsgi_python3.so", "4.9.4", "3.11", "/usr/lib64/libpython3.11.so.1.0", "/usr", false,
			[]string{`LoadModule wsgi_module "/usr/lib64/httpd/modules/mod_wsgi_python3.so"`, `WSGIPythonHome "/usr"`}},
		{"homebrew", fakehost.Homebrew(), "/home/linuxbrew/.linuxbrew/bin/httpd", "/home/linuxbrew/.linuxbrew/lib/httpd/modules",
			"/home/linuxbrew/.linuxbrew/etc/httpd/mime.types", "/home/linuxbrew/.linuxbrew/lib/httpd/modules/mod_wsgi.so", "5.0.2", "3.12",
			"/home/linuxbrew/.linuxbrew/Cellar/python@3.12/3.12.3/lib/libpython3.12.so.1.0", "/home/linuxbrew/.linuxbrew/Cellar/python@3.12/3.12.3", true,
			[]string{`LoadFile "/home/linuxbrew/.linuxbrew/Cellar/python@3.12/3.12.3/lib/libpython3.12.so.1.0"`,
				`LoadModule wsgi_module "/home/linuxbrew/.linuxbrew/lib/httpd/modules/mod_wsgi.so"`,
				`WSGIPythonHome "/home/linuxbrew/.linuxbrew/Cellar/python@3.12/3.12.3"`}},
		{"source", fakehost.SourceBuild(), "/usr/local/apache2/bin/httpd", "/usr/local/apache2/modules", "/usr/local/apache2/conf/mime.types",
			"/usr/local/apache2/modules/mod_wsgi.so", "5.0.2", "3.12", "/opt/py312/lib/libpython3.12.so.1.0", "/opt/py312", true,
			[]string{`LoadFile "/opt/py312/lib/libpython3.12.so.1.0"`, `LoadModule wsgi_module "/usr/local/apache2/modules/mod_wsgi.so"`, `WSGIPythonHome "/opt/py312"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := fakeHost(t, c.l, 1000)
			o := DefaultOptions()
			d, err := discover.Discover(h, o.Given())
			if err != nil {
				t.Fatal(err)
			}
			mi := d.Module
			for _, chk := range []struct{ what, got, want string }{
				{"httpd", d.HTTPD, c.httpd}, {"modules directory", d.ModulesDir, c.modules}, {"mime.types", d.MimeTypes, c.mime},
				{"module", mi.Path, c.module}, {"mod_wsgi version", mi.Version, c.version}, {"Python version", mi.PythonVersion, c.python},
				{"libpython", mi.LibPython, c.libpython}, {"Python home", mi.PythonHome, c.home},
			} {
				if chk.got != chk.want {
					t.Errorf("%s = %q, want %q", chk.what, chk.got, chk.want)
				}
			}
			if mi.NeedsLoadFile != c.loadFile {
				t.Errorf("NeedsLoadFile = %v, want %v", mi.NeedsLoadFile, c.loadFile)
			}
			s, err := discover.FindModuleSetup(h, o.Given())
			if err != nil {
				t.Fatal(err)
			}
			if got := discover.ModuleLines(s.Module, s.Module.Path, s.Python); strings.Join(got, "\n") != strings.Join(c.lines, "\n") {
				t.Errorf("module-config lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.lines, "\n"))
			}
			// The whole resolve works on this layout too.
			if _, err := Resolve(o, h); err != nil {
				t.Errorf("Resolve: %v", err)
			}
		})
	}
}

// wrongVenv adds a virtualenv of Python 3.12 at /venv312.
func wrongVenv(l layout) {
	l.Files["/venv312/pyvenv.cfg"] = "home = /opt/py312/bin\ninclude-system-site-packages = false\nversion = 3.12.1\n"
	l.Files["/venv312/lib/python3.12/site-packages/"] = ""
	l.Files["/venv312/bin/python"] = ""
}

func TestVirtualenvChoice(t *testing.T) {
	l := debianLayout()
	wrongVenv(l)
	l.Files["/venv311/pyvenv.cfg"] = "home = /usr/bin\nversion = 3.11.2\n"
	l.Files["/venv311/lib/python3.11/site-packages/"] = ""
	l.Links["/venv311/bin/python"] = "/usr/bin/python3.11"
	for _, c := range []struct {
		name     string
		env      map[string]string
		setup    func(*Options)
		home     string
		source   string
		errParts []string
	}{
		{"none", nil, nil, "/usr", "the module's Python", nil},
		{"VIRTUAL_ENV", map[string]string{"VIRTUAL_ENV": "/venv311"}, nil, "/venv311", "$VIRTUAL_ENV", nil},
		{"python-home", nil, func(o *Options) { o.PythonHome = "/venv311" }, "/venv311", "--python-home", nil},
		{"python-executable", nil, func(o *Options) { o.PythonExecutable = "/venv311/bin/python" }, "/venv311", "--python-executable", nil},
		{"python-home /usr", nil, func(o *Options) { o.PythonHome = "/usr" }, "/usr", "--python-home", nil},
		{"wrong VIRTUAL_ENV", map[string]string{"VIRTUAL_ENV": "/venv312"}, nil, "", "",
			[]string{"$VIRTUAL_ENV /venv312", "Python 3.12", "built for Python 3.11", "mod_wsgi built for Python 3.12", "virtualenv of Python 3.11", "/usr/bin/python3.11 -m venv"}},
		{"wrong python-executable", nil, func(o *Options) { o.PythonExecutable = "/venv312/bin/python" }, "", "",
			[]string{"--python-executable", "Python 3.12", "Python 3.11"}},
		{"both", nil, func(o *Options) { o.PythonExecutable = "/venv311/bin/python"; o.PythonHome = "/venv311" }, "", "",
			[]string{"not both"}},
		{"missing executable", nil, func(o *Options) { o.PythonExecutable = "/nowhere/bin/python" }, "", "",
			[]string{"--python-executable", "/nowhere/bin/python"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := fakeHost(t, l, 1000)
			for k, v := range c.env {
				h.Env[k] = v
			}
			o := DefaultOptions()
			if c.setup != nil {
				c.setup(&o)
			}
			p, err := Resolve(o, h)
			if c.errParts != nil {
				if err == nil {
					t.Fatal("no error")
				}
				if !fault.IsUsage(err) {
					t.Errorf("not a usage error: %v", err)
				}
				for _, part := range c.errParts {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error lacks %q: %v", part, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Paths.Python.Home != c.home || p.Paths.Python.Source != c.source {
				t.Errorf("home %q from %q, want %q from %q", p.Paths.Python.Home, p.Paths.Python.Source, c.home, c.source)
			}
			if c.home != "/usr" && !strings.Contains(strings.Join(p.Daemon.Options, " "), `python-home="`+c.home+`"`) {
				t.Errorf("daemon options lack python-home=%s: %v", c.home, p.Daemon.Options)
			}
		})
	}
}

// A pip-installed mod_wsgi in the active virtualenv is preferred, and
// module-location finds it without Apache's modules directory.
func TestPipModuleInVirtualenv(t *testing.T) {
	l := layout{Files: map[string]string{
		"/venv/pyvenv.cfg": "home = /opt/py312/bin\nversion = 3.12.3\n",
		"/venv/lib/python3.12/site-packages/mod_wsgi/server/mod_wsgi-py312.cpython-312-x86_64-linux-gnu.so": "@elf:mod_wsgi-py312.so",
		"/opt/py312/lib/libpython3.12.so.1.0": "",
		"/opt/py312/lib/python3.12/os.py":     "",
	}, Env: map[string]string{"PATH": "/usr/bin", "VIRTUAL_ENV": "/venv"}}
	h := fakeHost(t, l, 1000)
	o := DefaultOptions()
	s, err := discover.FindModuleSetup(h, o.Given())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Module.Path, "/venv/lib/python3.12/site-packages/mod_wsgi/server/") || s.Python.Home != "/venv" || !s.Python.Virtualenv {
		t.Errorf("module %s, python %+v", s.Module.Path, s.Python)
	}
	want := `LoadFile "/opt/py312/lib/libpython3.12.so.1.0"
LoadModule wsgi_module "/venv/lib/python3.12/site-packages/mod_wsgi/server/mod_wsgi-py312.cpython-312-x86_64-linux-gnu.so"
WSGIPythonHome "/venv"`
	if got := strings.Join(discover.ModuleLines(s.Module, s.Module.Path, s.Python), "\n"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A module whose libpython is nowhere is refused with the reason and the
// ways out, before anything is written.
func TestModuleForAnotherPython(t *testing.T) {
	l := debianLayout()
	l.Files["/opt/other/mod_wsgi.so"] = "@elf:mod_wsgi-py312.so"
	h := fakeHost(t, l, 1000)
	o := DefaultOptions()
	o.ModWSGIModule = "/opt/other/mod_wsgi.so"
	_, err := Resolve(o, h)
	if !fault.IsUsage(err) {
		t.Fatalf("want a usage error, got %v", err)
	}
	for _, want := range []string{"--mod-wsgi-module", "libpython3.12.so.1.0", "Python 3.12", "pip install mod_wsgi"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// --python-home and --python-executable find a pip-installed mod_wsgi in
// that environment as $VIRTUAL_ENV does, and win over $VIRTUAL_ENV.
func TestPipModuleByOption(t *testing.T) {
	l := debianLayout()
	l.Files["/venv/pyvenv.cfg"] = "home = /opt/py312/bin\nversion = 3.12.3\n"
	l.Files["/venv/lib/python3.12/site-packages/mod_wsgi/server/mod_wsgi-py312.cpython-312-x86_64-linux-gnu.so"] = "@elf:mod_wsgi-py312.so"
	l.Files["/venv/bin/python"] = ""
	l.Files["/opt/py312/lib/libpython3.12.so.1.0"] = ""
	l.Files["/opt/py312/lib/python3.12/os.py"] = ""
	wrongVenv(l)
	for _, set := range []func(*Options){
		func(o *Options) { o.PythonHome = "/venv" },
		func(o *Options) { o.PythonExecutable = "/venv/bin/python" },
	} {
		h := fakeHost(t, l, 1000)
		h.Env["VIRTUAL_ENV"] = "/venv312"
		o := DefaultOptions()
		set(&o)
		p, err := Resolve(o, h)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p.Paths.Module.Path, "/venv/lib/") || p.Paths.Python.Home != "/venv" || p.Paths.Module.PythonVersion != "3.12" {
			t.Errorf("module %s (%s), home %s", p.Paths.Module.Path, p.Paths.Module.Source, p.Paths.Python.Home)
		}
	}
}
