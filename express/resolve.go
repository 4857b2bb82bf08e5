package express

import (
	"fmt"
	"net"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"unicode"

	"github.com/modwsgi-go/mod_wsgi-express/mpm"
)

// Resolve checks the options, fills in defaults, discovers Apache, mod_wsgi
// and Python, and decides every value of the Plan. It writes nothing. A
// problem with the options is returned as a *UsageError.
func Resolve(opts Options, h Host) (*Plan, error) {
	o := opts
	if err := checkAllText(&o); err != nil {
		return nil, err
	}
	p := &Plan{Version: o.Version, OperatingMode: "daemon", Shell: firstNonEmpty(o.ShellExecutable, defaultShell(h))}
	steps := []func(*Options, Host, *Plan) error{
		resolveNetwork,
		resolveApplication,
		resolveNumbers,
		resolveMachine,
		resolveAccount,
		resolveServerRoot,
		resolveLogging,
		resolvePython,
		resolvePaste,
		resolveEnvironment,
		resolveDebug,
		resolveProcesses,
		resolveHTTPS,
		resolveSite,
		resolveTuning,
		resolveModule,
		resolveAccess,
		resolveSummary,
	}
	for _, step := range steps {
		if err := step(&o, h, p); err != nil {
			return nil, err
		}
	}
	p.O = o
	return p, nil
}

// checkAllText applies checkText to every string the options carry, so a
// newline or other control character can never reach a generated file,
// whichever option it came in.
func checkAllText(o *Options) error {
	return eachOptionString(o, checkText)
}

// eachOptionString calls f with the option name and value of every string
// the options carry (list items and both halves of pairs included),
// stopping at the first error.
func eachOptionString(o *Options, f func(name, value string) error) error {
	var walk func(v reflect.Value, t reflect.Type) error
	walk = func(v reflect.Value, t reflect.Type) error {
		for i := 0; i < t.NumField(); i++ {
			sf, fv := t.Field(i), v.Field(i)
			name := OptionName(sf)
			switch {
			case sf.Anonymous:
				if err := walk(fv, sf.Type); err != nil {
					return err
				}
			case name == "-":
			case fv.Kind() == reflect.String:
				if err := f(name, fv.String()); err != nil {
					return err
				}
			case fv.Kind() == reflect.Slice:
				for j := 0; j < fv.Len(); j++ {
					e := fv.Index(j)
					switch e.Kind() {
					case reflect.String:
						if err := f(name, e.String()); err != nil {
							return err
						}
					case reflect.Struct: // Pair
						for k := 0; k < e.NumField(); k++ {
							if err := f(name, e.Field(k).String()); err != nil {
								return err
							}
						}
					}
				}
			}
		}
		return nil
	}
	return walk(reflect.ValueOf(o).Elem(), reflect.TypeOf(*o))
}

