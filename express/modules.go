package express

import "github.com/modwsgi-go/mod_wsgi-express/discover"

// ModulesPlan is what httpd.conf loads: libpython when the loader would not
// find it, the MPM, and every module a step needed, in the order needed.
// Steps record their needs with need (an option requires the module) or
// want (loaded when Apache has it); nothing is loaded twice, and a module
// compiled into httpd is not loaded at all.
type ModulesPlan struct {
	LoadFiles []string
	MPM       LoadModule // Name "" when the MPM is compiled into httpd
	Loaded    []LoadModule
}

// LoadModule is one module to load.
type LoadModule struct{ Name, Path string }

// All is the LoadModule lines in order: the MPM first.
func (m ModulesPlan) All() []LoadModule {
	if m.MPM.Name == "" {
		return m.Loaded
	}
	return append([]LoadModule{m.MPM}, m.Loaded...)
}

// Has reports whether mod_NAME is loaded.
func (m ModulesPlan) Has(name string) bool {
	for _, l := range m.All() {
		if l.Name == name+"_module" {
			return true
		}
	}
	return false
}

// baseModules are loaded whenever Apache has them as files: what every
// generated configuration uses, and what configuration files written for
// the Python mod_wsgi-express rely on (access control in either syntax,
// logins, headers, compression, filters, status), so an --include-file
// need not load them. docs/performance.md measures what they cost.
var baseModules = []string{
	"authz_core", "authz_host", "access_compat", "authn_core", "auth_basic", "auth_digest", "authz_user",
	"mime", "rewrite", "alias", "dir", "env", "headers", "filter", "deflate", "reqtimeout", "unixd", "log_config", "status",
}

// want loads mod_NAME when the modules directory has it.
func (r *resolver) want(name string) {
	if path, ok := r.apache.File(name); ok && !r.p.Modules.Has(name) {
		r.p.Modules.Loaded = append(r.p.Modules.Loaded, LoadModule{name + "_module", path})
	}
}

// need loads mod_NAME, which option requires, unless it is loaded already
// or compiled into httpd; a missing module is an error naming the option.
func (r *resolver) need(name, option string) error {
	if r.p.Modules.Has(name) {
		return nil
	}
	if path, ok := r.apache.File(name); ok {
		r.p.Modules.Loaded = append(r.p.Modules.Loaded, LoadModule{name + "_module", path})
		return nil
	}
	if r.apache.Compiled(name) {
		return nil
	}
	return usagef(option, "needs Apache's mod_%s, which is neither in %s nor compiled into %s; install it (on Debian and Ubuntu it comes with apache2) or drop the option",
		name, r.apache.Dir, r.apache.HTTPD)
}

// available reports whether Apache can use mod_NAME: loaded, as a file,
// or compiled in.
func (r *resolver) available(name string) bool {
	_, file := r.apache.File(name)
	return r.p.Modules.Has(name) || file || r.apache.Compiled(name)
}

// loadCore records what every configuration loads: libpython when the
// module needs it named, the base modules, and mod_wsgi itself.
func (r *resolver) loadCore(mi discover.ModuleInfo) {
	for _, m := range baseModules {
		r.want(m)
	}
	if mi.NeedsLoadFile && mi.LibPython != "" {
		r.p.Modules.LoadFiles = append(r.p.Modules.LoadFiles, mi.LibPython)
	}
	r.p.Modules.Loaded = append(r.p.Modules.Loaded, LoadModule{"wsgi_module", mi.Path})
}
