package cmd

import (
	"path/filepath"
	"strings"
	"testing"
)

// Typos get a suggestion and exit status 2; a positional entry point that
// does not exist is named as typed.
func TestTypoSuggestions(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"start-server", "--prot", "8000"}, "unknown flag: --prot; did you mean --port?"},
		{[]string{"setup-server", "--threds=3"}, "unknown flag: --threds; did you mean --threads?"},
		{[]string{"doctor", "--jsn"}, "did you mean --json?"},
		{[]string{"start-sever"}, `unknown command "start-sever" for "mod_wsgi-express"; did you mean start-server?`},
		{[]string{"doctr"}, "did you mean doctor?"},
		{[]string{"setup-server", "--server-root", filepath.Join(dir, "r"), "nosuch.wsgi"}, "Error: nosuch.wsgi: no WSGI script file at "},
	} {
		f, _, errb := testFactory(nil)
		if code := Execute(f, c.args); code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", c.args, code, errb, c.want)
		}
	}
	// No suggestion for what is close to nothing; --entry-point keeps its name.
	f, _, errb := testFactory(nil)
	if code := Execute(f, []string{"bogus"}); code != 2 || strings.Contains(errb.String(), "did you mean") {
		t.Errorf("bogus: exit %d, %q", code, errb)
	}
	f, _, errb = testFactory(nil)
	if code := Execute(f, []string{"setup-server", "--server-root", filepath.Join(dir, "r"), "--entry-point", "nosuch.wsgi"}); code != 2 || !strings.Contains(errb.String(), "--entry-point: no WSGI script file") {
		t.Errorf("--entry-point nosuch.wsgi: exit %d, %q", code, errb)
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"prot", "port", 2}, {"threds", "threads", 1}, {"abc", "", 3}, {"start-sever", "start-server", 1}} {
		if got := editDistance(c.a, c.b); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
