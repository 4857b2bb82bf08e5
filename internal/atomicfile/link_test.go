//go:build !windows

package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// A link at the path is replaced by the file, and what it points to is
// left alone.
func TestWriteReplacesLink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("keep"), 0o644)
	path := filepath.Join(dir, "envvars")
	os.Symlink(victim, path)
	if err := Write(path, []byte("new"), 0o600, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("written through the link: %q", b)
	}
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("%s is %v, %v; want a regular file", path, fi.Mode(), err)
	}
	onlyFile(t, dir, "envvars")
}
