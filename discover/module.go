package discover

import (
	"bytes"
	"debug/elf"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
)

// ModuleInfo describes a mod_wsgi module file.
type ModuleInfo struct {
	Path          string
	Version       string // mod_wsgi version read from the file, e.g. 4.9.4
	PythonVersion string // major.minor of the Python it links, e.g. 3.11
	LibPythonName string // the libpython it links (DT_NEEDED), "" when static
	LibPython     string // resolved path of the linked libpython, if dynamic
	NeedsLoadFile bool   // libpython lives outside the loader's default paths
	PythonHome    string // prefix of that Python
	PythonExe     string // an interpreter of that Python, if found
	Source        string // how it was found, for messages
	PE            bool   // a Windows DLL (.pyd): its directives' paths take forward slashes
}

// Describe is the module's path with its version and Python, for people.
func (mi ModuleInfo) Describe() string {
	s := mi.Path
	if mi.Version != "" {
		s += " (mod_wsgi " + mi.Version
		if mi.PythonVersion != "" {
			s += ", Python " + mi.PythonVersion
		}
		s += ")"
	}
	return s
}

var (
	reLibPython    = regexp.MustCompile(`^libpython(\d+)\.(\d+)`)
	reVersion      = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)$`)
	rePyInName     = regexp.MustCompile(`(?:py|cpython-)(\d)(\d{1,2})`)
	rePyInPath     = regexp.MustCompile(`/python(\d+)\.(\d+)/`)
	rePrefixOfLib  = regexp.MustCompile(`^(.*)/lib/python\d+\.\d+/`)
	defaultLibDirs = []string{"/lib", "/usr/lib", "/lib64", "/usr/lib64", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"}
)

// FindModule: g.Module (--mod-wsgi-module), $MOD_WSGI_MODULE, a
// pip-installed mod_wsgi in the environment the application is to run in,
// then the distribution's module in modulesDir.
func FindModule(h Machine, g Given, modulesDir string) (ModuleInfo, error) {
	pick := func(path, source string) (ModuleInfo, error) {
		mi, err := InspectModule(h, path)
		mi.Source = source
		return mi, err
	}
	if g.Module != "" {
		if !IsFile(h, g.Module) {
			return ModuleInfo{}, fault.Usagef("mod-wsgi-module", "no module file at %s; give the path of mod_wsgi.so", g.Module)
		}
		return pick(g.Module, "--mod-wsgi-module")
	}
	if env := h.Getenv("MOD_WSGI_MODULE"); env != "" {
		if !IsFile(h, env) {
			return ModuleInfo{}, fault.Usagef("mod-wsgi-module", "$MOD_WSGI_MODULE is %s but no such file exists; unset it or fix it", env)
		}
		return pick(env, "$MOD_WSGI_MODULE")
	}
	if venv, how := requestedEnv(h, g); venv != "" {
		if p := pipModule(h, venv); p != "" {
			return pick(p, "the virtualenv ("+how+")")
		}
	}
	names := []string{"mod_wsgi.so", "mod_wsgi_python3.so", "mod_wsgi-py3.so"}
	if IsWindows(h) {
		names = windowsModuleNames
	}
	var tried []string
	for _, name := range names {
		if modulesDir == "" {
			break
		}
		p := hostJoin(h, modulesDir, name)
		tried = append(tried, p)
		if IsFile(h, p) {
			return pick(p, "Apache's modules directory")
		}
	}
	where := "Apache's modules directory was not found"
	if len(tried) > 0 {
		where = "looked at " + strings.Join(tried, ", ")
	}
	if IsWindows(h) {
		return ModuleInfo{}, fault.Usagef("mod-wsgi-module", "no mod_wsgi module found (no pip-installed mod_wsgi in a virtualenv; %s); pip install mod_wsgi into a virtualenv (it builds against the Apache in %%MOD_WSGI_APACHE_ROOTDIR%% or C:\\Apache24) and activate it, or pass --mod-wsgi-module PATH", where)
	}
	return ModuleInfo{}, fault.Usagef("mod-wsgi-module", "no mod_wsgi module found (no pip-installed mod_wsgi in a virtualenv; %s); install it (Debian: apt-get install libapache2-mod-wsgi-py3; Fedora: dnf install python3-mod_wsgi; any Python: pip install mod_wsgi) or pass --mod-wsgi-module PATH", where)
}

// requestedEnv is the environment the options or $VIRTUAL_ENV ask the
// application to run in, before any check, and which asked for it.
func requestedEnv(h Machine, g Given) (home, how string) {
	if IsWindows(h) {
		return requestedEnvWindows(h, g)
	}
	switch {
	case g.PythonHome != "":
		return Abs(h, g.PythonHome), "--python-home"
	case g.PythonExecutable != "":
		if bin := filepath.Dir(Abs(h, g.PythonExecutable)); filepath.Base(bin) == "bin" {
			return filepath.Dir(bin), "--python-executable"
		}
		return "", ""
	default:
		return h.Getenv("VIRTUAL_ENV"), "$VIRTUAL_ENV"
	}
}

// pipModule finds the module that pip install mod_wsgi puts in site-packages.
func pipModule(h Machine, prefix string) string {
	if IsWindows(h) {
		return pipModuleWindows(h, prefix)
	}
	libs, _ := h.ReadDir(filepath.Join(prefix, "lib"))
	for _, l := range libs {
		if !strings.HasPrefix(l.Name(), "python") {
			continue
		}
		dir := filepath.Join(prefix, "lib", l.Name(), "site-packages", "mod_wsgi", "server")
		ents, _ := h.ReadDir(dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "mod_wsgi") && strings.HasSuffix(e.Name(), ".so") {
				return filepath.Join(dir, e.Name())
			}
		}
	}
	return ""
}

// InspectModule reads the module's ELF (or Mach-O) header for the libpython
// it needs and its own version string, then finds that Python's home.
func InspectModule(h Machine, path string) (ModuleInfo, error) {
	mi := ModuleInfo{Path: path}
	data, err := h.ReadFile(path)
	if err != nil {
		return mi, fault.Usagef("mod-wsgi-module", "cannot read %s: %v", path, err)
	}
	if isMachO(data) {
		return inspectMachO(h, mi, data)
	}
	if isPE(data) {
		if !IsWindows(h) {
			return mi, fault.Usagef("mod-wsgi-module", "%s is a Windows DLL, which Apache on %s cannot load; give a mod_wsgi module built for this machine", path, h.GOOS())
		}
		return inspectPE(h, mi, data)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return mi, fault.Usagef("mod-wsgi-module", "%s is not a loadable module (%v)", path, err)
	}
	defer f.Close()
	libs, _ := f.ImportedLibraries()
	var runpaths []string
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		vals, _ := f.DynString(tag)
		for _, v := range vals {
			for _, d := range strings.Split(v, ":") {
				runpaths = append(runpaths, strings.ReplaceAll(d, "$ORIGIN", filepath.Dir(path)))
			}
		}
	}
	var libName string
	for _, l := range libs {
		if m := reLibPython.FindStringSubmatch(l); m != nil {
			libName, mi.LibPythonName = l, l
			mi.PythonVersion = m[1] + "." + m[2]
		}
	}
	versionFromPath(&mi)
	mi.Version = moduleVersion(data, mi.PythonVersion)
	if libName != "" {
		system := append(ldSoConfDirs(h), defaultLibDirs...)
		dirs := append(append([]string{}, runpaths...), filepath.SplitList(h.Getenv("LD_LIBRARY_PATH"))...)
		dirs = append(dirs, system...)
		for i, d := range dirs {
			if p := filepath.Join(d, libName); d != "" && IsFile(h, p) {
				real, err := h.EvalSymlinks(p)
				if err != nil {
					real = p
				}
				mi.LibPython = real
				// Apache finds the library by itself only on the loader's
				// system path; a RUNPATH is honoured too, but LoadFile
				// makes the choice explicit as upstream does.
				mi.NeedsLoadFile = i < len(runpaths) || !slices.Contains(system, d)
				break
			}
		}
	}
	mi.PythonHome, mi.PythonExe = pythonHome(h, mi)
	return mi, nil
}

// versionFromPath: a module that does not link libpython (statically
// linked, or left to find Python's symbols in the process) names its
// Python in its file name or path, as pip-built modules do.
func versionFromPath(mi *ModuleInfo) {
	if mi.PythonVersion != "" {
		return
	}
	if m := rePyInName.FindStringSubmatch(filepath.Base(mi.Path)); m != nil {
		mi.PythonVersion = m[1] + "." + m[2]
	} else if m := rePyInPath.FindStringSubmatch(mi.Path); m != nil {
		mi.PythonVersion = m[1] + "." + m[2]
	}
}

// inspectMachO is InspectModule for a macOS module.
func inspectMachO(h Machine, mi ModuleInfo, data []byte) (ModuleInfo, error) {
	libs, rpaths, err := machoLinks(data)
	if err != nil {
		return mi, fault.Usagef("mod-wsgi-module", "%s is not a loadable module (%v)", mi.Path, err)
	}
	name, version, lib, viaRpath := machoPython(h, mi.Path, libs, rpaths)
	mi.LibPythonName, mi.PythonVersion, mi.LibPython = name, version, lib
	// dyld finds an absolute install name by itself; one found through the
	// module's run paths is named to Apache with LoadFile, as on Linux.
	mi.NeedsLoadFile = viaRpath
	versionFromPath(&mi)
	mi.Version = moduleVersion(data, mi.PythonVersion)
	mi.PythonHome, mi.PythonExe = pythonHome(h, mi)
	return mi, nil
}

// ldSoConfDirs lists the directories /etc/ld.so.conf adds to the loader's
// path, following its include lines (one level of globs, as ldconfig).
func ldSoConfDirs(h Machine) []string {
	var dirs []string
	var read func(file string, depth int)
	read = func(file string, depth int) {
		data, err := h.ReadFile(file)
		if err != nil || depth > 3 {
			return
		}
		for _, line := range strings.Split(string(data), "\n") {
			line, _, _ = strings.Cut(line, "#")
			line = strings.TrimSpace(line)
			switch {
			case line == "":
			case strings.HasPrefix(line, "include "):
				pat := strings.TrimSpace(strings.TrimPrefix(line, "include "))
				if !filepath.IsAbs(pat) {
					pat = filepath.Join(filepath.Dir(file), pat)
				}
				ents, _ := h.ReadDir(filepath.Dir(pat))
				for _, e := range ents {
					if ok, _ := filepath.Match(filepath.Base(pat), e.Name()); ok {
						read(filepath.Join(filepath.Dir(pat), e.Name()), depth+1)
					}
				}
			case strings.HasPrefix(line, "/"):
				dirs = append(dirs, filepath.Clean(line))
			}
		}
	}
	read("/etc/ld.so.conf", 0)
	return dirs
}

// moduleVersion finds mod_wsgi's X.Y.Z version among the file's strings,
// skipping the Python version it was compiled against.
func moduleVersion(data []byte, pyVersion string) string {
	var found []string
	for _, s := range bytes.Split(data, []byte{0}) {
		if len(s) < 5 || len(s) > 12 || !reVersion.Match(s) {
			continue
		}
		v := string(s)
		if pyVersion != "" && strings.HasPrefix(v, pyVersion+".") {
			continue
		}
		found = append(found, v)
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i][0] >= '4' && found[j][0] < '4' })
	if len(found) == 0 {
		return ""
	}
	return found[0]
}

// pythonHome works out the prefix of the module's Python from where its
// libpython lives (PREFIX/lib/..., PREFIX/lib64/...), confirmed by the
// standard library being there.
func pythonHome(h Machine, mi ModuleInfo) (home, exe string) {
	if mi.PythonVersion == "" {
		return "", ""
	}
	var candidates []string
	if reFramework.MatchString(mi.LibPython) {
		// A framework's library sits in its prefix: Versions/X.Y/Python.
		candidates = append(candidates, filepath.Dir(mi.LibPython))
	} else if mi.LibPython != "" {
		d := filepath.Dir(mi.LibPython)
		for d != "/" && d != "." {
			base := filepath.Base(d)
			d = filepath.Dir(d)
			if base == "lib" || base == "lib64" {
				candidates = append(candidates, d)
				break
			}
		}
	}
	if m := rePrefixOfLib.FindStringSubmatch(mi.Path); m != nil {
		candidates = append(candidates, m[1])
	}
	candidates = append(candidates, "/usr", "/usr/local")
	for _, c := range candidates {
		for _, lib := range []string{"lib", "lib64"} {
			if IsFile(h, filepath.Join(c, lib, "python"+mi.PythonVersion, "os.py")) {
				return c, pythonExe(h, c, mi.PythonVersion)
			}
		}
	}
	return "", ""
}

func pythonExe(h Machine, prefix, version string) string {
	for _, n := range []string{"python" + version, "python3", "python"} {
		p := filepath.Join(prefix, "bin", n)
		if IsFile(h, p) {
			return p
		}
	}
	return ""
}

// VersionAtLeast reports whether dotted version v is at least min
// ("4.9.4" >= "4.9.1"). An empty or unreadable v is treated as unknown and
// reported as new enough, so a module whose version cannot be read is not
// refused for it.
func VersionAtLeast(v, min string) bool {
	if v == "" {
		return true
	}
	a, b := strings.Split(v, "."), strings.Split(min, ".")
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y int
		if i < len(a) {
			x, _ = strconv.Atoi(a[i])
		}
		if i < len(b) {
			y, _ = strconv.Atoi(b[i])
		}
		if x != y {
			return x > y
		}
	}
	return true
}
