package express

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

func resolveSiteOptions(t *testing.T, mod func(*Options)) (*Plan, error) {
	t.Helper()
	h := fakeHost(t, fakehost.Site(), 0)
	o := DefaultOptions()
	o.Version = "test"
	o.EntryPoint = "hello.wsgi"
	mod(&o)
	return Resolve(o, h)
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
		{func(o *Options) {
			o.ServiceScripts = []Pair{{"t", "tasks.py"}}
			o.PythonPaths = []string{"/srv/app/lib:old"}
		}, "python-path", "colon"},
		{func(o *Options) { o.SocketPrefix = "nowhere" }, "socket-prefix", "not a directory"},
		{func(o *Options) { o.ProcessName, o.ShellExecutable = "x", "/bin/dash" }, "process-name", "exec -a"},
	}
	for _, c := range cases {
		_, err := resolveSiteOptions(t, c.mod)
		u, ok := err.(*fault.UsageError)
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
	if u, ok := err.(*fault.UsageError); !ok || u.Option != "compress-responses" || !strings.Contains(u.Msg, "mod_filter") {
		t.Errorf("missing module: %v", err)
	}
}

// Without bash the default process name is dropped quietly; with it the
// parent is named after httpd, padded to the daemon's display name.
func TestDefaultProcessName(t *testing.T) {
	p, err := resolveSiteOptions(t, func(o *Options) { o.ShellExecutable = "/bin/dash" })
	if err != nil || p.Processes.ProcessName != "" || p.Paths.Shell != "/bin/dash" {
		t.Errorf("no exec -a: name %q, shell %q, err %v; want no name and the shell kept", p.Processes.ProcessName, p.Paths.Shell, err)
	}
	p, err = resolveSiteOptions(t, func(o *Options) {})
	if err != nil {
		t.Fatal(err)
	}
	if p.Paths.Shell != "/bin/bash" || strings.TrimRight(p.Processes.ProcessName, " ") != "apache2 (mod_wsgi-express)" || len(p.Processes.ProcessName) < len(p.Application.DisplayName) {
		t.Errorf("default: shell %q, name %q (display name %q)", p.Paths.Shell, p.Processes.ProcessName, p.Application.DisplayName)
	}
}

// Scripts Apache's children must read are checked against the account
// they run as.
func TestSiteScriptNotReadable(t *testing.T) {
	h := fakeHost(t, fakehost.Site(), 0)
	if err := os.Chmod(filepath.Join(h.Root, "srv/app/users.py"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.EntryPoint, o.AuthUserScript = "hello.wsgi", "users.py"
	_, err := Resolve(o, h)
	if u, ok := err.(*fault.UsageError); !ok || u.Option != "auth-user-script" || !strings.Contains(u.Msg, "www-data") {
		t.Errorf("unreadable auth script: %v", err)
	}
}
