package discover

import (
	"bytes"
	"debug/macho"
	"path/filepath"
	"regexp"
	"strings"
)

// reFramework matches a Python framework's library as a Mach-O module
// names it: .../Python.framework/Versions/3.12/Python (python.org and
// Homebrew builds) or Python3.framework (Apple's command line tools).
var reFramework = regexp.MustCompile(`Python3?\.framework/Versions/(\d+)\.(\d+)/Python3?$`)

// isMachO reports whether data starts like a Mach-O file, thin or
// universal (fat), 32 or 64 bit, either byte order.
func isMachO(data []byte) bool {
	if len(data) < 4 {
		return false
	}
	for _, m := range [][]byte{
		{0xfe, 0xed, 0xfa, 0xce}, {0xce, 0xfa, 0xed, 0xfe}, // 32-bit
		{0xfe, 0xed, 0xfa, 0xcf}, {0xcf, 0xfa, 0xed, 0xfe}, // 64-bit
		{0xca, 0xfe, 0xba, 0xbe}, // universal
	} {
		if bytes.Equal(data[:4], m) {
			return true
		}
	}
	return false
}

// machoLinks reads the libraries a macOS module loads and its run paths.
// A universal file is read through its first architecture: every
// architecture of one build links the same Python.
func machoLinks(data []byte) (libs, rpaths []string, err error) {
	r := bytes.NewReader(data)
	f, err := macho.NewFile(r)
	if err != nil {
		fat, ferr := macho.NewFatFile(r)
		if ferr != nil {
			return nil, nil, err
		}
		defer fat.Close()
		if len(fat.Arches) == 0 {
			return nil, nil, err
		}
		f = fat.Arches[0].File
	} else {
		defer f.Close()
	}
	libs, _ = f.ImportedLibraries()
	for _, l := range f.Loads {
		if rp, ok := l.(*macho.Rpath); ok {
			rpaths = append(rpaths, rp.Path)
		}
	}
	return libs, rpaths, nil
}

// machoPython picks the Python library among a module's imports and
// resolves the dyld path prefixes it may use (@loader_path, @rpath).
// It returns the library as named, its version and, when it exists, its
// path; rpath tells whether it was found only through the module's
// run paths (then LoadFile names it for Apache).
func machoPython(h Machine, module string, libs, rpaths []string) (name, version, path string, rpath bool) {
	for _, l := range libs {
		if m := reFramework.FindStringSubmatch(l); m != nil {
			name, version = l, m[1]+"."+m[2]
		} else if m := reLibPython.FindStringSubmatch(filepath.Base(l)); m != nil {
			name, version = l, m[1]+"."+m[2]
		}
	}
	if name == "" {
		return "", "", "", false
	}
	loader := filepath.Dir(module)
	expand := func(p string) string { return strings.Replace(p, "@loader_path", loader, 1) }
	var candidates []string
	viaRpath := map[string]bool{}
	switch {
	case strings.HasPrefix(name, "@rpath/"):
		for _, rp := range rpaths {
			c := filepath.Join(expand(rp), strings.TrimPrefix(name, "@rpath/"))
			candidates = append(candidates, c)
			viaRpath[c] = true
		}
	case strings.HasPrefix(name, "@loader_path/"):
		candidates = append(candidates, expand(name))
	case filepath.IsAbs(name):
		candidates = append(candidates, name)
	}
	for _, c := range candidates {
		if IsFile(h, c) {
			if real, err := h.EvalSymlinks(c); err == nil {
				return name, version, real, viaRpath[c]
			}
			return name, version, c, viaRpath[c]
		}
	}
	return name, version, "", false
}
