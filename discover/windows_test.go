package discover

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

// The Windows path functions give what path/filepath gives on Windows
// (the expectations are Go's own results there).
func TestWinPath(t *testing.T) {
	for _, c := range []struct{ fn, in, want string }{
		{"clean", `C:\a\b\..\c\.\d\`, `C:\a\c\d`},
		{"clean", `C:/Apache24//bin/`, `C:\Apache24\bin`},
		{"clean", `C:\`, `C:\`},
		{"clean", `C:\..`, `C:\`},
		{"clean", `\\srv\share\x\..\y`, `\\srv\share\y`},
		{"clean", `venv\Scripts`, `venv\Scripts`},
		{"dir", `C:\Apache24\bin\httpd.exe`, `C:\Apache24\bin`},
		{"dir", `C:\Apache24`, `C:\`},
		{"dir", `C:\`, `C:\`},
		{"dir", `\\srv\share\x`, `\\srv\share\`},
		{"base", `C:\Apache24\bin\httpd.exe`, `httpd.exe`},
		{"base", `C:\Apache24\bin\`, `bin`},
		{"base", `C:/Apache24/bin`, `bin`},
		{"base", `C:\`, `\`},
		{"slash", `C:\Python311\python311.dll`, `C:/Python311/python311.dll`},
	} {
		var got string
		switch c.fn {
		case "clean":
			got = winClean(c.in)
		case "dir":
			got = winDir(c.in)
		case "base":
			got = winBase(c.in)
		case "slash":
			got = winSlash(c.in)
		}
		if got != c.want {
			t.Errorf("%s(%q) = %q, want %q", c.fn, c.in, got, c.want)
		}
	}
	for p, abs := range map[string]bool{`C:\x`: true, `c:/x`: true, `\\srv\share\x`: true, `C:x`: false, `\x`: false, `x\y`: false, `/usr/bin`: false} {
		if winIsAbs(p) != abs {
			t.Errorf("winIsAbs(%q) = %v, want %v", p, !abs, abs)
		}
	}
	if got := winJoin(`C:\Users\dev`, "", `app\venv`, "Lib"); got != `C:\Users\dev\app\venv\Lib` {
		t.Errorf("winJoin = %q", got)
	}
	if got := winSplitList(`C:\Windows;;"C:\Program Files\Python311";C:\bin\`); !slices.Equal(got, []string{`C:\Windows`, `C:\Program Files\Python311`, `C:\bin\`}) {
		t.Errorf("winSplitList = %q", got)
	}
}

// The Python a .pyd was built for, from CPython's extension suffix.
func TestPydVersion(t *testing.T) {
	for name, want := range map[string]string{
		`C:\v\Lib\site-packages\mod_wsgi\server\mod_wsgi.cp311-win_amd64.pyd`: "3.11",
		`mod_wsgi.cp312-win_arm64.pyd`:                                        "3.12",
		`mod_wsgi.cp39-win32.pyd`:                                             "3.9",
		`MOD_WSGI.CP313-WIN_AMD64.PYD`:                                        "3.13",
		`mod_wsgi.pyd`:                                                        "",
		`mod_wsgi-py311.cpython-311-x86_64-linux-gnu.so`:                      "",
	} {
		if got := pydVersion(name); got != want {
			t.Errorf("pydVersion(%q) = %q, want %q", name, got, want)
		}
	}
}

// The DLLs a real MinGW-built module imports, read from its import
// directory; an ELF or Mach-O file is no PE.
func TestPEImports(t *testing.T) {
	data := fakehost.PE(t, "mod_wsgi-py311.pyd")
	if !isPE(data) || isPE(fakehost.ELF(t, "mod_wsgi-py311.so")) || isPE([]byte("MZ")) {
		t.Fatalf("isPE: the .pyd is %v, an ELF file %v", isPE(data), isPE(fakehost.ELF(t, "mod_wsgi-py311.so")))
	}
	libs, err := peImports(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"python311.dll", "libhttpd.dll", "KERNEL32.dll"} {
		if !slices.Contains(libs, want) {
			t.Errorf("imports %q lack %s", libs, want)
		}
	}
	if _, err := peImports(data[:0x200]); err == nil {
		t.Errorf("a truncated PE file: no error")
	}
}

// windowsCase is a Windows layout, the options given, and what the module
// commands should find there.
type windowsCase struct {
	name   string
	layout func() fakehost.Layout
	given  Given
	httpd  string
	module string
	lines  []string // module-config
	err    string   // instead: a usage error saying this
	// httpdErr: FindHTTPD fails saying this (module-config, which can do
	// without Apache, need not).
	httpdErr string
}

const (
	winPy  = fakehost.WindowsPython311
	winPyS = `C:/Users/dev/AppData/Local/Programs/Python/Python311`
	winPyd = `C:/Users/dev/app/venv/Lib/site-packages/mod_wsgi/server/mod_wsgi.cp311-win_amd64.pyd`
)

func windowsCases() []windowsCase {
	with := func(edit func(l *fakehost.Layout)) func() fakehost.Layout {
		return func() fakehost.Layout {
			l := fakehost.Windows()
			edit(&l)
			return l
		}
	}
	move := func(l *fakehost.Layout, from, to string) {
		for p, c := range l.Files {
			if strings.HasPrefix(p, from) {
				delete(l.Files, p)
				l.Files[to+p[len(from):]] = c
			}
		}
	}
	return []windowsCase{
		{
			name:   "activated virtualenv with pip-installed mod_wsgi",
			layout: with(func(l *fakehost.Layout) { l.Env["VIRTUAL_ENV"] = fakehost.WindowsVenv }),
			httpd:  `C:\Apache24\bin\httpd.exe`,
			module: fakehost.WindowsPyd,
			lines: []string{
				`LoadFile "` + winPyS + `/python311.dll"`,
				`LoadModule wsgi_module "` + winPyd + `"`,
				`WSGIPythonHome "C:/Users/dev/app/venv"`,
			},
		},
		{
			name:   "--python-executable of the virtualenv, Apache in APACHE_ROOT",
			layout: with(func(l *fakehost.Layout) { move(l, `C:\Apache24`, `D:\Apache24`); l.Env["APACHE_ROOT"] = `D:\Apache24` }),
			given:  Given{PythonExecutable: fakehost.WindowsVenv + `\Scripts\python.exe`},
			httpd:  `D:\Apache24\bin\httpd.exe`,
			module: fakehost.WindowsPyd,
			lines: []string{
				`LoadFile "` + winPyS + `/python311.dll"`,
				`LoadModule wsgi_module "` + winPyd + `"`,
				`WSGIPythonHome "C:/Users/dev/app/venv"`,
			},
		},
		{
			name: "the module copied into Apache's modules as mod_wsgi.so, Apache in MOD_WSGI_APACHE_ROOTDIR, Python found on PATH",
			layout: with(func(l *fakehost.Layout) {
				move(l, `C:\Apache24`, `C:\Program Files\Apache Software Foundation\Apache2.4`)
				l.Env["MOD_WSGI_APACHE_ROOTDIR"] = `C:\Program Files\Apache Software Foundation\Apache2.4`
				l.Files[`C:\Program Files\Apache Software Foundation\Apache2.4\modules\mod_wsgi.so`] = "@pe:mod_wsgi-py311.pyd"
			}),
			httpd:  `C:\Program Files\Apache Software Foundation\Apache2.4\bin\httpd.exe`,
			module: `C:\Program Files\Apache Software Foundation\Apache2.4\modules\mod_wsgi.so`,
			lines: []string{
				`LoadFile "` + winPyS + `/python311.dll"`,
				`LoadModule wsgi_module "C:/Program Files/Apache Software Foundation/Apache2.4/modules/mod_wsgi.so"`,
				`WSGIPythonHome "` + winPyS + `"`,
			},
		},
		{
			name: "httpd.exe on PATH, Python for all users in Program Files and not on PATH, arm64 module",
			layout: with(func(l *fakehost.Layout) {
				move(l, `C:\Apache24`, `E:\web\Apache24`)
				l.Env["PATH"] = `C:\Windows\system32;E:\web\Apache24\bin`
				py := `C:\Program Files\Python312-arm64`
				l.Files[py+`\python312.dll`], l.Files[py+`\Lib\os.py`], l.Files[py+`\python.exe`] = "", "", ""
				l.Files[`E:\web\Apache24\modules\mod_wsgi.so`] = "@pe:mod_wsgi-py312.pyd"
			}),
			httpd:  `E:\web\Apache24\bin\httpd.exe`,
			module: `E:\web\Apache24\modules\mod_wsgi.so`,
			lines: []string{
				`LoadFile "C:/Program Files/Python312-arm64/python312.dll"`,
				`LoadModule wsgi_module "E:/web/Apache24/modules/mod_wsgi.so"`,
				`WSGIPythonHome "C:/Program Files/Python312-arm64"`,
			},
		},
		{
			name:   "a --mod-wsgi-module whose Python is installed nowhere",
			layout: with(func(l *fakehost.Layout) { l.Files[`C:\m\mod_wsgi.cp312-win_amd64.pyd`] = "@pe:mod_wsgi-py312.pyd" }),
			given:  Given{Module: `C:\m\mod_wsgi.cp312-win_amd64.pyd`},
			err:    `imports python312.dll, which was found neither beside the virtualenv's Python nor on PATH`,
		},
		{
			name:   "no virtualenv, no module in Apache's modules directory",
			layout: fakehost.Windows,
			err:    `no mod_wsgi module found (no pip-installed mod_wsgi in a virtualenv; looked at C:\Apache24\modules\mod_wsgi.so, C:\Apache24\modules\mod_wsgi.pyd); pip install mod_wsgi into a virtualenv (it builds against the Apache in %MOD_WSGI_APACHE_ROOTDIR% or C:\Apache24) and activate it, or pass --mod-wsgi-module PATH`,
		},
		{
			name: "a virtualenv of another Python",
			layout: with(func(l *fakehost.Layout) {
				l.Env["VIRTUAL_ENV"] = `C:\other`
				l.Files[`C:\other\pyvenv.cfg`] = "home = C:\\Python310\nversion = 3.10.11\n"
				l.Files[`C:\Apache24\modules\mod_wsgi.so`] = "@pe:mod_wsgi-py311.pyd"
			}),
			err: `$VIRTUAL_ENV C:\other holds Python 3.10, but the mod_wsgi module C:\Apache24\modules\mod_wsgi.so was built for Python 3.11`,
		},
		{
			name:     "APACHE_ROOT names no Apache",
			layout:   with(func(l *fakehost.Layout) { l.Env["APACHE_ROOT"] = `C:\nowhere` }),
			given:    Given{Module: fakehost.WindowsPyd},
			httpdErr: `%APACHE_ROOT% is C:\nowhere, which holds no bin\httpd.exe`,
			module:   fakehost.WindowsPyd,
			lines: []string{
				`LoadFile "` + winPyS + `/python311.dll"`,
				`LoadModule wsgi_module "` + winPyd + `"`,
				`WSGIPythonHome "` + winPyS + `"`,
			},
		},
	}
}

// module-location and module-config on Windows layouts: Apache found in
// C:\Apache24, %APACHE_ROOT%, %MOD_WSGI_APACHE_ROOTDIR% or on PATH; the
// module pip-installed in a virtualenv or copied into Apache's modules;
// the directives as mod_wsgi writes them there (LoadFile of pythonXY.dll,
// forward slashes).
func TestWindowsLayouts(t *testing.T) {
	for _, c := range windowsCases() {
		t.Run(c.name, func(t *testing.T) {
			h := fakehost.New(t, c.layout(), 1000)
			if c.httpd != "" {
				if got, err := FindHTTPD(h, "", ApxsVars(h)); got != c.httpd || err != nil {
					t.Errorf("FindHTTPD = %q, %v; want %s", got, err, c.httpd)
				}
			}
			if c.httpdErr != "" {
				if _, err := FindHTTPD(h, "", nil); err == nil || !fault.IsUsage(err) || !strings.Contains(err.Error(), c.httpdErr) {
					t.Errorf("FindHTTPD: %v; want a usage error saying %q", err, c.httpdErr)
				}
			}
			s, err := FindModuleSetup(h, c.given)
			if err == nil {
				err = CheckLoadable(s.Module)
			}
			if c.err != "" {
				if err == nil || !fault.IsUsage(err) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v; want a usage error saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Module.Path != c.module {
				t.Errorf("module %s, want %s", s.Module.Path, c.module)
			}
			if got := ModuleLines(s.Module, s.Module.Path, s.Python); !slices.Equal(got, c.lines) {
				t.Errorf("module-config:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.lines, "\n"))
			}
		})
	}
}

// What version (Discover) finds on Windows: Apache, its modules and
// mime.types beside it, and the module with its version and Python.
func TestWindowsDiscover(t *testing.T) {
	l := fakehost.Windows()
	l.Env["VIRTUAL_ENV"] = fakehost.WindowsVenv
	h := fakehost.New(t, l, 1000)
	d, err := Discover(h, Given{})
	if err != nil {
		t.Fatal(err)
	}
	want := Discovery{HTTPD: `C:\Apache24\bin\httpd.exe`, ModulesDir: `C:\Apache24\modules`, MimeTypes: `C:\Apache24\conf\mime.types`}
	if d.HTTPD != want.HTTPD || d.ModulesDir != want.ModulesDir || d.MimeTypes != want.MimeTypes || d.Apxs != nil {
		t.Errorf("found %+v, want %+v", d, want)
	}
	mi := d.Module
	if mi.Version != "6.0.5" || mi.PythonVersion != "3.11" || mi.LibPythonName != "python311.dll" || !mi.PE ||
		mi.PythonHome != winPy || mi.PythonExe != winPy+`\python.exe` {
		t.Errorf("module %+v", mi)
	}
	// Apache's own mime.types follows --httpd-executable.
	os.MkdirAll(h.Root+`/F/a/conf`, 0o755)
	os.MkdirAll(h.Root+`/F/a/bin`, 0o755)
	os.WriteFile(h.Root+`/F/a/conf/mime.types`, nil, 0o644)
	os.WriteFile(h.Root+`/F/a/bin/httpd.exe`, nil, 0o644)
	if d, _ := Discover(h, Given{HTTPD: `F:\a\bin\httpd.exe`}); d.MimeTypes != `F:\a\conf\mime.types` {
		t.Errorf("with --httpd-executable F:\\a\\bin\\httpd.exe: mime.types %q", d.MimeTypes)
	}
	// No Apache at all: the fix says where to put it.
	delete(l.Files, `C:\Apache24\bin\httpd.exe`)
	_, err = FindHTTPD(fakehost.New(t, l, 1000), "", nil)
	if err == nil || !strings.Contains(err.Error(), `unpack Apache Lounge's build into C:\Apache24, or set APACHE_ROOT`) {
		t.Errorf("no Apache: %v", err)
	}
}

// The Unix layouts are untouched by the Windows reading: a Windows path
// on a Linux host is no absolute path, and a Windows module there is
// refused as one Apache cannot load.
func TestWindowsOnlyOnWindows(t *testing.T) {
	h := fakehost.New(t, fakehost.Debian(), 0)
	if IsWindows(h) || Abs(h, `C:\x`) != `/srv/app/C:\x` {
		t.Errorf("a Linux host: windows %v, Abs %q", IsWindows(h), Abs(h, `C:\x`))
	}
	full := filepath.Join(h.Root, "srv/app/mod_wsgi.cp311-win_amd64.pyd")
	os.WriteFile(full, fakehost.PE(t, "mod_wsgi-py311.pyd"), 0o644)
	if _, err := InspectModule(h, "/srv/app/mod_wsgi.cp311-win_amd64.pyd"); err == nil || !fault.IsUsage(err) || !strings.Contains(err.Error(), "is a Windows DLL, which Apache on linux cannot load") {
		t.Errorf("a .pyd on Linux: %v", err)
	}
	w := fakehost.New(t, fakehost.Windows(), 0)
	if !IsWindows(w) || Abs(w, `venv`) != fakehost.WindowsHome+`\app\venv` || Abs(w, `c:/x/../y`) != `c:\y` {
		t.Errorf("a Windows host: windows %v, Abs %q %q", IsWindows(w), Abs(w, `venv`), Abs(w, `c:/x/../y`))
	}
}
