package express

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Discovery holds what was found on the machine: Apache, its modules and
// the mod_wsgi module with the Python it was built for.
type Discovery struct {
	HTTPD      string // Apache executable
	ModulesDir string
	MimeTypes  string
	Apxs       map[string]string // apxs build variables, when apxs was found
	Module     ModuleInfo
}

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
}

// apxsVars reads Apache's build variables the way apxs would, without
// running its Perl: apxs names its build directory, whose config_vars.mk
// holds the values.
func apxsVars(h Host) map[string]string {
	for _, name := range []string{"apxs", "apxs2"} {
		p, err := h.LookPath(name)
		if err != nil {
			for _, d := range []string{"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/apache2/bin", "/opt/homebrew/bin"} {
				if fileExists(h, filepath.Join(d, name)) {
					p, err = filepath.Join(d, name), nil
					break
				}
			}
		}
		if err != nil {
			continue
		}
		src, err := h.ReadFile(p)
		if err != nil {
			continue
		}
		m := regexp.MustCompile(`(?m)^my \$installbuilddir = "([^"]+)";`).FindSubmatch(src)
		if m == nil {
			continue
		}
		mk, err := h.ReadFile(filepath.Join(string(m[1]), "config_vars.mk"))
		if err != nil {
			continue
		}
		vars := parseMakeVars(mk)
		vars["APXS"] = p
		return vars
	}
	return nil
}

// parseMakeVars parses NAME = VALUE lines and expands $(NAME) and ${NAME}.
func parseMakeVars(mk []byte) map[string]string {
	raw := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(mk))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "="); i > 0 && !strings.HasPrefix(line, "#") {
			raw[strings.TrimSpace(line[:i])] = strings.TrimSpace(line[i+1:])
		}
	}
	ref := regexp.MustCompile(`\$[({]([A-Za-z0-9_]+)[)}]`)
	out := map[string]string{}
	var expand func(string, int) string
	expand = func(v string, depth int) string {
		if depth > 10 {
			return v
		}
		return ref.ReplaceAllStringFunc(v, func(s string) string {
			return expand(raw[s[2:len(s)-1]], depth+1)
		})
	}
	for k, v := range raw {
		out[k] = expand(v, 0)
	}
	return out
}

func fileExists(h Host, p string) bool {
	fi, err := h.Stat(p)
	return err == nil && !fi.IsDir()
}

