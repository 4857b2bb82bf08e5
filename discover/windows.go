package discover

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
)

// Windows layouts. Apache for Windows comes as Apache Lounge's build (or
// ApacheHaus's, laid out the same), unpacked into a root directory:
// ROOT\bin\httpd.exe, ROOT\modules\mod_*.so (the winnt MPM is compiled
// in), ROOT\conf\httpd.conf and mime.types; there is no apxs. pip install
// mod_wsgi builds the module against the Apache in $MOD_WSGI_APACHE_ROOTDIR,
// else C:\Apache24, else C:\Apache2, and puts it in the environment's
// Lib\site-packages\mod_wsgi\server\ as mod_wsgi.cpXY-win_ARCH.pyd, a DLL
// that imports pythonXY.dll. Python from python.org keeps pythonXY.dll
// beside python.exe, outside the directories Windows searches for a DLL
// that Apache loads, so the directives name it with LoadFile, as
// mod_wsgi's own module-config does. Everything here is found through the
// Host and spelt with winpath.go, so it is tested on any machine.

// windowsRootVars are the environment variables that say where Apache is:
// the one mod_wsgi's setup.py reads, and the shorter one of this tool.
var windowsRootVars = []string{"MOD_WSGI_APACHE_ROOTDIR", "APACHE_ROOT"}

// windowsDefaultRoots are where Apache Lounge's instructions unpack it,
// as mod_wsgi's setup.py looks.
var windowsDefaultRoots = []string{`C:\Apache24`, `C:\Apache2`}

// windowsRootOf is the root of an Apache whose httpd.exe is httpd
// (ROOT\bin\httpd.exe).
func windowsRootOf(httpd string) string { return winDir(winDir(httpd)) }

// windowsRoots are the Apache roots to look in, in order: $HTTPD's, the
// environment's, then the default ones.
func windowsRoots(h Machine, httpd string) []string {
	var roots []string
	add := func(r string) {
		for _, have := range roots {
			if strings.EqualFold(have, r) {
				return
			}
		}
		roots = append(roots, r)
	}
	if httpd != "" {
		add(windowsRootOf(httpd))
	}
	for _, v := range windowsRootVars {
		if r := h.Getenv(v); r != "" {
			add(winClean(r))
		}
	}
	for _, r := range windowsDefaultRoots {
		add(r)
	}
	return roots
}

func findHTTPDWindows(h Machine, given string) (string, error) {
	if given != "" {
		if !IsFile(h, given) {
			return "", fault.Usagef("httpd-executable", `no Apache executable at %s; give the path of httpd.exe (ROOT\bin\httpd.exe of an Apache Lounge install)`, given)
		}
		return given, nil
	}
	if env := h.Getenv("HTTPD"); env != "" {
		if p, err := h.LookPath(env); err == nil {
			return p, nil
		}
		if IsFile(h, env) {
			return env, nil
		}
		return "", fault.Usagef("httpd-executable", "%%HTTPD%% is %s but no such program exists; unset HTTPD or fix it", env)
	}
	for _, v := range windowsRootVars {
		root := h.Getenv(v)
		if root == "" {
			continue
		}
		if p := winJoin(root, "bin", "httpd.exe"); IsFile(h, p) {
			return p, nil
		}
		return "", fault.Usagef("httpd-executable", `%%%s%% is %s, which holds no bin\httpd.exe; set it to the directory Apache was unpacked into (the one holding bin, conf and modules), or pass --httpd-executable PATH`, v, root)
	}
	if p, err := h.LookPath("httpd"); err == nil {
		return p, nil
	}
	for _, root := range windowsDefaultRoots {
		if p := winJoin(root, "bin", "httpd.exe"); IsFile(h, p) {
			return p, nil
		}
	}
	return "", fault.Usagef("httpd-executable", `no Apache httpd found (looked at %%HTTPD%%, %%MOD_WSGI_APACHE_ROOTDIR%%, %%APACHE_ROOT%%, httpd.exe on PATH, C:\Apache24 and C:\Apache2); unpack Apache Lounge's build into C:\Apache24, or set APACHE_ROOT to the directory it is in, or pass --httpd-executable PATH`)
}

