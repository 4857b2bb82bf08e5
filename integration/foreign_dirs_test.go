package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// Directories the tool would rewrite or give to the application's account
// are refused when they hold someone else's files: a project directory as
// --server-root, an existing directory of root's as --profiler-directory
// or --python-eggs. Nothing in them changes, owner and mode included.
func TestForeignDirectoriesRefused(t *testing.T) {
	testenv.Integration(t)
	if os.Getuid() != 0 {
		t.Fatal("this test checks what root would give away; run it as root (CI does)")
	}
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), groupApp)
	proj := filepath.Join(dir, "proj")
	testenv.WriteFile(t, filepath.Join(proj, "notes.txt"), "mine")
	testenv.WriteFile(t, filepath.Join(proj, "httpd.conf"), "my conf")
	out := filepath.Join(dir, "out")
	testenv.WriteFile(t, filepath.Join(out, "keep.txt"), "keep")
	os.Chmod(proj, 0o755)
	os.Chmod(out, 0o755)
	state := func() string {
		var b strings.Builder
		for _, p := range []string{proj, out, filepath.Join(proj, "httpd.conf")} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(p + " " + fi.Mode().String() + "\n")
		}
		data, _ := os.ReadFile(filepath.Join(proj, "httpd.conf"))
		return b.String() + string(data)
	}
	before := state()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--server-root", proj}, "--server-root: " + proj + " already holds files mod_wsgi-express did not write (httpd.conf, notes.txt)"},
		{[]string{"--server-root", filepath.Join(dir, "root1"), "--enable-profiler", "--profiler-directory", out}, "--profiler-directory: " + out + " already holds files"},
		{[]string{"--server-root", filepath.Join(dir, "root2"), "--python-eggs", out}, "--python-eggs: " + out + " already holds files"},
	} {
		o, code := testenv.Run(t, dir, append([]string{"setup-server", "app.wsgi"}, c.args...)...)
		if code != 2 || !strings.Contains(o, c.want) {
			t.Errorf("%q: exit %d, want 2 and %q:\n%s", c.args, code, c.want, o)
		}
	}
	if after := state(); after != before {
		t.Errorf("refused directories changed:\nbefore %s\nafter  %s", before, after)
	}
	for _, r := range []string{"root1", "root2"} {
		if _, err := os.Stat(filepath.Join(dir, r)); err == nil {
			t.Errorf("%s was written although the command was refused", r)
		}
	}
	// A server root this tool made is rewritten: setup-server twice.
	root := filepath.Join(dir, "root")
	for i := 0; i < 2; i++ {
		if o, code := testenv.Run(t, dir, "setup-server", "app.wsgi", "--server-root", root); code != 0 {
			t.Fatalf("setup-server #%d: exit %d\n%s", i+1, code, o)
		}
	}
}
