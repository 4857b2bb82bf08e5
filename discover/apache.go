package discover

import (
	"bufio"
	"bytes"
	"cmp"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
)

// Given is what the options say about where things are; "" means look for
// it. Errors about a field name the option it comes from.
type Given struct {
	HTTPD            string // --httpd-executable
	ModulesDir       string // --modules-directory
	MimeTypes        string // --mime-types
	Module           string // --mod-wsgi-module
	PythonHome       string // --python-home
	PythonExecutable string // --python-executable
}

// Discovery holds what was found on the machine: Apache, its modules and
// the mod_wsgi module with the Python it was built for.
type Discovery struct {
	HTTPD      string // Apache executable
	ModulesDir string
	MimeTypes  string
	Apxs       map[string]string // apxs build variables, when apxs was found
	Module     ModuleInfo
}

// Discover finds Apache, its modules directory, mime.types and the mod_wsgi
// module as g directs, stopping at the first that cannot be found.
func Discover(h Machine, g Given) (*Discovery, error) {
	d := &Discovery{Apxs: ApxsVars(h)}
	var err error
	if d.HTTPD, err = FindHTTPD(h, g.HTTPD, d.Apxs); err != nil {
		return d, err
	}
	if d.ModulesDir, err = FindModulesDir(h, g.ModulesDir, d.Apxs, d.HTTPD); err != nil {
		return d, err
	}
	if d.MimeTypes, err = findMimeTypes(h, g.MimeTypes, d.Apxs, d.HTTPD); err != nil {
		return d, err
	}
	if d.Module, err = FindModule(h, g, d.ModulesDir); err != nil {
		return d, err
	}
	return d, nil
}

var reInstallBuildDir = regexp.MustCompile(`(?m)^my \$installbuilddir = "([^"]+)";`)

