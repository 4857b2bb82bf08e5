package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
)

func windowsFactory(t *testing.T, l fakehost.Layout) (*Factory, fakehost.Host, *bytes.Buffer, *bytes.Buffer) {
	h := fakehost.New(t, l, 1000)
	ios, _, out, errb := iostreams.Test()
	return &Factory{IO: ios, Machine: h}, h, out, errb
}

// On a Windows host start-server and setup-server stop before doing
// anything (no option is even looked at, no file written), exit 2 with
// the usage error, and say what Windows is offered.
func TestServerCommandsRefusedOnWindows(t *testing.T) {
	for _, args := range [][]string{
		{"start-server", "hello.wsgi"},
		{"setup-server", "hello.wsgi", "--server-root", `C:\srv\root`},
		{"start-server"},
		{"setup-server", "--port", "8080"},
	} {
		f, h, out, errb := windowsFactory(t, fakehost.Windows())
		before := tree(h.Root)
		code := Execute(f, args)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2\n%s", args, code, errb)
		}
		msg := errb.String()
		for _, want := range []string{"Error: " + args[0] + " does not run on Windows", "module-config", "module-location", "doctor", "version", "docs/windows.md"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q: stderr lacks %q:\n%s", args, want, msg)
			}
		}
		if out.Len() != 0 {
			t.Errorf("%q: wrote to stdout: %q", args, out)
		}
		if after := tree(h.Root); after != before {
			t.Errorf("%q: the machine's files changed:\n%s\nwas:\n%s", args, after, before)
		}
	}
	// The refusal comes before the run itself: a test's runF is not
	// reached either.
	f, _, _, _ := windowsFactory(t, fakehost.Windows())
	called := false
	c := NewCmdStartServer(f, func(*ServerOptions) error { called = true; return nil })
	c.SetArgs([]string{"hello.wsgi"})
	if err := c.Execute(); err == nil || called {
		t.Errorf("start-server on Windows: %v, run called %v", err, called)
	}
	// The same command on a Linux host runs.
	lf, _, _, _ := windowsFactory(t, fakehost.Debian())
	c = NewCmdSetupServer(lf, func(*ServerOptions) error { called = true; return nil })
	c.SetArgs([]string{"hello.wsgi"})
	if err := c.Execute(); err != nil || !called {
		t.Errorf("setup-server on Linux: %v, run called %v", err, called)
	}
}

// tree lists the files and directories under root.
func tree(root string) string {
	var b strings.Builder
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		b.WriteString(p + "\n")
		return nil
	})
	return b.String()
}

// module-config, module-location and version on a Windows machine with an
// activated virtualenv into which pip installed mod_wsgi: what mod_wsgi's
// own module-config prints there, forward slashes and all.
func TestModuleCommandsOnWindows(t *testing.T) {
	l := fakehost.Windows()
	l.Env["VIRTUAL_ENV"] = fakehost.WindowsVenv
	py := "C:/Users/dev/AppData/Local/Programs/Python/Python311"
	pyd := "C:/Users/dev/app/venv/Lib/site-packages/mod_wsgi/server/mod_wsgi.cp311-win_amd64.pyd"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"module-config"}, `LoadFile "` + py + `/python311.dll"` + "\n" + `LoadModule wsgi_module "` + pyd + `"` + "\n" + `WSGIPythonHome "C:/Users/dev/app/venv"` + "\n"},
		{[]string{"module-location"}, fakehost.WindowsPyd + "\n"},
	} {
		f, _, out, errb := windowsFactory(t, l)
		if code := Execute(f, c.args); code != 0 || out.String() != c.want {
			t.Errorf("%q: exit %d\n%s\nwant:\n%s\nstderr: %s", c.args, code, out, c.want, errb)
		}
	}
	f, _, out, _ := windowsFactory(t, l)
	if code := Execute(f, []string{"version"}); code != 0 ||
		!strings.Contains(out.String(), `  mod_wsgi: 6.0.5 for Python 3.11 (`+fakehost.WindowsPyd+")") ||
		!strings.Contains(out.String(), `(C:\Apache24\bin\httpd.exe)`) {
		t.Errorf("version: exit %d\n%s", code, out)
	}
	// Without a module to find: the Windows way to get one.
	f, _, _, errb := windowsFactory(t, fakehost.Windows())
	if code := Execute(f, []string{"module-config"}); code != 2 || !strings.Contains(errb.String(), "pip install mod_wsgi into a virtualenv") {
		t.Errorf("module-config without a module: exit %d: %s", code, errb)
	}
}

// doctor on Windows: exit 0 when module-config would work, and the last
// line says so and that start-server does not run there.
func TestDoctorOnWindows(t *testing.T) {
	l := fakehost.Windows()
	l.Env["VIRTUAL_ENV"] = fakehost.WindowsVenv
	f, _, out, errb := windowsFactory(t, l)
	code := Execute(f, []string{"doctor"})
	if code != 0 || !strings.HasSuffix(out.String(), "\nmodule-config should work here (start-server does not run on Windows).\n") {
		t.Errorf("doctor: exit %d\n%s%s", code, out, errb)
	}
	t.Logf("\n%s", out)
	f, _, out, _ = windowsFactory(t, fakehost.Windows())
	if code := Execute(f, []string{"doctor"}); code != 1 || !strings.Contains(out.String(), "module-config would fail") {
		t.Errorf("doctor without a module: exit %d\n%s", code, out)
	}
}
