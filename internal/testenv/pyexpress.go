package testenv

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The Python mod_wsgi-express these tests compare against: the release
// this tool replaces, installed the way its users install it (pip, from its
// source distribution, into a virtualenv of the system Python, which
// compiles its own mod_wsgi.so). It is the virtualenv scripts/test builds
// for its mod_wsgi 6.0.5 test module, in the same place and under the same
// lock, so whichever comes first builds it and the other reuses it.
const (
	PyExpressVersion = "6.0.5"
	// CacheEnv names the directory the virtualenv is kept in, as in
	// scripts/test; DefaultCache when unset. It must be readable by
	// Apache's unprivileged children, which run the Python tool's daemon
	// processes from it, so not root's home.
	CacheEnv     = "MOD_WSGI_TEST_CACHE"
	DefaultCache = "/var/tmp/mod_wsgi-express-tests"
)

// PyInstall is a built Python mod_wsgi-express.
type PyInstall struct {
	Venv   string // the virtualenv
	Prog   string // its bin/mod_wsgi-express
	Module string // the mod_wsgi.so pip compiled, which the Python tool loads
}

var (
	pyOnce sync.Once
	pyInst *PyInstall
	pyErr  error
)

// PyExpress returns the Python mod_wsgi-express 6.0.5, building it on first
// use (about 30 s, once per machine). Under -short it skips, as every
// integration test does; otherwise a missing source distribution or a
// failed build fails the test, never skips it: a differential test that
// cannot run the other tool has not passed.
func PyExpress(t testing.TB) *PyInstall {
	t.Helper()
	Integration(t)
	pyOnce.Do(func() {
		pyInst, pyErr = BuildPyExpress(SdistCandidates(), os.Stderr)
	})
	if pyErr != nil {
		t.Fatalf("the Python mod_wsgi-express %s: %v", PyExpressVersion, pyErr)
	}
	return pyInst
}

// SdistCandidates are the places mod_wsgi 6.0.5's source distribution is
// looked for: shared/vendor beside the repository (CI has ../shared beside
// its clone) or beside any directory above it (a git worktree kept in a
// subdirectory next to the main clone).
func SdistCandidates() []string {
	var out []string
	for d := filepath.Dir(RepoRoot()); ; d = filepath.Dir(d) {
		out = append(out, filepath.Join(d, "shared", "vendor", "mod_wsgi-"+PyExpressVersion+".tar.gz"))
		if filepath.Dir(d) == d {
			return out
		}
	}
}

// PyExpressCache is the directory the virtualenv is kept in.
func PyExpressCache() string {
	if c := os.Getenv(CacheEnv); c != "" {
		return c
	}
	return DefaultCache
}

