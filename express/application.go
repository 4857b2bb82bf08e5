package express

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
)

// ApplicationOptions say what to serve and how it is loaded (--help:
// Application).
type ApplicationOptions struct {
	EntryPoint       string   // positional argument or --entry-point
	ApplicationType  string   // script, module, paste, static (default script)
	CallableObject   string   // default "application"
	MountPoint       string   // default "/"
	WorkingDirectory string   // default: current directory
	PythonPaths      []string `opt:"python-path"`
	ApplicationGroup string   // default %{GLOBAL}
	ProcessGroup     string   // default HOST:PORT
	DisableReloading bool
	ReloadOnChanges  bool
}

func defaultApplicationOptions() ApplicationOptions {
	return ApplicationOptions{ApplicationType: "script", CallableObject: "application", MountPoint: "/"}
}

// ApplicationPlan is the application as mod_wsgi and the Python handler
// load it.
type ApplicationPlan struct {
	Type       string // script, module, paste or static
	EntryPoint string // absolute script or .ini path, or the module name; "" for the default page
	Callable   string
	Static     bool   // --application-type static: no WSGI application
	StaticDir  string // the directory a static site serves

	MountPoint       string // URL path, "/" or without a trailing slash
	WorkingDirectory string
	PythonPaths      []string

	ProcessGroup     string // the daemon process group's name
	DisplayName      string // its processes' name in ps
	ApplicationGroup string
	// WSGIProcessGroup is the process-group= of requests: ProcessGroup, or
	// %{GLOBAL} when the application runs inside Apache's children.
	WSGIProcessGroup string
	// Preload: WSGIImportScript loads the application when a process
	// starts, unless its interpreter is named per request.
	Preload bool

	ReloadOnChanges  bool
	DisableReloading bool // WSGIScriptReloading Off

	// Mount is how requests reach the application: like the Python tool,
	// through the document root, whose files win; what is not a file
	// there (under the mount point) goes to the WSGIHandlerScript.
	Mount Mount
}

// Mount is the rewrite rules of the document root's <Directory> that pass
// requests to the application. Patterns are matched, as mod_rewrite does
// in a directory, against the URL path without its leading slash.
type Mount struct {
	Pattern  string // requests under the mount point
	Redirect string // the mount point without its slash, sent to it with a slash (301); "" at /
}

// mountFor is the rewrite patterns of a mount point.
func mountFor(mount string) Mount {
	if mount == "/" {
		return Mount{Pattern: ".*"}
	}
	rel := regexp.QuoteMeta(strings.TrimPrefix(mount, "/"))
	return Mount{Pattern: "^" + rel + "/", Redirect: "^" + rel + "$"}
}

var (
	reModule = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	reIdent  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	reGroup  = regexp.MustCompile(`^[A-Za-z0-9_.:@-]+$`)
)

// application decides what is served and how mod_wsgi loads it.
func (r *resolver) application() error {
	o, a := &r.o, &r.p.Application
	wd := cmp.Or(o.WorkingDirectory, r.wd())
	a.WorkingDirectory = r.abs(wd)
	if !discover.IsDir(r.h, a.WorkingDirectory) {
		return usagef("working-directory", "%s is not a directory", a.WorkingDirectory)
	}
	mount, err := normURLPath("mount-point", o.MountPoint)
	if err != nil {
		return err
	}
	a.MountPoint, a.Mount = mount, mountFor(mount)
	if !reIdent.MatchString(o.CallableObject) {
		return usagef("callable-object", "%s is not a Python identifier", shortQuote(o.CallableObject))
	}
	a.Callable = o.CallableObject
	if err := r.entryPoint(); err != nil {
		return err
	}
	for _, pp := range o.PythonPaths {
		if pp == "" { // "" would become "." (the current directory)
			return usagef("python-path", "needs a directory, not an empty value")
		}
		ap := r.abs(pp)
		if !discover.IsDir(r.h, ap) {
			return usagef("python-path", "%s is not a directory", ap)
		}
		a.PythonPaths = append(a.PythonPaths, ap)
	}
	if err := r.groups(); err != nil {
		return err
	}
	if !a.Static {
		// What mod_wsgi loads (handler.wsgi), its configuration and the
		// runtime that loads the application.
		r.addFile(OutputFile{Name: "handler.json", JSON: &r.p.Handler, Mode: 0o640, ChildRead: true})
		for _, name := range []string{"handler.wsgi", "express_runtime.py", "express_debug.py"} {
			r.pythonFile(name)
		}
	}
	return r.reloading()
}

// wd is the command's working directory.
func (r *resolver) wd() string {
	wd, _ := r.h.Getwd()
	return wd
}

