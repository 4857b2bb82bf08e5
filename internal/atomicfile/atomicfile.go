// Package atomicfile replaces a file in one step, so that a reader (a
// running Apache, top, the dynamic loader) sees the old file or the new
// one, never half of one.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes data to path through a new temporary file in path's
// directory, renamed over path. The temporary file is created exclusively
// (O_EXCL: a link planted in the directory is never followed), gets mode
// perm (set with chmod, so the umask does not narrow it), and is handed to
// prepare, when not nil, before the rename: to give it an owner, say. A
// link at path is replaced, not followed. On any failure the temporary
// file is removed and path is left as it was. The error names the step
// that failed and its file.
func Write(path string, data []byte, perm os.FileMode, prepare func(tmp string) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := fill(f, data, perm); err != nil {
		os.Remove(tmp)
		return err
	}
	if prepare != nil {
		if err := prepare(tmp); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// fill writes data into f, sets its mode and closes it.
func fill(f *os.File, data []byte, perm os.FileMode) error {
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
