package discover

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

// machoBundle builds a minimal 64-bit Mach-O bundle (as a macOS Apache
// module is) that loads the given libraries and has the given run paths,
// followed by strings as the C compiler leaves them (the version).
func machoBundle(libs, rpaths []string, tail ...string) []byte {
	le := binary.LittleEndian
	pad := func(n int) int { return (n + 7) &^ 7 }
	var cmds bytes.Buffer
	ncmds := 0
	for _, l := range libs {
		size := pad(24 + len(l) + 1)
		b := make([]byte, size)
		le.PutUint32(b[0:], 0xc) // LC_LOAD_DYLIB
		le.PutUint32(b[4:], uint32(size))
		le.PutUint32(b[8:], 24) // name offset
		le.PutUint32(b[12:], 2) // timestamp
		le.PutUint32(b[16:], 0x30c0000)
		le.PutUint32(b[20:], 0x30c0000)
		copy(b[24:], l)
		cmds.Write(b)
		ncmds++
	}
	for _, r := range rpaths {
		size := pad(12 + len(r) + 1)
		b := make([]byte, size)
		le.PutUint32(b[0:], 0x8000001c) // LC_RPATH
		le.PutUint32(b[4:], uint32(size))
		le.PutUint32(b[8:], 12)
		copy(b[12:], r)
		cmds.Write(b)
		ncmds++
	}
	hdr := make([]byte, 32)
	le.PutUint32(hdr[0:], 0xfeedfacf) // MH_MAGIC_64
	le.PutUint32(hdr[4:], 0x0100000c) // arm64
	le.PutUint32(hdr[8:], 0)          // subtype
	le.PutUint32(hdr[12:], 8)         // MH_BUNDLE
	le.PutUint32(hdr[16:], uint32(ncmds))
	le.PutUint32(hdr[20:], uint32(cmds.Len()))
	out := append(hdr, cmds.Bytes()...)
	for _, s := range tail {
		out = append(append(out, s...), 0)
	}
	return out
}

// universal wraps a thin Mach-O file as the one architecture of a
// universal (fat) file.
func universal(thin []byte) []byte {
	be := binary.BigEndian
	const offset = 4096
	hdr := make([]byte, offset)
	be.PutUint32(hdr[0:], 0xcafebabe)
	be.PutUint32(hdr[4:], 1)
	be.PutUint32(hdr[8:], 0x0100000c) // cputype arm64
	be.PutUint32(hdr[12:], 0)
	be.PutUint32(hdr[16:], offset)
	be.PutUint32(hdr[20:], uint32(len(thin)))
	be.PutUint32(hdr[24:], 12) // alignment 2^12
	return append(hdr, thin...)
}

func TestInspectMachOModules(t *testing.T) {
	framework := "/Library/Frameworks/Python.framework/Versions/3.12"
	base := fakehost.Layout{Files: map[string]string{
		framework + "/Python":                           "",
		framework + "/lib/python3.12/os.py":             "",
		framework + "/bin/python3.12":                   "",
		"/opt/py311/lib/libpython3.11.dylib":            "",
		"/opt/py311/lib/python3.11/os.py":               "",
		"/opt/py311/bin/python3.11":                     "",
		"/Users/dev/venv/lib/python3.13/site-packages/": "",
	}}
	withFramework := machoBundle([]string{framework + "/Python", "/usr/lib/libSystem.B.dylib"}, nil, "mod_wsgi", "5.0.2", "3.12.4")
	cases := []struct {
		name, path string
		data       []byte
		pyVersion  string
		libPython  string
		home       string
		loadFile   bool
	}{
		{"python.org framework", "/usr/local/apache2/modules/mod_wsgi.so", withFramework,
			"3.12", framework + "/Python", framework, false},
		{"universal file", "/usr/local/apache2/modules/mod_wsgi.so", universal(withFramework),
			"3.12", framework + "/Python", framework, false},
		{"libpython through @rpath", "/opt/py311/apache/modules/mod_wsgi.so",
			machoBundle([]string{"@rpath/libpython3.11.dylib"}, []string{"@loader_path/../../lib"}, "4.9.4"),
			"3.11", "/opt/py311/lib/libpython3.11.dylib", "/opt/py311", true},
		{"no libpython: version from the pip file name",
			"/Users/dev/venv/lib/python3.13/site-packages/mod_wsgi/server/mod_wsgi-py313.cpython-313-darwin.so",
			machoBundle([]string{"/usr/lib/libSystem.B.dylib"}, nil, "5.0.2"),
			"3.13", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := fakehost.New(t, base, 501)
			full := filepath.Join(h.Root, c.path)
			os.MkdirAll(filepath.Dir(full), 0o755)
			if err := os.WriteFile(full, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			mi, err := InspectModule(h, c.path)
			if err != nil {
				t.Fatal(err)
			}
			for _, chk := range []struct{ what, got, want string }{
				{"Python version", mi.PythonVersion, c.pyVersion}, {"libpython", mi.LibPython, c.libPython},
				{"Python home", mi.PythonHome, c.home},
			} {
				if chk.got != chk.want {
					t.Errorf("%s = %q, want %q", chk.what, chk.got, chk.want)
				}
			}
			if mi.NeedsLoadFile != c.loadFile {
				t.Errorf("NeedsLoadFile = %v, want %v", mi.NeedsLoadFile, c.loadFile)
			}
			if want := map[bool]string{true: "4.9.4", false: "5.0.2"}[c.pyVersion == "3.11"]; mi.Version != want {
				t.Errorf("mod_wsgi version = %q, want %q", mi.Version, want)
			}
		})
	}
	// Mach-O magic with nothing sensible after it: refused, naming the option.
	h := fakehost.New(t, base, 501)
	os.WriteFile(filepath.Join(h.Root, "bad.so"), []byte{0xcf, 0xfa, 0xed, 0xfe, 1, 2}, 0o644)
	if _, err := InspectModule(h, "/bad.so"); err == nil || !fault.IsUsage(err) {
		t.Errorf("a broken Mach-O file: %v, want a usage error", err)
	}
}
