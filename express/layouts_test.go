package express

import (
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

// apacheModules adds the usual loadable modules under dir.
func apacheModules(l layout, dir string) {
	for _, m := range []string{"mpm_event", "mpm_worker", "mpm_prefork", "authz_core", "authz_host", "mime", "rewrite", "alias", "dir", "env", "reqtimeout", "unixd", "log_config"} {
		l.files[filepath.Join(dir, "mod_"+m+".so")] = ""
	}
}

// fedoraLayout is Fedora/RHEL: httpd, /usr/lib64/httpd/modules,
// mod_wsgi_python3.so, libpython and the standard library in /usr/lib64,
// no apxs (httpd-devel is not installed).
func fedoraLayout() layout {
	l := layout{files: map[string]string{
		"/usr/sbin/httpd": "#!/bin/sh\n",
		"/usr/lib64/httpd/modules/mod_wsgi_python3.so": "@elf:mod_wsgi-py311.so",
		"/usr/lib64/libpython3.11.so.1.0":              "",
		"/usr/lib64/python3.11/os.py":                  "",
		"/usr/bin/python3.11":                          "",
		"/etc/mime.types":                              "",
		"/tmp/":                                        "",
		"/srv/app/hello.wsgi":                          "",
	}, links: map[string]string{
		"/etc/httpd/modules": "../../usr/lib64/httpd/modules",
	}, env: map[string]string{"PATH": "/usr/local/bin:/usr/bin:/usr/sbin"}}
	apacheModules(l, "/usr/lib64/httpd/modules")
	return l
}

// homebrewLayout is Homebrew on Linux: httpd and apxs in the prefix's bin,
// modules in lib/httpd/modules, a mod_wsgi linking the Homebrew Python's
// libpython through its RUNPATH (opt/python@3.12 is a link into Cellar).
func homebrewLayout() layout {
	const hb = "/home/linuxbrew/.linuxbrew"
	cellar := hb + "/Cellar/python@3.12/3.12.3"
	l := layout{files: map[string]string{
		hb + "/bin/httpd": "#!/bin/sh\n",
		hb + "/bin/apxs":  "#!/usr/bin/perl -w\nmy $installbuilddir = \"" + hb + "/opt/httpd/lib/httpd/build\";\n",
		hb + "/Cellar/httpd/2.4.62/lib/httpd/build/config_vars.mk": "exp_sbindir = " + hb + "/bin\n" +
			"exp_libexecdir = " + hb + "/lib/httpd/modules\n" +
			"exp_sysconfdir = " + hb + "/etc/httpd\nprogname = httpd\n",
		hb + "/lib/httpd/modules/mod_wsgi.so": "@elf:mod_wsgi-brew312.so",
		cellar + "/lib/libpython3.12.so.1.0":  "",
		cellar + "/lib/python3.12/os.py":      "",
		cellar + "/bin/python3.12":            "",
		hb + "/etc/httpd/mime.types":          "",
		"/tmp/":                               "",
		"/srv/app/hello.wsgi":                 "",
	}, links: map[string]string{
		hb + "/opt/httpd":       "../Cellar/httpd/2.4.62",
		hb + "/opt/python@3.12": "../Cellar/python@3.12/3.12.3",
	}, env: map[string]string{"PATH": hb + "/bin:/usr/bin:/bin"}}
	apacheModules(l, hb+"/lib/httpd/modules")
	return l
}

// sourceBuildLayout is Apache built from source into /usr/local/apache2
// (apxs not on PATH) and a Python built into /opt/py312, which mod_wsgi
// links through its RUNPATH.
func sourceBuildLayout() layout {
	const ap = "/usr/local/apache2"
	l := layout{files: map[string]string{
		ap + "/bin/httpd": "#!/bin/sh\n",
		ap + "/bin/apxs":  "#!/usr/bin/perl -w\nmy $installbuilddir = \"" + ap + "/build\";\n",
		ap + "/build/config_vars.mk": "prefix = " + ap + "\nexec_prefix = ${prefix}\n" +
			"exp_sbindir = $(exec_prefix)/bin\nexp_libexecdir = ${exec_prefix}/modules\n" +
			"exp_sysconfdir = $(prefix)/conf\nprogname = httpd\n",
		ap + "/modules/mod_wsgi.so":           "@elf:mod_wsgi-py312.so",
		ap + "/conf/mime.types":               "",
		"/opt/py312/lib/libpython3.12.so.1.0": "",
		"/opt/py312/lib/python3.12/os.py":     "",
		"/opt/py312/bin/python3.12":           "",
		"/tmp/":                               "",
		"/srv/app/hello.wsgi":                 "",
	}, env: map[string]string{"PATH": "/usr/bin:/bin"}}
	apacheModules(l, ap+"/modules")
	return l
}

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
		{"fedora", fedoraLayout(), "/usr/sbin/httpd", "/usr/lib64/httpd/modules", "/etc/mime.types",
			"/usr/lib64/httpd/modules/mod_wsgi_python3.so", "4.9.4", "3.11", "/usr/lib64/libpython3.11.so.1.0", "/usr", false,
			[]string{`LoadModule wsgi_module "/usr/lib64/httpd/modules/mod_wsgi_python3.so"`, `WSGIPythonHome "/usr"`}},
		{"homebrew", homebrewLayout(), "/home/linuxbrew/.linuxbrew/bin/httpd", "/home/linuxbrew/.linuxbrew/lib/httpd/modules",
			"/home/linuxbrew/.linuxbrew/etc/httpd/mime.types", "/home/linuxbrew/.linuxbrew/lib/httpd/modules/mod_wsgi.so", "5.0.2", "3.12",
			"/home/linuxbrew/.linuxbrew/Cellar/python@3.12/3.12.3/lib/libpython3.12.so.1.0", "/home/linuxbrew/.linuxbrew/Cellar/python@3.12/3.12.3", true,
			[]string{`LoadFile "/home/linuxbrew/.linuxbrew/Cellar/python@3.12/3.12.3/lib/libpython3.12.so.1.0"`,
				`LoadModule wsgi_module "/home/linuxbrew/.linuxbrew/lib/httpd/modules/mod_wsgi.so"`,
				`WSGIPythonHome "/home/linuxbrew/.linuxbrew/Cellar/python@3.12/3.12.3"`}},
		{"source", sourceBuildLayout(), "/usr/local/apache2/bin/httpd", "/usr/local/apache2/modules", "/usr/local/apache2/conf/mime.types",
			"/usr/local/apache2/modules/mod_wsgi.so", "5.0.2", "3.12", "/opt/py312/lib/libpython3.12.so.1.0", "/opt/py312", true,
			[]string{`LoadFile "/opt/py312/lib/libpython3.12.so.1.0"`, `LoadModule wsgi_module "/usr/local/apache2/modules/mod_wsgi.so"`, `WSGIPythonHome "/opt/py312"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := fakeHost(t, c.l, 1000)
			o := DefaultOptions()
			d, err := Discover(&o, h)
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
			s, err := DiscoverModuleSetup(&o, h)
			if err != nil {
				t.Fatal(err)
			}
			if got := ModuleLines(s.Module, s.Module.Path, s.Python); strings.Join(got, "\n") != strings.Join(c.lines, "\n") {
				t.Errorf("module-config lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.lines, "\n"))
			}
			// The whole resolve works on this layout too.
			if _, err := Resolve(o, h); err != nil {
				t.Errorf("Resolve: %v", err)
			}
		})
	}
}

func TestDoctorLayouts(t *testing.T) {
	for name, l := range map[string]layout{"debian": debianLayout(), "fedora": fedoraLayout(), "homebrew": homebrewLayout(), "source": sourceBuildLayout()} {
		t.Run(name, func(t *testing.T) {
			h := fakeHost(t, l, 0)
			r := Doctor(DefaultOptions(), h)
			if !r.OK {
				t.Errorf("doctor not OK:\n%s", reportText(r))
			}
			for _, want := range []string{"Apache", "modules directory", "MPM event", "mod_wsgi module", "Python", "virtualenv", "mime.types", "port", "server root", "account"} {
				if c := findCheck(r, want); c == nil {
					t.Errorf("no %q check:\n%s", want, reportText(r))
				}
			}
		})
	}
}

func findCheck(r *DoctorReport, name string) *Check {
	for i := range r.Checks {
		if r.Checks[i].Name == name {
			return &r.Checks[i]
		}
	}
	return nil
}

func reportText(r *DoctorReport) string {
	var b strings.Builder
	for _, c := range r.Checks {
		b.WriteString(c.Status + " " + c.Name + ": " + c.Detail + " | " + c.Fix + "\n")
	}
	return b.String()
}

// The module's libpython missing is the classic "built for another
// Python": doctor says so and names the fix.
func TestDoctorMissingLibPython(t *testing.T) {
	l := sourceBuildLayout()
	delete(l.files, "/opt/py312/lib/libpython3.12.so.1.0")
	r := Doctor(DefaultOptions(), fakeHost(t, l, 0))
	c := findCheck(r, "mod_wsgi module")
	if r.OK || c == nil || c.Status != StatusFail || !strings.Contains(c.Detail, "libpython3.12.so.1.0") || !strings.Contains(c.Fix, "Python 3.12") {
		t.Errorf("want a FAIL naming libpython3.12 and Python 3.12:\n%s", reportText(r))
	}
}

func TestDoctorMissingModule(t *testing.T) {
	o := DefaultOptions()
	o.ModWSGIModule = "/nonexistent/mod_wsgi.so"
	r := Doctor(o, fakeHost(t, debianLayout(), 0))
	c := findCheck(r, "mod_wsgi module")
	if r.OK || c == nil || c.Status != StatusFail || !strings.Contains(c.Detail, "/nonexistent") || c.Fix == "" {
		t.Errorf("want a FAIL with a fix for the missing module:\n%s", reportText(r))
	}
}

func TestDoctorNoApache(t *testing.T) {
	l := debianLayout()
	delete(l.files, "/usr/sbin/apache2")
	r := Doctor(DefaultOptions(), fakeHost(t, l, 0))
	c := findCheck(r, "Apache")
	if r.OK || c == nil || c.Status != StatusFail || !strings.Contains(c.Fix, "apt-get install apache2") {
		t.Errorf("want a FAIL telling how to install Apache:\n%s", reportText(r))
	}
}

// wrongVenv adds a virtualenv of Python 3.12 at /venv312.
func wrongVenv(l layout) {
	l.files["/venv312/pyvenv.cfg"] = "home = /opt/py312/bin\ninclude-system-site-packages = false\nversion = 3.12.1\n"
	l.files["/venv312/lib/python3.12/site-packages/"] = ""
	l.files["/venv312/bin/python"] = ""
}

func TestVirtualenvChoice(t *testing.T) {
	l := debianLayout()
	wrongVenv(l)
	l.files["/venv311/pyvenv.cfg"] = "home = /usr/bin\nversion = 3.11.2\n"
	l.files["/venv311/lib/python3.11/site-packages/"] = ""
	l.links["/venv311/bin/python"] = "/usr/bin/python3.11"
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
				if !IsUsage(err) {
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
			if p.PythonHome != c.home || p.Python.Source != c.source {
				t.Errorf("home %q from %q, want %q from %q", p.PythonHome, p.Python.Source, c.home, c.source)
			}
			if c.home != "/usr" && !strings.Contains(strings.Join(p.DaemonOptions, " "), `python-home="`+c.home+`"`) {
				t.Errorf("daemon options lack python-home=%s: %v", c.home, p.DaemonOptions)
			}
		})
	}
}

// A pip-installed mod_wsgi in the active virtualenv is preferred, and
// module-location finds it without Apache's modules directory.
func TestPipModuleInVirtualenv(t *testing.T) {
	l := layout{files: map[string]string{
		"/venv/pyvenv.cfg": "home = /opt/py312/bin\nversion = 3.12.3\n",
		"/venv/lib/python3.12/site-packages/mod_wsgi/server/mod_wsgi-py312.cpython-312-x86_64-linux-gnu.so": "@elf:mod_wsgi-py312.so",
		"/opt/py312/lib/libpython3.12.so.1.0": "",
		"/opt/py312/lib/python3.12/os.py":     "",
	}, env: map[string]string{"PATH": "/usr/bin", "VIRTUAL_ENV": "/venv"}}
	h := fakeHost(t, l, 1000)
	o := DefaultOptions()
	s, err := DiscoverModuleSetup(&o, h)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Module.Path, "/venv/lib/python3.12/site-packages/mod_wsgi/server/") || s.Python.Home != "/venv" || !s.Python.Virtualenv {
		t.Errorf("module %s, python %+v", s.Module.Path, s.Python)
	}
	want := `LoadFile "/opt/py312/lib/libpython3.12.so.1.0"
LoadModule wsgi_module "/venv/lib/python3.12/site-packages/mod_wsgi/server/mod_wsgi-py312.cpython-312-x86_64-linux-gnu.so"
WSGIPythonHome "/venv"`
	if got := strings.Join(ModuleLines(s.Module, s.Module.Path, s.Python), "\n"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestInstallModule(t *testing.T) {
	src := filepath.Join(t.TempDir(), "mod_wsgi.so")
	data, err := os.ReadFile("testdata/elf/mod_wsgi-py311.so")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(src, data, 0o600)
	dir := t.TempDir()
	target, err := InstallModule(ModuleInfo{Path: src}, dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(target)
	if err != nil || string(got) != string(data) || target != filepath.Join(dir, "mod_wsgi.so") {
		t.Fatalf("copy at %s: %v", target, err)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	// Installing onto itself keeps the file.
	if again, err := InstallModule(ModuleInfo{Path: target}, dir); err != nil || again != target {
		t.Errorf("self install: %v %s", err, again)
	}
	if _, err := InstallModule(ModuleInfo{Path: src}, filepath.Join(dir, "missing")); !IsUsage(err) {
		t.Errorf("missing directory: %v", err)
	}
	var re *RuntimeError
	if _, err := InstallModule(ModuleInfo{Path: filepath.Join(dir, "nope.so")}, dir); !errors.As(err, &re) {
		t.Errorf("missing source: %v", err)
	}
}

// A libpython in a directory /etc/ld.so.conf adds is on the loader's path:
// no LoadFile needed.
func TestLdSoConfPath(t *testing.T) {
	l := sourceBuildLayout()
	l.files["/usr/local/apache2/modules/mod_wsgi.so"] = "@elf:mod_wsgi-py311.so"
	l.files["/etc/ld.so.conf"] = "include /etc/ld.so.conf.d/*.conf\n"
	l.files["/etc/ld.so.conf.d/libc.conf"] = "# libc default configuration\n/usr/local/lib\n"
	l.files["/etc/ld.so.conf.d/ignored.txt"] = "/nowhere\n"
	l.files["/usr/local/lib/libpython3.11.so.1.0"] = ""
	l.files["/usr/local/lib/python3.11/os.py"] = ""
	h := fakeHost(t, l, 1000)
	if got := ldSoConfDirs(h); strings.Join(got, ":") != "/usr/local/lib" {
		t.Errorf("ld.so.conf dirs %q", got)
	}
	o := DefaultOptions()
	s, err := DiscoverModuleSetup(&o, h)
	if err != nil {
		t.Fatal(err)
	}
	if s.Module.LibPython != "/usr/local/lib/libpython3.11.so.1.0" || s.Module.NeedsLoadFile || s.Python.Home != "/usr/local" {
		t.Errorf("module %+v, python %+v", s.Module, s.Python)
	}
}

// A module whose libpython is nowhere is refused with the reason and the
// ways out, before anything is written.
func TestModuleForAnotherPython(t *testing.T) {
	l := debianLayout()
	l.files["/opt/other/mod_wsgi.so"] = "@elf:mod_wsgi-py312.so"
	h := fakeHost(t, l, 1000)
	o := DefaultOptions()
	o.ModWSGIModule = "/opt/other/mod_wsgi.so"
	_, err := Resolve(o, h)
	if !IsUsage(err) {
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
	l.files["/venv/pyvenv.cfg"] = "home = /opt/py312/bin\nversion = 3.12.3\n"
	l.files["/venv/lib/python3.12/site-packages/mod_wsgi/server/mod_wsgi-py312.cpython-312-x86_64-linux-gnu.so"] = "@elf:mod_wsgi-py312.so"
	l.files["/venv/bin/python"] = ""
	l.files["/opt/py312/lib/libpython3.12.so.1.0"] = ""
	l.files["/opt/py312/lib/python3.12/os.py"] = ""
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
		if !strings.HasPrefix(p.Module.Path, "/venv/lib/") || p.PythonHome != "/venv" || p.Module.PythonVersion != "3.12" {
			t.Errorf("module %s (%s), home %s", p.Module.Path, p.Module.Source, p.PythonHome)
		}
	}
}

func TestDoctorNotRoot(t *testing.T) {
	h := fakeHost(t, debianLayout(), 1000)
	h.Users["alice"] = &user.User{Uid: "1000", Gid: "1000", Username: "alice"}
	r := Doctor(DefaultOptions(), h)
	if c := findCheck(r, "account"); !r.OK || c == nil || !strings.Contains(c.Detail, "alice (uid 1000)") {
		t.Errorf("not root:\n%s", reportText(r))
	}
	o := DefaultOptions()
	o.Port = 80
	r = Doctor(o, h)
	if c := findCheck(r, "port"); r.OK || c == nil || c.Status != StatusFail || !strings.Contains(c.Fix, "--port") {
		t.Errorf("port 80 as a user:\n%s", reportText(r))
	}
}
