package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Long options may be given as an unambiguous prefix, as with the Python
// mod_wsgi-express; values and anything after "--" are never expanded.
func TestAbbreviatedOptions(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	f, out, errb := testFactory(nil)
	code := Execute(f, []string{"setup-server", "app.wsgi", "--processes", "3", "--thr=7", "--embed",
		"--sete", "A", "b c", "--url-al", "/s", dir, "--python-pa", "--thr", "--server-r", root, "--print-config"})
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errb)
	}
	for _, want := range []string{
		"processes: 3 ", "threads: 7 ", "embedded-mode: true ", `setenv: [["A","b c"]] `,
		`url-alias: [["/s","` + dir + `"]] `, `python-path: ["--thr"] `, `server-root: "` + root + `" `,
	} {
		if !strings.Contains(out.String(), "\n"+want) {
			t.Errorf("print-config lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(root); err == nil {
		t.Error("--print-config wrote the server root")
	}
}

func TestAbbreviatedOptionErrors(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		// Ambiguous: every candidate is named, and nothing runs.
		{[]string{"setup-server", "--proc", "2"}, []string{"--proc is ambiguous", "--process-group", "--process-name", "--processes", "spell the option out"}},
		{[]string{"start-server", "--thread=2"}, nil}, // exact after expansion: threads
		{[]string{"setup-server", "--zzz"}, []string{"unknown flag: --zzz"}},
	}
	for _, c := range cases {
		dir := t.TempDir()
		f, _, errb := testFactory(nil)
		args := append(c.args, "--server-root", filepath.Join(dir, "root"), "--print-config")
		code := Execute(f, args)
		if c.want == nil {
			if code != 0 {
				t.Errorf("%q: exit %d\n%s", c.args, code, errb)
			}
			continue
		}
		if code != 2 {
			t.Errorf("%q: exit %d, want 2", c.args, code)
		}
		for _, w := range c.want {
			if !strings.Contains(errb.String(), w) {
				t.Errorf("%q: stderr lacks %q:\n%s", c.args, w, errb)
			}
		}
	}
}

// An exact name wins over longer names it is a prefix of.
func TestExactOptionBeatsPrefix(t *testing.T) {
	f, out, errb := testFactory(nil)
	code := Execute(f, []string{"setup-server", "--host", "127.0.0.1", "--server-root", filepath.Join(t.TempDir(), "r"), "--print-config"})
	if code != 0 || !strings.Contains(out.String(), "\nhost: \"127.0.0.1\" ") || !strings.Contains(out.String(), "\nhost-access-script: \"\" ") {
		t.Errorf("exit %d\n%s\n%s", code, out, errb)
	}
}
