package express

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Write creates the server root and writes the rendered files into it. Each
// file is written to a temporary name and renamed, so a running server
// never reads half a file. When running as root the root directory and the
// files the children read belong to the children's group; nothing is
// readable by other accounts.
func Write(p *Plan, files []File) error {
	where := "give a --server-root in a directory you can write"
	if p.DefaultServerRoot {
		where = "the default is under $TMPDIR: set TMPDIR to a directory you can write, or give --server-root"
	}
	if err := os.MkdirAll(filepath.Dir(p.ServerRoot), 0o755); err != nil {
		return fmt.Errorf("cannot create the server root's parent %s (%v); %s", filepath.Dir(p.ServerRoot), errors.Unwrap(err), where)
	}
	dirMode := os.FileMode(0o700)
	if p.RunningAsRoot {
		dirMode = 0o750
	}
	if err := os.Mkdir(p.ServerRoot, dirMode); err != nil && !os.IsExist(err) {
		return fmt.Errorf("cannot create the server root %s (%v); %s", p.ServerRoot, errors.Unwrap(err), where)
	}
	if fi, err := os.Lstat(p.ServerRoot); err != nil || !fi.IsDir() {
		return fmt.Errorf("server root %s is not a directory", p.ServerRoot)
	}
	if err := own(p, p.ServerRoot, dirMode, true); err != nil {
		return err
	}
	for _, f := range files {
		path := filepath.Join(p.ServerRoot, f.Name)
		// Never write, chmod or chown through a symbolic link planted in
		// the server root: replace anything that is not a regular file.
		if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
			if fi.IsDir() {
				return fmt.Errorf("%s is a directory; remove it", path)
			}
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("replacing %s: %w", path, err)
			}
		}
		if f.KeepOld {
			if _, err := os.Lstat(path); err == nil {
				continue
			}
		}
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.Data) {
			if err := own(p, path, f.Mode, f.ChildRead); err != nil {
				return err
			}
			continue
		}
		tmp := filepath.Join(p.ServerRoot, "."+f.Name+".tmp")
		os.Remove(tmp)
		if err := writeNew(tmp, f.Data, f.Mode); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("writing %s: %w", path, err)
		}
		if err := own(p, tmp, f.Mode, f.ChildRead); err != nil {
			os.Remove(tmp)
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	// The default document root, empty, inside the server root.
	if p.DocumentRoot == filepath.Join(p.ServerRoot, "htdocs") {
		if err := os.Mkdir(p.DocumentRoot, dirMode); err != nil && !os.IsExist(err) {
			return fmt.Errorf("creating %s: %w", p.DocumentRoot, err)
		}
		if err := own(p, p.DocumentRoot, dirMode, true); err != nil {
			return err
		}
	}
	if err := makeDebugDirs(p); err != nil {
		return err
	}
	if p.LogDirectory != p.ServerRoot {
		if err := os.MkdirAll(p.LogDirectory, 0o755); err != nil {
			return fmt.Errorf("creating log directory: %w", err)
		}
	}
	// The Python egg cache, writable by the application when created here.
	if p.PythonEggs != "" && !p.Static {
		if err := os.MkdirAll(p.PythonEggs, 0o755); err == nil && p.RunningAsRoot {
			os.Lchown(p.PythonEggs, p.UID, p.GID)
		}
	}
	return nil
}

// own sets mode and, as root, gives the children's group read access to
// what they must read.
func own(p *Plan, path string, mode os.FileMode, childRead bool) error {
	if p.RunningAsRoot {
		gid := 0
		if childRead {
			gid = p.GID
		} else {
			mode &^= 0o070
		}
		if err := os.Lchown(path, 0, gid); err != nil {
			return fmt.Errorf("setting owner of %s: %w", path, err)
		}
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("setting mode of %s: %w", path, err)
	}
	return nil
}

// writeNew creates path, which must not exist (O_EXCL: a link put there
// is not followed), with data and mode.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
