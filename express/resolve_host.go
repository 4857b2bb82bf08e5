package express

import (
	"bytes"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// runAsCandidates are tried in order when root gives no --user: the
// accounts distributions create for web servers, then the generic ones.
var runAsCandidates = []string{"www-data", "apache", "_www", "daemon", "nobody"}

func resolveAccount(o *Options, h Host, p *Plan) error {
	uid := h.Getuid()
	p.RunningAsRoot = uid == 0
	if !p.RunningAsRoot {
		p.UID = uid
		if u, err := h.LookupUserID(strconv.Itoa(uid)); err == nil {
			p.GID, _ = strconv.Atoi(u.Gid)
			if o.User != "" && o.User != u.Username {
				return usagef("user", "only root can run the server as another account (%s); drop --user or start as root", o.User)
			}
		}
		return nil
	}
	name := o.User
	if name == "" {
		for _, c := range runAsCandidates {
			if _, err := h.LookupUser(c); err == nil {
				name = c
				break
			}
		}
		if name == "" {
			return usagef("user", "running as root, and none of the accounts %s exists for Apache's children; create one or pass --user and --group", strings.Join(runAsCandidates, ", "))
		}
		p.AccountNote = fmt.Sprintf("running as root: Apache's children and the application run as %s (choose with --user/--group)", name)
	}
	u, err := h.LookupUser(name)
	if err != nil {
		return usagef("user", "no account named %s; pass an existing account", shortQuote(name))
	}
	if u.Uid == "0" {
		return usagef("user", "Apache will not run its children as root; pass an unprivileged account such as www-data")
	}
	p.User = u.Username
	p.UID, _ = strconv.Atoi(u.Uid)
	group := o.Group
	if group == "" {
		g, err := h.LookupGroupID(u.Gid)
		if err != nil {
			return usagef("group", "the primary group %s of %s has no name; pass --group", u.Gid, name)
		}
		group = g.Name
	}
	g, err := h.LookupGroup(group)
	if err != nil {
		return usagef("group", "no group named %s; pass an existing group", shortQuote(group))
	}
	if g.Gid == "0" && o.Group == "" {
		return usagef("group", "%s's primary group is root; pass --group with an unprivileged group", name)
	}
	p.Group = g.Name
	p.GID, _ = strconv.Atoi(g.Gid)
	return nil
}

// maxSocketPath is the longest path of a UNIX socket; mod_wsgi appends
// about 30 characters to the socket prefix.
const maxSocketPath = 107

func resolveServerRoot(o *Options, h Host, p *Plan) error {
	root := o.ServerRoot
	defaulted := root == ""
	if defaulted {
		root = filepath.Join(h.TempDir(), fmt.Sprintf("mod_wsgi-%s:%d:%d", firstNonEmpty(o.Host, "localhost"), o.Port, h.Getuid()))
	}
	root = absFrom(h, root)
	if fi, err := h.Lstat(root); err == nil {
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			return usagef("server-root", "%s is a symbolic link; refusing to write through it, give a real directory", root)
		case !fi.IsDir():
			return usagef("server-root", "%s exists and is not a directory", root)
		case fi.Mode().Perm()&0o002 != 0:
			return usagef("server-root", "%s is writable by everyone; remove it or give another directory", root)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != h.Getuid() {
			return usagef("server-root", "%s belongs to another user (uid %d); remove it or give another directory", root, st.Uid)
		}
		if others := foreignFiles(h, o, root); others != "" {
			return usagef("server-root", "%s already holds files mod_wsgi-express did not write (%s), and would be rewritten and made readable to the application's account only; give a new or empty directory", root, others)
		}
	}
	o.ServerRoot = root
	p.ServerRoot, p.DefaultServerRoot = root, defaulted
	p.ConfigFile = filepath.Join(root, "httpd.conf")
	p.HandlerScript = filepath.Join(root, "handler.wsgi")
	p.HandlerConfig = filepath.Join(root, "handler.json")
	p.RuntimeModule = filepath.Join(root, "express_runtime.py")
	p.Apachectl = filepath.Join(root, "apachectl")
	p.Envvars = filepath.Join(root, "envvars")
	p.RewriteConf = filepath.Join(root, "rewrite.conf")
	p.SocketPrefix = filepath.Join(root, "wsgi")
	if len(p.SocketPrefix)+30 > maxSocketPath {
		if defaulted {
			return usagef("server-root", "the default server root %s, under $TMPDIR, is too long for mod_wsgi's sockets (%d characters at most); set TMPDIR to a shorter directory or give a short --server-root", root, maxSocketPath-35)
		}
		return usagef("server-root", "%s is too long for mod_wsgi's sockets (%d characters at most); give a shorter directory", root, maxSocketPath-35)
	}
	p.PidFile = filepath.Join(root, "httpd.pid")
	if o.PidFile != "" {
		p.PidFile = absFrom(h, o.PidFile)
	}
	p.Handler.ServerRoot = root
	if p.DocumentRoot == "" {
		p.DocumentRoot = filepath.Join(root, "htdocs")
	}
	return nil
}

// foreignFiles names, briefly, the entries of an existing server root
// that show it is not one. It is one when it is empty; when its httpd.conf,
// apachectl or envvars was written by this tool; or when it holds the
// httpd.conf, apachectl and handler.wsgi of a server root made by the
// Python mod_wsgi-express. Otherwise every entry must be a name this tool
// writes (a log, the pid file, htdocs, a socket, ...) or a file an option
// names (an --include-file put there). Anything else (/, /etc, a home or
// project directory) is not rewritten and re-permissioned.
func foreignFiles(h Host, o *Options, root string) string {
	ents, err := h.ReadDir(root)
	if err != nil || len(ents) == 0 {
		return ""
	}
	for _, f := range []string{"httpd.conf", "apachectl", "envvars"} {
		if data, err := h.ReadFile(filepath.Join(root, f)); err == nil &&
			bytes.Contains(data[:min(len(data), 512)], []byte("# Generated by mod_wsgi-express")) {
			return ""
		}
	}
	if fileExists(h, filepath.Join(root, "httpd.conf")) && fileExists(h, filepath.Join(root, "apachectl")) &&
		fileExists(h, filepath.Join(root, "handler.wsgi")) {
		return ""
	}
	named := map[string]bool{}
	eachOptionString(o, func(_, v string) error {
		if v != "" {
			named[absFrom(h, v)] = true
		}
		return nil
	})
	logName := func(n, base string) bool { return n == base || strings.HasPrefix(n, base+".") }
	ours := func(n string) bool {
		switch n {
		case "apachectl", "envvars", "handler.wsgi", "handler.json", "express_runtime.py", "express_debug.py",
			"rewrite.conf", "gdb.cmds", "httpd.pid", "htdocs", "python-eggs", "pstats", "archive", "htmlcov", "__pycache__":
			return true
		}
		return logName(n, o.ErrorLogName) || logName(n, o.AccessLogName) || logName(n, o.StartupLogName) ||
			reSocketName.MatchString(n) || named[filepath.Join(root, n)]
	}
	var names []string
	for _, e := range ents {
		if !ours(e.Name()) {
			names = append(names, e.Name())
		}
	}
	if len(names) > 3 {
		names = append(names[:3], "...")
	}
	return strings.Join(names, ", ")
}

// reSocketName matches mod_wsgi's daemon sockets (WSGISocketPrefix wsgi).
var reSocketName = regexp.MustCompile(`^wsgi\.[0-9]+\.[0-9]+\.[0-9]+\.sock$`)

// checkGivenDir refuses an existing directory that the application's
// account is to own (an output directory, the egg cache) when it holds
// files and belongs to another account: its owner and mode would be
// changed (--profiler-directory /etc as root would give /etc away).
func checkGivenDir(h Host, p *Plan, opt, dir string) error {
	fi, err := h.Lstat(dir)
	if err != nil {
		return nil // created by the tool
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == p.UID {
		return nil
	}
	if ents, err := h.ReadDir(dir); err == nil && len(ents) == 0 {
		return nil
	}
	return usagef(opt, "%s already holds files and belongs to another account (uid %d), and would be given to the application's account (uid %d); give a new or empty directory", dir, st.Uid, p.UID)
}

var reLogLevel = regexp.MustCompile(`^((emerg|alert|crit|error|warn|notice|info|debug|trace[1-8])|[a-z_0-9]+:(emerg|alert|crit|error|warn|notice|info|debug|trace[1-8]))$`)

func resolveLogging(o *Options, h Host, p *Plan) error {
	for _, lv := range strings.Fields(o.LogLevel) {
		if !reLogLevel.MatchString(lv) {
			return usagef("log-level", "%s is not a log level; use emerg, alert, crit, error, warn, notice, info, debug or trace1..trace8 (optionally module:level)", shortQuote(lv))
		}
	}
	if strings.TrimSpace(o.LogLevel) == "" {
		return usagef("log-level", "needs a level such as warn or info")
	}
	for _, n := range []struct{ opt, v string }{{"error-log-name", o.ErrorLogName}, {"access-log-name", o.AccessLogName}} {
		if n.v == "" || strings.Contains(n.v, "/") || n.v == "." || n.v == ".." {
			return usagef(n.opt, "%s must be a plain file name", shortQuote(n.v))
		}
	}
	p.LogDirectory = p.ServerRoot
	if o.LogDirectory != "" {
		p.LogDirectory = absFrom(h, o.LogDirectory)
	}
	if o.LogToTerminal && o.LogDirectory == "" {
		p.ErrorLog = "/dev/stderr"
		if o.AccessLog {
			p.AccessLog = "/dev/stdout"
		}
		return nil
	}
	p.ErrorLog = filepath.Join(p.LogDirectory, o.ErrorLogName)
	if o.AccessLog {
		p.AccessLog = filepath.Join(p.LogDirectory, o.AccessLogName)
	}
	return nil
}

// resolvePython decides the Python environment the application runs in
// (see ChoosePython) and WSGIPythonHome.
func resolvePython(o *Options, h Host, p *Plan) error {
	if err := CheckLoadable(p.Module); err != nil {
		return err
	}
	env, err := ChoosePython(o, h, p.Module)
	if err != nil {
		return err
	}
	p.Python, p.PythonHome = env, env.Home
	return nil
}

var reLocale = regexp.MustCompile(`^[A-Za-z0-9_.@-]+$`)

func resolveEnvironment(o *Options, h Host, p *Plan) error {
	loc := firstNonEmpty(o.Locale, o.Lang)
	if loc != "" {
		opt := "locale"
		if o.Locale == "" {
			opt = "lang"
		}
		if !reLocale.MatchString(loc) {
			return usagef(opt, "%s is not a locale name such as en_US.UTF-8", shortQuote(loc))
		}
	} else {
		for _, c := range []string{h.Getenv("LC_ALL"), h.Getenv("LANG")} {
			if c != "" && c != "C" && c != "POSIX" && reLocale.MatchString(c) && localeExists(h, c) {
				loc = c
				break
			}
		}
		if loc == "" {
			for _, c := range []string{"en_US.UTF-8", "C.UTF-8"} {
				if localeExists(h, c) {
					loc = c
					break
				}
			}
		}
	}
	p.Locale = loc
	if loc != "" {
		p.Env = append(p.Env, Pair{"LANG", loc}, Pair{"LC_ALL", loc})
	}
	reName := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)
	for _, kv := range o.SetEnv {
		if !reName.MatchString(kv.Key) {
			return usagef("setenv", "%s is not a variable name", shortQuote(kv.Key))
		}
	}
	for _, n := range o.PassEnv {
		if !reName.MatchString(n) {
			return usagef("passenv", "%s is not a variable name", shortQuote(n))
		}
	}
	p.SetEnv, p.PassEnv = o.SetEnv, o.PassEnv
	return nil
}

// localeExists looks for a compiled locale the way glibc would find it,
// without running locale -a.
func localeExists(h Host, name string) bool {
	lang, codeset, _ := strings.Cut(name, ".")
	norm := lang
	if codeset != "" {
		cs := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(codeset, "-", ""), "_", ""))
		norm = lang + "." + cs
	}
	if name == "C" || name == "POSIX" {
		return true
	}
	for _, n := range []string{name, norm} {
		if dirExists(h, filepath.Join("/usr/lib/locale", n)) {
			return true
		}
	}
	archive, err := h.ReadFile("/usr/lib/locale/locale-archive")
	if err != nil {
		return false
	}
	return bytes.Contains(archive, []byte(norm+"\x00")) || bytes.Contains(archive, []byte(name+"\x00"))
}