// BuildPyExpress returns the Python mod_wsgi-express in the cache, building
// it first from the first of sdists that exists when the cache has none
// that works. Progress goes to log. Other processes (parallel test
// binaries, scripts/test) wait on the same lock file rather than build
// over each other; a virtualenv cannot be moved, so it is built in place
// and marked complete last.
func BuildPyExpress(sdists []string, log io.Writer) (*PyInstall, error) {
	cache := PyExpressCache()
	pyver, err := exec.Command(DebianPython, "-c", `import sys; print("%d.%d" % sys.version_info[:2])`).Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", DebianPython, err)
	}
	venv := filepath.Join(cache, "mod_wsgi-"+PyExpressVersion+"-py"+strings.TrimSpace(string(pyver)))
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, err
	}
	for _, d := range []string{cache, venv} {
		if err := trustedDir(d); err != nil {
			return nil, fmt.Errorf("%v; remove it or set $%s", err, CacheEnv)
		}
	}
	unlock, err := lockFile(filepath.Join(cache, ".lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	if inst, err := checkPyExpress(venv, true); err == nil {
		return inst, nil
	}
	sdist := ""
	for _, s := range sdists {
		if fileExists(s) {
			sdist = s
			break
		}
	}
	if sdist == "" {
		return nil, fmt.Errorf("it is not built in %s and its source distribution is missing: looked for %s (CI keeps it in ../shared/vendor beside its clone; scripts/test can also download it from a package index)",
			venv, strings.Join(sdists, ", "))
	}
	fmt.Fprintf(log, "testenv: building the Python mod_wsgi-express %s from %s into %s (once; about 30 s)\n", PyExpressVersion, sdist, venv)
	if err := os.RemoveAll(venv); err != nil {
		return nil, err
	}
	pip := filepath.Join(venv, "bin", "pip")
	steps := [][]string{{DebianPython, "-m", "venv", venv}}
	// pip builds a wheel, as recent pip does, when Debian's wheel is at
	// hand (python3-wheel-whl), as scripts/test does.
	wheels, _ := filepath.Glob("/usr/share/python-wheels/wheel-*.whl")
	for _, w := range wheels {
		steps = append(steps, []string{pip, "install", "--quiet", "--no-index", "--no-cache-dir", w})
	}
	steps = append(steps, []string{pip, "install", "--quiet", "--no-build-isolation", "--no-index", "--no-cache-dir", sdist})
	for _, s := range steps {
		cmd := exec.Command(s[0], s[1:]...)
		cmd.Env = append(os.Environ(), "PIP_DISABLE_PIP_VERSION_CHECK=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			os.RemoveAll(venv)
			return nil, fmt.Errorf("%s: %v (needs apache2-dev, python3-dev, python3-venv)\n%s", strings.Join(s, " "), err, out)
		}
	}
	// Apache's children, and the Python tool's daemon processes, run as
	// an unprivileged account and load the module and Python from here.
	err = filepath.WalkDir(venv, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		mode := fi.Mode().Perm() | 0o444
		if d.IsDir() || fi.Mode()&0o100 != 0 {
			mode |= 0o111
		}
		return os.Chmod(p, mode&^0o022)
	})
	if err != nil {
		os.RemoveAll(venv)
		return nil, err
	}
	inst, err := checkPyExpress(venv, false)
	if err != nil {
		os.RemoveAll(venv)
		return nil, fmt.Errorf("built in %s but %v", venv, err)
	}
	return inst, os.WriteFile(filepath.Join(venv, ".complete"), nil, 0o644)
}

// checkPyExpress says whether venv holds a working mod_wsgi-express of
// PyExpressVersion (what scripts/test's module_works checks, and the
// command itself); with complete, it must also be marked complete: one
// that is not is a build that was cut short.
func checkPyExpress(venv string, complete bool) (*PyInstall, error) {
	if complete && !fileExists(filepath.Join(venv, ".complete")) {
		return nil, fmt.Errorf("%s is not marked complete", venv)
	}
	inst := &PyInstall{Venv: venv, Prog: filepath.Join(venv, "bin", "mod_wsgi-express")}
	mods, _ := filepath.Glob(filepath.Join(venv, "lib", "python*", "site-packages", "mod_wsgi", "server", "mod_wsgi*.so"))
	if len(mods) != 1 {
		return nil, fmt.Errorf("%d mod_wsgi modules in %s, want 1", len(mods), venv)
	}
	inst.Module = mods[0]
	if !fileExists(inst.Prog) {
		return nil, fmt.Errorf("no %s", inst.Prog)
	}
	out, err := exec.Command(filepath.Join(venv, "bin", "python"), "-c", `import importlib.metadata as m; print(m.version("mod_wsgi"))`).Output()
	if err != nil || strings.TrimSpace(string(out)) != PyExpressVersion {
		return nil, fmt.Errorf("mod_wsgi in %s is %q (%v), want %s", venv, strings.TrimSpace(string(out)), err, PyExpressVersion)
	}
	if out, err := exec.Command("ldd", inst.Module).CombinedOutput(); err != nil || strings.Contains(string(out), "not found") {
		return nil, fmt.Errorf("%s does not load (%v):\n%s", inst.Module, err, out)
	}
	return inst, nil
}

// trustedDir refuses a cache directory another account planted or can
// change: Apache, as root, loads the module from it.
func trustedDir(d string) error {
	fi, err := os.Stat(d)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if uid, ok := ownerOf(fi); ok && uid != 0 && uid != os.Geteuid() {
		return fmt.Errorf("%s belongs to another account (uid %d)", d, uid)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s is writable by other accounts (mode %v)", d, fi.Mode().Perm())
	}
	return nil
}
