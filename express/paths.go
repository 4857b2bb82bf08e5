package express

import (
	"bytes"
	"cmp"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
)

// PathsOptions locate the server root and the programs and files it uses
// (--help: Paths).
type PathsOptions struct {
	ServerRoot       string
	PidFile          string
	SocketPrefix     string
	HTTPDExecutable  string
	ModulesDirectory string
	ModWSGIModule    string // --mod-wsgi-module (new); also MOD_WSGI_MODULE
	PythonHome       string
	PythonExecutable string // an interpreter such as VENV/bin/python, instead of --python-home
	MimeTypes        string
	ShellExecutable  string // default: bash on PATH, else sh
	SetupOnly        bool
}

// Given is what the options say about where Apache, the module and
// Python are.
func (o *PathsOptions) Given() discover.Given {
	return discover.Given{HTTPD: o.HTTPDExecutable, ModulesDir: o.ModulesDirectory, MimeTypes: o.MimeTypes,
		Module: o.ModWSGIModule, PythonHome: o.PythonHome, PythonExecutable: o.PythonExecutable}
}

// PathsPlan is the machine's programs and files, and the files of the
// server root.
type PathsPlan struct {
	HTTPD      string
	ModulesDir string
	MimeTypes  string
	Module     discover.ModuleInfo
	Python     discover.PythonEnv // the environment the application runs in
	Shell      string             // runs apachectl
	// ShellNames: the shell can name the Apache process (exec -a).
	ShellNames bool

	ServerRoot        string
	DefaultServerRoot bool // no --server-root: the root is under $TMPDIR
	ConfigFile        string
	HandlerScript     string
	HandlerConfig     string
	RuntimeModule     string
	Apachectl         string
	Envvars           string
	ConfigStamp       string // touched by apachectl when Apache reads its configuration
	RewriteConf       string // the server root's rewrite.conf
	PidFile           string
	SocketPrefix      string
	SocketPrefixGiven bool // --socket-prefix (WSGISocketPrefix needed even when embedded)
}

// machine finds Apache, its modules, mime.types, the mod_wsgi module and
// the shell, and loads what every configuration needs.
func (r *resolver) machine() error {
	d, err := discover.Discover(r.h, r.o.Given())
	if err != nil {
		return err
	}
	ps := &r.p.Paths
	ps.HTTPD = d.HTTPD
	ps.ModulesDir = d.ModulesDir
	ps.MimeTypes = d.MimeTypes
	ps.Module = d.Module
	r.apache = discover.ApacheModules(r.h, d.HTTPD, d.ModulesDir)
	r.loadCore(d.Module)
	ps.Shell = cmp.Or(r.o.ShellExecutable, defaultShell(r.h))
	// Naming the process takes the shell's exec -a, which dash (Debian's
	// /bin/sh) lacks.
	shell := ps.Shell
	if real, err := r.h.EvalSymlinks(shell); err == nil {
		shell = real
	}
	switch filepath.Base(shell) {
	case "bash", "zsh", "ksh", "ksh93", "mksh":
		ps.ShellNames = true
	}
	return nil
}

// defaultShell is the shell for apachectl when --shell-executable is not
// given: bash from PATH, else sh, as upstream chooses. bash can name
// Apache's process (exec -a, --process-name); dash cannot.
func defaultShell(h discover.Machine) string {
	for _, name := range []string{"bash", "sh"} {
		if p, err := h.LookPath(name); err == nil {
			return p
		}
	}
	return "/bin/sh"
}

// maxSocketPath is the longest path of a UNIX socket; mod_wsgi appends
// about 30 characters to the socket prefix.
const maxSocketPath = 107

// serverRoot decides the server root and the files in it, refusing a
// directory that is not one.
func (r *resolver) serverRoot() error {
	o, ps := &r.o, &r.p.Paths
	root := o.ServerRoot
	defaulted := root == ""
	if defaulted {
		root = DefaultServerRoot(r.h, o.Host, o.Port)
	}
	root = r.abs(root)
	if err := r.checkServerRoot(root); err != nil {
		return err
	}
	ps.ServerRoot, ps.DefaultServerRoot = root, defaulted
	ps.ConfigFile = filepath.Join(root, "httpd.conf")
	ps.HandlerScript = filepath.Join(root, "handler.wsgi")
	ps.HandlerConfig = filepath.Join(root, "handler.json")
	ps.RuntimeModule = filepath.Join(root, "express_runtime.py")
	ps.Apachectl = filepath.Join(root, "apachectl")
	ps.Envvars = filepath.Join(root, "envvars")
	ps.ConfigStamp = filepath.Join(root, "apachectl.stamp")
	ps.RewriteConf = filepath.Join(root, "rewrite.conf")
	ps.SocketPrefix = filepath.Join(root, "wsgi")
	if len(ps.SocketPrefix)+30 > maxSocketPath {
		if defaulted {
			return usagef("server-root", "the default server root %s, under $TMPDIR, is too long for mod_wsgi's sockets (%d characters at most); set TMPDIR to a shorter directory or give a short --server-root", root, maxSocketPath-35)
		}
		return usagef("server-root", "%s is too long for mod_wsgi's sockets (%d characters at most); give a shorter directory", root, maxSocketPath-35)
	}
	ps.PidFile = filepath.Join(root, "httpd.pid")
	if o.PidFile != "" {
		ps.PidFile = r.abs(o.PidFile)
	}
	r.addFile(OutputFile{Name: "httpd.conf", Template: "httpd.conf.tmpl", ApacheConfig: true, Mode: 0o600})
	r.addFile(OutputFile{Name: "apachectl", Template: "apachectl.tmpl", Mode: 0o700})
	r.addFile(OutputFile{Name: "envvars", Template: "envvars.tmpl", Mode: 0o600})
	r.addFile(OutputFile{Name: "rewrite.conf", Text: "# Rewrite rules applied before requests fall back to the application.\n", Mode: 0o600, KeepOld: true})
	return r.socketPrefix()
}