// resolveAccess checks, when running as root, that the unprivileged account
// can reach what it must: the server root's parents, the application and
// the files it serves.
func resolveAccess(o *Options, h Host, p *Plan) error {
	if !p.RunningAsRoot {
		return nil
	}
	who := accessor{uid: p.UID, gid: p.GID}
	type need struct {
		opt, path string
		read      bool
	}
	needs := []need{{"server-root", filepath.Dir(p.ServerRoot), false}, {"working-directory", o.WorkingDirectory, false}}
	switch p.Handler.ApplicationType {
	case "script", "paste":
		needs = append(needs, need{"entry-point", p.Handler.EntryPoint, true})
	}
	if o.DocumentRoot != "" {
		needs = append(needs, need{"document-root", o.DocumentRoot, true})
	}
	for _, a := range p.URLAliases {
		needs = append(needs, need{"url-alias", a.Path, true})
	}
	for _, pp := range p.Handler.PythonPaths {
		needs = append(needs, need{"python-path", pp, true})
	}
	for _, n := range needs {
		if bad := who.blocked(h, n.path, n.read); bad != "" {
			return usagef(n.opt, "%s is not reachable by %s, the account Apache's children run as: %s; make it accessible (for example chmod %s %s) or pass --user and --group",
				n.path, p.User, bad, chmodFor(h, bad), bad)
		}
	}
	return nil
}

