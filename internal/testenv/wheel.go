package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// DebianPython is the system's Python 3. Virtualenvs for tests are made
// from it, not from whatever python3 is first on PATH: a pyenv Python
// under /root is unreadable by Apache's unprivileged children, and the
// distribution's mod_wsgi is built for this one.
const DebianPython = "/usr/bin/python3"

var (
	wheelOnce sync.Once
	wheelPath string
	wheelErr  error
)

// Wheel builds, once per test process, the Linux wheel for this machine's
// architecture with scripts/build-wheels, and returns its path.
func Wheel(t testing.TB) string {
	t.Helper()
	wheelOnce.Do(func() {
		if runtime.GOOS != "linux" {
			wheelErr = fmt.Errorf("the wheel tests run on Linux, not %s", runtime.GOOS)
			return
		}
		const platform = "host" // this machine's, as the README builds it
		dir, err := os.MkdirTemp("", "mwe-wheel-")
		if err != nil {
			wheelErr = err
			return
		}
		os.Chmod(dir, 0o755)
		cmd := exec.Command(filepath.Join(RepoRoot(), "scripts", "build-wheels"), "--platform", platform, dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			wheelErr = fmt.Errorf("scripts/build-wheels: %v\n%s", err, out)
			return
		}
		matches, _ := filepath.Glob(filepath.Join(dir, "*.whl"))
		if len(matches) != 1 {
			wheelErr = fmt.Errorf("scripts/build-wheels --platform %s wrote %d wheels, want 1: %q", platform, len(matches), matches)
			return
		}
		wheelPath = matches[0]
	})
	if wheelErr != nil {
		t.Fatal(wheelErr)
	}
	return wheelPath
}

// ModWSGISdist is the source distribution of mod_wsgi 6.0.5 vendored for
// the tests (../shared/vendor beside the repository; these machines reach
// no package index). Building it needs apache2-dev and python3-dev.
func ModWSGISdist(t testing.TB) string {
	t.Helper()
	p := filepath.Join(filepath.Dir(RepoRoot()), "shared", "vendor", "mod_wsgi-6.0.5.tar.gz")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the mod_wsgi 6.0.5 sdist this test builds is missing: %v (it is expected in ../shared/vendor relative to the repository root)", err)
	}
	return p
}

// Venv makes a virtualenv of DebianPython that sees the system's packages
// (Django, Flask), in a directory every account can read, and pip-installs
// each of pkgs into it in turn, offline: no index, no build isolation (the
// build uses the system's setuptools), no cache written. It returns the
// virtualenv's directory.
func Venv(t testing.TB, pkgs ...string) string {
	t.Helper()
	venv := filepath.Join(Dir(t), "venv")
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "PIP_DISABLE_PIP_VERSION_CHECK=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, out)
		}
	}
	run(DebianPython, "-m", "venv", "--system-site-packages", venv)
	for _, p := range pkgs {
		run(filepath.Join(venv, "bin", "pip"), "install", "-q", "--no-index", "--no-build-isolation", "--no-cache-dir", p)
	}
	return venv
}