// OptionName is the command-line name of an Options field: its `opt` tag,
// or its name in kebab case (HTTPDExecutable: httpd-executable).
func OptionName(f reflect.StructField) string {
	if tag := f.Tag.Get("opt"); tag != "" {
		return tag
	}
	var b strings.Builder
	r := []rune(f.Name)
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) && (unicode.IsLower(r[i-1]) || (i+1 < len(r) && unicode.IsLower(r[i+1]))) {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

var (
	reHostName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$`)
	reModule   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	reIdent    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	reGroup    = regexp.MustCompile(`^[A-Za-z0-9_.:@-]+$`)
)

// defaultShell is the shell for apachectl when --shell-executable is not
// given: bash from PATH, else sh, as upstream chooses. bash can name
// Apache's process (exec -a, --process-name); dash cannot.
func defaultShell(h Host) string {
	for _, name := range []string{"bash", "sh"} {
		if p, err := h.LookPath(name); err == nil {
			return p
		}
	}
	return "/bin/sh"
}

// validHost reports whether s is a DNS-style host name, an IPv4 address or
// an IPv6 address (written without brackets).
func validHost(s string) bool {
	if strings.Contains(s, ":") {
		return net.ParseIP(s) != nil
	}
	return reHostName.MatchString(s)
}

// siteURL is the address to give people: the server name when there is
// one (its virtual host refuses other names), without the scheme's
// default port.
func siteURL(scheme, host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if scheme == "http" && port == 80 || scheme == "https" && port == 443 {
		return fmt.Sprintf("%s://%s/", scheme, host)
	}
	return fmt.Sprintf("%s://%s:%d/", scheme, host, port)
}

func resolveNetwork(o *Options, h Host, p *Plan) error {
	if o.Port < 1 || o.Port > 65535 {
		return usagef("port", "%d is not a TCP port; use a number from 1 to 65535", o.Port)
	}
	host := o.Host
	if host != "" && !validHost(host) {
		return usagef("host", "%s is not a host name or IP address", shortQuote(host))
	}
	switch {
	case host == "":
		p.Listen = fmt.Sprint(o.Port)
	case strings.Contains(host, ":"):
		p.Listen = fmt.Sprintf("[%s]:%d", host, o.Port)
	default:
		p.Listen = fmt.Sprintf("%s:%d", host, o.Port)
	}
	if o.ServerName != "" && (!validHost(o.ServerName) || strings.Contains(o.ServerName, ":")) {
		return usagef("server-name", "%s is not a host name; use a DNS name or IPv4 address (an IPv6 address goes to --host)", shortQuote(o.ServerName))
	}
	p.ServerName = firstNonEmpty(o.ServerName, host, "localhost")
	if strings.Contains(p.ServerName, ":") {
		// Apache cannot take an IPv6 address as ServerName: it reads
		// host[:port] and refuses brackets as a wildcard. The name is only
		// used when a request has no Host header.
		p.ServerName = "localhost"
	}
	p.URL = siteURL("http", firstNonEmpty(o.ServerName, host, "localhost"), o.Port)
	if o.ProcessGroup == "" {
		o.ProcessGroup = fmt.Sprintf("%s:%d", firstNonEmpty(host, "localhost"), o.Port)
	}
	if !reGroup.MatchString(o.ProcessGroup) {
		return usagef("process-group", "%s may hold only letters, digits and _ . : @ -", shortQuote(o.ProcessGroup))
	}
	p.ProcessGroup = o.ProcessGroup
	p.DisplayName = fmt.Sprintf("(wsgi:%s:%d)", p.ProcessGroup, h.Getuid())
	p.ApplicationGroup = firstNonEmpty(o.ApplicationGroup, "%{GLOBAL}")
	// Load the application at process start, unless its interpreter is
	// named per request (%{SERVER}, %{RESOURCE}, ...): there is none yet.
	p.PreloadHandler = p.ApplicationGroup == "%{GLOBAL}" || !strings.Contains(p.ApplicationGroup, "%{")
	if strings.ContainsAny(p.ApplicationGroup, " \t") {
		return usagef("application-group", "%s must not contain spaces", shortQuote(p.ApplicationGroup))
	}
	return nil
}

// absFrom makes p absolute against the working directory of the command.
func absFrom(h Host, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	wd, _ := h.Getwd()
	return filepath.Join(wd, p)
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

func resolveApplication(o *Options, h Host, p *Plan) error {
	wd := o.WorkingDirectory
	if wd == "" {
		wd, _ = h.Getwd()
	}
	wd = absFrom(h, wd)
	if !dirExists(h, wd) {
		return usagef("working-directory", "%s is not a directory", wd)
	}
	o.WorkingDirectory = wd

	mount, err := normURLPath("mount-point", o.MountPoint)
	if err != nil {
		return err
	}
	o.MountPoint, p.MountPoint = mount, mount

	hc := HandlerConfig{
		CallableObject:   o.CallableObject,
		MountPoint:       mount,
		WorkingDirectory: wd,
		ReloadOnChanges:  o.ReloadOnChanges,
		DisableReloading: o.DisableReloading,
		Version:          o.Version,
	}
	if hc.MountPoint == "/" {
		hc.MountPoint = ""
	}
	if !reIdent.MatchString(o.CallableObject) {
		return usagef("callable-object", "%s is not a Python identifier", shortQuote(o.CallableObject))
	}
	switch o.ApplicationType {
	case "script":
		if o.EntryPoint == "" {
			hc.ApplicationType = "default"
			break
		}
		ep := absFrom(h, o.EntryPoint)
		if !fileExists(h, ep) {
			if dirExists(h, ep) {
				return usagef("entry-point", "%s is a directory, not a WSGI script file; to serve its files give --application-type static, or name the script inside it", ep)
			}
			return usagef("entry-point", "no WSGI script file at %s", ep)
		}
		hc.ApplicationType, hc.EntryPoint = "script", ep
	case "module":
		if o.EntryPoint == "" {
			return usagef("entry-point", "--application-type module needs a module name, such as myproject.wsgi or myproject.wsgi:application")
		}
		mod, callable, hasCallable := strings.Cut(o.EntryPoint, ":")
		if !reModule.MatchString(mod) || (hasCallable && !reIdent.MatchString(callable)) {
			return usagef("entry-point", "%s is not a module name of the form package.module or package.module:callable", shortQuote(o.EntryPoint))
		}
		hc.ApplicationType, hc.EntryPoint = "module", mod
		if hasCallable {
			hc.CallableObject = callable
		}
	case "paste":
		if o.EntryPoint == "" {
			return usagef("entry-point", "--application-type paste needs the path of a Paste Deploy .ini file")
		}
		ep := absFrom(h, o.EntryPoint)
		if !fileExists(h, ep) {
			return usagef("entry-point", "no Paste Deploy configuration file at %s", ep)
		}
		hc.ApplicationType, hc.EntryPoint = "paste", ep
	case "static":
		dir := firstNonEmpty(o.EntryPoint, o.DocumentRoot, wd)
		dir = absFrom(h, dir)
		if !dirExists(h, dir) {
			return usagef("entry-point", "%s is not a directory to serve static files from", dir)
		}
		o.DocumentRoot = dir
		p.Static = true
		hc.ApplicationType = "static"
	default:
		return usagef("application-type", "%s is not one of script, module, paste or static", shortQuote(o.ApplicationType))
	}
	o.EntryPoint = hc.EntryPoint

	for _, pp := range o.PythonPaths {
		if pp == "" { // "" would become "." (the current directory)
			return usagef("python-path", "needs a directory, not an empty value")
		}
		ap := absFrom(h, pp)
		if !dirExists(h, ap) {
			return usagef("python-path", "%s is not a directory", ap)
		}
		hc.PythonPaths = append(hc.PythonPaths, ap)
	}
	if o.DocumentRoot != "" {
		dr := absFrom(h, o.DocumentRoot)
		if !dirExists(h, dr) {
			return usagef("document-root", "%s is not a directory", dr)
		}
		o.DocumentRoot, p.DocumentRoot = dr, dr
		p.RootFallback = !p.Static && mount == "/"
	}
	for _, a := range o.URLAliases {
		u, err := normURLPath("url-alias", a.Key)
		if err != nil {
			return err
		}
		if a.Value == "" { // "" would become "." (Apache: the server root)
			return usagef("url-alias", "%s needs a file or directory, not an empty value", u)
		}
		target := absFrom(h, a.Value)
		fi, err := h.Stat(target)
		if err != nil {
			return usagef("url-alias", "%s: no file or directory at %s", u, target)
		}
		p.URLAliases = append(p.URLAliases, Alias{URL: u, Path: target, Dir: fi.IsDir()})
	}
	p.Handler = hc
	return nil
}

func resolveNumbers(o *Options, h Host, p *Plan) error {
	type check struct {
		name string
		v    int
		min  int
	}
	for _, c := range []check{
		{"threads", o.Threads, 1}, {"processes", o.Processes, 0}, {"max-clients", o.MaxClients, 0},
		{"maximum-requests", o.MaximumRequests, 0}, {"request-timeout", o.RequestTimeout, 0},
		{"socket-timeout", o.SocketTimeout, 1}, {"queue-timeout", o.QueueTimeout, 0},
		{"connect-timeout", o.ConnectTimeout, 0}, {"startup-timeout", o.StartupTimeout, 0},
		{"shutdown-timeout", o.ShutdownTimeout, 0}, {"graceful-timeout", o.GracefulTimeout, 0},
		{"inactivity-timeout", o.InactivityTimeout, 0}, {"deadlock-timeout", o.DeadlockTimeout, 0},
		{"keep-alive-timeout", o.KeepAliveTimeout, 0}, {"server-backlog", o.ServerBacklog, 1},
		{"daemon-backlog", o.DaemonBacklog, 1},
	} {
		if c.v < c.min {
			return usagef(c.name, "%d is too small; use %d or more", c.v, c.min)
		}
	}
	if o.LimitRequestBody < 0 {
		return usagef("limit-request-body", "%d is negative; use 0 for no limit or a number of bytes", o.LimitRequestBody)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"initial-workers", o.InitialWorkers}, {"minimum-spare-workers", o.MinimumSpareWorkers}, {"maximum-spare-workers", o.MaximumSpareWorkers}} {
		if f.v != -1 && (f.v < 0 || f.v > 1) {
			return usagef(f.name, "%v is not a fraction; use a value from 0 to 1", f.v)
		}
	}
	return nil
}

// Discover finds Apache, its modules directory, mime.types and the mod_wsgi
// module as the options direct, without checking anything else.
func Discover(o *Options, h Host) (*Discovery, error) {
	d := &Discovery{Apxs: apxsVars(h)}
	var err error
	if d.HTTPD, err = findHTTPD(o, h, d.Apxs); err != nil {
		return d, err
	}
	if d.ModulesDir, err = findModulesDir(o, h, d.Apxs, d.HTTPD); err != nil {
		return d, err
	}
	if d.MimeTypes, err = findMimeTypes(o, h, d.Apxs); err != nil {
		return d, err
	}
	if d.Module, err = findModule(o, h, d.ModulesDir); err != nil {
		return d, err
	}
	return d, nil
}

func resolveMachine(o *Options, h Host, p *Plan) error {
	d, err := Discover(o, h)
	if err != nil {
		return err
	}
	p.HTTPD, p.ModulesDir, p.MimeTypes, p.Module = d.HTTPD, d.ModulesDir, d.MimeTypes, d.Module
	files := moduleNamesIn(h, p.ModulesDir)
	builtin := ""
	if !files["mod_mpm_event.so"] && !files["mod_mpm_worker.so"] && !files["mod_mpm_prefork.so"] {
		builtin = builtinMPM(h, p.HTTPD)
	}
	if err := chooseMPM(o, p, mpm.Available(files, builtin), builtin); err != nil {
		return err
	}
	if builtin == "" {
		p.LoadModules = append(p.LoadModules, LoadModule{"mpm_" + p.MPM + "_module", filepath.Join(p.ModulesDir, "mod_mpm_"+p.MPM+".so")})
	}
	// The modules every generated configuration uses. Modules compiled into
	// httpd have no .so file and must not be loaded again.
	for _, m := range []string{"authz_core", "authz_host", "mime", "rewrite", "alias", "dir", "env", "reqtimeout", "unixd", "log_config"} {
		if files["mod_"+m+".so"] {
			p.LoadModules = append(p.LoadModules, LoadModule{m + "_module", filepath.Join(p.ModulesDir, "mod_"+m+".so")})
		}
	}
	if p.Module.NeedsLoadFile && p.Module.LibPython != "" {
		p.LoadFiles = append(p.LoadFiles, p.Module.LibPython)
	}
	p.LoadModules = append(p.LoadModules, LoadModule{"wsgi_module", p.Module.Path})
	return nil
}

// builtinMPM asks httpd which MPM it was compiled with, for builds without
// loadable MPMs.
func builtinMPM(h Host, httpd string) string {
	out, err := h.Output(httpd, "-l")
	if err != nil {
		return ""
	}
	for _, name := range mpm.Precedence {
		if strings.Contains(string(out), name+".c") {
			return name
		}
	}
	return ""
}

// resolveProcesses decides how requests spread over processes and threads:
// the daemon process group (or embedded mode, where Apache's own children
// run the application) and the sizing of Apache's children.
func resolveProcesses(o *Options, h Host, p *Plan) error {
	p.WSGIProcessGroup = p.ProcessGroup
	if o.EmbeddedMode {
		p.EmbeddedMode, p.OperatingMode, p.WSGIProcessGroup = true, "embedded", "%{GLOBAL}"
		// Reloading needs a daemon process to restart.
		if o.ReloadOnChanges {
			return usagef("reload-on-changes", "restarts daemon processes, and --embedded-mode has none; drop one of the two")
		}
		o.DisableReloading, p.Handler.DisableReloading = true, true
	}
	if p.DebugMode {
		p.OperatingMode = "debug"
	}
	if o.OrphanInterpreter {
		if err := requireModuleVersion(p, "orphan-interpreter", "4.9.1"); err != nil {
			return err
		}
	}
	p.Processes = o.Processes
	if o.EmbeddedMode && !p.DebugMode && o.Processes == 0 {
		p.CPUs = h.CPUs()
		p.Processes, p.ProcessesFromCPUs = embeddedProcesses(p.MPM, o.Threads, p.CPUs), true
	}
	p.MPMSize = mpm.Size(p.MPM, mpm.Spec{
		Processes:           p.Processes,
		Threads:             o.Threads,
		MaxClients:          o.MaxClients,
		InitialWorkers:      o.InitialWorkers,
		MinimumSpareWorkers: o.MinimumSpareWorkers,
		MaximumSpareWorkers: o.MaximumSpareWorkers,
		Embedded:            o.EmbeddedMode,
		MaximumRequests:     o.MaximumRequests,
	})
	p.MPMDirectives = p.MPMSize.Directives
	o.MaxClients = p.MPMSize.Capacity
	d := []string{
		ApacheOption("display-name", p.DisplayName),
		ApacheOption("home", o.WorkingDirectory),
		fmt.Sprintf("threads=%d", o.Threads),
	}
	if o.Processes > 0 {
		d = append(d, fmt.Sprintf("processes=%d", o.Processes))
	}
	if p.PythonHome != "" {
		d = append(d, ApacheOption("python-home", p.PythonHome))
	}
	if p.Locale != "" {
		d = append(d, ApacheOption("lang", p.Locale), ApacheOption("locale", p.Locale))
	}
	d = append(d,
		fmt.Sprintf("maximum-requests=%d", o.MaximumRequests),
		fmt.Sprintf("listen-backlog=%d", o.DaemonBacklog),
		fmt.Sprintf("queue-timeout=%d", o.QueueTimeout),
		fmt.Sprintf("socket-timeout=%d", o.SocketTimeout),
		fmt.Sprintf("connect-timeout=%d", o.ConnectTimeout),
		fmt.Sprintf("request-timeout=%d", o.RequestTimeout),
		fmt.Sprintf("inactivity-timeout=%d", o.InactivityTimeout),
		fmt.Sprintf("startup-timeout=%d", o.StartupTimeout),
		fmt.Sprintf("deadlock-timeout=%d", o.DeadlockTimeout),
		fmt.Sprintf("graceful-timeout=%d", o.GracefulTimeout),
		fmt.Sprintf("shutdown-timeout=%d", o.ShutdownTimeout),
	)
	p.DaemonOptions = d
	return nil
}

// resolvePaste checks, for --application-type paste, that the Python the
// application runs with can import paste.deploy, before anything starts.
// The --python-path directories are passed as arguments, never as code.
func resolvePaste(o *Options, h Host, p *Plan) error {
	if p.Handler.ApplicationType != "paste" {
		return nil
	}
	py := appPython(h, p)
	if py == "" {
		return nil // nothing to ask; the runtime reports it on first load
	}
	args := append([]string{"-c", "import sys; sys.path[:0] = sys.argv[1:]; import paste.deploy"}, p.Handler.PythonPaths...)
	if _, err := h.Output(py, args...); err != nil {
		return usagef("application-type", "paste applications need the paste.deploy package, which %s cannot import; install it (Debian: apt-get install python3-pastedeploy; pip: pip install PasteDeploy)", py)
	}
	return nil
}