// DefaultServerRoot is the server root of a server started without
// --server-root, on host (--host, "" for all) and port.
func DefaultServerRoot(h discover.Machine, host string, port int) string {
	return filepath.Join(h.TempDir(), fmt.Sprintf("mod_wsgi-%s:%d:%d", cmp.Or(host, "localhost"), port, h.Getuid()))
}

// checkServerRoot refuses an existing directory that is not safe to write
// the server root into.
func (r *resolver) checkServerRoot(root string) error {
	fi, err := r.h.Lstat(root)
	if err != nil {
		return nil // created by Write
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return usagef("server-root", "%s is a symbolic link; refusing to write through it, give a real directory", root)
	case !fi.IsDir():
		return usagef("server-root", "%s exists and is not a directory", root)
	case fi.Mode().Perm()&0o002 != 0:
		return usagef("server-root", "%s is writable by everyone; remove it or give another directory", root)
	}
	if uid, ok := discover.Owner(fi); ok && uid != r.h.Getuid() {
		return usagef("server-root", "%s belongs to another user (uid %d); remove it or give another directory", root, uid)
	}
	if others := r.foreignFiles(root); others != "" {
		return usagef("server-root", "%s already holds files mod_wsgi-express did not write (%s), and would be rewritten and made readable to the application's account only; give a new or empty directory", root, others)
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
func (r *resolver) foreignFiles(root string) string {
	h, o := r.h, &r.o
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
	if discover.IsFile(h, filepath.Join(root, "httpd.conf")) && discover.IsFile(h, filepath.Join(root, "apachectl")) &&
		discover.IsFile(h, filepath.Join(root, "handler.wsgi")) {
		return ""
	}
	named := map[string]bool{}
	eachOptionString(o, func(_, v string) error {
		if v != "" {
			named[r.abs(v)] = true
		}
		return nil
	})
	logName := func(n, base string) bool { return n == base || strings.HasPrefix(n, base+".") }
	ours := func(n string) bool {
		switch n {
		case "apachectl", "envvars", "handler.wsgi", "handler.json", "express_runtime.py", "express_debug.py", "express_telemetry.py",
			TelemetrySocketName, TelemetryStateName,
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

// socketPrefix takes --socket-prefix: a directory for the daemon sockets
// that Apache's children must be able to search.
func (r *resolver) socketPrefix() error {
	o, ps := &r.o, &r.p.Paths
	if o.SocketPrefix == "" {
		return nil
	}
	dir := r.abs(o.SocketPrefix)
	if !discover.IsDir(r.h, dir) {
		return usagef("socket-prefix", "%s is not a directory; create it or give another", dir)
	}
	prefix := filepath.Join(dir, "wsgi")
	if len(prefix)+30 > maxSocketPath {
		return usagef("socket-prefix", "%s is too long for UNIX socket paths (%d characters at most); give a shorter directory", dir, maxSocketPath-35)
	}
	if acc := r.p.Processes; acc.RunningAsRoot {
		if bad := acc.account().Blocked(r.h, dir, false); bad != "" {
			return usagef("socket-prefix", "%s cannot be searched by %s, which must reach the sockets: %s blocks it; chmod o+x %s or give another directory", dir, acc.User, bad, bad)
		}
	}
	ps.SocketPrefix, ps.SocketPrefixGiven = prefix, true
	return nil
}

// python decides the Python environment the application runs in
// (discover.ChoosePython) and WSGIPythonHome.
func (r *resolver) python() error {
	mi := r.p.Paths.Module
	if err := discover.CheckLoadable(mi); err != nil {
		return err
	}
	env, err := discover.ChoosePython(r.h, r.o.Given(), mi)
	if err != nil {
		return err
	}
	r.p.Paths.Python = env
	return nil
}

// interpreter is a Python interpreter of the environment the application
// runs in, to ask it questions; "" when none is known.
func (r *resolver) interpreter() string {
	return discover.Interpreter(r.h, r.p.Paths.Python.Home, r.p.Paths.Module)
}

// checkGivenDir refuses an existing directory that the application's
// account is to own (an output directory, the egg cache) when it holds
// files and belongs to another account: its owner and mode would be
// changed (--profiler-directory /etc as root would give /etc away).
func (r *resolver) checkGivenDir(opt, dir string) error {
	fi, err := r.h.Lstat(dir)
	if err != nil {
		return nil // created by the tool
	}
	uid, ok := discover.Owner(fi)
	if !ok || uid == r.p.Processes.UID {
		return nil
	}
	if ents, err := r.h.ReadDir(dir); err == nil && len(ents) == 0 {
		return nil
	}
	return usagef(opt, "%s already holds files and belongs to another account (uid %d), and would be given to the application's account (uid %d); give a new or empty directory", dir, uid, r.p.Processes.UID)
}