// ApxsVars reads Apache's build variables the way apxs would, without
// running its Perl: apxs names its build directory, whose config_vars.mk
// holds the values. It is nil when there is no apxs, as on Windows.
func ApxsVars(h Machine) map[string]string {
	if IsWindows(h) {
		return nil
	}
	for _, name := range []string{"apxs", "apxs2"} {
		p, err := h.LookPath(name)
		if err != nil {
			for _, d := range []string{"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/apache2/bin", "/opt/homebrew/bin"} {
				if IsFile(h, filepath.Join(d, name)) {
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
		m := reInstallBuildDir.FindSubmatch(src)
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

var reMakeRef = regexp.MustCompile(`\$[({]([A-Za-z0-9_]+)[)}]`)

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
	out := map[string]string{}
	var expand func(string, int) string
	expand = func(v string, depth int) string {
		if depth > 10 {
			return v
		}
		return reMakeRef.ReplaceAllStringFunc(v, func(s string) string {
			return expand(raw[s[2:len(s)-1]], depth+1)
		})
	}
	for k, v := range raw {
		out[k] = expand(v, 0)
	}
	return out
}

// FindHTTPD: given (--httpd-executable), $HTTPD, apxs, then PATH and sbin
// directories.
func FindHTTPD(h Machine, given string, apxs map[string]string) (string, error) {
	if IsWindows(h) {
		return findHTTPDWindows(h, given)
	}
	if given != "" {
		if !IsFile(h, given) {
			return "", fault.Usagef("httpd-executable", "no Apache executable at %s; give the path of httpd or apache2", given)
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
		return "", fault.Usagef("httpd-executable", "$HTTPD is %s but no such program exists; unset HTTPD or fix it", env)
	}
	if apxs != nil {
		sbin := cmp.Or(apxs["exp_sbindir"], apxs["sbindir"])
		target := cmp.Or(apxs["progname"], apxs["TARGET"], "httpd")
		if p := filepath.Join(sbin, target); sbin != "" && IsFile(h, p) {
			return p, nil
		}
	}
	for _, name := range []string{"httpd", "apache2"} {
		if p, err := h.LookPath(name); err == nil {
			return p, nil
		}
	}
	for _, p := range []string{"/usr/sbin/httpd", "/usr/sbin/apache2", "/usr/local/sbin/httpd", "/usr/local/apache2/bin/httpd", "/opt/homebrew/bin/httpd", "/usr/local/bin/httpd"} {
		if IsFile(h, p) {
			return p, nil
		}
	}
	return "", fault.Usagef("httpd-executable", "no Apache httpd found (looked at $HTTPD, apxs, httpd and apache2 on PATH, /usr/sbin); install it (Debian: apt-get install apache2) or pass --httpd-executable PATH")
}

// FindModulesDir: given (--modules-directory), apxs LIBEXECDIR, then known
// layouts.
func FindModulesDir(h Machine, given string, apxs map[string]string, httpd string) (string, error) {
	if IsWindows(h) {
		return findModulesDirWindows(h, given, httpd)
	}
	if given != "" {
		if !IsDir(h, given) {
			return "", fault.Usagef("modules-directory", "%s is not a directory; give Apache's modules directory", given)
		}
		return given, nil
	}
	var candidates []string
	if apxs != nil {
		candidates = append(candidates, cmp.Or(apxs["exp_libexecdir"], apxs["libexecdir"]))
	}
	// A source or Homebrew build keeps modules beside its bin directory.
	if httpd != "" {
		candidates = append(candidates, filepath.Join(filepath.Dir(filepath.Dir(httpd)), "modules"),
			filepath.Join(filepath.Dir(filepath.Dir(httpd)), "lib", "httpd", "modules"))
	}
	candidates = append(candidates, "/usr/lib/apache2/modules", "/usr/lib64/httpd/modules", "/usr/lib/httpd/modules",
		"/usr/local/apache2/modules", "/opt/homebrew/lib/httpd/modules", "/usr/local/lib/httpd/modules")
	for _, c := range candidates {
		if c != "" && (IsFile(h, filepath.Join(c, "mod_mime.so")) || IsFile(h, filepath.Join(c, "mod_authz_core.so"))) {
			return c, nil
		}
	}
	return "", fault.Usagef("modules-directory", "no Apache modules directory found (looked at apxs LIBEXECDIR and %s); pass --modules-directory DIR", strings.Join(candidates[len(candidates)-6:], ", "))
}

// FindMimeTypes: given (--mime-types), then Apache's and the system's.
func FindMimeTypes(h Machine, given string, apxs map[string]string) (string, error) {
	return findMimeTypes(h, given, apxs, "")
}

// findMimeTypes is FindMimeTypes knowing Apache's executable, which on
// Windows tells where Apache's conf directory is.
func findMimeTypes(h Machine, given string, apxs map[string]string, httpd string) (string, error) {
	if IsWindows(h) {
		return findMimeTypesWindows(h, given, httpd)
	}
	if given != "" {
		if !IsFile(h, given) {
			return "", fault.Usagef("mime-types", "no file at %s; give the path of a mime.types file", given)
		}
		return given, nil
	}
	var candidates []string
	if apxs != nil {
		if d := cmp.Or(apxs["exp_sysconfdir"], apxs["sysconfdir"]); d != "" {
			candidates = append(candidates, filepath.Join(d, "mime.types"))
		}
	}
	candidates = append(candidates, "/etc/mime.types", "/etc/httpd/conf/mime.types", "/etc/apache2/mime.types",
		"/usr/local/apache2/conf/mime.types", "/opt/homebrew/etc/httpd/mime.types", "/usr/local/etc/httpd/mime.types")
	for _, c := range candidates {
		if IsFile(h, c) {
			return c, nil
		}
	}
	return "", fault.Usagef("mime-types", "no mime.types file found (looked at /etc/mime.types and Apache's conf directory); install one (Debian: apt-get install media-types) or pass --mime-types FILE")
}

// Modules is what one Apache can load: the module files of its modules
// directory, and (asked once, when first needed) the modules compiled
// into httpd, which have no file and must not be loaded again.
type Modules struct {
	h     Machine
	HTTPD string
	Dir   string
	files map[string]bool

	once     sync.Once
	compiled string // httpd -l
}

// ApacheModules looks at the module files of dir for the Apache httpd.
func ApacheModules(h Machine, httpd, dir string) *Modules {
	m := &Modules{h: h, HTTPD: httpd, Dir: dir, files: map[string]bool{}}
	ents, _ := h.ReadDir(dir)
	for _, e := range ents {
		m.files[e.Name()] = true
	}
	return m
}

// File is the path of mod_NAME.so when the modules directory has it.
func (m *Modules) File(name string) (string, bool) {
	f := "mod_" + name + ".so"
	if !m.files[f] {
		return "", false
	}
	return filepath.Join(m.Dir, f), true
}

// Compiled reports whether mod_NAME is compiled into httpd (httpd -l).
func (m *Modules) Compiled(name string) bool { return m.compiledSource("mod_" + name + ".c") }

// compiledSource reports whether httpd -l lists the source file.
func (m *Modules) compiledSource(file string) bool {
	m.once.Do(func() {
		if m.HTTPD == "" {
			return
		}
		if out, err := m.h.Output(m.HTTPD, "-l"); err == nil {
			m.compiled = string(out)
		}
	})
	return strings.Contains(m.compiled, file)
}

// MPMs lists the MPMs this Apache offers, in the order of names: loadable
// ones, or, when the modules directory has none, the one compiled into
// httpd (returned as builtin too).
func (m *Modules) MPMs(names []string) (available []string, builtin string) {
	for _, n := range names {
		if _, ok := m.File("mpm_" + n); ok {
			available = append(available, n)
		}
	}
	if len(available) > 0 {
		return available, ""
	}
	for _, n := range names {
		if m.compiledSource(n + ".c") {
			return []string{n}, n
		}
	}
	return nil, ""
}