func findModulesDirWindows(h Machine, given, httpd string) (string, error) {
	if given != "" {
		if !IsDir(h, given) {
			return "", fault.Usagef("modules-directory", "%s is not a directory; give Apache's modules directory", given)
		}
		return given, nil
	}
	var candidates []string
	for _, root := range windowsRoots(h, httpd) {
		candidates = append(candidates, winJoin(root, "modules"))
	}
	for _, c := range candidates {
		if IsFile(h, winJoin(c, "mod_mime.so")) || IsFile(h, winJoin(c, "mod_authz_core.so")) {
			return c, nil
		}
	}
	return "", fault.Usagef("modules-directory", "no Apache modules directory found (looked at %s); pass --modules-directory DIR", strings.Join(candidates, ", "))
}

func findMimeTypesWindows(h Machine, given, httpd string) (string, error) {
	if given != "" {
		if !IsFile(h, given) {
			return "", fault.Usagef("mime-types", "no file at %s; give the path of a mime.types file", given)
		}
		return given, nil
	}
	var candidates []string
	for _, root := range windowsRoots(h, httpd) {
		candidates = append(candidates, winJoin(root, "conf", "mime.types"))
	}
	for _, c := range candidates {
		if IsFile(h, c) {
			return c, nil
		}
	}
	return "", fault.Usagef("mime-types", "no mime.types file found (looked at %s); pass --mime-types FILE", strings.Join(candidates, ", "))
}

// windowsModuleNames are the names a mod_wsgi copied into Apache's
// modules directory goes by (mod_wsgi's Windows instructions copy the .pyd
// there as mod_wsgi.so).
var windowsModuleNames = []string{"mod_wsgi.so", "mod_wsgi.pyd"}

// pipModuleWindows finds the module pip install mod_wsgi puts in a Windows
// environment: PREFIX\Lib\site-packages\mod_wsgi\server\mod_wsgi*.pyd
// (mod_wsgi.cp311-win_amd64.pyd, ...). With several, the one built for
// the environment's Python comes first.
func pipModuleWindows(h Machine, prefix string) string {
	dir := winJoin(prefix, "Lib", "site-packages", "mod_wsgi", "server")
	ents, _ := h.ReadDir(dir)
	var found []string
	for _, e := range ents {
		n := strings.ToLower(e.Name())
		if strings.HasPrefix(n, "mod_wsgi") && strings.HasSuffix(n, ".pyd") {
			found = append(found, winJoin(dir, e.Name()))
		}
	}
	if len(found) == 0 {
		return ""
	}
	if v := windowsEnvVersion(h, prefix, ""); v != "" {
		for _, f := range found {
			if pydVersion(f) == v {
				return f
			}
		}
	}
	return found[0]
}

// requestedEnvWindows is requestedEnv for Windows: an interpreter is
// ENV\Scripts\python.exe in a virtualenv, PREFIX\python.exe in an
// installation.
func requestedEnvWindows(h Machine, g Given) (home, how string) {
	switch {
	case g.PythonHome != "":
		return Abs(h, g.PythonHome), "--python-home"
	case g.PythonExecutable != "":
		if home := windowsPrefixOfExe(h, Abs(h, g.PythonExecutable)); home != "" {
			return home, "--python-executable"
		}
		return "", ""
	default:
		if v := h.Getenv("VIRTUAL_ENV"); v != "" {
			return Abs(h, v), "$VIRTUAL_ENV"
		}
		return "", ""
	}
}

// windowsPrefixOfExe is the environment of the interpreter exe, read from
// its place: ENV\Scripts\python.exe with ENV\pyvenv.cfg, or PREFIX\python.exe
// with PREFIX\Lib\os.py or a pyvenv.cfg; "" when the place does not say.
func windowsPrefixOfExe(h Machine, exe string) string {
	dir := winDir(exe)
	if strings.EqualFold(winBase(dir), "Scripts") {
		if prefix := winDir(dir); IsFile(h, winJoin(prefix, "pyvenv.cfg")) {
			return prefix
		}
	}
	if IsFile(h, winJoin(dir, "pyvenv.cfg")) || IsFile(h, winJoin(dir, "Lib", "os.py")) {
		return dir
	}
	return ""
}

// homeOfExecutableWindows is homeOfExecutable for Windows.
func homeOfExecutableWindows(h Machine, exe string) (string, error) {
	if prefix := windowsPrefixOfExe(h, exe); prefix != "" {
		return prefix, nil
	}
	out, err := h.Output(exe, "-c", "import sys; sys.stdout.write(sys.prefix)")
	if err == nil {
		if prefix := strings.TrimSpace(string(out)); winIsAbs(prefix) && IsDir(h, prefix) {
			return prefix, nil
		}
	}
	return "", fault.Usagef("python-executable", `cannot tell which installation or virtualenv %s belongs to; pass --python-home DIR instead`, exe)
}

