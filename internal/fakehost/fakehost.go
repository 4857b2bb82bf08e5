// Package fakehost presents other machines to tests: a directory tree
// stands for "/" (a Debian, Fedora, Homebrew or source-built Apache and
// Python), or for a Windows machine's drives (an Apache Lounge Apache and
// a python.org Python), and accounts, environment and programs come from
// fields, not from the machine the tests run on.
package fakehost

import (
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Host presents the directory Root as "/" for file look-ups. It implements
// discover.Machine. With OS "windows" the paths it takes and gives are
// Windows ones (C:\Apache24\bin\httpd.exe, kept under Root/C/Apache24/...),
// PATH is split at semicolons and LookPath tries PATHEXT's extensions, as
// on Windows.
type Host struct {
	Root  string
	OS    string // GOOS(); "" means linux
	Env   map[string]string
	UID   int
	Wd    string
	Users map[string]*user.User
	NCPU  int // CPUs(); 0 means 2, the machine the tests were written on
	// TempDirPath is TempDir(); "" means /tmp.
	TempDirPath string
}

func (h Host) path(p string) string {
	if h.windows() {
		return filepath.Join(h.Root, windowsTree(p))
	}
	return filepath.Join(h.Root, p)
}

func (h Host) windows() bool { return h.OS == "windows" }

// GOOS is the operating system the host presents.
func (h Host) GOOS() string {
	if h.OS == "" {
		return "linux"
	}
	return h.OS
}

// windowsTree is where a Windows path is kept under Root: C:\a\b is
// C/a/b (the drive letter upper case), \\server\share\a is UNC/server/share/a.
// Names are compared as they are spelt (Windows would ignore case).
func windowsTree(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	switch {
	case len(p) >= 2 && p[1] == ':':
		return "/" + strings.ToUpper(p[:1]) + "/" + p[2:]
	case strings.HasPrefix(p, "//"):
		return "/UNC/" + p[2:]
	}
	return "/C/" + p // rooted or relative: the current drive, C:
}

func (h Host) Stat(p string) (fs.FileInfo, error)      { return os.Stat(h.path(p)) }
func (h Host) Lstat(p string) (fs.FileInfo, error)     { return os.Lstat(h.path(p)) }
func (h Host) ReadFile(p string) ([]byte, error)       { return os.ReadFile(h.path(p)) }
func (h Host) ReadDir(p string) ([]fs.DirEntry, error) { return os.ReadDir(h.path(p)) }

// EvalSymlinks resolves links inside the tree one component at a time.
// A Windows layout has no links: its paths come back cleaned.
func (h Host) EvalSymlinks(p string) (string, error) {
	if h.windows() {
		if _, err := os.Stat(h.path(p)); err != nil {
			return "", err
		}
		return windowsClean(p), nil
	}
	parts := strings.Split(filepath.Clean(p), "/")
	cur := "/"
	for i := 0; i < len(parts); i++ {
		if parts[i] == "" {
			continue
		}
		next := filepath.Join(cur, parts[i])
		target, err := os.Readlink(h.path(next))
		if err != nil {
			if _, serr := os.Lstat(h.path(next)); serr != nil {
				return "", serr
			}
			cur = next
			continue
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(cur, target)
		}
		rest := append(strings.Split(filepath.Clean(target), "/"), parts[i+1:]...)
		parts, i, cur = rest, -1, "/"
	}
	return cur, nil
}

func (h Host) LookPath(name string) (string, error) {
	if h.windows() {
		return h.lookPathWindows(name)
	}
	for _, dir := range filepath.SplitList(h.Getenv("PATH")) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(h.path(p)); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
}

// lookPathWindows looks in each PATH directory (semicolon-separated) for
// name, then name with each of PATHEXT's extensions when name has none,
// as Windows does; any file will do (Windows has no execute bit).
func (h Host) lookPathWindows(name string) (string, error) {
	exts := []string{""}
	if !strings.Contains(name[strings.LastIndexAny(name, `\/`)+1:], ".") {
		pathext := h.Getenv("PATHEXT")
		if pathext == "" {
			pathext = ".COM;.EXE;.BAT;.CMD"
		}
		exts = nil
		for _, e := range strings.Split(pathext, ";") {
			if e != "" {
				exts = append(exts, strings.ToLower(e))
			}
		}
	}
	for _, dir := range strings.Split(h.Getenv("PATH"), ";") {
		if dir == "" {
			continue
		}
		for _, ext := range exts {
			p := windowsClean(dir + `\` + name + ext)
			if fi, err := os.Stat(h.path(p)); err == nil && fi.Mode().IsRegular() {
				return p, nil
			}
		}
	}
	return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
}

// windowsClean cleans a drive-letter path the Windows way: backslashes,
// no repeated separators, no . or .. elements.
func windowsClean(p string) string {
	vol := ""
	if len(p) >= 2 && p[1] == ':' {
		vol, p = p[:2], p[2:]
	}
	return vol + strings.ReplaceAll(path.Clean(strings.ReplaceAll(p, `\`, "/")), "/", `\`)
}

func (h Host) Getenv(k string) string { return h.Env[k] }
func (h Host) Getuid() int            { return h.UID }
func (h Host) Getwd() (string, error) { return h.Wd, nil }
func (h Host) LookupUser(n string) (*user.User, error) {
	if u, ok := h.Users[n]; ok {
		return u, nil
	}
	return nil, user.UnknownUserError(n)
}
func (h Host) LookupUserID(id string) (*user.User, error) {
	for _, u := range h.Users {
		if u.Uid == id {
			return u, nil
		}
	}
	return nil, user.UnknownUserIdError(0)
}
func (h Host) LookupGroup(n string) (*user.Group, error) {
	for _, u := range h.Users {
		if u.Username == n {
			return &user.Group{Gid: u.Gid, Name: n}, nil
		}
	}
	return nil, user.UnknownGroupError(n)
}
func (h Host) LookupGroupID(id string) (*user.Group, error) {
	for _, u := range h.Users {
		if u.Gid == id {
			return &user.Group{Gid: id, Name: u.Username}, nil
		}
	}
	return nil, user.UnknownGroupIdError(id)
}
func (h Host) Hostname() (string, error) { return "testhost", nil }
func (h Host) TempDir() string {
	if h.TempDirPath != "" {
		return h.TempDirPath
	}
	if h.windows() {
		return WindowsTemp
	}
	return "/tmp"
}

// Output runs nothing: every program is missing.
func (h Host) Output(name string, args ...string) ([]byte, error) {
	return nil, &exec.Error{Name: name, Err: exec.ErrNotFound}
}
func (h Host) PortFree(string) bool { return true }
func (h Host) CPUs() int {
	if h.NCPU > 0 {
		return h.NCPU
	}
	return 2
}

// Layout describes a fake machine: files to create (content "" makes an
// empty file; "@elf:NAME" copies testdata/elf/NAME, "@pe:NAME"
// testdata/pe/NAME; a trailing / or \ makes a directory), symbolic links,
// the environment, and the operating system ("" is linux; "windows" makes
// every path a Windows one).
type Layout struct {
	Files map[string]string
	Links map[string]string
	Env   map[string]string
	OS    string
}

// WWWData is Debian's web server account.
var WWWData = &user.User{Uid: "33", Gid: "33", Username: "www-data", Name: "www-data"}

// New builds the layout under a temporary directory; the working directory
// is /srv/app (on Windows, WindowsHome\app) and the accounts are root and
// www-data.
func New(t testing.TB, l Layout, uid int) Host {
	t.Helper()
	root := t.TempDir()
	h := Host{Root: root, OS: l.OS}
	for p, content := range l.Files {
		full := h.path(p)
		if p[len(p)-1] == '/' || p[len(p)-1] == '\\' {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		data := []byte(content)
		if name, ok := strings.CutPrefix(content, "@elf:"); ok {
			data = ELF(t, name)
		}
		if name, ok := strings.CutPrefix(content, "@pe:"); ok {
			data = PE(t, name)
		}
		mode := os.FileMode(0o644)
		if filepath.Base(filepath.Dir(p)) == "bin" || filepath.Base(filepath.Dir(p)) == "sbin" {
			mode = 0o755
		}
		if err := os.WriteFile(full, data, mode); err != nil {
			t.Fatal(err)
		}
	}
	for p, target := range l.Links {
		full := h.path(p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.Symlink(target, full); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(root, 0o755)
	wd := "/srv/app"
	if h.windows() {
		wd = WindowsHome + `\app`
	}
	return Host{Root: root, OS: l.OS, Env: l.Env, UID: uid, Wd: wd,
		Users: map[string]*user.User{"www-data": WWWData, "root": {Uid: "0", Gid: "0", Username: "root"}}}
}

// ELF is one of the stand-in module files of testdata/elf (see its README).
func ELF(t testing.TB, name string) []byte {
	t.Helper()
	return testdata(t, "elf", name)
}

// PE is one of the stand-in Windows module files of testdata/pe (see its
// README).
func PE(t testing.TB, name string) []byte {
	t.Helper()
	return testdata(t, "pe", name)
}

func testdata(t testing.TB, dir, name string) []byte {
	t.Helper()
	_, src, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(src), "testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
