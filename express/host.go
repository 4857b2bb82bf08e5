package express

import (
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
)

// Host is the one seam between the resolver and the machine: files,
// executables, accounts, environment. Tests use RootedHost to present a
// fake distribution layout from a directory tree.
type Host interface {
	Stat(path string) (fs.FileInfo, error)
	Lstat(path string) (fs.FileInfo, error)
	ReadFile(path string) ([]byte, error)
	ReadDir(path string) ([]fs.DirEntry, error)
	EvalSymlinks(path string) (string, error)
	LookPath(name string) (string, error)
	Getenv(key string) string
	Getuid() int
	Getwd() (string, error)
	LookupUser(name string) (*user.User, error)
	LookupUserID(uid string) (*user.User, error)
	LookupGroup(name string) (*user.Group, error)
	LookupGroupID(gid string) (*user.Group, error)
	Hostname() (string, error)
	TempDir() string
	// Output runs a program and returns its standard output.
	Output(name string, args ...string) ([]byte, error)
	// PortFree reports whether addr (host:port) can be listened on.
	PortFree(addr string) bool
	// CPUs is how many CPUs this process may use.
	CPUs() int
}

// RealHost is the machine this process runs on.
type RealHost struct{}

func (RealHost) Stat(p string) (fs.FileInfo, error)           { return os.Stat(p) }
func (RealHost) Lstat(p string) (fs.FileInfo, error)          { return os.Lstat(p) }
func (RealHost) ReadFile(p string) ([]byte, error)            { return os.ReadFile(p) }
func (RealHost) ReadDir(p string) ([]fs.DirEntry, error)      { return os.ReadDir(p) }
func (RealHost) EvalSymlinks(p string) (string, error)        { return filepath.EvalSymlinks(p) }
func (RealHost) LookPath(n string) (string, error)            { return exec.LookPath(n) }
func (RealHost) Getenv(k string) string                       { return os.Getenv(k) }
func (RealHost) Getuid() int                                  { return os.Getuid() }
func (RealHost) Getwd() (string, error)                       { return os.Getwd() }
func (RealHost) LookupUser(n string) (*user.User, error)      { return user.Lookup(n) }
func (RealHost) LookupUserID(id string) (*user.User, error)   { return user.LookupId(id) }
func (RealHost) LookupGroup(n string) (*user.Group, error)    { return user.LookupGroup(n) }
func (RealHost) LookupGroupID(id string) (*user.Group, error) { return user.LookupGroupId(id) }
func (RealHost) Hostname() (string, error)                    { return os.Hostname() }
func (RealHost) TempDir() string                              { return tempDir() }
func (RealHost) Output(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).Output()
}

// CPUs honours CPU affinity and, unless GOMAXPROCS is set in the
// environment, a container's CPU limit (Go's default GOMAXPROCS reads the
// cgroup's CPU quota).
func (RealHost) CPUs() int {
	if os.Getenv("GOMAXPROCS") != "" {
		return runtime.NumCPU()
	}
	return runtime.GOMAXPROCS(0)
}

// Environ is the process's environment, as os.Environ.
func (RealHost) Environ() []string { return os.Environ() }
func (RealHost) PortFree(addr string) bool {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// RootedHost presents the directory Root as "/" for file look-ups, so tests
// can lay out a Fedora or Homebrew tree without that machine. Accounts,
// environment and programs come from the fields, not the real machine.
type RootedHost struct {
	Root  string
	Env   map[string]string
	UID   int
	Wd    string
	Users map[string]*user.User
	NCPU  int // CPUs(); 0 means 2, the machine the tests were written on
	// TempDirPath is TempDir(); "" means /tmp.
	TempDirPath string
}

func (h RootedHost) path(p string) string { return filepath.Join(h.Root, p) }

func (h RootedHost) Stat(p string) (fs.FileInfo, error)      { return os.Stat(h.path(p)) }
func (h RootedHost) Lstat(p string) (fs.FileInfo, error)     { return os.Lstat(h.path(p)) }
func (h RootedHost) ReadFile(p string) ([]byte, error)       { return os.ReadFile(h.path(p)) }
func (h RootedHost) ReadDir(p string) ([]fs.DirEntry, error) { return os.ReadDir(h.path(p)) }
func (h RootedHost) EvalSymlinks(p string) (string, error) {
	// Resolve links inside the tree one component at a time.
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
func (h RootedHost) LookPath(name string) (string, error) {
	for _, dir := range filepath.SplitList(h.Getenv("PATH")) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(h.path(p)); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
}
func (h RootedHost) Getenv(k string) string { return h.Env[k] }
func (h RootedHost) Getuid() int            { return h.UID }
func (h RootedHost) Getwd() (string, error) { return h.Wd, nil }
func (h RootedHost) LookupUser(n string) (*user.User, error) {
	if u, ok := h.Users[n]; ok {
		return u, nil
	}
	return nil, user.UnknownUserError(n)
}
func (h RootedHost) LookupUserID(id string) (*user.User, error) {
	for _, u := range h.Users {
		if u.Uid == id {
			return u, nil
		}
	}
	return nil, user.UnknownUserIdError(0)
}
func (h RootedHost) LookupGroup(n string) (*user.Group, error) {
	for _, u := range h.Users {
		if u.Username == n {
			return &user.Group{Gid: u.Gid, Name: n}, nil
		}
	}
	return nil, user.UnknownGroupError(n)
}
func (h RootedHost) LookupGroupID(id string) (*user.Group, error) {
	for _, u := range h.Users {
		if u.Gid == id {
			return &user.Group{Gid: id, Name: u.Username}, nil
		}
	}
	return nil, user.UnknownGroupIdError(id)
}
func (h RootedHost) Hostname() (string, error) { return "testhost", nil }
func (h RootedHost) TempDir() string {
	if h.TempDirPath != "" {
		return h.TempDirPath
	}
	return "/tmp"
}
func (h RootedHost) Output(name string, args ...string) ([]byte, error) {
	return nil, &exec.Error{Name: name, Err: exec.ErrNotFound}
}
func (h RootedHost) PortFree(string) bool { return true }
func (h RootedHost) CPUs() int {
	if h.NCPU > 0 {
		return h.NCPU
	}
	return 2
}
