package express

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/templates"
)

// SiteOptions: static files, URLs and errors; access and auth; server
// features.
type SiteOptions struct {
	// Static files, URLs and errors.
	DirectoryIndex   string
	DirectoryListing bool
	AllowOverride    []string `opt:"allow-override"`
	ErrorDocuments   []Pair   `opt:"error-document"` // STATUS URL-PATH
	ErrorOverride    bool
	HandlerScripts   []Pair `opt:"add-handler"` // EXTENSION SCRIPT
	MapHeadToGet     string // Off, On or Auto (default Auto)

	// Access and auth.
	HostAccessScript string
	AuthUserScript   string
	AuthType         string // Basic or Digest (default Basic)
	AuthGroupScript  string
	AuthGroup        string // default wsgi

	// Server features.
	CompressResponses bool
	ServerStatus      bool
	ServerMetrics     bool
	EnableSendfile    bool
	ChunkedRequest    bool
	WithCGI           bool     `opt:"with-cgi"`
	WithPHP5          bool     `opt:"with-php5"` // obsolete: refused
	IncludeFiles      []string `opt:"include-file"`
	RewriteRules      string
	EnvvarsScript     string
	ServiceScripts    []Pair `opt:"service-script"`   // NAME SCRIPT
	ServiceUsers      []Pair `opt:"service-user"`     // NAME USER
	ServiceGroups     []Pair `opt:"service-group"`    // NAME GROUP
	ServiceLogFiles   []Pair `opt:"service-log-file"` // NAME FILE-NAME
	EnableDocs        bool
	ProcessName       string
	SocketPrefix      string
}

// defaultSiteOptions holds upstream's defaults for this concern.
func defaultSiteOptions() SiteOptions {
	return SiteOptions{MapHeadToGet: "Auto", AuthType: "Basic", AuthGroup: "wsgi"}
}

// SitePlan: values this concern's templates need. Names start with Site so
// they never shadow a core Plan field.
type SitePlan struct {
	SiteDirectoryIndex string // DirectoryIndex in the document root
	SiteListing        bool   // Options +Indexes
	SiteAllowOverride  string // AllowOverride value; "" leaves Apache's None
	SiteErrorDocuments []Pair // status, URL path
	SiteErrorOverride  bool   // WSGIErrorOverride On
	SiteResourceScript string // resource.wsgi in the server root, when --add-handler
	SiteHandlers       []Pair // extension, absolute script path
	SiteMapHEAD        string // "On" or "Off"; "" for mod_wsgi's default (Auto)
	SiteHostAccess     string // WSGIAccessScript
	SiteAuthUser       string // WSGIAuthUserScript
	SiteAuthType       string // Basic or Digest
	SiteAuthGroup      string // WSGIAuthGroupScript
	SiteAuthGroupName  string // Require wsgi-group
	SiteAuthRealm      string // AuthName
	SiteCompress       bool
	SiteStatus         bool
	SiteMetrics        bool // WSGIServerMetrics and ExtendedStatus
	SiteSendfile       bool
	SiteChunked        bool
	SiteCGI            bool
	SiteIncludes       []string
	SiteRewriteRules   string // --rewrite-rules file (also in Plan.RewriteConf)
	SiteEnvvarsScript  string
	SiteServices       []Service
	SiteDocs           string // directory served at /__wsgi__/docs
	SiteProcessName    string // argv[0] of the Apache parent
	SiteSocketPrefix   bool   // --socket-prefix given (WSGISocketPrefix needed even when embedded)
}

// Service is one --service-script: a daemon process group of its own, with
// no request threads, that runs a script at start.
type Service struct {
	Name, Script, LogFile string
	Options               []string // WSGIDaemonProcess options, already quoted
}

var (
	reStatus    = regexp.MustCompile(`^[45][0-9][0-9]$`)
	reExtension = regexp.MustCompile(`^\.[A-Za-z0-9_][A-Za-z0-9_.+-]*$`)
	reToken     = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.@+-]*$`)
	reIndexName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.,+~-]*$`)
	reOverride  = regexp.MustCompile(`^(?i:(all|none|authconfig|fileinfo|indexes|limit|options|options=[a-z,]+|nonfatal=(override|unknown|all)))$`)
)

// canonicalOverride gives an AllowOverride keyword Apache's spelling.
func canonicalOverride(v string) string {
	lower := strings.ToLower(v)
	for _, k := range []string{"All", "None", "AuthConfig", "FileInfo", "Indexes", "Limit", "Options", "Nonfatal"} {
		if lower == strings.ToLower(k) {
			return k
		}
		if strings.HasPrefix(lower, strings.ToLower(k)+"=") {
			return k + v[len(k):]
		}
	}
	return v
}

