package serverroot

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/templates"
)

// A symbolic link planted in the server root is replaced, never written
// or chmod-ed through.
func TestWriteReplacesPlantedLinks(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("keep"), 0o644)
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o700)
	os.Symlink(victim, filepath.Join(root, "httpd.conf"))
	os.Symlink(victim, filepath.Join(root, ".envvars.tmp"))
	p := &express.Plan{Paths: express.PathsPlan{ServerRoot: root}, Static: express.StaticPlan{DocumentRoot: filepath.Join(root, "htdocs")}, Logging: express.LoggingPlan{Directory: root}}
	files := []templates.File{{Name: "httpd.conf", Data: []byte("new"), Mode: 0o600}, {Name: "envvars", Data: []byte("env"), Mode: 0o600}}
	if err := Write(p, files); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("written through a link: %q", b)
	}
	if fi, _ := os.Stat(victim); fi.Mode().Perm() != 0o644 {
		t.Errorf("link target's mode changed to %v", fi.Mode().Perm())
	}
	for _, f := range files {
		fi, err := os.Lstat(filepath.Join(root, f.Name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f.Name, fi.Mode(), err)
		}
	}
}