func dirExists(h Host, p string) bool {
	fi, err := h.Stat(p)
	return err == nil && fi.IsDir()
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// findHTTPD: --httpd-executable, $HTTPD, apxs, then PATH and sbin dirs.
func findHTTPD(o *Options, h Host, apxs map[string]string) (string, error) {
	if o.HTTPDExecutable != "" {
		if !fileExists(h, o.HTTPDExecutable) {
			return "", usagef("httpd-executable", "no Apache executable at %s; give the path of httpd or apache2", o.HTTPDExecutable)
		}
		return o.HTTPDExecutable, nil
	}
	if env := h.Getenv("HTTPD"); env != "" {
		if p, err := h.LookPath(env); err == nil {
			return p, nil
		}
		if fileExists(h, env) {
			return env, nil
		}
		return "", usagef("httpd-executable", "$HTTPD is %s but no such program exists; unset HTTPD or fix it", env)
	}
	if apxs != nil {
		sbin := firstNonEmpty(apxs["exp_sbindir"], apxs["sbindir"])
		target := firstNonEmpty(apxs["progname"], apxs["TARGET"], "httpd")
		if p := filepath.Join(sbin, target); sbin != "" && fileExists(h, p) {
			return p, nil
		}
	}
	for _, name := range []string{"httpd", "apache2"} {
		if p, err := h.LookPath(name); err == nil {
			return p, nil
		}
	}
	for _, p := range []string{"/usr/sbin/httpd", "/usr/sbin/apache2", "/usr/local/sbin/httpd", "/usr/local/apache2/bin/httpd", "/opt/homebrew/bin/httpd", "/usr/local/bin/httpd"} {
		if fileExists(h, p) {
			return p, nil
		}
	}
	return "", usagef("httpd-executable", "no Apache httpd found (looked at $HTTPD, apxs, httpd and apache2 on PATH, /usr/sbin); install it (Debian: apt-get install apache2) or pass --httpd-executable PATH")
}

// findModulesDir: --modules-directory, apxs LIBEXECDIR, then known layouts.
func findModulesDir(o *Options, h Host, apxs map[string]string, httpd string) (string, error) {
	if o.ModulesDirectory != "" {
		if !dirExists(h, o.ModulesDirectory) {
			return "", usagef("modules-directory", "%s is not a directory; give Apache's modules directory", o.ModulesDirectory)
		}
		return o.ModulesDirectory, nil
	}
	var candidates []string
	if apxs != nil {
		candidates = append(candidates, firstNonEmpty(apxs["exp_libexecdir"], apxs["libexecdir"]))
	}
	// A source or Homebrew build keeps modules beside its bin directory.
	if httpd != "" {
		candidates = append(candidates, filepath.Join(filepath.Dir(filepath.Dir(httpd)), "modules"),
			filepath.Join(filepath.Dir(filepath.Dir(httpd)), "lib", "httpd", "modules"))
	}
	candidates = append(candidates, "/usr/lib/apache2/modules", "/usr/lib64/httpd/modules", "/usr/lib/httpd/modules",
		"/usr/local/apache2/modules", "/opt/homebrew/lib/httpd/modules", "/usr/local/lib/httpd/modules")
	for _, c := range candidates {
		if c != "" && (fileExists(h, filepath.Join(c, "mod_mime.so")) || fileExists(h, filepath.Join(c, "mod_authz_core.so"))) {
			return c, nil
		}
	}
	return "", usagef("modules-directory", "no Apache modules directory found (looked at apxs LIBEXECDIR and %s); pass --modules-directory DIR", strings.Join(candidates[len(candidates)-6:], ", "))
}

// findMimeTypes: --mime-types, then Apache's and the system's.
func findMimeTypes(o *Options, h Host, apxs map[string]string) (string, error) {
	if o.MimeTypes != "" {
		if !fileExists(h, o.MimeTypes) {
			return "", usagef("mime-types", "no file at %s; give the path of a mime.types file", o.MimeTypes)
		}
		return o.MimeTypes, nil
	}
	var candidates []string
	if apxs != nil {
		if d := firstNonEmpty(apxs["exp_sysconfdir"], apxs["sysconfdir"]); d != "" {
			candidates = append(candidates, filepath.Join(d, "mime.types"))
		}
	}
	candidates = append(candidates, "/etc/mime.types", "/etc/httpd/conf/mime.types", "/etc/apache2/mime.types",
		"/usr/local/apache2/conf/mime.types", "/opt/homebrew/etc/httpd/mime.types", "/usr/local/etc/httpd/mime.types")
	for _, c := range candidates {
		if fileExists(h, c) {
			return c, nil
		}
	}
	return "", usagef("mime-types", "no mime.types file found (looked at /etc/mime.types and Apache's conf directory); install one (Debian: apt-get install media-types) or pass --mime-types FILE")
}

var (
	reLibPython    = regexp.MustCompile(`^libpython(\d+)\.(\d+)`)
	reVersion      = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)$`)
	rePyInName     = regexp.MustCompile(`(?:py|cpython-)(\d)(\d{1,2})`)
	rePyInPath     = regexp.MustCompile(`/python(\d+)\.(\d+)/`)
	defaultLibDirs = []string{"/lib", "/usr/lib", "/lib64", "/usr/lib64", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"}
)

// findModule: --mod-wsgi-module, $MOD_WSGI_MODULE, a pip-installed mod_wsgi
// in the active virtualenv, then the distribution's module.
func findModule(o *Options, h Host, modulesDir string) (ModuleInfo, error) {
	pick := func(path, source string) (ModuleInfo, error) {
		mi, err := inspectModule(h, path)
		mi.Source = source
		return mi, err
	}
	if o.ModWSGIModule != "" {
		if !fileExists(h, o.ModWSGIModule) {
			return ModuleInfo{}, usagef("mod-wsgi-module", "no module file at %s; give the path of mod_wsgi.so", o.ModWSGIModule)
		}
		return pick(o.ModWSGIModule, "--mod-wsgi-module")
	}
	if env := h.Getenv("MOD_WSGI_MODULE"); env != "" {
		if !fileExists(h, env) {
			return ModuleInfo{}, usagef("mod-wsgi-module", "$MOD_WSGI_MODULE is %s but no such file exists; unset it or fix it", env)
		}
		return pick(env, "$MOD_WSGI_MODULE")
	}
	if venv, how := requestedEnv(o, h); venv != "" {
		if p := pipModule(h, venv); p != "" {
			return pick(p, "the virtualenv ("+how+")")
		}
	}
	var tried []string
	for _, name := range []string{"mod_wsgi.so", "mod_wsgi_python3.so", "mod_wsgi-py3.so"} {
		if modulesDir == "" {
			break
		}
		p := filepath.Join(modulesDir, name)
		tried = append(tried, p)
		if fileExists(h, p) {
			return pick(p, "Apache's modules directory")
		}
	}
	where := "Apache's modules directory was not found"
	if len(tried) > 0 {
		where = "looked at " + strings.Join(tried, ", ")
	}
	return ModuleInfo{}, usagef("mod-wsgi-module", "no mod_wsgi module found (no pip-installed mod_wsgi in a virtualenv; %s); install it (Debian: apt-get install libapache2-mod-wsgi-py3; Fedora: dnf install python3-mod_wsgi; any Python: pip install mod_wsgi) or pass --mod-wsgi-module PATH", where)
}

// requestedEnv is the environment the options or $VIRTUAL_ENV ask the
// application to run in, before any check, and which asked for it.
func requestedEnv(o *Options, h Host) (home, how string) {
	switch {
	case o.PythonHome != "":
		return absFrom(h, o.PythonHome), "--python-home"
	case o.PythonExecutable != "":
		if bin := filepath.Dir(absFrom(h, o.PythonExecutable)); filepath.Base(bin) == "bin" {
			return filepath.Dir(bin), "--python-executable"
		}
		return "", ""
	default:
		return h.Getenv("VIRTUAL_ENV"), "$VIRTUAL_ENV"
	}
}

// pipModule finds the module that pip install mod_wsgi puts in site-packages.
func pipModule(h Host, prefix string) string {
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

// inspectModule reads the module's ELF header for the libpython it needs and
// its own version string, then finds that Python's home.
func inspectModule(h Host, path string) (ModuleInfo, error) {
	mi := ModuleInfo{Path: path}
	data, err := h.ReadFile(path)
	if err != nil {
		return mi, usagef("mod-wsgi-module", "cannot read %s: %v", path, err)
	}
	if isMachO(data) {
		return inspectMachO(h, mi, data)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return mi, usagef("mod-wsgi-module", "%s is not a loadable module (%v)", path, err)
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
			if p := filepath.Join(d, libName); d != "" && fileExists(h, p) {
				real, err := h.EvalSymlinks(p)
				if err != nil {
					real = p
				}
				mi.LibPython = real
				// Apache finds the library by itself only on the loader's
				// system path; a RUNPATH is honoured too, but LoadFile
				// makes the choice explicit as upstream does.
				mi.NeedsLoadFile = i < len(runpaths) || !contains(system, d)
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

// inspectMachO is inspectModule for a macOS module.
func inspectMachO(h Host, mi ModuleInfo, data []byte) (ModuleInfo, error) {
	libs, rpaths, err := machoLinks(data)
	if err != nil {
		return mi, usagef("mod-wsgi-module", "%s is not a loadable module (%v)", mi.Path, err)
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ldSoConfDirs lists the directories /etc/ld.so.conf adds to the loader's
// path, following its include lines (one level of globs, as ldconfig).
func ldSoConfDirs(h Host) []string {
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
func pythonHome(h Host, mi ModuleInfo) (home, exe string) {
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
	if m := regexp.MustCompile(`^(.*)/lib/python\d+\.\d+/`).FindStringSubmatch(mi.Path); m != nil {
		candidates = append(candidates, m[1])
	}
	candidates = append(candidates, "/usr", "/usr/local")
	for _, c := range candidates {
		for _, lib := range []string{"lib", "lib64"} {
			if fileExists(h, filepath.Join(c, lib, "python"+mi.PythonVersion, "os.py")) {
				return c, pythonExe(h, c, mi.PythonVersion)
			}
		}
	}
	return "", ""
}

func pythonExe(h Host, prefix, version string) string {
	for _, n := range []string{"python" + version, "python3", "python"} {
		p := filepath.Join(prefix, "bin", n)
		if fileExists(h, p) {
			return p
		}
	}
	return ""
}

// venvVersion reads a virtualenv's Python major.minor from pyvenv.cfg or
// its lib directory.
func venvVersion(h Host, venv string) string {
	if cfg, err := h.ReadFile(filepath.Join(venv, "pyvenv.cfg")); err == nil {
		re := regexp.MustCompile(`(?m)^(?:version|version_info)\s*=\s*(\d+)\.(\d+)`)
		if m := re.FindSubmatch(cfg); m != nil {
			return string(m[1]) + "." + string(m[2])
		}
	}
	libs, _ := h.ReadDir(filepath.Join(venv, "lib"))
	for _, l := range libs {
		if m := regexp.MustCompile(`^python(\d+)\.(\d+)$`).FindStringSubmatch(l.Name()); m != nil {
			return m[1] + "." + m[2]
		}
	}
	return ""
}

// moduleNamesIn lists the .so files of modulesDir.
func moduleNamesIn(h Host, dir string) map[string]bool {
	out := map[string]bool{}
	ents, _ := h.ReadDir(dir)
	for _, e := range ents {
		out[e.Name()] = true
	}
	return out
}

func describeModule(mi ModuleInfo) string {
	s := mi.Path
	if mi.Version != "" {
		s += " (mod_wsgi " + mi.Version
		if mi.PythonVersion != "" {
			s += ", Python " + mi.PythonVersion
		}
		s += ")"
	}
	return fmt.Sprint(s)
}