// chmodFor is the chmod mode that lets others reach path: read for a
// file, read and search for a directory.
func chmodFor(h Host, path string) string {
	if fi, err := h.Stat(path); err == nil && !fi.IsDir() {
		return "o+r"
	}
	return "o+rx"
}

type accessor struct{ uid, gid int }

// blocked returns the first path on the way to p that the account cannot
// pass (search permission on directories, read on the last when read).
func (a accessor) blocked(h Host, p string, read bool) string {
	p = filepath.Clean(p)
	parts := strings.Split(p, "/")
	cur := "/"
	for i, part := range parts {
		if part == "" {
			continue
		}
		cur = filepath.Join(cur, part)
		fi, err := h.Stat(cur)
		if err != nil {
			return ""
		}
		last := i == len(parts)-1
		want := fs.FileMode(0o1) // search
		if last && read {
			want = 0o4
			if fi.IsDir() {
				want = 0o5
			}
		} else if !fi.IsDir() {
			continue
		}
		if !a.allowed(fi, want) {
			return cur
		}
	}
	return ""
}

func (a accessor) allowed(fi fs.FileInfo, want fs.FileMode) bool {
	perm := fi.Mode().Perm()
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	switch {
	case int(st.Uid) == a.uid:
		return (perm>>6)&want == want
	case int(st.Gid) == a.gid:
		return (perm>>3)&want == want
	default:
		return perm&want == want
	}
}

