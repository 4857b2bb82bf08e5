package discover

import (
	"path"
	"path/filepath"
	"strings"
)

// Windows path syntax, whatever machine this runs on. A Windows host's
// paths (C:\Apache24\bin\httpd.exe) are handled with these rather than
// with path/filepath, whose syntax is the running machine's: so the
// Windows layouts are discovered, and tested on Linux, exactly as they
// are on Windows. They cover what discovery meets: absolute paths with a
// drive letter or a UNC share, and names joined onto them; either slash
// separates, a backslash is written.

// winVolume is the drive ("C:") or UNC share (\\server\share) p starts
// with, or "".
func winVolume(p string) string {
	if len(p) >= 2 && p[1] == ':' && isLetter(p[0]) {
		return p[:2]
	}
	if len(p) >= 2 && isSlash(p[0]) && isSlash(p[1]) {
		// \\server\share: the volume is up to the separator after share.
		rest := p[2:]
		i := strings.IndexAny(rest, `\/`)
		if i <= 0 {
			return ""
		}
		j := strings.IndexAny(rest[i+1:], `\/`)
		if j < 0 {
			return p
		}
		return p[:2+i+1+j]
	}
	return ""
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isSlash(c byte) bool  { return c == '\\' || c == '/' }

// winIsAbs reports whether p is absolute: C:\..., C:/... or \\server\share\...
func winIsAbs(p string) bool {
	v := winVolume(p)
	if v == "" {
		return false
	}
	if len(v) > 2 { // UNC
		return true
	}
	return len(p) > 2 && isSlash(p[2])
}

// winClean is filepath.Clean with Windows syntax: backslashes, no . or ..
// elements, no repeated or trailing separator (but C:\ keeps its own).
func winClean(p string) string {
	v := winVolume(p)
	rest := strings.ReplaceAll(p[len(v):], `\`, "/")
	if rest == "" {
		if len(v) > 2 {
			return strings.ReplaceAll(v, "/", `\`)
		}
		return v + "."
	}
	return strings.ReplaceAll(v+path.Clean(rest), "/", `\`)
}

// winJoin joins path elements with backslashes and cleans the result;
// empty elements are skipped.
func winJoin(elem ...string) string {
	var parts []string
	for _, e := range elem {
		if e != "" {
			parts = append(parts, e)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return winClean(strings.Join(parts, `\`))
}

// winSplit splits p after its last separator.
func winSplit(p string) (dir, file string) {
	v := winVolume(p)
	i := len(p) - 1
	for i >= len(v) && !isSlash(p[i]) {
		i--
	}
	return p[:i+1], p[i+1:]
}

// winDir is all of p but its last element, cleaned (C:\a\b -> C:\a;
// C:\ -> C:\).
func winDir(p string) string {
	v := winVolume(p)
	dir, _ := winSplit(p)
	if len(dir) <= len(v) {
		if len(v) > 2 || dir == "" {
			return winClean(dir + ".")
		}
		return winClean(dir)
	}
	return winClean(dir)
}

// winBase is p's last element (C:\a\b.exe -> b.exe).
func winBase(p string) string {
	p = strings.TrimRight(p[len(winVolume(p)):], `\/`)
	if p == "" {
		return `\`
	}
	_, file := winSplit(p)
	return file
}

// winSplitList splits a Windows PATH: semicolons, quotes removed, empty
// entries dropped.
func winSplitList(list string) []string {
	var out []string
	for _, e := range strings.Split(list, ";") {
		if e = strings.ReplaceAll(e, `"`, ""); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// winSlash is p with forward slashes, as Apache's configuration on Windows
// takes paths (and as mod_wsgi's module-config writes them).
func winSlash(p string) string { return strings.ReplaceAll(p, `\`, "/") }

// hostJoin joins path elements in h's syntax.
func hostJoin(h Machine, elem ...string) string {
	if IsWindows(h) {
		return winJoin(elem...)
	}
	return filepath.Join(elem...)
}

// hostDir is filepath.Dir in h's syntax.
func hostDir(h Machine, p string) string {
	if IsWindows(h) {
		return winDir(p)
	}
	return filepath.Dir(p)
}

// hostBase is filepath.Base in h's syntax.
func hostBase(h Machine, p string) string {
	if IsWindows(h) {
		return winBase(p)
	}
	return filepath.Base(p)
}
