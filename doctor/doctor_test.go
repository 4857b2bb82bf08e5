package doctor

import (
	"os/user"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

func TestDoctorLayouts(t *testing.T) {
	for name, l := range map[string]fakehost.Layout{"debian": fakehost.Debian(), "fedora": fakehost.Fedora(), "homebrew": fakehost.Homebrew(), "source": fakehost.SourceBuild()} {
		t.Run(name, func(t *testing.T) {
			h := fakehost.New(t, l, 0)
			r := Run(express.DefaultOptions(), h)
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

func findCheck(r *Report, name string) *Check {
	for i := range r.Checks {
		if r.Checks[i].Name == name {
			return &r.Checks[i]
		}
	}
	return nil
}

func reportText(r *Report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		b.WriteString(c.Status + " " + c.Name + ": " + c.Detail + " | " + c.Fix + "\n")
	}
	return b.String()
}

// The module's libpython missing is the classic "built for another
// Python": doctor says so and names the fix.
func TestDoctorMissingLibPython(t *testing.T) {
	l := fakehost.SourceBuild()
	delete(l.Files, "/opt/py312/lib/libpython3.12.so.1.0")
	r := Run(express.DefaultOptions(), fakehost.New(t, l, 0))
	c := findCheck(r, "mod_wsgi module")
	if r.OK || c == nil || c.Status != StatusFail || !strings.Contains(c.Detail, "libpython3.12.so.1.0") || !strings.Contains(c.Fix, "Python 3.12") {
		t.Errorf("want a FAIL naming libpython3.12 and Python 3.12:\n%s", reportText(r))
	}
}

func TestDoctorMissingModule(t *testing.T) {
	o := express.DefaultOptions()
	o.ModWSGIModule = "/nonexistent/mod_wsgi.so"
	r := Run(o, fakehost.New(t, fakehost.Debian(), 0))
	c := findCheck(r, "mod_wsgi module")
	if r.OK || c == nil || c.Status != StatusFail || !strings.Contains(c.Detail, "/nonexistent") || c.Fix == "" {
		t.Errorf("want a FAIL with a fix for the missing module:\n%s", reportText(r))
	}
}

func TestDoctorNoApache(t *testing.T) {
	l := fakehost.Debian()
	delete(l.Files, "/usr/sbin/apache2")
	r := Run(express.DefaultOptions(), fakehost.New(t, l, 0))
	c := findCheck(r, "Apache")
	if r.OK || c == nil || c.Status != StatusFail || !strings.Contains(c.Fix, "apt-get install apache2") {
		t.Errorf("want a FAIL telling how to install Apache:\n%s", reportText(r))
	}
}

func TestDoctorNotRoot(t *testing.T) {
	h := fakehost.New(t, fakehost.Debian(), 1000)
	h.Users["alice"] = &user.User{Uid: "1000", Gid: "1000", Username: "alice"}
	r := Run(express.DefaultOptions(), h)
	if c := findCheck(r, "account"); !r.OK || c == nil || !strings.Contains(c.Detail, "alice (uid 1000)") {
		t.Errorf("not root:\n%s", reportText(r))
	}
	o := express.DefaultOptions()
	o.Port = 80
	r = Run(o, h)
	if c := findCheck(r, "port"); r.OK || c == nil || c.Status != StatusFail || !strings.Contains(c.Fix, "--port") {
		t.Errorf("port 80 as a user:\n%s", reportText(r))
	}
}

// On Windows doctor checks what module-config needs, says start-server
// does not run there, and is OK when module-config would work.
func TestDoctorWindows(t *testing.T) {
	l := fakehost.Windows()
	l.Env["VIRTUAL_ENV"] = fakehost.WindowsVenv
	r := Run(express.DefaultOptions(), fakehost.New(t, l, 1000))
	if !r.OK || !r.Windows {
		t.Errorf("doctor not OK on Windows:\n%s", reportText(r))
	}
	for name, want := range map[string]string{
		"Apache":            `C:\Apache24\bin\httpd.exe`,
		"modules directory": `C:\Apache24\modules`,
		"mod_wsgi module":   fakehost.WindowsPyd + `, mod_wsgi 6.0.5, links python311.dll (Python 3.11) from the virtualenv ($VIRTUAL_ENV)`,
		"Python":            `Python 3.11, home ` + fakehost.WindowsPython311 + ` (` + fakehost.WindowsPython311 + `\python.exe)`,
		"virtualenv":        fakehost.WindowsVenv + ` (Python 3.11 virtualenv, from $VIRTUAL_ENV)`,
		"start-server":      "does not run on Windows",
	} {
		if c := findCheck(r, name); c == nil || !strings.Contains(c.Detail, want) {
			t.Errorf("%s: want %q:\n%s", name, want, reportText(r))
		}
	}
	for _, absent := range []string{"MPM event", "port", "server root", "account", "mime.types"} {
		if findCheck(r, absent) != nil {
			t.Errorf("a %q check on Windows:\n%s", absent, reportText(r))
		}
	}
	// The module's Python installed nowhere: FAIL, with the Windows fix.
	l = fakehost.Windows()
	l.Files[`C:\Apache24\modules\mod_wsgi.so`] = "@pe:mod_wsgi-py312.pyd"
	r = Run(express.DefaultOptions(), fakehost.New(t, l, 1000))
	if c := findCheck(r, "mod_wsgi module"); r.OK || c == nil || c.Status != StatusFail ||
		!strings.Contains(c.Detail, "imports python312.dll") || !strings.Contains(c.Fix, "install Python 3.12 from python.org") {
		t.Errorf("want a FAIL for the missing python312.dll:\n%s", reportText(r))
	}
	// No Apache: where to put it.
	l = fakehost.Windows()
	delete(l.Files, `C:\Apache24\bin\httpd.exe`)
	r = Run(express.DefaultOptions(), fakehost.New(t, l, 1000))
	if c := findCheck(r, "Apache"); r.OK || c == nil || c.Status != StatusFail || !strings.Contains(c.Fix, `C:\Apache24`) {
		t.Errorf("want a FAIL saying where Apache goes:\n%s", reportText(r))
	}
}
