package templates

import (
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

func TestGoldenSiteOptions(t *testing.T) {
	p := resolved(t, fakehost.New(t, fakehost.Site(), 0), withApp(func(o *express.Options) {
		o.DocumentRoot = "site"
		o.DirectoryIndex, o.DirectoryListing = "index.html", true
		o.AllowOverride = []string{"fileinfo", "AuthConfig"}
		o.ErrorDocuments = []express.Pair{{Key: "404", Value: "/missing.html"}, {Key: "500", Value: "/oops.html"}}
		o.ErrorOverride = true
		o.HandlerScripts = []express.Pair{{Key: ".py", Value: "handler.py"}}
		o.MapHeadToGet = "on"
		o.HostAccessScript, o.AuthUserScript, o.AuthGroupScript, o.AuthGroup = "access.py", "users.py", "groups.py", "staff"
		o.CompressResponses, o.ServerStatus, o.EnableSendfile, o.ChunkedRequest, o.WithCGI = true, true, true, true, true
		o.IncludeFiles = []string{"extra.conf"}
		o.RewriteRules, o.EnvvarsScript = "rules.conf", "env.sh"
		o.ServiceScripts = []express.Pair{{Key: "tasks", Value: "tasks.py"}}
		o.ServiceLogFiles = []express.Pair{{Key: "tasks", Value: "tasks.log"}}
		o.ProcessName, o.SocketPrefix = "my apache", "sock"
	}))
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

// express.Options left at their defaults change nothing: no sections, and
// no module beyond those loaded for included files (express/modules.go).
func TestSiteDefaultsAddNothing(t *testing.T) {
	p := resolved(t, fakehost.New(t, fakehost.Site(), 0), withApp(func(o *express.Options) {}))
	conf := string(renderFile(t, p, "httpd.conf"))
	for _, s := range []string{"WSGIMapHEADToGET", "AuthType", "AuthUserFile", "WSGIAuth", "DEFLATE", "server-status", "ErrorDocument", "\nInclude ", "service:"} {
		if strings.Contains(conf, s) {
			t.Errorf("default configuration holds %q", s)
		}
	}
	for _, m := range p.Modules.All() {
		if m.Name == "autoindex_module" || m.Name == "cgid_module" || m.Name == "cgi_module" {
			t.Errorf("default loads %s", m.Name)
		}
	}
}