// resolveSite checks this concern's options and fills its part of the plan.
func resolveSite(o *Options, h Host, p *Plan) error {
	s := siteResolver{o: o, h: h, p: p}
	for _, step := range []func() error{s.static, s.errors, s.handlers, s.auth, s.features, s.files, s.services, s.process} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

type siteResolver struct {
	o       *Options
	h       Host
	p       *Plan
	builtin string // httpd -l output, read once when a module has no .so
}

// module loads mod_NAME unless the plan loads it already or it is compiled
// into httpd; a missing module is an error naming the option.
func (s *siteResolver) module(option, name string) error {
	id := name + "_module"
	for _, m := range s.p.LoadModules {
		if m.Name == id {
			return nil
		}
	}
	path := filepath.Join(s.p.ModulesDir, "mod_"+name+".so")
	if fileExists(s.h, path) {
		s.p.LoadModules = append(s.p.LoadModules, LoadModule{id, path})
		return nil
	}
	if s.builtin == "" {
		out, _ := s.h.Output(s.p.HTTPD, "-l")
		s.builtin = string(out) + "\n"
	}
	if strings.Contains(s.builtin, "mod_"+name+".c") {
		return nil
	}
	return usagef(option, "needs Apache's mod_%s, which is neither in %s nor compiled into %s; install it (on Debian it comes with apache2) or drop the option",
		name, s.p.ModulesDir, s.p.HTTPD)
}

// file makes path absolute and checks it is a regular file; when childRead,
// also that Apache's unprivileged children can read it.
func (s *siteResolver) file(option, path string, childRead bool) (string, error) {
	if path == "" {
		return "", usagef(option, "needs a file path")
	}
	abs := absFrom(s.h, path)
	fi, err := s.h.Stat(abs)
	if err != nil {
		return "", usagef(option, "no file at %s; give the path of an existing file", abs)
	}
	if fi.IsDir() {
		return "", usagef(option, "%s is a directory; give the path of a file", abs)
	}
	if childRead {
		if err := s.readable(option, abs, s.p.UID, s.p.GID, s.p.User); err != nil {
			return "", err
		}
	}
	return abs, nil
}

func (s *siteResolver) readable(option, path string, uid, gid int, who string) error {
	if !s.p.RunningAsRoot {
		return nil
	}
	if bad := (accessor{uid: uid, gid: gid}).blocked(s.h, path, true); bad != "" {
		return usagef(option, "%s is not readable by %s, the account that must read it: %s blocks it; make it accessible (for example chmod %s %s) or choose another account",
			path, who, bad, chmodFor(s.h, bad), bad)
	}
	return nil
}

func (s *siteResolver) static() error {
	o, p := s.o, s.p
	if o.DirectoryIndex != "" {
		if !reIndexName.MatchString(o.DirectoryIndex) {
			return usagef("directory-index", "%s is not a file name such as index.html", shortQuote(o.DirectoryIndex))
		}
		p.SiteDirectoryIndex = o.DirectoryIndex
	}
	if o.DirectoryListing {
		if err := s.module("directory-listing", "autoindex"); err != nil {
			return err
		}
		p.SiteListing = true
	}
	var ov []string
	for _, v := range o.AllowOverride {
		for _, w := range strings.Fields(v) {
			if !reOverride.MatchString(w) {
				return usagef("allow-override", "%s is not an AllowOverride type; use All, None, AuthConfig, FileInfo, Indexes, Limit, Options[=...] or Nonfatal=...", shortQuote(w))
			}
			ov = append(ov, canonicalOverride(w))
		}
	}
	if len(ov) > 1 {
		for _, w := range ov {
			if w == "None" || w == "All" {
				return usagef("allow-override", "%s cannot be combined with other types; give it alone", w)
			}
		}
	}
	p.SiteAllowOverride = strings.Join(ov, " ")
	return nil
}

func (s *siteResolver) errors() error {
	o, p := s.o, s.p
	for _, e := range o.ErrorDocuments {
		if !reStatus.MatchString(e.Key) {
			return usagef("error-document", "%s is not an HTTP error status; use a 4xx or 5xx code such as 404", shortQuote(e.Key))
		}
		u, err := normURLPath("error-document", e.Value)
		if err != nil {
			return err
		}
		p.SiteErrorDocuments = append(p.SiteErrorDocuments, Pair{e.Key, u})
	}
	p.SiteErrorOverride = o.ErrorOverride
	switch strings.ToLower(o.MapHeadToGet) {
	case "auto", "":
	case "on":
		p.SiteMapHEAD = "On"
	case "off":
		p.SiteMapHEAD = "Off"
	default:
		return usagef("map-head-to-get", "%s is not one of Off, On or Auto", shortQuote(o.MapHeadToGet))
	}
	return nil
}

// resourceConfig is resources.json: extension to script, read by
// resource.wsgi.
const resourceConfig = "resources.json"

func (s *siteResolver) handlers() error {
	o, p := s.o, s.p
	if len(o.HandlerScripts) == 0 {
		return nil
	}
	if p.Static {
		return usagef("add-handler", "needs a WSGI application; it does nothing with --application-type static")
	}
	seen := map[string]bool{}
	for _, hs := range o.HandlerScripts {
		if !reExtension.MatchString(hs.Key) {
			return usagef("add-handler", "%s is not a file extension; give one such as .py", shortQuote(hs.Key))
		}
		if seen[hs.Key] {
			return usagef("add-handler", "extension %s given twice; give each extension once", hs.Key)
		}
		seen[hs.Key] = true
		script, err := s.file("add-handler", hs.Value, true)
		if err != nil {
			return err
		}
		p.SiteHandlers = append(p.SiteHandlers, Pair{hs.Key, script})
	}
	p.SiteResourceScript = filepath.Join(p.ServerRoot, "resource.wsgi")
	return nil
}

func (s *siteResolver) auth() error {
	o, p := s.o, s.p
	var err error
	if o.HostAccessScript != "" {
		if p.SiteHostAccess, err = s.file("host-access-script", o.HostAccessScript, true); err != nil {
			return err
		}
	}
	switch strings.ToLower(o.AuthType) {
	case "basic", "":
		p.SiteAuthType = "Basic"
	case "digest":
		p.SiteAuthType = "Digest"
	default:
		return usagef("auth-type", "%s is not one of Basic or Digest", shortQuote(o.AuthType))
	}
	if !reToken.MatchString(o.AuthGroup) {
		return usagef("auth-group", "%s is not a group name (letters, digits and _ . @ + -)", shortQuote(o.AuthGroup))
	}
	if o.AuthGroupScript != "" && o.AuthUserScript == "" {
		return usagef("auth-group-script", "checks the groups of users that --auth-user-script authenticated; give --auth-user-script too")
	}
	if o.AuthUserScript == "" {
		p.SiteAuthType = ""
		return nil
	}
	if p.SiteAuthUser, err = s.file("auth-user-script", o.AuthUserScript, true); err != nil {
		return err
	}
	if o.AuthGroupScript != "" {
		if p.SiteAuthGroup, err = s.file("auth-group-script", o.AuthGroupScript, true); err != nil {
			return err
		}
		p.SiteAuthGroupName = o.AuthGroup
	}
	p.SiteAuthRealm = strings.TrimSuffix(strings.TrimPrefix(p.URL, "http://"), "/")
	mods := []string{"authn_core", "authz_user", "auth_" + strings.ToLower(p.SiteAuthType)}
	for _, m := range mods {
		if err := s.module("auth-user-script", m); err != nil {
			return err
		}
	}
	return nil
}

func (s *siteResolver) features() error {
	o, p := s.o, s.p
	if o.WithPHP5 {
		return usagef("with-php5", "PHP 5 support is no longer part of mod_wsgi-express; drop the option and serve PHP another way (for example PHP-FPM behind --proxy-mount-point)")
	}
	if o.CompressResponses {
		for _, m := range []string{"filter", "deflate"} {
			if err := s.module("compress-responses", m); err != nil {
				return err
			}
		}
		p.SiteCompress = true
	}
	if o.ServerStatus {
		if err := s.module("server-status", "status"); err != nil {
			return err
		}
		p.SiteStatus, p.SiteMetrics = true, true
	}
	if o.ServerMetrics {
		if err := s.module("server-metrics", "status"); err != nil {
			return err
		}
		p.SiteMetrics = true
	}
	if p.SiteMetrics && !p.EmbeddedMode {
		p.DaemonOptions = append(p.DaemonOptions, "server-metrics=On")
	}
	p.SiteSendfile = o.EnableSendfile
	p.SiteChunked = o.ChunkedRequest
	if o.WithCGI {
		name := "cgid"
		if !fileExists(s.h, filepath.Join(p.ModulesDir, "mod_cgid.so")) {
			name = "cgi"
		}
		if err := s.module("with-cgi", name); err != nil {
			return err
		}
		p.SiteCGI = true
	}
	if o.EnableDocs {
		// A mod_wsgi installed with pip keeps its HTML documentation in
		// mod_wsgi/docs beside the mod_wsgi/server directory of the module.
		docs := filepath.Join(filepath.Dir(filepath.Dir(p.Module.Path)), "docs")
		if !fileExists(s.h, filepath.Join(docs, "index.html")) {
			return usagef("enable-docs", "no mod_wsgi documentation is installed with the module %s (looked for %s); read it at https://modwsgi.readthedocs.io/ or drop the option",
				p.Module.Path, filepath.Join(docs, "index.html"))
		}
		if err := s.readable("enable-docs", docs, p.UID, p.GID, p.User); err != nil {
			return err
		}
		p.SiteDocs = docs
	}
	return nil
}

func (s *siteResolver) files() error {
	o, p := s.o, s.p
	for _, f := range o.IncludeFiles {
		abs, err := s.file("include-file", f, false)
		if err != nil {
			return err
		}
		p.SiteIncludes = append(p.SiteIncludes, abs)
	}
	if o.RewriteRules != "" {
		abs, err := s.file("rewrite-rules", o.RewriteRules, false)
		if err != nil {
			return err
		}
		p.SiteRewriteRules, p.RewriteConf = abs, abs
		// Rules live in the document root's <Directory>: route the
		// application through it so they see every request.
		if !p.Static && p.MountPoint == "/" {
			p.RootFallback = true
		}
	}
	if o.EnvvarsScript != "" {
		abs, err := s.file("envvars-script", o.EnvvarsScript, false)
		if err != nil {
			return err
		}
		p.SiteEnvvarsScript = abs
	}
	if o.SocketPrefix != "" {
		dir := absFrom(s.h, o.SocketPrefix)
		if !dirExists(s.h, dir) {
			return usagef("socket-prefix", "%s is not a directory; create it or give another", dir)
		}
		prefix := filepath.Join(dir, "wsgi")
		if len(prefix)+30 > maxSocketPath {
			return usagef("socket-prefix", "%s is too long for UNIX socket paths (%d characters at most); give a shorter directory", dir, maxSocketPath-35)
		}
		if p.RunningAsRoot {
			if bad := (accessor{uid: p.UID, gid: p.GID}).blocked(s.h, dir, false); bad != "" {
				return usagef("socket-prefix", "%s cannot be searched by %s, which must reach the sockets: %s blocks it; chmod o+x %s or give another directory", dir, p.User, bad, bad)
			}
		}
		p.SocketPrefix = prefix
		p.SiteSocketPrefix = true
	}
	return nil
}

func (s *siteResolver) services() error {
	o, p := s.o, s.p
	scripts := map[string]bool{}
	for _, sv := range o.ServiceScripts {
		if !reToken.MatchString(sv.Key) {
			return usagef("service-script", "%s is not a service name (letters, digits and _ . @ + -)", shortQuote(sv.Key))
		}
		if scripts[sv.Key] {
			return usagef("service-script", "service %s given twice; give each service once", sv.Key)
		}
		scripts[sv.Key] = true
	}
	pick := func(option string, pairs []Pair) (map[string]string, error) {
		m := map[string]string{}
		for _, kv := range pairs {
			if !scripts[kv.Key] {
				return nil, usagef(option, "no --service-script named %s; name a service given with --service-script NAME SCRIPT", shortQuote(kv.Key))
			}
			m[kv.Key] = kv.Value
		}
		return m, nil
	}
	users, err := pick("service-user", o.ServiceUsers)
	if err != nil {
		return err
	}
	groups, err := pick("service-group", o.ServiceGroups)
	if err != nil {
		return err
	}
	logs, err := pick("service-log-file", o.ServiceLogFiles)
	if err != nil {
		return err
	}
	if !p.RunningAsRoot && (len(users) > 0 || len(groups) > 0) {
		opt := "service-user"
		if len(users) == 0 {
			opt = "service-group"
		}
		return usagef(opt, "only root can run a service as another account; drop the option or start as root")
	}
	for _, sv := range o.ServiceScripts {
		svc := Service{Name: sv.Key}
		uid, gid, user, group := p.UID, p.GID, p.User, p.Group
		if u, ok := users[sv.Key]; ok {
			acct, err := s.h.LookupUser(u)
			if err != nil {
				return usagef("service-user", "no account named %s; pass an existing account", shortQuote(u))
			}
			if acct.Uid == "0" {
				return usagef("service-user", "mod_wsgi will not run a daemon process as root; pass an unprivileged account")
			}
			user = acct.Username
			uid, _ = strconv.Atoi(acct.Uid)
			if _, given := groups[sv.Key]; !given {
				if g, err := s.h.LookupGroupID(acct.Gid); err == nil {
					group = g.Name
				}
				gid, _ = strconv.Atoi(acct.Gid)
			}
		}
		if g, ok := groups[sv.Key]; ok {
			grp, err := s.h.LookupGroup(g)
			if err != nil {
				return usagef("service-group", "no group named %s; pass an existing group", shortQuote(g))
			}
			group = grp.Name
			gid, _ = strconv.Atoi(grp.Gid)
		}
		script := absFrom(s.h, sv.Value)
		if !fileExists(s.h, script) {
			return usagef("service-script", "service %s: no script file at %s", sv.Key, script)
		}
		if err := s.readable("service-script", script, uid, gid, firstNonEmpty(user, "the service account")); err != nil {
			return err
		}
		svc.Script = script
		if l, ok := logs[sv.Key]; ok {
			if l == "" || strings.Contains(l, "/") || l == "." || l == ".." {
				return usagef("service-log-file", "%s must be a plain file name; it is written in the log directory", shortQuote(l))
			}
			svc.LogFile = filepath.Join(p.LogDirectory, l)
		}
		svc.Options = append(svc.Options, "display-name=%{GROUP}")
		if p.RunningAsRoot {
			svc.Options = append(svc.Options, ApacheOption("user", user), ApacheOption("group", group))
		}
		svc.Options = append(svc.Options, ApacheOption("home", o.WorkingDirectory), "threads=0")
		if p.PythonHome != "" {
			svc.Options = append(svc.Options, ApacheOption("python-home", p.PythonHome))
		}
		if p.Locale != "" {
			svc.Options = append(svc.Options, ApacheOption("lang", p.Locale), ApacheOption("locale", p.Locale))
		}
		if p.SiteMetrics {
			svc.Options = append(svc.Options, "server-metrics=On")
		}
		p.SiteServices = append(p.SiteServices, svc)
	}
	return nil
}

// process names the Apache parent, as upstream does: --process-name, or by
// default "apache2 (mod_wsgi-express)". mod_wsgi writes the display-name of
// each daemon process over the parent's argv[0] and cuts it to that length,
// so the name is padded to the longest display name: without it a daemon
// shows as "(wsgi:localhost:8" instead of "(wsgi:localhost:8000:0)".
func (s *siteResolver) process() error {
	o, p := s.o, s.p
	explicit := o.ProcessName != ""
	name := o.ProcessName
	if explicit && strings.TrimSpace(name) == "" {
		return usagef("process-name", "needs a name")
	}
	if !explicit {
		name = filepath.Base(p.HTTPD) + " (mod_wsgi-express)"
	}
	// Naming the process takes the shell's exec -a, which dash (Debian's
	// /bin/sh) lacks: use bash then.
	shell := p.Shell
	if real, err := s.h.EvalSymlinks(shell); err == nil {
		shell = real
	}
	switch filepath.Base(shell) {
	case "bash", "zsh", "ksh", "ksh93", "mksh":
	default:
		if o.ShellExecutable != "" {
			if !explicit {
				return nil
			}
			return usagef("process-name", "the shell %s cannot name a process (it has no exec -a); pass --shell-executable with bash, or drop --process-name", p.Shell)
		}
		bash, err := s.h.LookPath("bash")
		if err != nil {
			if !explicit {
				return nil
			}
			return usagef("process-name", "naming the Apache process needs bash (exec -a), and none is on PATH; install bash or drop --process-name")
		}
		p.Shell = bash
	}
	width := len(p.DisplayName)
	for _, svc := range p.SiteServices {
		width = max(width, len("(wsgi:service:"+svc.Name+")"))
	}
	if len(name) < width {
		name += strings.Repeat(" ", width-len(name))
	}
	p.SiteProcessName = name
	return nil
}

// siteFiles are the extra files of the server root this concern needs:
// the resource handler for --add-handler and its configuration.
func siteFiles(p *Plan) ([]File, error) {
	if p.SiteResourceScript == "" {
		return nil, nil
	}
	m := map[string]string{}
	for _, hs := range p.SiteHandlers {
		m[hs.Key] = hs.Value
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	script, err := templates.FS.ReadFile("python/resource.wsgi")
	if err != nil {
		return nil, fmt.Errorf("reading resource.wsgi: %w", err)
	}
	return []File{
		{Name: "resource.wsgi", Data: script, Mode: 0o640, ChildRead: true},
		{Name: resourceConfig, Data: append(data, '\n'), Mode: 0o640, ChildRead: true},
	}, nil
}
