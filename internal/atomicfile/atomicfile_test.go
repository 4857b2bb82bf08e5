package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// onlyFile checks that dir holds name and nothing else: no temporary file
// is left behind.
func onlyFile(t *testing.T, dir, name string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != name {
		t.Errorf("directory holds %q, want only %q", names, name)
	}
}

func TestWriteCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := Write(path, []byte("one\n"), 0o640, nil); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("two\n"), 0o604, nil); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "two\n" {
		t.Errorf("content %q, %v; want the second write", b, err)
	}
	if fi, err := os.Stat(path); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o604) {
		t.Errorf("mode %v, %v; want 0604 whatever the umask", fi.Mode().Perm(), err)
	}
	onlyFile(t, dir, "state.json")
}

// A failing prepare leaves the old file as it was and no temporary file;
// prepare sees the new content under the temporary name.
func TestWritePrepareFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "httpd.conf")
	os.WriteFile(path, []byte("old"), 0o600)
	refused := errors.New("refused")
	var seen string
	err := Write(path, []byte("new"), 0o600, func(tmp string) error {
		b, _ := os.ReadFile(tmp)
		seen = string(b)
		if filepath.Dir(tmp) != dir || tmp == path {
			t.Errorf("temporary file %s, want another name in %s", tmp, dir)
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Errorf("error %v, want prepare's", err)
	}
	if seen != "new" {
		t.Errorf("prepare saw %q, want the new content", seen)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("content %q, want the old file kept", b)
	}
	onlyFile(t, dir, "httpd.conf")
}

// A directory that cannot be written is an error, with nothing made.
func TestWriteMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "file")
	if err := Write(path, []byte("x"), 0o600, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v, want the missing directory", err)
	}
}
