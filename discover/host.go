// Package discover is the one seam between mod_wsgi-express and the machine
// (the Machine interface), and what it finds through it: Apache, its modules
// and mime.types, the mod_wsgi module and the Python it was built for, the
// virtualenv to run the application in, and what an account may read.
// Tests present other machines (Fedora, Homebrew, macOS) through a fake
// Machine; nothing here writes anything.
package discover

import (
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
)

// Machine is the one seam between the resolver and the machine: files,
// executables, accounts, environment. Tests use internal/fakehost to
// present a fake distribution layout from a directory tree.
type Machine interface {
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
	// GOOS is the machine's operating system as Go names it (linux,
	// darwin, windows): which layouts to look for, and, on windows, the
	// path syntax of everything the host returns (winpath.go).
	GOOS() string
}

// RealMachine is the machine this process runs on.
type RealMachine struct{}

func (RealMachine) Stat(p string) (fs.FileInfo, error)           { return os.Stat(p) }
func (RealMachine) Lstat(p string) (fs.FileInfo, error)          { return os.Lstat(p) }
func (RealMachine) ReadFile(p string) ([]byte, error)            { return os.ReadFile(p) }
func (RealMachine) ReadDir(p string) ([]fs.DirEntry, error)      { return os.ReadDir(p) }
func (RealMachine) EvalSymlinks(p string) (string, error)        { return filepath.EvalSymlinks(p) }
func (RealMachine) LookPath(n string) (string, error)            { return exec.LookPath(n) }
func (RealMachine) Getenv(k string) string                       { return os.Getenv(k) }
func (RealMachine) Getuid() int                                  { return os.Getuid() }
func (RealMachine) Getwd() (string, error)                       { return os.Getwd() }
func (RealMachine) LookupUser(n string) (*user.User, error)      { return user.Lookup(n) }
func (RealMachine) LookupUserID(id string) (*user.User, error)   { return user.LookupId(id) }
func (RealMachine) LookupGroup(n string) (*user.Group, error)    { return user.LookupGroup(n) }
func (RealMachine) LookupGroupID(id string) (*user.Group, error) { return user.LookupGroupId(id) }
func (RealMachine) Hostname() (string, error)                    { return os.Hostname() }
func (RealMachine) GOOS() string                                 { return runtime.GOOS }
func (RealMachine) TempDir() string                              { return tempDir() }
func (RealMachine) Output(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).Output()
}

// CPUs honours CPU affinity and, unless GOMAXPROCS is set in the
// environment, a container's CPU limit (Go's default GOMAXPROCS reads the
// cgroup's CPU quota).
func (RealMachine) CPUs() int {
	if os.Getenv("GOMAXPROCS") != "" {
		return runtime.NumCPU()
	}
	return runtime.GOMAXPROCS(0)
}

// Environ is the process's environment, as os.Environ.
func (RealMachine) Environ() []string { return os.Environ() }
func (RealMachine) PortFree(addr string) bool {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// IsWindows reports whether h is a Windows machine.
func IsWindows(h Machine) bool { return h.GOOS() == "windows" }

// IsFile reports whether p is on the host and not a directory.
func IsFile(h Machine, p string) bool {
	fi, err := h.Stat(p)
	return err == nil && !fi.IsDir()
}

// IsDir reports whether p is a directory on the host.
func IsDir(h Machine, p string) bool {
	fi, err := h.Stat(p)
	return err == nil && fi.IsDir()
}

// Abs makes p absolute against the host's working directory.
func Abs(h Machine, p string) string {
	if IsWindows(h) {
		if p == "" || winIsAbs(p) {
			return winClean(p)
		}
		wd, _ := h.Getwd()
		return winJoin(wd, p)
	}
	if p == "" || filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	wd, _ := h.Getwd()
	return filepath.Join(wd, p)
}
