package discover

import (
	"bytes"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// Account is a uid and gid whose access to files can be checked.
type Account struct{ UID, GID int }

// Blocked returns the first path on the way to p that the account cannot
// pass (search permission on directories, and read on p itself when read),
// or "" when nothing blocks it.
func (a Account) Blocked(h Machine, p string, read bool) string {
	p = filepath.Clean(p)
	parts := strings.Split(p, "/")
	cur := "/"
	for i, part := range parts {
		if part == "" {
			continue
		}
		cur = filepath.Join(cur, part)
		fi, err := h.Stat(cur)
		if err != nil {
			return ""
		}
		last := i == len(parts)-1
		want := fs.FileMode(0o1) // search
		if last && read {
			want = 0o4
			if fi.IsDir() {
				want = 0o5
			}
		} else if !fi.IsDir() {
			continue
		}
		if !a.allowed(fi, want) {
			return cur
		}
	}
	return ""
}

func (a Account) allowed(fi fs.FileInfo, want fs.FileMode) bool {
	perm := fi.Mode().Perm()
	uid, gid, ok := fileOwner(fi)
	if !ok {
		return true
	}
	switch {
	case uid == a.UID:
		return (perm>>6)&want == want
	case gid == a.GID:
		return (perm>>3)&want == want
	default:
		return perm&want == want
	}
}

// ChmodFor is the chmod mode that lets others reach path: read for a
// file, read and search for a directory.
func ChmodFor(h Machine, path string) string {
	if fi, err := h.Stat(path); err == nil && !fi.IsDir() {
		return "o+r"
	}
	return "o+rx"
}

// Owner is the uid that owns path, and whether it could be read.
func Owner(fi fs.FileInfo) (uid int, ok bool) {
	uid, _, ok = fileOwner(fi)
	return uid, ok
}

// CheckCreatableDir accepts an existing directory, or a path whose nearest
// existing parent is a directory.
func CheckCreatableDir(h Machine, dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := h.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				if d == dir {
					return fmt.Errorf("%s exists and is not a directory", dir)
				}
				return fmt.Errorf("%s cannot be created: %s is not a directory", dir, d)
			}
			return nil
		}
		if d == filepath.Dir(d) {
			return fmt.Errorf("%s cannot be created", dir)
		}
	}
}

// NearestDir is the closest existing directory at or above d, or "".
func NearestDir(h Machine, d string) string {
	for {
		if IsDir(h, d) {
			return d
		}
		if d == "/" || d == "." {
			return ""
		}
		d = filepath.Dir(d)
	}
}

// LocaleExists looks for a compiled locale the way glibc would find it,
// without running locale -a.
func LocaleExists(h Machine, name string) bool {
	lang, codeset, _ := strings.Cut(name, ".")
	norm := lang
	if codeset != "" {
		cs := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(codeset, "-", ""), "_", ""))
		norm = lang + "." + cs
	}
	if name == "C" || name == "POSIX" {
		return true
	}
	for _, n := range []string{name, norm} {
		if IsDir(h, filepath.Join("/usr/lib/locale", n)) {
			return true
		}
	}
	archive, err := h.ReadFile("/usr/lib/locale/locale-archive")
	if err != nil {
		return false
	}
	return bytes.Contains(archive, []byte(norm+"\x00")) || bytes.Contains(archive, []byte(name+"\x00"))
}