func resolveSummary(o *Options, h Host, p *Plan) error {
	add := func(n, v string) { p.Summary = append(p.Summary, SummaryLine{n, v}) }
	add("Server URL", p.URL)
	if p.HTTPSURL != "" {
		add("Server URL (HTTPS)", p.HTTPSURL)
	}
	add("Server Root", p.ServerRoot)
	add("Server Conf", p.ConfigFile)
	rotated := ""
	if p.Rotatelogs != "" {
		rotated = fmt.Sprintf(".DATE, rotated at %d MB", o.MaxLogSize)
	}
	add("Error Log File", p.ErrorLog+rotated+" ("+o.LogLevel+")")
	if p.AccessLog != "" {
		add("Access Log File", p.AccessLog+rotated)
	}
	if p.Static {
		add("Operating Mode", "static files (Apache serves them; no application)")
	} else {
		add("Operating Mode", p.OperatingMode)
	}
	p.Summary = append(p.Summary, debugSummary(p)...)
	if !p.Static {
		add("Request Capacity", requestCapacity(o, p))
	}
	add("Server Capacity", fmt.Sprintf("%d (%s MPM)", p.MPMSize.Capacity, p.MPM))
	add("Application Type", o.ApplicationType)
	if p.Handler.EntryPoint != "" {
		add("Entry Point", p.Handler.EntryPoint)
	}
	if p.Static {
		add("Document Root", p.DocumentRoot)
	}
	add("mod_wsgi Module", describeModule(p.Module))
	if p.PythonHome != "" {
		add("Python Home", p.PythonHome)
	}
	if p.AccountNote != "" {
		add("Run As", p.AccountNote)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
