package cmd

import (
	"runtime"
	"strings"
	"testing"
)

func withVersion(t *testing.T, v, c string) {
	oldV, oldC := Version, Commit
	Version, Commit = v, c
	t.Cleanup(func() { Version, Commit = oldV, oldC })
}

// version names the tool's version, commit and Go, and the Apache and
// mod_wsgi this machine has (scripts/install-deps installs both).
func TestVersionOutput(t *testing.T) {
	withVersion(t, "1.2.3-test", "abc1234")
	f, out, errb := testFactory(map[string]string{})
	if code := Execute(f, []string{"version"}); code != 0 {
		t.Fatalf("exit status %d: %s", code, errb)
	}
	s := out.String()
	if !strings.HasPrefix(s, "mod_wsgi-express 1.2.3-test\n") {
		t.Errorf("first line is not the version:\n%s", s)
	}
	for _, want := range []string{"commit:   abc1234", "go:       " + runtime.Version(), "apache:   Apache/2.", "mod_wsgi: 4.", "for Python 3.", "mod_wsgi"} {
		if !strings.Contains(s, want) {
			t.Errorf("version output lacks %q:\n%s", want, s)
		}
	}
}

// Without Apache, version still succeeds and says so.
func TestVersionWithoutApache(t *testing.T) {
	withVersion(t, "1.2.3-test", "abc1234")
	f, out, errb := testFactory(map[string]string{"HTTPD": "/nonexistent/httpd"})
	if code := Execute(f, []string{"version"}); code != 0 {
		t.Fatalf("exit status %d: %s", code, errb)
	}
	for _, want := range []string{"mod_wsgi-express 1.2.3-test", "apache:   not found", "/nonexistent/httpd", "mod_wsgi: not found"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}
	f, out, _ = testFactory(map[string]string{"MOD_WSGI_EXPRESS_MOD_WSGI_MODULE": "/nonexistent/mod_wsgi.so"})
	if code := Execute(f, []string{"version"}); code != 0 || !strings.Contains(out.String(), "mod_wsgi: not found") || !strings.Contains(out.String(), "/nonexistent/mod_wsgi.so") {
		t.Errorf("missing module: exit %d, output:\n%s", code, out)
	}
}