// entryPoint checks the entry point for its --application-type.
func (r *resolver) entryPoint() error {
	o, a := &r.o, &r.p.Application
	switch o.ApplicationType {
	case "script":
		if o.EntryPoint == "" {
			a.Type = "script" // the runtime's own page
			return nil
		}
		ep := r.abs(o.EntryPoint)
		if !discover.IsFile(r.h, ep) {
			if discover.IsDir(r.h, ep) {
				return usagef("entry-point", "%s is a directory, not a WSGI script file; to serve its files give --application-type static, or name the script inside it", ep)
			}
			return usagef("entry-point", "no WSGI script file at %s", ep)
		}
		a.Type, a.EntryPoint = "script", ep
	case "module":
		if o.EntryPoint == "" {
			return usagef("entry-point", "--application-type module needs a module name, such as myproject.wsgi or myproject.wsgi:application")
		}
		mod, callable, hasCallable := strings.Cut(o.EntryPoint, ":")
		if !reModule.MatchString(mod) || (hasCallable && !reIdent.MatchString(callable)) {
			return usagef("entry-point", "%s is not a module name of the form package.module or package.module:callable", shortQuote(o.EntryPoint))
		}
		a.Type, a.EntryPoint = "module", mod
		if hasCallable {
			a.Callable = callable
		}
	case "paste":
		if o.EntryPoint == "" {
			return usagef("entry-point", "--application-type paste needs the path of a Paste Deploy .ini file")
		}
		ep := r.abs(o.EntryPoint)
		if !discover.IsFile(r.h, ep) {
			return usagef("entry-point", "no Paste Deploy configuration file at %s", ep)
		}
		a.Type, a.EntryPoint = "paste", ep
	case "static":
		dir := r.abs(cmp.Or(o.EntryPoint, o.DocumentRoot, a.WorkingDirectory))
		if !discover.IsDir(r.h, dir) {
			return usagef("entry-point", "%s is not a directory to serve static files from", dir)
		}
		a.Type, a.Static, a.StaticDir = "static", true, dir
	default:
		return usagef("application-type", "%s is not one of script, module, paste or static", shortQuote(o.ApplicationType))
	}
	return nil
}

// groups names the daemon process group and the interpreter.
func (r *resolver) groups() error {
	o, a := &r.o, &r.p.Application
	a.ProcessGroup = o.ProcessGroup
	if a.ProcessGroup == "" {
		a.ProcessGroup = fmt.Sprintf("%s:%d", cmp.Or(o.Host, "localhost"), o.Port)
	}
	if !reGroup.MatchString(a.ProcessGroup) {
		return usagef("process-group", "%s may hold only letters, digits and _ . : @ -", shortQuote(a.ProcessGroup))
	}
	a.DisplayName = fmt.Sprintf("(wsgi:%s:%d)", a.ProcessGroup, r.h.Getuid())
	a.ApplicationGroup = cmp.Or(o.ApplicationGroup, "%{GLOBAL}")
	// Load the application at process start, unless its interpreter is
	// named per request (%{SERVER}, %{RESOURCE}, ...): there is none yet.
	a.Preload = a.ApplicationGroup == "%{GLOBAL}" || !strings.Contains(a.ApplicationGroup, "%{")
	if strings.ContainsAny(a.ApplicationGroup, " \t") {
		return usagef("application-group", "%s must not contain spaces", shortQuote(a.ApplicationGroup))
	}
	a.WSGIProcessGroup = a.ProcessGroup
	if r.embedded() {
		a.WSGIProcessGroup = "%{GLOBAL}"
	}
	return nil
}

// reloading decides whether the daemon processes restart when the code
// changes: never in debug mode, and in embedded mode there is no daemon
// process to restart.
func (r *resolver) reloading() error {
	o, a := &r.o, &r.p.Application
	a.ReloadOnChanges, a.DisableReloading = o.ReloadOnChanges, o.DisableReloading
	switch {
	case r.p.Debug.Mode:
		a.ReloadOnChanges, a.DisableReloading = false, true
	case o.EmbeddedMode && o.ReloadOnChanges:
		return usagef("reload-on-changes", "restarts daemon processes, and --embedded-mode has none; drop one of the two")
	case o.EmbeddedMode:
		a.DisableReloading = true
	}
	return nil
}

// applicationImports checks, for --application-type paste, that the Python
// the application runs with can import paste.deploy, before anything
// starts. The --python-path directories are passed as arguments, never as
// code.
func (r *resolver) applicationImports() error {
	a := r.p.Application
	if a.Type != "paste" {
		return nil
	}
	py := r.interpreter()
	if py == "" {
		return nil // nothing to ask; the runtime reports it on first load
	}
	args := append([]string{"-c", "import sys; sys.path[:0] = sys.argv[1:]; import paste.deploy"}, a.PythonPaths...)
	if _, err := r.h.Output(py, args...); err != nil {
		return usagef("application-type", "paste applications need the paste.deploy package, which %s cannot import; install it (Debian: apt-get install python3-pastedeploy; pip: pip install PasteDeploy)", py)
	}
	return nil
}

// normURLPath checks a URL path option and strips a trailing slash.
func normURLPath(option, u string) (string, error) {
	if !strings.HasPrefix(u, "/") {
		return "", usagef(option, "%s must be a URL path starting with /", shortQuote(u))
	}
	if strings.ContainsAny(u, " ?#") {
		return "", usagef(option, "%s must not contain spaces, ? or #", shortQuote(u))
	}
	if strings.Contains(u, "%{") {
		return "", usagef(option, "%s must not contain %%{", shortQuote(u))
	}
	if len(u) > 1 {
		u = strings.TrimRight(u, "/")
		if u == "" {
			u = "/"
		}
	}
	return u, nil
}