var rePythonDLL = regexp.MustCompile(`^(?i)python(\d)(\d{1,2})\.dll$`)

// windowsEnvVersion is envVersion for Windows: pyvenv.cfg's version, else
// want when PREFIX\pythonWANT.dll is there, else the first pythonXY.dll of
// the prefix.
func windowsEnvVersion(h Machine, home, want string) string {
	if v := venvCfgVersion(h, winJoin(home, "pyvenv.cfg")); v != "" {
		return v
	}
	if want != "" && IsFile(h, winJoin(home, pythonDLL(want))) {
		return want
	}
	ents, _ := h.ReadDir(home)
	for _, e := range ents {
		if m := rePythonDLL.FindStringSubmatch(e.Name()); m != nil {
			return m[1] + "." + m[2]
		}
	}
	return ""
}

// pythonDLL is the name of Python version's DLL: python311.dll for 3.11.
func pythonDLL(version string) string {
	return "python" + strings.ReplaceAll(version, ".", "") + ".dll"
}

// rePydName reads the Python a .pyd was built for from its name, as
// CPython's extension suffix on Windows spells it: mod_wsgi.cp311-win_amd64.pyd,
// mod_wsgi.cp312-win_arm64.pyd, mod_wsgi.cp39-win32.pyd.
var rePydName = regexp.MustCompile(`(?i)\.cp(\d)(\d{1,2})-win(?:32|_[a-z0-9]+)\.pyd$`)

// pydVersion is the Python major.minor in a .pyd's name, or "".
func pydVersion(path string) string {
	if m := rePydName.FindStringSubmatch(winBase(path)); m != nil {
		return m[1] + "." + m[2]
	}
	return ""
}

// isPE reports whether data starts like a Windows executable or DLL.
func isPE(data []byte) bool {
	if len(data) < 0x40 || data[0] != 'M' || data[1] != 'Z' {
		return false
	}
	off := int(binary.LittleEndian.Uint32(data[0x3c:]))
	return off >= 0 && off+4 <= len(data) && bytes.Equal(data[off:off+4], []byte("PE\x00\x00"))
}

// peImports lists the DLLs a PE file imports, from its import directory
// (debug/pe reads the imported symbols but not the libraries).
func peImports(data []byte) ([]string, error) {
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var dir pe.DataDirectory
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		if oh.NumberOfRvaAndSizes > pe.IMAGE_DIRECTORY_ENTRY_IMPORT {
			dir = oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_IMPORT]
		}
	case *pe.OptionalHeader64:
		if oh.NumberOfRvaAndSizes > pe.IMAGE_DIRECTORY_ENTRY_IMPORT {
			dir = oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_IMPORT]
		}
	default:
		return nil, fmt.Errorf("no optional header")
	}
	if dir.VirtualAddress == 0 {
		return nil, nil
	}
	// read returns the bytes at a virtual address, up to the end of the
	// section holding it.
	read := func(rva uint32) []byte {
		for _, s := range f.Sections {
			if rva >= s.VirtualAddress && rva < s.VirtualAddress+max(s.VirtualSize, s.Size) {
				b, err := s.Data()
				if err != nil || int(rva-s.VirtualAddress) >= len(b) {
					return nil
				}
				return b[rva-s.VirtualAddress:]
			}
		}
		return nil
	}
	desc := read(dir.VirtualAddress)
	var libs []string
	// Import descriptors of 20 bytes, the name's address at offset 12,
	// until one of zeros.
	for i := 0; i+20 <= len(desc) && i < 20*1024; i += 20 {
		d := desc[i : i+20]
		if bytes.Equal(d, make([]byte, 20)) {
			break
		}
		name := read(binary.LittleEndian.Uint32(d[12:]))
		if end := bytes.IndexByte(name, 0); end > 0 {
			libs = append(libs, string(name[:end]))
		}
	}
	return libs, nil
}

