// Package serverroot writes the rendered files into the server root, with
// the owners and modes that let Apache's unprivileged children read what
// they must and nobody else read anything, and creates the directories the
// plan names (the default document root, the logs, the egg cache, the
// development tools' output).
package serverroot

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/templates"
)

// Write creates the server root and writes the rendered files into it. Each
// file is written to a temporary name and renamed, so a running server
// never reads half a file. When running as root the root directory and the
// files the children read belong to the children's group; nothing is
// readable by other accounts.
func Write(p *express.Plan, files []templates.File) error {
	where := "give a --server-root in a directory you can write"
	if p.Paths.DefaultServerRoot {
		where = "the default is under $TMPDIR: set TMPDIR to a directory you can write, or give --server-root"
	}
	if err := os.MkdirAll(filepath.Dir(p.Paths.ServerRoot), 0o755); err != nil {
		return fmt.Errorf("cannot create the server root's parent %s (%v); %s", filepath.Dir(p.Paths.ServerRoot), errors.Unwrap(err), where)
	}
	dirMode := os.FileMode(0o700)
	if p.Processes.RunningAsRoot {
		dirMode = 0o750
	}
	if err := os.Mkdir(p.Paths.ServerRoot, dirMode); err != nil && !os.IsExist(err) {
		return fmt.Errorf("cannot create the server root %s (%v); %s", p.Paths.ServerRoot, errors.Unwrap(err), where)
	}
	if fi, err := os.Lstat(p.Paths.ServerRoot); err != nil || !fi.IsDir() {
		return fmt.Errorf("server root %s is not a directory", p.Paths.ServerRoot)
	}
	if err := own(p, p.Paths.ServerRoot, dirMode, true); err != nil {
		return err
	}
	for _, f := range files {
		path := filepath.Join(p.Paths.ServerRoot, f.Name)
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
		tmp := filepath.Join(p.Paths.ServerRoot, "."+f.Name+".tmp")
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
	if p.Static.DocumentRoot == filepath.Join(p.Paths.ServerRoot, "htdocs") {
		if err := os.Mkdir(p.Static.DocumentRoot, dirMode); err != nil && !os.IsExist(err) {
			return fmt.Errorf("creating %s: %w", p.Static.DocumentRoot, err)
		}
		if err := own(p, p.Static.DocumentRoot, dirMode, true); err != nil {
			return err
		}
	}
	if err := makeToolDirs(p); err != nil {
		return err
	}
	if err := makeReadyDir(p); err != nil {
		return err
	}
	if p.Logging.Directory != p.Paths.ServerRoot {
		if err := os.MkdirAll(p.Logging.Directory, 0o755); err != nil {
			return fmt.Errorf("creating log directory: %w", err)
		}
	}
	// The Python egg cache, writable by the application when created here.
	if p.Environment.PythonEggs != "" && !p.Application.Static {
		if err := os.MkdirAll(p.Environment.PythonEggs, 0o755); err == nil && p.Processes.RunningAsRoot {
			os.Lchown(p.Environment.PythonEggs, p.Processes.UID, p.Processes.GID)
		}
	}
	return nil
}

// own sets mode and, as root, gives the children's group read access to
// what they must read.
func own(p *express.Plan, path string, mode os.FileMode, childRead bool) error {
	if p.Processes.RunningAsRoot {
		gid := 0
		if childRead {
			gid = p.Processes.GID
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

// makeToolDirs creates the tools' output directories, writable by the
// account the application runs as and by nobody else.
func makeToolDirs(p *express.Plan) error {
	for _, d := range []string{p.Debug.ProfilerDirectory, p.Debug.RecorderDirectory, p.Debug.CoverageDirectory} {
		if d == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", filepath.Dir(d), err)
		}
		if err := os.Mkdir(d, 0o700); err != nil && !os.IsExist(err) {
			return fmt.Errorf("creating %s: %w", d, err)
		}
		if p.Processes.RunningAsRoot {
			if err := os.Chown(d, p.Processes.UID, p.Processes.GID); err != nil {
				return fmt.Errorf("setting owner of %s: %w", d, err)
			}
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return fmt.Errorf("setting mode of %s: %w", d, err)
		}
	}
	return nil
}

// makeReadyDir creates the directory where the application marks itself
// loaded for the readiness probe (express/probes.go), writable by the
// account the application runs as, and removes a mark left by an earlier
// run: the new server is not ready before its application has loaded.
func makeReadyDir(p *express.Plan) error {
	d := p.Probes.ReadyDir
	if d == "" {
		return nil
	}
	if fi, err := os.Lstat(d); err == nil && !fi.IsDir() {
		if err := os.Remove(d); err != nil {
			return fmt.Errorf("replacing %s: %w", d, err)
		}
	}
	if err := os.Mkdir(d, 0o700); err != nil && !os.IsExist(err) {
		return fmt.Errorf("creating %s: %w", d, err)
	}
	if p.Processes.RunningAsRoot {
		if err := os.Lchown(d, p.Processes.UID, p.Processes.GID); err != nil {
			return fmt.Errorf("setting owner of %s: %w", d, err)
		}
	}
	if err := os.Chmod(d, 0o700); err != nil {
		return fmt.Errorf("setting mode of %s: %w", d, err)
	}
	if err := os.Remove(p.Probes.ReadyFile); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("removing the readiness mark %s: %w", p.Probes.ReadyFile, err)
	}
	return nil
}
