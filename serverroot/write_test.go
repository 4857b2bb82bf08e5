//go:build !windows

package serverroot

import (
	"os"
	"path/filepath"
	"syscall"
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

// The readiness probe's directory is made writable by the application's
// account, and a mark left by an earlier run is removed: the new server is
// not ready before its application loads. A link planted in its place is
// replaced, not followed.
func TestWriteReadyDir(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	ready := filepath.Join(root, "ready")
	os.MkdirAll(ready, 0o755)
	os.WriteFile(filepath.Join(ready, "ready.txt"), []byte("ready\n"), 0o644)
	p := &express.Plan{
		Paths:     express.PathsPlan{ServerRoot: root},
		Static:    express.StaticPlan{DocumentRoot: filepath.Join(root, "htdocs")},
		Logging:   express.LoggingPlan{Directory: root},
		Processes: express.ProcessesPlan{RunningAsRoot: os.Getuid() == 0, UID: 33, GID: 33},
		Probes:    express.ProbesPlan{ReadyDir: ready, ReadyFile: filepath.Join(ready, "ready.txt")},
	}
	// As express/probes.go asks for it.
	p.Outputs.Dirs = []express.OutputDir{{Path: ready, Mode: 0o700, Owner: express.DirApplication, Replace: true, Stale: []string{p.Probes.ReadyFile}}}
	if err := Write(p, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(p.Probes.ReadyFile); !os.IsNotExist(err) {
		t.Errorf("the mark of an earlier run is still there: %v", err)
	}
	fi, err := os.Lstat(ready)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("ready directory: %v %v", fi, err)
	}
	if os.Getuid() == 0 {
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 33 || st.Gid != 33 {
			t.Errorf("ready directory owned by %d:%d, want the application's 33:33", st.Uid, st.Gid)
		}
	}
	// A link in place of the directory is replaced.
	os.RemoveAll(ready)
	victim := filepath.Join(dir, "victim")
	os.Mkdir(victim, 0o755)
	os.Symlink(victim, ready)
	if err := Write(p, nil); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(ready); err != nil || !fi.IsDir() {
		t.Errorf("the planted link was kept: %v %v", fi, err)
	}
	if fi, _ := os.Stat(victim); fi.Mode().Perm() != 0o755 {
		t.Errorf("the link's target was changed: %v", fi.Mode().Perm())
	}
}
