// Package serverroot writes the rendered files into the server root, with
// the owners and modes that let Apache's unprivileged children read what
// they must and nobody else read anything, and creates the directories the
// plan's steps asked for (express.OutputsPlan: the default document root,
// the logs, the egg cache, the development tools' output, the readiness
// mark's directory). It knows no concern: each says what it needs.
package serverroot

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/internal/atomicfile"
	"github.com/modwsgi-go/mod_wsgi-express/templates"
)

// Write creates the server root and writes the rendered files into it. Each
// file is written to a temporary name and renamed (atomicfile), so a
// running server never reads half a file. When running as root the root
// directory and the files the children read belong to the children's
// group; nothing is readable by other accounts.
func Write(p *express.Plan, files []templates.File) error {
	where := "give a --server-root in a directory you can write"
	if p.Paths.DefaultServerRoot {
		where = "the default is under $TMPDIR: set TMPDIR to a directory you can write, or give --server-root"
	}
	if err := os.MkdirAll(filepath.Dir(p.Paths.ServerRoot), 0o755); err != nil {
		return fmt.Errorf("cannot create the server root's parent %s (%v); %s", filepath.Dir(p.Paths.ServerRoot), errors.Unwrap(err), where)
	}
	dirMode := p.Processes.DirMode()
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
		err := atomicfile.Write(path, f.Data, f.Mode, func(tmp string) error {
			return own(p, tmp, f.Mode, f.ChildRead)
		})
		if err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	for _, d := range p.Outputs.Dirs {
		if err := makeDir(p, d); err != nil && !d.BestEffort {
			return err
		}
	}
	return nil
}

// makeDir creates one directory a step asked for, with its owner and mode,
// and removes the stale files it names.
func makeDir(p *express.Plan, d express.OutputDir) error {
	if d.Replace {
		if fi, err := os.Lstat(d.Path); err == nil && !fi.IsDir() {
			if err := os.Remove(d.Path); err != nil {
				return fmt.Errorf("replacing %s: %w", d.Path, err)
			}
		}
	}
	if d.Parents {
		if err := os.MkdirAll(filepath.Dir(d.Path), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", filepath.Dir(d.Path), err)
		}
	}
	if err := os.Mkdir(d.Path, cmp.Or(d.Mode, 0o755)); err != nil && !os.IsExist(err) {
		return fmt.Errorf("creating %s: %w", d.Path, err)
	}
	switch d.Owner {
	case express.DirChildrenRead:
		if err := own(p, d.Path, d.Mode, true); err != nil {
			return err
		}
	case express.DirApplication:
		if p.Processes.RunningAsRoot {
			if err := os.Lchown(d.Path, p.Processes.UID, p.Processes.GID); err != nil {
				return fmt.Errorf("setting owner of %s: %w", d.Path, err)
			}
		}
		if d.Mode != 0 {
			if err := os.Chmod(d.Path, d.Mode); err != nil {
				return fmt.Errorf("setting mode of %s: %w", d.Path, err)
			}
		}
	}
	for _, f := range d.Stale {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("removing %s, left by an earlier run: %w", f, err)
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
