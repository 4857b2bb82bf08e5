package express

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// siteLayout is debianLayout with the modules the site options load, a
// bash, and the scripts and files the options name.
func siteLayout() layout {
	l := debianLayout()
	for _, m := range []string{"autoindex", "authn_core", "authz_user", "auth_basic", "auth_digest", "filter", "deflate", "status", "cgid", "cgi"} {
		l.files["/usr/lib/apache2/modules/mod_"+m+".so"] = ""
	}
	for _, f := range []string{"/bin/bash", "/srv/app/handler.py", "/srv/app/access.py", "/srv/app/users.py", "/srv/app/groups.py",
		"/srv/app/extra.conf", "/srv/app/rules.conf", "/srv/app/env.sh", "/srv/app/tasks.py"} {
		l.files[f] = ""
	}
	l.files["/srv/app/sock/"] = ""
	return l
}

func resolveSiteOptions(t *testing.T, mod func(*Options)) (*Plan, error) {
	t.Helper()
	h := fakeHost(t, siteLayout(), 0)
	o := DefaultOptions()
	o.Version = "test"
	o.EntryPoint = "hello.wsgi"
	mod(&o)
	return Resolve(o, h)
}

func TestGoldenSiteOptions(t *testing.T) {
	p, err := resolveSiteOptions(t, func(o *Options) {
		o.DocumentRoot = "site"
		o.DirectoryIndex, o.DirectoryListing = "index.html", true
		o.AllowOverride = []string{"fileinfo", "AuthConfig"}
		o.ErrorDocuments = []Pair{{"404", "/missing.html"}, {"500", "/oops.html"}}
		o.ErrorOverride = true
		o.HandlerScripts = []Pair{{".py", "handler.py"}}
		o.MapHeadToGet = "on"
		o.HostAccessScript, o.AuthUserScript, o.AuthGroupScript, o.AuthGroup = "access.py", "users.py", "groups.py", "staff"
		o.CompressResponses, o.ServerStatus, o.EnableSendfile, o.ChunkedRequest, o.WithCGI = true, true, true, true, true
		o.IncludeFiles = []string{"extra.conf"}
		o.RewriteRules, o.EnvvarsScript = "rules.conf", "env.sh"
		o.ServiceScripts = []Pair{{"tasks", "tasks.py"}}
		o.ServiceLogFiles = []Pair{{"tasks", "tasks.log"}}
		o.ProcessName, o.SocketPrefix = "my apache", "sock"
	})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "site-options.conf", renderFile(t, p, "httpd.conf"))
	if env := string(renderFile(t, p, "envvars")); !strings.Contains(env, "set -a\n. '/srv/app/env.sh'\nset +a\n") {
		t.Errorf("envvars does not source the script with exports:\n%s", env)
	}
	if ctl := string(renderFile(t, p, "apachectl")); !strings.HasPrefix(ctl, "#!/bin/bash\n") || !strings.Contains(ctl, "exec -a 'my apache    ") {
		t.Errorf("apachectl does not name the process with bash:\n%s", ctl)
	}
	if res := string(renderFile(t, p, "resources.json")); !strings.Contains(res, `".py": "/srv/app/handler.py"`) {
		t.Errorf("resources.json: %s", res)
	}
	renderFile(t, p, "resource.wsgi")
}

// Options left at their defaults change nothing: no modules, no sections.
func TestSiteDefaultsAddNothing(t *testing.T) {
	p, err := resolveSiteOptions(t, func(o *Options) {})
	if err != nil {
		t.Fatal(err)
	}
	conf := string(renderFile(t, p, "httpd.conf"))
	for _, s := range []string{"WSGIMapHEADToGET", "Auth", "DEFLATE", "server-status", "ErrorDocument", "Include", "service:"} {
		if strings.Contains(conf, s) {
			t.Errorf("default configuration holds %q", s)
		}
	}
	for _, m := range p.LoadModules {
		if m.Name == "status_module" || m.Name == "deflate_module" || m.Name == "autoindex_module" {
			t.Errorf("default loads %s", m.Name)
		}
	}
}

