package fakehost

import "path/filepath"

// Debian is Debian/Ubuntu: apache2, /usr/lib/apache2/modules, mod_wsgi.so
// linking libpython3.11.
func Debian() Layout {
	l := Layout{Files: map[string]string{
		"/usr/sbin/apache2":                              "#!/bin/sh\n",
		"/usr/lib/apache2/modules/mod_wsgi.so-3.11":      "@elf:mod_wsgi-py311.so",
		"/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0": "",
		"/usr/lib/python3.11/os.py":                      "",
		"/usr/bin/python3.11":                            "",
		"/etc/mime.types":                                "",
		"/tmp/":                                          "",
		"/srv/app/hello.wsgi":                            "",
		"/srv/app/static/":                               "",
		"/srv/app/site/index.html":                       "",
		"/usr/lib/locale/C.utf8/":                        "",
	}, Links: map[string]string{
		"/usr/lib/apache2/modules/mod_wsgi.so": "mod_wsgi.so-3.11",
	}, Env: map[string]string{"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}}
	for _, m := range []string{"mpm_event", "mpm_worker", "mpm_prefork", "authz_core", "authz_host", "mime", "rewrite", "alias", "dir", "env", "reqtimeout"} {
		l.Files["/usr/lib/apache2/modules/mod_"+m+".so"] = ""
	}
	return l
}

// ApacheModules adds the usual loadable modules under dir.
func ApacheModules(l Layout, dir string) {
	for _, m := range []string{"mpm_event", "mpm_worker", "mpm_prefork", "authz_core", "authz_host", "mime", "rewrite", "alias", "dir", "env", "reqtimeout", "unixd", "log_config"} {
		l.Files[filepath.Join(dir, "mod_"+m+".so")] = ""
	}
}

// Fedora is Fedora/RHEL: httpd, /usr/lib64/httpd/modules,
// mod_wsgi_python3.so, libpython and the standard library in /usr/lib64,
// no apxs (httpd-devel is not installed).
func Fedora() Layout {
	l := Layout{Files: map[string]string{
		"/usr/sbin/httpd": "#!/bin/sh\n",
		"/usr/lib64/httpd/modules/mod_wsgi_python3.so": "@elf:mod_wsgi-py311.so",
		"/usr/lib64/libpython3.11.so.1.0":              "",
		"/usr/lib64/python3.11/os.py":                  "",
		"/usr/bin/python3.11":                          "",
		"/etc/mime.types":                              "",
		"/tmp/":                                        "",
		"/srv/app/hello.wsgi":                          "",
	}, Links: map[string]string{
		"/etc/httpd/modules": "../../usr/lib64/httpd/modules",
	}, Env: map[string]string{"PATH": "/usr/local/bin:/usr/bin:/usr/sbin"}}
	ApacheModules(l, "/usr/lib64/httpd/modules")
	return l
}

// Homebrew is Homebrew on Linux: httpd and apxs in the prefix's bin,
// modules in lib/httpd/modules, a mod_wsgi linking the Homebrew Python's
// libpython through its RUNPATH (opt/python@3.12 is a link into Cellar).
func Homebrew() Layout {
	const hb = "/home/linuxbrew/.linuxbrew"
	cellar := hb + "/Cellar/python@3.12/3.12.3"
	l := Layout{Files: map[string]string{
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
	}, Links: map[string]string{
		hb + "/opt/httpd":       "../Cellar/httpd/2.4.62",
		hb + "/opt/python@3.12": "../Cellar/python@3.12/3.12.3",
	}, Env: map[string]string{"PATH": hb + "/bin:/usr/bin:/bin"}}
	ApacheModules(l, hb+"/lib/httpd/modules")
	return l
}

// SourceBuild is Apache built from source into /usr/local/apache2 (apxs
// not on PATH) and a Python built into /opt/py312, which mod_wsgi links
// through its RUNPATH.
func SourceBuild() Layout {
	const ap = "/usr/local/apache2"
	l := Layout{Files: map[string]string{
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
	}, Env: map[string]string{"PATH": "/usr/bin:/bin"}}
	ApacheModules(l, ap+"/modules")
	return l
}

// WindowsHome is the profile directory of the account in Windows layouts,
// and WindowsTemp its %TEMP%.
const (
	WindowsHome = `C:\Users\dev`
	WindowsTemp = WindowsHome + `\AppData\Local\Temp`
	// WindowsPython311 is where python.org's installer puts Python 3.11
	// for one user (%LOCALAPPDATA%\Programs\Python\Python311).
	WindowsPython311 = WindowsHome + `\AppData\Local\Programs\Python\Python311`
	// WindowsVenv is a virtualenv of it (python -m venv), and
	// WindowsPyd the module pip install mod_wsgi builds into it.
	WindowsVenv = WindowsHome + `\app\venv`
	WindowsPyd  = WindowsVenv + `\Lib\site-packages\mod_wsgi\server\mod_wsgi.cp311-win_amd64.pyd`
)

// Windows is a Windows machine: Apache Lounge's build unpacked into
// C:\Apache24 (bin\httpd.exe, modules\mod_*.so with the winnt MPM compiled
// in, conf\httpd.conf and mime.types), Python 3.11 from python.org
// installed for the user (python311.dll beside python.exe, on PATH as the
// installer's "Add to PATH" leaves it), and a virtualenv of it, not
// activated, into which pip installed mod_wsgi.
func Windows() Layout {
	const ap = `C:\Apache24`
	py := WindowsPython311
	l := Layout{OS: "windows", Files: map[string]string{
		ap + `\bin\httpd.exe`:                 "",
		ap + `\bin\libhttpd.dll`:              "",
		ap + `\conf\httpd.conf`:               "Define SRVROOT \"c:/Apache24\"\nServerRoot \"${SRVROOT}\"\n",
		ap + `\conf\mime.types`:               "",
		ap + `\logs\`:                         "",
		py + `\python.exe`:                    "",
		py + `\python311.dll`:                 "",
		py + `\python3.dll`:                   "",
		py + `\Lib\os.py`:                     "",
		py + `\DLLs\`:                         "",
		py + `\Scripts\pip.exe`:               "",
		WindowsVenv + `\pyvenv.cfg`:           "home = " + py + "\ninclude-system-site-packages = false\nversion = 3.11.9\nexecutable = " + py + `\python.exe` + "\ncommand = " + py + `\python.exe -m venv ` + WindowsVenv + "\n",
		WindowsVenv + `\Scripts\python.exe`:   "",
		WindowsVenv + `\Scripts\activate.bat`: "",
		WindowsVenv + `\Lib\site-packages\mod_wsgi\__init__.py`: "",
		WindowsPyd:                         "@pe:mod_wsgi-py311.pyd",
		WindowsHome + `\app\hello.wsgi`:    "",
		WindowsTemp + `\`:                  "",
		`C:\Windows\System32\kernel32.dll`: "",
	}, Env: map[string]string{
		"PATH":         `C:\Windows\system32;C:\Windows;` + py + `\Scripts\;` + py + `\`,
		"PATHEXT":      ".COM;.EXE;.BAT;.CMD;.VBS;.JS;.WS;.MSC;.PY;.PYW",
		"USERPROFILE":  WindowsHome,
		"LOCALAPPDATA": WindowsHome + `\AppData\Local`,
		"TEMP":         WindowsTemp,
		"SystemRoot":   `C:\Windows`,
	}}
	for _, m := range []string{"authz_core", "authz_host", "mime", "rewrite", "alias", "dir", "env", "log_config", "headers", "ssl", "proxy"} {
		l.Files[ap+`\modules\mod_`+m+".so"] = ""
	}
	return l
}
