package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// ModuleEnv names the environment variable that chooses the mod_wsgi
// module the tests run against (scripts/test sets it to a pip-built
// mod_wsgi 6 for its second run of the integration tests). Unset, the
// tests use the module discovery finds: the distribution's.
const ModuleEnv = "MOD_WSGI_TEST_MODULE"

// The chosen module reaches every server the tests start, whichever way
// they start it (the binary, a manage.py that runs it, Apache on a
// configuration module-config printed), through $MOD_WSGI_MODULE, which
// the binary honours; a test that sets its own environment starts from
// os.Environ() and so keeps it.
// A relative path is made absolute first: the tests run commands in
// directories of their own.
func init() {
	if m := os.Getenv(ModuleEnv); m != "" {
		if abs, err := filepath.Abs(m); err == nil {
			m = abs
			os.Setenv(ModuleEnv, m)
		}
		os.Setenv("MOD_WSGI_MODULE", m)
	}
}

// Module is the module chosen with $MOD_WSGI_TEST_MODULE, or ""
// when the tests run against the one discovery finds. A test that clears
// $MOD_WSGI_MODULE to check discovery sets it to this instead.
func Module() string { return os.Getenv(ModuleEnv) }

// checkModule fails the test when $MOD_WSGI_TEST_MODULE names no
// file: a run meant for another module must not pass on the default one,
// nor skip.
func checkModule(t testing.TB) {
	t.Helper()
	m := Module()
	if m == "" {
		return
	}
	if fi, err := os.Stat(m); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("$%s is %s, which is not a module file (%v); build it with scripts/test or unset the variable", ModuleEnv, m, err)
	}
}

var (
	modOnce    sync.Once
	modPath    string
	modVersion string
	modErr     string
)

// ModulePath is the mod_wsgi module the tests run against: the chosen one,
// else the distribution's in Apache's modules directory (apxs LIBEXECDIR),
// found here without the code under test.
func ModulePath(t testing.TB) string {
	t.Helper()
	inspectModule(t)
	return modPath
}

// ModuleVersion is the version of the module the tests run against, such
// as "4.9.4" or "6.0.5", read from the module file. Tests branch on it
// where mod_wsgi versions legitimately differ (options of mod_wsgi 6 are
// refused with a 4.x module).
func ModuleVersion(t testing.TB) string {
	t.Helper()
	inspectModule(t)
	return modVersion
}

// ModuleMajor is the major version of the module the tests run against.
func ModuleMajor(t testing.TB) int {
	t.Helper()
	major, _ := strconv.Atoi(strings.SplitN(ModuleVersion(t), ".", 2)[0])
	return major
}

func inspectModule(t testing.TB) {
	t.Helper()
	checkModule(t)
	modOnce.Do(func() {
		modPath = Module()
		if modPath == "" {
			modPath = distributionModule()
		}
		if modPath == "" {
			modErr = "no mod_wsgi module in Apache's modules directory (install libapache2-mod-wsgi-py3, or run scripts/test)"
			return
		}
		data, err := os.ReadFile(modPath)
		if err != nil {
			modErr = err.Error()
			return
		}
		modVersion = versionIn(data)
		if modVersion == "" {
			modErr = "cannot tell the mod_wsgi version of " + modPath + " (no single X.Y.Z string with X >= 4 in it)"
		}
	})
	if modErr != "" {
		t.Fatal(modErr)
	}
}

// distributionModule looks for mod_wsgi in Apache's modules directory.
func distributionModule() string {
	dirs := []string{"/usr/lib/apache2/modules", "/usr/lib64/httpd/modules", "/usr/lib/httpd/modules"}
	for _, apxs := range []string{"apxs", "apxs2"} {
		if out, err := exec.Command(apxs, "-q", "LIBEXECDIR").Output(); err == nil {
			dirs = append([]string{strings.TrimSpace(string(out))}, dirs...)
			break
		}
	}
	for _, d := range dirs {
		for _, name := range []string{"mod_wsgi.so", "mod_wsgi_python3.so", "mod_wsgi-py3.so"} {
			if p := filepath.Join(d, name); fileExists(p) {
				return p
			}
		}
	}
	return ""
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

var reDotted = regexp.MustCompile(`^([0-9]+)\.[0-9]+\.[0-9]+$`)

// versionIn finds mod_wsgi's version among the module's strings: a
// NUL-terminated X.Y.Z whose major is 4 or more (the other such string is
// the Python version it was built with, 3.x).
func versionIn(data []byte) string {
	seen := map[string]bool{}
	var found []string
	for _, s := range bytes.Split(data, []byte{0}) {
		m := reDotted.FindSubmatch(s)
		if m == nil || len(s) > 12 {
			continue
		}
		if major, _ := strconv.Atoi(string(m[1])); major < 4 || major > 99 {
			continue
		}
		if v := string(s); !seen[v] {
			seen[v] = true
			found = append(found, v)
		}
	}
	if len(found) != 1 {
		return ""
	}
	return found[0]
}
