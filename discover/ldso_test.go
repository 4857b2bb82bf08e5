package discover

import (
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

// A libpython in a directory /etc/ld.so.conf adds is on the loader's path:
// no LoadFile needed.
func TestLdSoConfPath(t *testing.T) {
	l := fakehost.SourceBuild()
	l.Files["/usr/local/apache2/modules/mod_wsgi.so"] = "@elf:mod_wsgi-py311.so"
	l.Files["/etc/ld.so.conf"] = "include /etc/ld.so.conf.d/*.conf\n"
	l.Files["/etc/ld.so.conf.d/libc.conf"] = "# libc default configuration\n/usr/local/lib\n"
	l.Files["/etc/ld.so.conf.d/ignored.txt"] = "/nowhere\n"
	l.Files["/usr/local/lib/libpython3.11.so.1.0"] = ""
	l.Files["/usr/local/lib/python3.11/os.py"] = ""
	h := fakehost.New(t, l, 1000)
	if got := ldSoConfDirs(h); strings.Join(got, ":") != "/usr/local/lib" {
		t.Errorf("ld.so.conf dirs %q", got)
	}
	s, err := FindModuleSetup(h, Given{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Module.LibPython != "/usr/local/lib/libpython3.11.so.1.0" || s.Module.NeedsLoadFile || s.Python.Home != "/usr/local" {
		t.Errorf("module %+v, python %+v", s.Module, s.Python)
	}
}