// inspectPE is InspectModule for a Windows module: the pythonXY.dll it
// imports (else the Python in its name), its version string, and where
// that Python is installed, whose DLL the directives load first.
func inspectPE(h Machine, mi ModuleInfo, data []byte) (ModuleInfo, error) {
	mi.PE = true
	libs, err := peImports(data)
	if err != nil {
		return mi, fault.Usagef("mod-wsgi-module", "%s is not a loadable module (%v)", mi.Path, err)
	}
	for _, l := range libs {
		if m := rePythonDLL.FindStringSubmatch(l); m != nil {
			mi.LibPythonName, mi.PythonVersion = l, m[1]+"."+m[2]
		}
	}
	if mi.PythonVersion == "" {
		mi.PythonVersion = pydVersion(mi.Path)
	}
	mi.Version = moduleVersion(data, mi.PythonVersion)
	if mi.PythonVersion == "" {
		return mi, nil
	}
	if mi.LibPythonName == "" {
		mi.LibPythonName = pythonDLL(mi.PythonVersion)
	}
	for _, dir := range windowsPythonDirs(h, mi) {
		if p := winJoin(dir, mi.LibPythonName); IsFile(h, p) {
			mi.LibPython = p
			// Windows looks for a DLL in httpd.exe's directory, the system
			// directories and PATH; mod_wsgi's module-config names it
			// with LoadFile whatever the case, and so does this tool.
			mi.NeedsLoadFile = true
			if IsFile(h, winJoin(dir, "Lib", "os.py")) {
				mi.PythonHome = dir
				if exe := winJoin(dir, "python.exe"); IsFile(h, exe) {
					mi.PythonExe = exe
				}
			}
			break
		}
	}
	return mi, nil
}

// windowsPythonDirs are the directories where the Python a Windows module
// was built for may be installed, in order: the environment the module
// sits in (PREFIX\Lib\site-packages\...), and for a virtualenv the Python
// it was made from (pyvenv.cfg's home); the directories on PATH; then
// where python.org's installer puts that version, for one user or for
// all (PythonXY, PythonXY-arm64 or PythonXY-32 under
// %LOCALAPPDATA%\Programs\Python, %ProgramFiles% and C:\).
func windowsPythonDirs(h Machine, mi ModuleInfo) []string {
	var dirs []string
	lower := strings.ToLower(winSlash(mi.Path))
	if i := strings.Index(lower, "/lib/site-packages/"); i > 0 {
		prefix := winClean(mi.Path[:i])
		dirs = append(dirs, prefix)
		if home := venvCfgHome(h, winJoin(prefix, "pyvenv.cfg")); home != "" {
			dirs = append(dirs, home)
		}
	}
	for _, d := range winSplitList(h.Getenv("PATH")) {
		dirs = append(dirs, winClean(d))
	}
	xy := "Python" + strings.ReplaceAll(mi.PythonVersion, ".", "")
	var bases []string
	if l := h.Getenv("LOCALAPPDATA"); l != "" {
		bases = append(bases, winJoin(l, "Programs", "Python"))
	}
	for _, v := range []string{"ProgramFiles", "ProgramW6432"} {
		if p := h.Getenv(v); p != "" {
			bases = append(bases, p)
		}
	}
	bases = append(bases, `C:\Program Files`, `C:\`)
	for _, b := range bases {
		for _, suffix := range []string{"", "-arm64", "-32"} {
			dirs = append(dirs, winJoin(b, xy+suffix))
		}
	}
	return dirs
}

var (
	reVenvCfgHome = regexp.MustCompile(`(?m)^home\s*=\s*(.+?)\s*$`)
)

// venvCfgVersion is the Python major.minor a pyvenv.cfg records.
func venvCfgVersion(h Machine, cfgPath string) string {
	cfg, err := h.ReadFile(cfgPath)
	if err != nil {
		return ""
	}
	if m := reVenvCfgVersion.FindSubmatch(cfg); m != nil {
		return string(m[1]) + "." + string(m[2])
	}
	return ""
}

// venvCfgHome is the directory of the interpreter a virtualenv was made
// from, as its pyvenv.cfg records it (home = C:\...\Python311).
func venvCfgHome(h Machine, cfgPath string) string {
	cfg, err := h.ReadFile(cfgPath)
	if err != nil {
		return ""
	}
	if m := reVenvCfgHome.FindSubmatch(cfg); m != nil {
		return winClean(string(m[1]))
	}
	return ""
}

// checkLoadableWindows is CheckLoadable for a Windows module.
func checkLoadableWindows(mi ModuleInfo) error {
	return fault.Usagef("mod-wsgi-module", `%s imports %s, which was found neither beside the virtualenv's Python nor on PATH, so Apache cannot load it; it was built for Python %s: install Python %s from python.org (or put its directory on PATH), or pip install mod_wsgi into a virtualenv of an installed Python and activate it`,
		mi.Path, mi.LibPythonName, mi.PythonVersion, mi.PythonVersion)
}