func TestSiteValidationMessages(t *testing.T) {
	cases := []struct {
		mod    func(*Options)
		option string
		says   string
	}{
		{func(o *Options) { o.ErrorDocuments = []Pair{{"302", "/x"}} }, "error-document", "4xx or 5xx"},
		{func(o *Options) { o.ErrorDocuments = []Pair{{"4041", "/x"}} }, "error-document", "4xx or 5xx"},
		{func(o *Options) { o.ErrorDocuments = []Pair{{"404", "x.html"}} }, "error-document", "starting with /"},
		{func(o *Options) { o.HandlerScripts = []Pair{{"py", "handler.py"}} }, "add-handler", "extension"},
		{func(o *Options) { o.HandlerScripts = []Pair{{".py", "none.py"}} }, "add-handler", "no file"},
		{func(o *Options) {
			o.ApplicationType, o.EntryPoint = "static", "site"
			o.HandlerScripts = []Pair{{".py", "handler.py"}}
		}, "add-handler", "static"},
		{func(o *Options) { o.MapHeadToGet = "sometimes" }, "map-head-to-get", "Off, On or Auto"},
		{func(o *Options) { o.AuthUserScript, o.AuthType = "users.py", "NTLM" }, "auth-type", "Basic or Digest"},
		{func(o *Options) { o.AuthGroup = "a\"b" }, "auth-group", "group name"},
		{func(o *Options) { o.AuthGroupScript = "groups.py" }, "auth-group-script", "--auth-user-script"},
		{func(o *Options) { o.AllowOverride = []string{"Everything"} }, "allow-override", "AllowOverride type"},
		{func(o *Options) { o.AllowOverride = []string{"None", "FileInfo"} }, "allow-override", "alone"},
		{func(o *Options) { o.DirectoryIndex = "a/b.html" }, "directory-index", "file name"},
		{func(o *Options) { o.WithPHP5 = true }, "with-php5", "no longer"},
		{func(o *Options) { o.EnableDocs = true }, "enable-docs", "modwsgi.readthedocs.io"},
		{func(o *Options) { o.IncludeFiles = []string{"static"} }, "include-file", "directory"},
		{func(o *Options) { o.ServiceScripts = []Pair{{"a b", "tasks.py"}} }, "service-script", "service name"},
		{func(o *Options) { o.ServiceScripts = []Pair{{"t", "tasks.py"}, {"t", "tasks.py"}} }, "service-script", "twice"},
		{func(o *Options) { o.ServiceUsers = []Pair{{"t", "www-data"}} }, "service-user", "no --service-script"},
		{func(o *Options) {
			o.ServiceScripts = []Pair{{"t", "tasks.py"}}
			o.ServiceUsers = []Pair{{"t", "root"}}
		}, "service-user", "root"},
		{func(o *Options) {
			o.ServiceScripts = []Pair{{"t", "tasks.py"}}
			o.ServiceLogFiles = []Pair{{"t", "../x.log"}}
		}, "service-log-file", "plain file name"},
		{func(o *Options) { o.SocketPrefix = "nowhere" }, "socket-prefix", "not a directory"},
		{func(o *Options) { o.ProcessName, o.ShellExecutable = "x", "/bin/dash" }, "process-name", "exec -a"},
	}
	for _, c := range cases {
		_, err := resolveSiteOptions(t, c.mod)
		u, ok := err.(*UsageError)
		if !ok || u.Option != c.option || !strings.Contains(u.Msg, c.says) {
			t.Errorf("want --%s error saying %q, got %v", c.option, c.says, err)
		}
	}
}

func TestSiteModulesMissing(t *testing.T) {
	h := fakeHost(t, debianLayout(), 0)
	o := DefaultOptions()
	o.CompressResponses = true
	_, err := Resolve(o, h)
	if u, ok := err.(*UsageError); !ok || u.Option != "compress-responses" || !strings.Contains(u.Msg, "mod_filter") {
		t.Errorf("missing module: %v", err)
	}
}

// Without bash the default process name is dropped quietly; with it the
// parent is named after httpd, padded to the daemon's display name.
func TestDefaultProcessName(t *testing.T) {
	p, err := resolveSiteOptions(t, func(o *Options) { o.ShellExecutable = "/bin/dash" })
	if err != nil || p.SiteProcessName != "" || p.Shell != "/bin/dash" {
		t.Errorf("no exec -a: name %q, shell %q, err %v; want no name and the shell kept", p.SiteProcessName, p.Shell, err)
	}
	p, err = resolveSiteOptions(t, func(o *Options) {})
	if err != nil {
		t.Fatal(err)
	}
	if p.Shell != "/bin/bash" || strings.TrimRight(p.SiteProcessName, " ") != "apache2 (mod_wsgi-express)" || len(p.SiteProcessName) < len(p.DisplayName) {
		t.Errorf("default: shell %q, name %q (display name %q)", p.Shell, p.SiteProcessName, p.DisplayName)
	}
}

// Scripts Apache's children must read are checked against the account
// they run as.
func TestSiteScriptNotReadable(t *testing.T) {
	h := fakeHost(t, siteLayout(), 0)
	if err := os.Chmod(filepath.Join(h.Root, "srv/app/users.py"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.EntryPoint, o.AuthUserScript = "hello.wsgi", "users.py"
	_, err := Resolve(o, h)
	if u, ok := err.(*UsageError); !ok || u.Option != "auth-user-script" || !strings.Contains(u.Msg, "www-data") {
		t.Errorf("unreadable auth script: %v", err)
	}
}
