package cmd

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

func TestInstallModule(t *testing.T) {
	src := filepath.Join(t.TempDir(), "mod_wsgi.so")
	data := fakehost.ELF(t, "mod_wsgi-py311.so")
	os.WriteFile(src, data, 0o600)
	dir := t.TempDir()
	target, err := installModule(discover.ModuleInfo{Path: src}, dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(target)
	if err != nil || string(got) != string(data) || target != filepath.Join(dir, "mod_wsgi.so") {
		t.Fatalf("copy at %s: %v", target, err)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	// Installing onto itself keeps the file.
	if again, err := installModule(discover.ModuleInfo{Path: target}, dir); err != nil || again != target {
		t.Errorf("self install: %v %s", err, again)
	}
	if _, err := installModule(discover.ModuleInfo{Path: src}, filepath.Join(dir, "missing")); !fault.IsUsage(err) {
		t.Errorf("missing directory: %v", err)
	}
	var re *fault.RuntimeError
	if _, err := installModule(discover.ModuleInfo{Path: filepath.Join(dir, "nope.so")}, dir); !errors.As(err, &re) {
		t.Errorf("missing source: %v", err)
	}
}
